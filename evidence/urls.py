from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.home, name="home"),
    path("calls/<slug:slug>/", views.consultation, name="consultation"),
    path("calls/<slug:slug>/start/", views.start, name="start"),
    path("organisation/", views.organisation, name="organisation"),
    path("my-submissions/", views.my_submissions, name="my_submissions"),
    path("my-submissions/<uuid:public_id>/", views.submission_detail, name="submission_detail"),
    path("my-submissions/<uuid:public_id>/about/", views.section_about, name="section_about"),
    path("my-submissions/<uuid:public_id>/answers/", views.section_answers, name="section_answers"),
    path("my-submissions/<uuid:public_id>/data/", views.section_data, name="section_data"),
    path("my-submissions/<uuid:public_id>/data/<int:pk>/", views.section_data, name="datapoint_edit"),
    path(
        "my-submissions/<uuid:public_id>/data/<int:pk>/delete/",
        views.datapoint_delete,
        name="datapoint_delete",
    ),
    path("my-submissions/<uuid:public_id>/files/", views.section_attachments, name="section_attachments"),
    path(
        "my-submissions/<uuid:public_id>/files/<uuid:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path(
        "my-submissions/<uuid:public_id>/confidentiality/",
        views.section_confidentiality,
        name="section_confidentiality",
    ),
    path("my-submissions/<uuid:public_id>/check/", views.check_answers, name="check_answers"),
    path("my-submissions/<uuid:public_id>/submit/", views.submit, name="submit"),
    path("my-submissions/<uuid:public_id>/confirmation/", views.confirmation, name="confirmation"),
    path("my-submissions/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "my-submissions/<uuid:public_id>/versions/<int:number>/",
        views.version_detail,
        name="version_detail",
    ),
    path("files/<uuid:public_id>/", views.attachment_download, name="attachment_download"),
]
