from django.urls import path

from .views import compilation, dashboard, drafts, exports

app_name = "recommendations"

urlpatterns = [
    path("", dashboard.dashboard_home, name="dashboard_home"),
    path("dashboard/<slug:slug>/", dashboard.dashboard_view, name="dashboard"),
    path("dashboard/<slug:slug>/refresh/", dashboard.dashboard_refresh, name="dashboard_refresh"),
    path("compilations/", compilation.runs, name="runs"),
    path("compilations/start/", compilation.start, name="start"),
    path("compilations/<int:pk>/", compilation.run_detail, name="run_detail"),
    path("compilations/<int:pk>/themes/", compilation.run_themes, name="run_themes"),
    path("drafts/<int:pk>/", drafts.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/edit/", drafts.draft_edit, name="draft_edit"),
    path("drafts/<int:pk>/criteria/", drafts.draft_criteria, name="draft_criteria"),
    path("drafts/<int:pk>/status/", drafts.draft_transition, name="draft_transition"),
    path("drafts/<int:pk>/compare/", drafts.draft_compare, name="draft_compare"),
    path("exports/", exports.export_list, name="exports"),
    path("exports/start/", exports.export_start, name="export_start"),
    path("exports/<int:pk>/download/", exports.export_download, name="export_download"),
]
