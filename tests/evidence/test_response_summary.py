"""The response's summary on the overview and "check your answers": rendered once per change of the response
(evidence/summaries.py), and never shown as it was before a change."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from evidence import privacy, services, summaries
from evidence.models import DataPoint, EcosystemComponent, Region, Submission
from tests import factories
from tests.evidence import journey_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(submitter, consultation):
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.submission_update(submission=draft, by=submitter, data={"summary": "We make vaccines in Speke."})
    return draft


def pages(client, submission):
    """The overview's and "check your answers"' text, as the submitter sees them now."""
    return [
        client.get(reverse(f"evidence:{name}", args=[submission.public_id])).content.decode()
        for name in ("submission_detail", "check_answers")
    ]


def test_each_change_to_a_response_shows_at_once_on_both_pages(client, submitter, draft, consultation):
    client.force_login(submitter)
    assert all("We make vaccines in Speke." in page for page in pages(client, draft))  # now cached

    def shown(text):
        return all(text in page for page in pages(client, draft))

    services.submission_update(submission=draft, by=submitter, data={"summary": "We make vaccines in Ware."})
    assert shown("We make vaccines in Ware.") and not shown("in Speke.")
    question = consultation.questions.first()
    services.answers_save(submission=draft, by=submitter, answers={question.pk: "Sterile fill-finish skills."})
    assert shown("Sterile fill-finish skills.")
    point = factories.DataPointFactory.build(submission=draft, source="Our 2024 annual report")
    services.data_point_save(submission=draft, by=submitter, data_point=point)
    assert shown("Our 2024 annual report")
    services.data_point_delete(data_point=DataPoint.objects.get(pk=point.pk), by=submitter)
    assert not shown("Our 2024 annual report")
    attachment = services.attachment_add(
        submission=draft, upload=files.upload("site-survey.pdf", files.pdf_bytes()), by=submitter
    )
    assert shown("site-survey.pdf")
    services.attachment_delete(attachment=attachment, by=submitter)
    assert not shown("site-survey.pdf") and shown("No files attached.")
    services.answers_save(submission=draft, by=submitter, answers={question.pk: ""})
    assert shown("No answers yet.")
    services.submission_update(
        submission=draft,
        by=submitter,
        data={"confidentiality": "confidential", "confidentiality_reason": "Our expansion plans."},
    )
    assert shown("Our expansion plans.")


def test_renamed_questions_components_and_regions_show_at_once(client, submitter, draft, consultation):
    client.force_login(submitter)
    question = consultation.questions.exclude(component=None).first()
    services.answers_save(submission=draft, by=submitter, answers={question.pk: "Skills."})
    services.data_point_save(
        submission=draft, by=submitter, data_point=factories.DataPointFactory.build(submission=draft)
    )
    pages(client, draft)  # cached
    question.text = "What would most help you hire sterile technicians?"
    question.save()
    component = EcosystemComponent.objects.get(pk=question.component_id)
    component.name = "Skills and talent pipeline"
    component.save()
    region = Region.objects.get(pk=DataPoint.objects.get(submission=draft).geography_id)
    region.name = "The North West of England"
    region.save()
    for page in pages(client, draft):
        assert "Skills and talent pipeline: What would most help you hire sterile technicians?" in page
        assert "The North West of England" in page


def test_a_second_visit_reads_neither_answers_nor_data_points_nor_files(
    client, submitter, draft, django_assert_num_queries
):
    client.force_login(submitter)
    detail = reverse("evidence:submission_detail", args=[draft.public_id])
    first = client.get(detail).content.decode()
    from django.db import connection

    # Session, user, the response (with its consultation and organisation), and on SQLite the navigation's
    # permission check: not its answers, data points or attachments.
    with django_assert_num_queries(3 + (connection.vendor != "postgresql")) as captured:
        again = client.get(detail).content.decode()
    assert "We make vaccines in Speke." in first and "We make vaccines in Speke." in again
    assert '<section aria-labelledby="about-h"' in again  # the cached HTML is shown, not escaped
    assert not any(
        table in query["sql"]
        for query in captured.captured_queries
        for table in ("evidence_answer", "evidence_datapoint", "evidence_attachment")
    )


def test_the_change_links_follow_the_deadline(client, submitter, draft, consultation):
    client.force_login(submitter)
    change = f'href="{reverse("evidence:section_about", args=[draft.public_id])}"'
    assert change in pages(client, draft)[0]
    with time_machine.travel(consultation.closes_at + dt.timedelta(minutes=1)):
        assert all(change not in page for page in pages(client, draft))


def test_erasing_personal_data_renews_the_summary(submitter, draft, consultation, settings):
    services.submission_update(
        submission=draft, by=submitter, data={"declared_interests": "Board member of a trade body."}
    )
    draft = Submission.objects.select_related("consultation", "organisation").get(pk=draft.pk)
    assert "Board member" in summaries.response_summary(draft, editable=False).html
    later = consultation.closes_at + dt.timedelta(days=settings.MMIP_RETENTION_DAYS + 1)
    privacy.erase_personal_data(consultation=consultation, now=later)
    draft = Submission.objects.select_related("consultation", "organisation").get(pk=draft.pk)
    assert "Board member" not in summaries.response_summary(draft, editable=False).html


def test_the_overview_lists_each_submitted_version_and_reads_them_once(
    client, submitter, draft, django_assert_num_queries
):
    from django.db import connection

    client.force_login(submitter)
    services.submission_update(
        submission=draft, by=submitter, data={"proposals": "Fund skills.", "confidentiality": "publishable"}
    )
    detail = reverse("evidence:submission_detail", args=[draft.public_id])
    assert "Submitted versions" not in client.get(detail).content.decode()
    services.submission_submit(submission=draft, by=submitter)
    version = reverse("evidence:version_detail", args=[draft.public_id, 1])
    assert version in client.get(detail).content.decode()  # cached with the summary
    with django_assert_num_queries(3 + (connection.vendor != "postgresql")):
        assert version in client.get(detail).content.decode()
    services.submission_update(submission=draft, by=submitter, data={"summary": "Amended."})
    draft.refresh_from_db()
    services.submission_submit(submission=draft, by=submitter)
    page = client.get(detail).content.decode()
    assert reverse("evidence:version_detail", args=[draft.public_id, 2]) in page and version in page
    assert (
        "Submitted versions"
        not in client.get(reverse("evidence:check_answers", args=[draft.public_id])).content.decode()
    )


def test_summaries_rendered_by_other_templates_are_not_shown(draft, monkeypatch, django_assert_max_num_queries):
    """After a deploy that changes the summary's templates (their digest is in the key), nothing the old
    ones rendered is shown."""
    draft = Submission.objects.select_related("consultation", "organisation").get(pk=draft.pk)
    summaries.response_summary(draft, editable=True)
    with django_assert_max_num_queries(0):
        summaries.response_summary(draft, editable=True)
    monkeypatch.setattr(summaries, "_templates_version", lambda: "after-a-deploy")
    with django_assert_max_num_queries(3) as captured:
        summaries.response_summary(draft, editable=True)
    assert any("evidence_answer" in query["sql"] for query in captured.captured_queries)
