from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from evidence.signin import admin_login
from mmip.readiness import readyz
from recommendations.views.public import you_said_we_did


class FaviconView(RedirectView):
    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")  # at request time: the manifest of collected files exists by then


admin.site.site_header = "MMIP Evidence: review"
admin.site.site_title = "MMIP Evidence admin"
admin.site.index_title = "Triage and review"
# Staff sign in through allauth (rate limits, second factor), never through the admin's own form.
admin.site.login = admin_login

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("lead/", include("recommendations.urls")),
    path("calls/<slug:slug>/you-said-we-did/", you_said_we_did, name="you_said_we_did"),
    # Pages name their icon; this serves tools and browsers that ask for /favicon.ico regardless.
    path("favicon.ico", FaviconView.as_view()),
    path("readyz", readyz, name="readyz"),
    path("", include("evidence.urls")),
]
