"""The receipt e-mail: what it says, that it describes the version submitted, and that each version's
receipt goes out once however often the task is delivered."""

from __future__ import annotations

import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence import services, tasks
from evidence.models import DataPoint, Submission, SubmissionVersion
from tests import factories
from tests.evidence import journey_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(consultation, submitter):
    return services.submission_start(consultation=consultation, user=submitter)


def fill(draft, submitter, **changes):
    question = draft.consultation.questions.first()
    services.answers_save(
        submission=draft, by=submitter, answers={question.pk: "Validation roles take seven months to fill."}
    )
    services.submission_update(
        submission=draft,
        by=submitter,
        data={
            "summary": "Recruiting process engineers is our main constraint.",
            "proposals": "Fund apprenticeships in sterile manufacturing.",
            "confidentiality": "publishable",
            **changes,
        },
    )
    services.data_point_save(
        submission=draft,
        by=submitter,
        data_point=DataPoint(
            indicator=factories.indicator("manufacturing-jobs"),
            value=Decimal("1200"),
            unit="jobs",
            period_start=2023,
            geography=factories.region("wales"),
            source="Our annual report 2023",
        ),
    )


def submit(submission, by, django_capture_on_commit_callbacks) -> Submission:
    with django_capture_on_commit_callbacks(execute=True):
        return services.submission_submit(submission=submission, by=by)


