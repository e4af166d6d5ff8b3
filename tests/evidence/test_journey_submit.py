"""Submitting, amending and withdrawing a response; the deadline."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import services, tasks
from evidence.models import OutboxTask, Submission, SubmissionVersion
from tests import factories
from tests.evidence import journey_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(submitter, consultation):
    """A draft with everything needed to submit it."""
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.submission_update(
        submission=draft, by=submitter, data={"summary": "We make vaccines in Speke.", "confidentiality": "publishable"}
    )
    question = consultation.questions.first()
    services.answers_save(submission=draft, by=submitter, answers={question.pk: "Skills gaps."})
    draft.refresh_from_db()
    return draft


def url(name, submission):
    return reverse(f"evidence:{name}", args=[submission.public_id])


def test_submit_assigns_the_next_reference_and_stores_a_version(ready, submitter, consultation):
    submitted = services.submission_submit(submission=ready, by=submitter)
    assert submitted.reference == "MMIP-0001" and submitted.reference_number == 1
    assert submitted.status == Submission.Status.SUBMITTED
    assert submitted.version == 1 and submitted.first_submitted_at == submitted.submitted_at
    version = SubmissionVersion.objects.get(submission=ready)
    assert version.snapshot["summary"] == "We make vaccines in Speke."
    assert version.snapshot["answers"][0]["text"] == "Skills gaps."
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 1


def test_references_have_no_gaps_across_organisations(consultation, submitter):
    others = [factories.MembershipFactory().user for _ in range(3)]
    references = []
    for user in [submitter, *others]:
        draft = services.submission_start(consultation=consultation, user=user)
        services.submission_update(
            submission=draft, by=user, data={"summary": "s", "proposals": "p", "confidentiality": "attributable"}
        )
        references.append(services.submission_submit(submission=draft, by=user).reference)
    assert references == ["MMIP-0001", "MMIP-0002", "MMIP-0003", "MMIP-0004"]


def test_a_refused_submit_uses_no_reference_number(consultation, submitter, outsider):
    empty = services.submission_start(consultation=consultation, user=submitter)
    with pytest.raises(ValidationError, match="Enter a summary"):
        services.submission_submit(submission=empty, by=submitter)
    draft = services.submission_start(consultation=consultation, user=outsider)
    services.submission_update(
        submission=draft, by=outsider, data={"summary": "s", "proposals": "p", "confidentiality": "attributable"}
    )
    assert services.submission_submit(submission=draft, by=outsider).reference == "MMIP-0001"


def test_submit_queues_the_receipt_after_commit(ready, submitter, django_capture_on_commit_callbacks, mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.submission_submit(submission=ready, by=submitter)
    row = OutboxTask.objects.get(task_name="evidence.tasks.submitted")
    assert row.kwargs == {"submission_id": ready.pk, "version": 1}
    # One message, published by one on-commit callback; the worker queues the receipt and the indexing.
    assert len(callbacks) == 1 and publish.call_count == 0
    for callback in callbacks:
        callback()
    assert publish.call_count == 1
    assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()
    # The fast worker runs it: the analysis to its queue, then the receipt, sent at once.
    retry = mocker.patch.object(tasks.send_receipt, "apply_async")
    analysis = mocker.patch.object(tasks.submission_submitted, "apply_async")
    assert tasks.submitted(**row.kwargs) is True
    analysis.assert_called_once_with(kwargs={"submission_id": ready.pk})
    assert [m.subject for m in mail.outbox] == ["Response received: MMIP-0001"] and not retry.called


def test_a_receipt_the_mail_server_refuses_is_handed_to_its_retrying_task(ready, submitter, mocker):
    services.submission_submit(submission=ready, by=submitter)
    row = OutboxTask.objects.get(task_name="evidence.tasks.submitted")
    mocker.patch.object(tasks.submission_submitted, "apply_async")
    retry = mocker.patch.object(tasks.send_receipt, "apply_async")
    mocker.patch("evidence.receipts.EmailMultiAlternatives.send", side_effect=ConnectionRefusedError("smtp down"))
    assert tasks.submitted(**row.kwargs) is False
    retry.assert_called_once_with(kwargs={"submission_id": ready.pk, "version": 1}, countdown=5)
    assert SubmissionVersion.objects.get(submission=ready).receipt_sent_at is None


def test_a_broker_outage_does_not_turn_a_submit_into_an_error(
    submitter_client, ready, django_capture_on_commit_callbacks, mocker
):
    mocker.patch("celery.app.task.Task.apply_async", side_effect=ConnectionError("broker down"))
    with django_capture_on_commit_callbacks(execute=True):
        response = submitter_client.post(url("submit", ready))
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.reference == "MMIP-0001"
    assert OutboxTask.objects.get(task_name="evidence.tasks.submitted").dispatched_at is None


def test_a_double_submit_gives_one_reference(submitter_client, ready):
    first = submitter_client.post(url("submit", ready))
    second = submitter_client.post(url("submit", ready))
    assert first.url == second.url == url("confirmation", ready)
    ready.refresh_from_db()
    assert ready.reference == "MMIP-0001" and ready.version == 1
    assert Submission.objects.count() == 1
    assert SubmissionVersion.objects.count() == 1
    assert OutboxTask.objects.filter(task_name="evidence.tasks.submitted").count() == 1


def test_the_service_submit_is_idempotent(ready, submitter, consultation):
    one = services.submission_submit(submission=ready, by=submitter)
    two = services.submission_submit(submission=ready, by=submitter)
    assert one.reference == two.reference and two.version == 1
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 1


def test_amending_needs_a_resubmit_and_keeps_earlier_versions(submitter_client, submitter, ready):
    services.submission_submit(submission=ready, by=submitter)
    response = submitter_client.post(url("section_about", ready), {"summary": "Amended: we make vaccines and ATMPs."})
    assert response.status_code == 302
    ready.refresh_from_db()
    assert ready.status == Submission.Status.SUBMITTED and ready.has_unsubmitted_changes
    detail = submitter_client.get(url("submission_detail", ready)).content.decode()
    assert "Changes not yet submitted" in detail

    assert submitter_client.post(url("submit", ready)).status_code == 302
    ready.refresh_from_db()
    assert ready.version == 2 and not ready.has_unsubmitted_changes
    assert ready.reference == "MMIP-0001"  # the reference stays with the response
    versions = list(ready.versions.order_by("number").values_list("snapshot__summary", flat=True))
    assert versions == ["We make vaccines in Speke.", "Amended: we make vaccines and ATMPs."]
    detail = submitter_client.get(url("submission_detail", ready)).content.decode()
    assert "Version 1" in detail and "Version 2" in detail
    old = submitter_client.get(reverse("evidence:version_detail", args=[ready.public_id, 1]))
    assert "We make vaccines in Speke." in old.content.decode()
    receipts = OutboxTask.objects.filter(task_name="evidence.tasks.submitted").order_by("pk")
    assert [r.kwargs["version"] for r in receipts] == [1, 2]


def test_withdraw_asks_for_confirmation_then_withdraws(submitter_client, submitter, ready):
    services.submission_submit(submission=ready, by=submitter)
    page = submitter_client.get(url("withdraw", ready)).content.decode()
    assert "Withdraw response MMIP-0001?" in page
    ready.refresh_from_db()
    assert ready.status == Submission.Status.SUBMITTED
    response = submitter_client.post(url("withdraw", ready), {})  # the confirmation box is not ticked
    assert (
        response.status_code == 200
        and "Tick the box to confirm that you want to withdraw your response." in response.content.decode()
    )
    ready.refresh_from_db()
    assert ready.status == Submission.Status.SUBMITTED
    assert submitter_client.post(url("withdraw", ready), {"confirm": "on"}).status_code == 302
    ready.refresh_from_db()
    assert ready.status == Submission.Status.WITHDRAWN and ready.withdrawn_at
    # A withdrawn response cannot be changed or re-submitted.
    page = submitter_client.get(url("section_about", ready)).content.decode()
    assert "This response was withdrawn and can no longer be changed." in page and "<textarea" not in page
    response = submitter_client.post(url("section_about", ready), {"summary": "Changed after all"}, follow=True)
    assert "This response was withdrawn and can no longer be changed." in response.content.decode()
    with pytest.raises(ValidationError, match="withdrawn"):
        services.submission_submit(submission=ready, by=submitter)


def test_a_draft_cannot_be_withdrawn(submitter, ready):
    with pytest.raises(ValidationError, match="Only a submitted response can be withdrawn"):
        services.submission_withdraw(submission=ready, by=submitter)


def test_after_withdrawing_a_new_response_can_be_started(submitter, consultation, ready):
    services.submission_submit(submission=ready, by=submitter)
    services.submission_withdraw(submission=ready, by=submitter)
    fresh = services.submission_start(consultation=consultation, user=submitter)
    assert fresh.pk != ready.pk and fresh.status == Submission.Status.DRAFT


# --- The deadline ----------------------------------------------------------------------------------------


@pytest.fixture
def after_deadline(consultation):
    with time_machine.travel(consultation.closes_at + dt.timedelta(minutes=1), tick=False):
        yield


def test_after_the_deadline_nothing_can_be_started(submitter_client, submitter, consultation, after_deadline):
    submitter_client.force_login(submitter)  # a fresh session at the travelled-to time
    with pytest.raises(ValidationError, match="closed on"):
        services.submission_start(consultation=consultation, user=submitter)
    response = submitter_client.post(reverse("evidence:start", args=[consultation.slug]), follow=True)
    assert "responses can no longer be started, changed or submitted" in response.content.decode()
    assert not Submission.objects.exists()
    landing_url = reverse("evidence:consultation", args=[consultation.slug])
    landing = submitter_client.get(landing_url).content.decode()
    assert "This call for evidence closed on" in landing
    assert "Start your response" not in landing


@pytest.mark.parametrize(
    "name",
    ["section_about", "section_answers", "section_data_points", "section_attachments", "section_confidentiality"],
)
def test_after_the_deadline_sections_say_so_plainly(submitter_client, submitter, ready, consultation, name):
    with time_machine.travel(consultation.closes_at + dt.timedelta(seconds=1), tick=False):
        submitter_client.force_login(submitter)
        page = submitter_client.get(url(name, ready)).content.decode()
        posted = submitter_client.post(url(name, ready), {"summary": "Too late"}, follow=True)
    assert "This call for evidence closed on" in page
    assert "<textarea" not in page and 'type="file"' not in page  # no form to fill in
    assert "This call for evidence closed on" in posted.content.decode()
    ready.refresh_from_db()
    assert ready.summary == "We make vaccines in Speke."


def test_after_the_deadline_nothing_can_be_submitted_uploaded_or_withdrawn(
    submitter_client, submitter, ready, consultation
):
    submitted = factories.SubmittedSubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, reference="MMIP-0900"
    )
    with time_machine.travel(consultation.closes_at, tick=False):  # the closing instant counts as closed
        submitter_client.force_login(submitter)
        closed = "This call for evidence closed on"
        assert closed in submitter_client.post(url("submit", ready), follow=True).content.decode()
        upload = files.upload("late.pdf", files.pdf_bytes())
        response = submitter_client.post(url("section_attachments", ready), {"file": upload}, follow=True)
        assert closed in response.content.decode()
        response = submitter_client.post(url("withdraw", submitted), {"confirm": "on"}, follow=True)
        assert "cannot be withdrawn now" in response.content.decode() or closed in response.content.decode()
        with pytest.raises(ValidationError, match="closed on"):
            services.submission_submit(submission=ready, by=submitter)
        with pytest.raises(ValidationError, match="closed on"):
            services.attachment_add(submission=ready, upload=files.upload("a.txt", b"a"), by=submitter)
        with pytest.raises(ValidationError, match="closed on"):
            services.submission_withdraw(submission=submitted, by=submitter)
        check = submitter_client.get(url("check_answers", ready)).content.decode()
        assert closed in check and "Submit response" not in check
    ready.refresh_from_db()
    submitted.refresh_from_db()
    assert ready.status == Submission.Status.DRAFT and not ready.attachments.exists()
    assert submitted.status == Submission.Status.SUBMITTED


def test_before_opening_nothing_can_be_started(submitter, consultation):
    with time_machine.travel(consultation.opens_at - dt.timedelta(days=1), tick=False):
        with pytest.raises(ValidationError, match="opens on"):
            services.submission_start(consultation=consultation, user=submitter)


def test_a_submit_just_before_the_deadline_is_accepted(ready, submitter, consultation):
    with time_machine.travel(consultation.closes_at - dt.timedelta(seconds=1), tick=False):
        assert services.submission_submit(submission=ready, by=submitter).reference == "MMIP-0001"


def test_saving_an_unchanged_page_writes_nothing(ready, submitter, client):
    history = ready.history.count()
    services.submission_update(submission=ready, by=submitter, data={"summary": "We make vaccines in Speke."})
    assert ready.history.count() == history
    services.submission_update(submission=ready, by=submitter, data={"summary": "We make vaccines in Liverpool."})
    ready.refresh_from_db()
    assert ready.summary == "We make vaccines in Liverpool."


def test_the_state_history_records_state_changes_not_each_text_save(ready, submitter):
    """The response's state history audits status and review changes; its texts are kept by each submitted
    version. A draft save that changes only text adds no row (it would repeat the last); a change of
    confidentiality, a submit and the first amendment after it each add one."""
    history = ready.history.count()
    for summary in ("We make vaccines in Liverpool.", "We make vaccines in Speke and Liverpool."):
        services.submission_update(submission=ready, by=submitter, data={"summary": summary})
    services.submission_update(submission=ready, by=submitter, data={"proposals": "Fund skills."})
    assert ready.history.count() == history
    services.submission_update(
        submission=ready,
        by=submitter,
        data={"confidentiality": "confidential", "confidentiality_reason": "Commercial plans."},
    )
    assert ready.history.count() == history + 1
    assert ready.history.first().confidentiality == "confidential"
    services.submission_submit(submission=ready, by=submitter)
    assert ready.history.count() == history + 2
    # Amending: the first change marks the response as having changes its reviewers have not seen (a state
    # change); the next text changes do not add rows.
    services.submission_update(submission=ready, by=submitter, data={"summary": "Amended."})
    latest = ready.history.first()
    assert ready.history.count() == history + 3
    assert latest.has_unsubmitted_changes
    services.submission_update(submission=ready, by=submitter, data={"summary": "Amended again."})
    assert ready.history.count() == history + 3
    ready.refresh_from_db()
    assert (ready.summary, ready.has_unsubmitted_changes) == ("Amended again.", True)


def test_a_draft_save_still_validates_the_submitters_fields(ready, submitter):
    with pytest.raises(ValidationError) as caught:
        services.submission_update(
            submission=ready, by=submitter, data={"confidentiality": "secret-ish", "summary": "x" * 5}
        )
    assert "confidentiality" in caught.value.message_dict
    ready.refresh_from_db()
    assert ready.summary == "We make vaccines in Speke."  # nothing half-saved


def test_a_draft_save_and_a_submit_stay_within_their_query_budgets(ready, submitter, django_assert_max_num_queries):
    # Save: SAVEPOINT/BEGIN, lock the row with its consultation, UPDATE, RELEASE/COMMIT (a text-only change
    # adds no state history row).
    with django_assert_max_num_queries(5):
        services.submission_update(submission=ready, by=submitter, data={"summary": "New figures."})
    # Submit: lock the response (with its consultation and organisation), its answers, data points and
    # attachments (for the snapshot), one outbox INSERT (the receipt and the analysis), the reference
    # counter's UPDATE, the response's UPDATE and history INSERT, the version INSERT, and the transaction's
    # own statements.
    with django_assert_max_num_queries(11):
        services.submission_submit(submission=ready, by=submitter)


def test_a_submit_writes_only_the_columns_it_changes(ready, submitter):
    """Not the response's texts, search document or vector: the largest values of the row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for amend in (False, True):
        if amend:
            services.submission_update(submission=ready, by=submitter, data={"summary": "Amended figures."})
        with CaptureQueriesContext(connection) as queries:
            services.submission_submit(submission=ready, by=submitter)
        (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "evidence_submission"')]
        assert "summary" not in update and "search_document" not in update and "search_vector" not in update
        assert ('"reference"' in update) is not amend  # the first submit takes the reference; an amendment keeps it
    ready.refresh_from_db()
    assert (ready.status, ready.version, ready.reference, ready.has_unsubmitted_changes) == (
        Submission.Status.SUBMITTED,
        2,
        "MMIP-0001",
        False,
    )
    assert ready.summary == "Amended figures." and ready.first_submitted_at and ready.submitted_at


def test_a_submit_locks_the_consultation_only_to_take_its_reference_number(ready, submitter):
    """Submits do not queue behind each other: the counter's UPDATE (which locks the consultation's row
    until the commit) is followed only by the writes that need the number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.submission_submit(submission=ready, by=submitter)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    counter = next(n for n, sql in enumerate(statements) if sql.startswith('UPDATE "evidence_consultation"'))
    after = [re.match(r'(UPDATE|INSERT INTO) "(\w+)"', sql).group(0) for sql in statements[counter + 1 :]]
    assert after == [
        'UPDATE "evidence_submission"',
        'INSERT INTO "evidence_submissionstatehistory"',
        'INSERT INTO "evidence_submissionversion"',
    ]
    assert not any("FOR UPDATE" in sql and "evidence_consultation" in sql.split("FOR UPDATE")[1] for sql in statements)
    # An amendment keeps its reference and does not touch the consultation at all.
    services.submission_update(submission=ready, by=submitter, data={"summary": "Amended figures."})
    with CaptureQueriesContext(connection) as queries:
        services.submission_submit(submission=ready, by=submitter)
    assert not any(q["sql"].startswith('UPDATE "evidence_consultation"') for q in queries.captured_queries)


def test_the_response_page_and_a_draft_save_stay_within_their_query_budgets(
    client, ready, submitter, django_assert_num_queries, django_capture_on_commit_callbacks, mocker
):
    from django.db import connection

    client.force_login(submitter)
    services.submission_submit(submission=ready, by=submitter)
    # Response page: session, user, the response (with its consultation and organisation), answers, data
    # points, attachments, versions (without their snapshots), the navigation's permission check (on
    # PostgreSQL read with the user: evidence.backends.AuthenticationBackend).
    permissions = 0 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(7 + permissions):
        assert client.get(ready.get_absolute_url()).status_code == 200
    # A response never submitted has no versions to list: no query for them.
    draft = factories.SubmissionFactory(consultation=factories.ConsultationFactory(), organisation=ready.organisation)
    with django_assert_num_queries(6 + permissions):
        page = client.get(draft.get_absolute_url())
    assert page.status_code == 200 and "Submitted versions" not in page.content.decode()
    # Draft save: session, user; the save's SAVEPOINT/BEGIN, the response found, checked as the user's and
    # locked in one statement, UPDATE, RELEASE/COMMIT; the first amendment of a submitted response also
    # records its new state (a history INSERT), the next text-only saves do not.
    url = reverse("evidence:section_about", kwargs={"public_id": ready.public_id})
    for summary, queries in (("We make vaccines in Speke and Ware.", 7), ("We make vaccines in Ware.", 6)):
        with django_assert_num_queries(queries):
            response = client.post(url, {"summary": summary, "declared_interests": ""})
        assert response.status_code == 302
    # A submit from the web: session, user; SAVEPOINT, the response found, checked as the user's and locked
    # in one statement (with its consultation and organisation), its answers, one outbox INSERT, data
    # points and attachments (the snapshot), the response's UPDATE and history INSERT, the version INSERT,
    # RELEASE; after the commit, one UPDATE marking both tasks published.
    submit = reverse("evidence:submit", kwargs={"public_id": ready.public_id})
    mocker.patch("celery.app.task.Task.apply_async")  # published, not run here (the tasks' own queries)
    with django_assert_num_queries(13), django_capture_on_commit_callbacks(execute=True):
        response = client.post(submit)
    assert response.status_code == 302 and response.url.endswith("/confirmation/")


def test_the_submitters_pages_saves_and_submit_never_read_the_search_document(client, ready, submitter, mocker):
    """The search document holds every attachment's text: megabytes a submitter's page would read for nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mocker.patch("celery.app.task.Task.apply_async")
    client.force_login(submitter)
    about = reverse("evidence:section_about", kwargs={"public_id": ready.public_id})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ready.get_absolute_url()).status_code == 200
        assert client.post(about, {"summary": "Figures for Ware.", "declared_interests": ""}).status_code == 302
        assert client.post(reverse("evidence:submit", kwargs={"public_id": ready.public_id})).status_code == 302
    read = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "evidence_submission" in q["sql"]
    ]
    assert len(read) >= 3
    assert not [sql for sql in read if "search_document" in sql or "search_vector" in sql]
    ready.refresh_from_db()
    assert ready.status == "submitted" and ready.summary == "Figures for Ware."
