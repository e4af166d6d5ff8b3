from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "MMIP Evidence: review"
admin.site.site_title = "MMIP Evidence admin"
admin.site.index_title = "Triage and review"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("lead/", include("recommendations.urls")),
    path("", include("evidence.urls")),
]
