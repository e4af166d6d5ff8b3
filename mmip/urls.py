from django.contrib import admin
from django.urls import include, path

from evidence.signin import admin_login
from recommendations.views.public import you_said_we_did

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
    path("", include("evidence.urls")),
]