def test_the_receipt_summarises_what_was_submitted(draft, submitter, django_capture_on_commit_callbacks):
    fill(draft, submitter)
    submission = submit(draft, submitter, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [submitter.email]
    assert receipt.subject == "Response received: MMIP-0001"
    body = receipt.body
    assert "Reference: MMIP-0001" in body
    assert "Organisation: Northern Biologics Ltd" in body
    assert "Recruiting process engineers is our main constraint." in body
    assert "What should change?\nFund apprenticeships in sterile manufacturing." in body
    assert "Answers: 1" in body and "(7 words)" in body
    assert "- Medicines manufacturing jobs: 1,200 jobs (2023, Wales)" in body
    assert "Confidentiality: Publishable: may be published with attribution" in body
    assert f"http://127.0.0.1:8000{submission.get_absolute_url()}" in body
    html, mimetype = receipt.alternatives[0]
    assert mimetype == "text/html" and "<strong>MMIP-0001</strong>" in html
    assert "<h2>What should change?</h2>\n<p>Fund apprenticeships in sterile manufacturing.</p>" in html
    version = SubmissionVersion.objects.get(submission=submission, number=1)
    assert version.receipt_sent_at is not None
    submission.refresh_from_db()
    assert submission.receipt_version == 1 and submission.receipt_sent_at == version.receipt_sent_at


def test_the_receipt_lists_the_attachments(draft, submitter, django_capture_on_commit_callbacks):
    services.attachment_add(
        submission=draft,
        by=submitter,
        upload=SimpleUploadedFile("skills-survey.pdf", journey_files.pdf_bytes()),
    )
    fill(draft, submitter)
    submit(draft, submitter, django_capture_on_commit_callbacks)
    assert "Attachments: 1\n- skills-survey.pdf (" in mail.outbox[0].body


def test_a_confidential_response_is_marked_so_in_its_receipt(draft, submitter, django_capture_on_commit_callbacks):
    fill(draft, submitter, confidentiality="confidential", confidentiality_reason="Unpublished capacity plans.")
    submit(draft, submitter, django_capture_on_commit_callbacks)
    receipt = mail.outbox[0]
    assert "Confidentiality: Commercially confidential" in receipt.body
    assert "Commercial in confidence" in receipt.body and "Commercial in confidence" in receipt.alternatives[0][0]


def test_script_in_a_summary_is_escaped_in_the_html_receipt(draft, submitter, django_capture_on_commit_callbacks):
    fill(draft, submitter, summary="<script>alert('x')</script> Energy costs doubled.")
    submit(draft, submitter, django_capture_on_commit_callbacks)
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_receipt_describes_the_version_submitted_not_later_edits(
    draft, submitter, django_capture_on_commit_callbacks
):
    fill(draft, submitter)
    # The broker is slow: the submitter starts amending before the worker sends the receipt.
    with django_capture_on_commit_callbacks(execute=False):
        submission = services.submission_submit(submission=draft, by=submitter)
    services.submission_update(submission=submission, by=submitter, data={"summary": "A draft amendment."})

    tasks.send_receipt(submission_id=submission.pk, version=1)
    assert "Recruiting process engineers" in mail.outbox[0].body
    assert "A draft amendment." not in mail.outbox[0].body


def test_a_receipt_task_delivered_twice_sends_one_email(draft, submitter, django_capture_on_commit_callbacks):
    fill(draft, submitter)
    submission = submit(draft, submitter, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    assert tasks.send_receipt(submission_id=submission.pk, version=1) is False
    assert tasks.send_receipt.apply(kwargs={"submission_id": submission.pk, "version": 1}).get() is False
    assert len(mail.outbox) == 1


def test_an_amended_response_gets_a_receipt_for_its_new_version(draft, submitter, django_capture_on_commit_callbacks):
    fill(draft, submitter)
    submission = submit(draft, submitter, django_capture_on_commit_callbacks)
    services.submission_update(submission=submission, by=submitter, data={"summary": "Updated figures."})
    submission = submit(submission, submitter, django_capture_on_commit_callbacks)

    assert [m.subject for m in mail.outbox] == ["Response received: MMIP-0001", "Amended response received: MMIP-0001"]
    assert "Your amended response (version 2)" in mail.outbox[1].body
    assert "Updated figures." in mail.outbox[1].body
    assert SubmissionVersion.objects.filter(submission=submission, receipt_sent_at__isnull=False).count() == 2


def test_a_delayed_receipt_for_an_older_version_is_not_sent_after_a_newer_one(
    draft, submitter, django_capture_on_commit_callbacks
):
    fill(draft, submitter)
    with django_capture_on_commit_callbacks(execute=False):
        submission = services.submission_submit(submission=draft, by=submitter)
    services.submission_update(submission=submission, by=submitter, data={"summary": "Updated figures."})
    submission = submit(submission, submitter, django_capture_on_commit_callbacks)
    assert [m.subject for m in mail.outbox] == ["Amended response received: MMIP-0001"]

    assert tasks.send_receipt(submission_id=submission.pk, version=1) is False
    assert len(mail.outbox) == 1


def test_a_receipt_for_an_unknown_version_or_response_sends_nothing(
    draft, submitter, django_capture_on_commit_callbacks
):
    fill(draft, submitter)
    submission = submit(draft, submitter, django_capture_on_commit_callbacks)
    assert tasks.send_receipt(submission_id=submission.pk, version=7) is False
    assert tasks.send_receipt(submission_id=987654, version=1) is False
    assert len(mail.outbox) == 1


def test_a_mail_server_error_records_nothing_and_the_retry_sends_the_receipt(
    draft, submitter, django_capture_on_commit_callbacks, mocker
):
    fill(draft, submitter)
    with django_capture_on_commit_callbacks(execute=False):
        submission = services.submission_submit(submission=draft, by=submitter)
    real_send = mail.EmailMultiAlternatives.send
    calls = []

    def flaky_send(message, *args, **kwargs):
        calls.append(message.subject)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(message, *args, **kwargs)

    mocker.patch.object(mail.EmailMultiAlternatives, "send", flaky_send)
    # Eagerly applied, Celery runs the retry at once instead of after the back-off.
    result = tasks.send_receipt.apply(kwargs={"submission_id": submission.pk, "version": 1})
    assert result.get() is True
    assert len(calls) == 2 and len(mail.outbox) == 1
    assert SubmissionVersion.objects.get(submission=submission).receipt_sent_at is not None


def test_the_receipt_task_retries_mail_and_database_errors_with_backoff_and_has_time_limits():
    task = tasks.send_receipt
    assert issubclass(smtplib.SMTPException, task.autoretry_for)
    assert task.retry_backoff and task.max_retries >= 5
    assert task.soft_time_limit < task.time_limit


def test_money_in_a_receipt_reads_the_way_people_write_it(draft, submitter, django_capture_on_commit_callbacks):
    fill(draft, submitter)
    services.data_point_save(
        submission=draft,
        by=submitter,
        data_point=DataPoint(
            indicator=factories.indicator("capital-investment"),
            value=Decimal("85"),
            unit="£ million a year",
            period_start=2024,
            geography=factories.region("wales"),
            source="Board minutes",
        ),
    )
    submit(draft, submitter, django_capture_on_commit_callbacks)
    assert "Capital investment in UK pharmaceutical manufacturing: £85 million a year (2024, Wales)" in (
        mail.outbox[0].body
    )


def test_a_receipt_reads_no_search_text(draft, submitter, django_capture_on_commit_callbacks):
    """The response's search document holds its attachments' text (megabytes, at worst): a receipt, which
    describes the version's snapshot, does not read it, nor does any query that sends it."""
    fill(draft, submitter)
    with django_capture_on_commit_callbacks(execute=False):
        submission = services.submission_submit(submission=draft, by=submitter)
    Submission.objects.filter(pk=submission.pk).update(search_document="attachment text " * 50_000)
    with CaptureQueriesContext(connection) as queries:
        assert tasks.send_receipt(submission_id=submission.pk, version=1) is True
    assert len(mail.outbox) == 1 and submission.reference in mail.outbox[0].subject
    assert not [q["sql"] for q in queries.captured_queries if "search_document" in q["sql"]]


def test_a_receipt_reads_its_rows_in_one_statement_of_the_columns_it_uses(
    draft, submitter, django_capture_on_commit_callbacks
):
    """One SELECT for the version, its response, organisation, consultation and submitter, of only the
    columns the receipt shows (no second query for a column left unread), then the two UPDATEs."""
    fill(draft, submitter)
    with django_capture_on_commit_callbacks(execute=False):
        submission = services.submission_submit(submission=draft, by=submitter)
    with CaptureQueriesContext(connection) as queries:
        assert tasks.send_receipt(submission_id=submission.pk, version=1) is True
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    selects = [sql for sql in statements if sql.startswith("SELECT")]
    assert len(selects) == 1, selects
    assert '"evidence_submission"."summary"' not in selects[0] and '"auth_user"."password"' not in selects[0]
    assert len(statements) == 3, statements
    body = mail.outbox[0].body
    assert submission.reference in body and draft.consultation.title in body and submission.organisation.name in body


def test_the_version_keeps_the_response_as_submitted_reading_only_what_it_copies(
    draft, submitter, django_capture_on_commit_callbacks
):
    """The snapshot copies the answers with their questions and components, the figures with their
    indicators and regions, and the files; its reads leave out the catalogue's wide columns (an indicator's
    baseline, a question's guidance) and the files' extracted text."""
    services.attachment_add(
        submission=draft, by=submitter, upload=SimpleUploadedFile("skills-survey.pdf", journey_files.pdf_bytes())
    )
    fill(draft, submitter)
    question = draft.consultation.questions.first()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=False):
        submission = services.submission_submit(submission=draft, by=submitter)
    snapshot = SubmissionVersion.objects.get(submission=submission, number=1).snapshot
    component = question.component.name if question.component else ""
    assert snapshot["answers"] == [
        {"question": question.text, "component": component, "text": "Validation roles take seven months to fill."}
    ]
    assert snapshot["data_points"] == [
        {
            "indicator": "Medicines manufacturing jobs",
            "value": "1200.0000",
            "unit": "jobs",
            "period": "2023",
            "geography": "Wales",
            "source": "Our annual report 2023",
        }
    ]
    [attachment] = snapshot["attachments"]
    assert attachment["name"] == "skills-survey.pdf" and len(attachment["sha256"]) == 64 and attachment["size"] > 0
    selects = " ".join(q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT"))
    for wide in ("baseline_source", '"evidence_question"."guidance"', "extracted_text", '"evidence_datapoint"."notes"'):
        assert wide not in selects, wide
