"""The submitter journey through the web pages, end to end, and its rules."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from evidence.models import Attachment, DataPoint, OutboxTask, Submission, SubmissionVersion
from tests import factories
from tests.downloads import downloaded

pytestmark = pytest.mark.django_db


def _url(name, submission, **kwargs):
    return reverse(f"evidence:{name}", kwargs={"public_id": submission.public_id, **kwargs})


def _start(client, consultation) -> Submission:
    response = client.post(reverse("evidence:start", kwargs={"slug": consultation.slug}))
    assert response.status_code == 302
    return Submission.objects.get()


def _fill_minimum(client, submission):
    client.post(_url("section_about", submission), {"summary": "We make sterile injectables in Wales."})
    question = submission.consultation.questions.first()
    client.post(
        _url("section_answers", submission),
        {
            f"q{question.pk}": "We cannot recruit enough process engineers.",
            "proposals": "Fund apprenticeships.",
        },
    )
    client.post(_url("section_confidentiality", submission), {"confidentiality": "publishable"})


def test_a_new_member_signs_up_verifies_and_submits_evidence_with_a_file_and_a_data_point(
    client, consultation, django_capture_on_commit_callbacks
):
    # Sign up, then confirm the e-mail address through the link that was sent.
    response = client.post(
        reverse("account_signup"),
        {
            "email": "ana@northern.example",
            "password1": "a-long-pass-phrase-1",
            "password2": "a-long-pass-phrase-1",
        },
    )
    assert response.status_code == 302
    link = re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+", mail.outbox[-1].body).group(0)
    client.post(link.split("testserver", 1)[-1])
    assert (
        client.post(
            reverse("account_login"), {"login": "ana@northern.example", "password": "a-long-pass-phrase-1"}
        ).status_code
        == 302
    )

    # Organisation details come before the response.
    response = client.post(reverse("evidence:start", kwargs={"slug": consultation.slug}))
    assert response.status_code == 302 and reverse("evidence:organisation") in response["Location"]
    client.post(
        reverse("evidence:organisation"),
        {
            "name": "Northern Sterile Ltd",
            "organisation_type": factories.organisation_type("cdmo").pk,
            "size_band": "medium",
            "region": factories.region("wales").pk,
            "job_title": "Operations director",
        },
    )
    submission = _start(client, consultation)
    assert submission.status == Submission.Status.DRAFT

    _fill_minimum(client, submission)
    response = client.post(
        _url("section_data_points", submission),
        {
            "indicator": factories.indicator("manufacturing-jobs").pk,
            "value": "1,200",
            "unit": "jobs",
            "period_start": "2023",
            "geography": factories.region("wales").pk,
            "source": "Our annual report 2023",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    pdf = _pdf_upload()
    response = client.post(_url("section_attachments", submission), {"file": pdf, "description": "Survey"})
    assert response.status_code == 302
    client.post(
        _url("section_confidentiality", submission),
        {"confidentiality": "publishable", "consent_to_publish": "on"},
    )

    page = client.get(_url("check_answers", submission))
    assert b"Submit response" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("submit", submission))
    assert response["Location"] == _url("confirmation", submission)
    submission.refresh_from_db()
    assert submission.reference == "MMIP-0001"
    assert client.get(response["Location"]).content.decode().count("MMIP-0001") >= 1
    assert DataPoint.objects.get().value == 1200
    assert Attachment.objects.get().kind == "pdf"
    # The receipt went out (Celery runs eagerly without a broker) and says what was received.
    receipt = mail.outbox[-1]
    assert "MMIP-0001" in receipt.subject and "Northern Sterile Ltd" in receipt.body
    assert "Employment" not in receipt.body and "1,200 jobs" in receipt.body


def _pdf_upload(name="evidence.pdf", body=b"Sterile capacity survey"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=body.decode())
    return SimpleUploadedFile(name, bytes(pdf.output()), content_type="application/pdf")


def test_a_double_submit_gives_one_reference_and_one_receipt(submitter_client, consultation, submitter):
    submission = _start(submitter_client, consultation)
    _fill_minimum(submitter_client, submission)
    submitter_client.post(_url("submit", submission))
    submitter_client.post(_url("submit", submission))
    submission.refresh_from_db()
    assert submission.reference == "MMIP-0001"
    assert SubmissionVersion.objects.count() == 1
    assert OutboxTask.objects.filter(task_name="evidence.tasks.submitted").count() == 1


def test_an_amendment_keeps_the_reference_and_the_earlier_version(submitter_client, consultation):
    submission = _start(submitter_client, consultation)
    _fill_minimum(submitter_client, submission)
    submitter_client.post(_url("submit", submission))
    submitter_client.post(_url("section_about", submission), {"summary": "Amended: we also make vaccines."})
    submission.refresh_from_db()
    assert submission.has_unsubmitted_changes
    submitter_client.post(_url("submit", submission))
    submission.refresh_from_db()
    assert (submission.reference, submission.version, submission.has_unsubmitted_changes) == (
        "MMIP-0001",
        2,
        False,
    )
    first, second = SubmissionVersion.objects.order_by("number")
    assert first.snapshot["summary"] == "We make sterile injectables in Wales."
    assert second.snapshot["summary"] == "Amended: we also make vaccines."
    assert submitter_client.get(_url("version_detail", submission, number=1)).status_code == 200


def test_a_response_can_be_withdrawn_after_confirmation(submitter_client, consultation):
    submission = _start(submitter_client, consultation)
    _fill_minimum(submitter_client, submission)
    submitter_client.post(_url("submit", submission))
    response = submitter_client.post(_url("withdraw", submission), {})
    assert (
        response.status_code == 200
        and "Tick the box to confirm that you want to withdraw your response." in response.content.decode()
    )
    submitter_client.post(_url("withdraw", submission), {"confirm": "on"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.WITHDRAWN
    assert submission.reference == "MMIP-0001"


def test_submitting_an_empty_response_lists_what_is_missing(submitter_client, consultation):
    submission = _start(submitter_client, consultation)
    response = submitter_client.post(_url("submit", submission), follow=True)
    content = response.content.decode()
    assert "Enter a summary of your evidence." in content
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT and submission.reference == ""


def test_after_the_deadline_nothing_can_be_started_changed_or_submitted(submitter_client, consultation):
    consultation.closes_at = consultation.opens_at + dt.timedelta(days=31)  # within the session's lifetime
    consultation.save()
    submission = _start(submitter_client, consultation)
    _fill_minimum(submitter_client, submission)
    with time_machine.travel(consultation.closes_at + dt.timedelta(minutes=1)):
        response = submitter_client.post(_url("section_about", submission), {"summary": "Too late"}, follow=True)
        assert "closed on" in response.content.decode()
        response = submitter_client.post(_url("submit", submission), follow=True)
        assert "closed on" in response.content.decode()
        assert "closed on" in submitter_client.get(_url("section_about", submission)).content.decode()
        response = submitter_client.post(reverse("evidence:start", kwargs={"slug": consultation.slug}), follow=True)
        assert "closed on" in response.content.decode()
    submission.refresh_from_db()
    assert submission.summary == "We make sterile injectables in Wales."
    assert submission.status == Submission.Status.DRAFT


def test_answers_over_the_word_limit_are_refused_with_the_count(submitter_client, consultation):
    submission = _start(submitter_client, consultation)
    question = consultation.questions.first()
    response = submitter_client.post(
        _url("section_answers", submission), {f"q{question.pk}": "word " * (question.word_limit + 1)}
    )
    assert f"has {question.word_limit + 1} words; the limit is {question.word_limit}" in response.content.decode()
    assert not submission.answers.exists()


@pytest.mark.parametrize(
    ("value", "unit", "year", "message"),
    [
        ("12abc", "jobs", "2023", "Enter the value as a number"),
        ("NaN", "jobs", "2023", "Enter the value as a number"),
        ("400", "litres", "2023", "does not fit Medicines manufacturing jobs"),
        ("400", "jobs", "1066", "Enter a year from 1950 onwards."),
        ("400", "jobs", "2999", "or earlier"),
    ],
)
def test_malformed_data_points_are_refused_with_a_specific_message(
    submitter_client, consultation, value, unit, year, message
):
    submission = _start(submitter_client, consultation)
    response = submitter_client.post(
        _url("section_data_points", submission),
        {
            "indicator": factories.indicator("manufacturing-jobs").pk,
            "value": value,
            "unit": unit,
            "period_start": year,
            "geography": factories.region().pk,
            "source": "Survey",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DataPoint.objects.exists()


def test_script_in_text_is_shown_escaped(submitter_client, consultation):
    submission = _start(submitter_client, consultation)
    submitter_client.post(_url("section_about", submission), {"summary": "<script>alert('x')</script>"})
    content = submitter_client.get(_url("check_answers", submission)).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content


def test_an_outsider_gets_404_on_every_url_of_another_organisations_response(client, consultation, outsider):
    submission = factories.SubmittedSubmissionFactory(consultation=consultation)
    content = b"Their evidence\n"
    attachment = Attachment(
        submission=submission,
        original_name="a.txt",
        kind="txt",
        content_type="text/plain",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=submission.created_by,
    )
    attachment.file.save("a.txt", ContentFile(content), save=True)  # on storage: a 404 is a refusal
    data_point = factories.DataPointFactory(submission=submission)
    client.force_login(outsider)
    urls = [
        _url(name, submission)
        for name in [
            "submission_detail",
            "section_about",
            "section_answers",
            "section_data_points",
            "section_attachments",
            "section_confidentiality",
            "check_answers",
            "confirmation",
            "withdraw",
        ]
    ]
    urls += [
        _url("data_point_edit", submission, pk=data_point.pk),
        _url("version_detail", submission, number=1),
        reverse("evidence:attachment_download", kwargs={"public_id": attachment.public_id}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in [_url("submit", submission), _url("data_point_delete", submission, pk=data_point.pk)]:
        assert client.post(url).status_code == 404, url
    assert client.post(_url("section_about", submission), {"summary": "hijack"}).status_code == 404
    submission.refresh_from_db()
    assert submission.summary != "hijack"
    # Control: the same download URL serves the file to someone allowed to see it.
    client.force_login(factories.UserFactory(username="rita", groups=["Reviewer"]))
    response = client.get(reverse("evidence:attachment_download", kwargs={"public_id": attachment.public_id}))
    assert downloaded(response, filename="a.txt", content_type="text/plain") == content


def test_anonymous_visitors_are_sent_to_sign_in(client, consultation):
    submission = factories.SubmissionFactory(consultation=consultation)
    response = client.get(_url("submission_detail", submission))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_the_landing_page_shows_the_call_components_deadline_and_sign_in(client, consultation):
    content = client.get("/").content.decode()
    assert consultation.title in content
    assert "Skills and talent" in content
    assert "Commercially confidential" in content
    assert reverse("account_login") in content


def test_my_submissions_lists_only_my_organisations_responses(
    submitter_client, submitter, consultation, django_assert_max_num_queries
):
    mine = factories.SubmittedSubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation
    )
    factories.SubmittedSubmissionFactory(consultation=consultation, reference="MMIP-0999", reference_number=999)
    # session, user, membership, submissions with their consultation, open consultations, and the
    # navigation's permission check (user's and groups' permissions)
    with django_assert_max_num_queries(7):
        content = submitter_client.get(reverse("evidence:my_submissions")).content.decode()
    assert mine.reference in content
    assert "MMIP-0999" not in content
