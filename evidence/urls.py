from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.home, name="home"),
    path("calls/<slug:slug>/", views.consultation_detail, name="consultation"),
    path("calls/<slug:slug>/start/", views.start, name="start"),
    path("organisation/", views.organisation, name="organisation"),
    path("responses/", views.my_submissions, name="my_submissions"),
    path("responses/<uuid:public_id>/", views.submission_detail, name="submission_detail"),
    path("responses/<uuid:public_id>/about/", views.section_about, name="section_about"),
    path("responses/<uuid:public_id>/answers/", views.section_answers, name="section_answers"),
    path("responses/<uuid:public_id>/data/", views.section_data_points, name="section_data_points"),
    path("responses/<uuid:public_id>/data/<int:pk>/", views.section_data_points, name="data_point_edit"),
    path("responses/<uuid:public_id>/data/<int:pk>/delete/", views.data_point_delete, name="data_point_delete"),
    path("responses/<uuid:public_id>/files/", views.section_attachments, name="section_attachments"),
    path(
        "responses/<uuid:public_id>/files/<uuid:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path(
        "responses/<uuid:public_id>/confidentiality/",
        views.section_confidentiality,
        name="section_confidentiality",
    ),
    path("responses/<uuid:public_id>/check/", views.check_answers, name="check_answers"),
    path("responses/<uuid:public_id>/submit/", views.submit, name="submit"),
    path("responses/<uuid:public_id>/confirmation/", views.confirmation, name="confirmation"),
    path("responses/<uuid:public_id>/withdraw/", views.withdraw, name="withdraw"),
    path("responses/<uuid:public_id>/versions/<int:number>/", views.version_detail, name="version_detail"),
    path("files/<uuid:public_id>/", views.attachment_download, name="attachment_download"),
]
