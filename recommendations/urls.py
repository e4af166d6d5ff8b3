from django.urls import path

from .views import compilation, drafts

app_name = "recommendations"

urlpatterns = [
    path("compilations/", compilation.runs, name="runs"),
    path("compilations/start/", compilation.start, name="start"),
    path("compilations/<int:pk>/", compilation.run_detail, name="run_detail"),
    path("drafts/<int:pk>/", drafts.draft_detail, name="draft_detail"),
    path("drafts/<int:pk>/edit/", drafts.draft_edit, name="draft_edit"),
    path("drafts/<int:pk>/status/", drafts.draft_transition, name="draft_transition"),
    path("drafts/<int:pk>/compare/", drafts.draft_compare, name="draft_compare"),
]
