"""With PostgreSQL, Redis and a real Celery worker: receipts, text extraction, and a compilation that
survives its worker being killed. Also: 50 concurrent submits get 50 distinct, gap-free references."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone

from evidence import demo, services, tasks
from evidence.models import Attachment, Membership, OutboxTask, Submission, SubmissionVersion
from recommendations import services as compile_services
from recommendations.models import CompilationRun, ComponentResult, Recommendation
from tests import factories


def _ready_draft(consultation, user=None):
    membership = factories.MembershipFactory() if user is None else Membership.objects.get(user=user)
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=membership.organisation, created_by=membership.user
    )
    return submission


@pytest.mark.worker
def test_a_submit_enqueues_the_receipt_and_the_worker_sends_it(worker):
    consultation = factories.ConsultationFactory()
    submission = _ready_draft(consultation)
    submission = services.submission_submit(submission=submission, by=submission.created_by)
    assert OutboxTask.objects.get(task_name="evidence.tasks.submitted").kwargs == {
        "submission_id": submission.pk,
        "version": 1,
    }
    version = SubmissionVersion.objects.get(submission=submission, number=1)
    worker.wait_for(
        lambda: SubmissionVersion.objects.get(pk=version.pk).receipt_sent_at is not None,
        what="the worker to send the receipt",
    )
    mails = worker.mails()
    assert f"To: {submission.created_by.email}" in mails
    assert f"Reference: {submission.reference}" in mails and submission.organisation.name in mails
    assert mails.count(f"Subject: Response received: {submission.reference}") == 1


@pytest.mark.worker
def test_a_receipt_delivered_twice_to_the_worker_is_sent_once(worker):
    submission = _ready_draft(factories.ConsultationFactory())
    # Submit without publishing, then deliver the receipt task twice at once (the pool runs both).
    with transaction.atomic():
        submission = services.submission_submit(submission=submission, by=submission.created_by)
        OutboxTask.objects.filter(task_name="evidence.tasks.submitted").update(dispatched_at=timezone.now())
    deliveries = [
        tasks.send_receipt.apply_async(kwargs={"submission_id": submission.pk, "version": 1}) for _ in range(3)
    ]
    worker.wait_for(
        lambda: all(f"[{d.id}] succeeded" in worker.tail(200_000) for d in deliveries),
        what="all three deliveries to finish",
    )
    assert worker.mails().count(f"Subject: Response received: {submission.reference}") == 1
    assert SubmissionVersion.objects.get(submission=submission).receipt_sent_at is not None


@pytest.mark.worker
def test_the_worker_keeps_its_database_connection_from_task_to_task(worker):
    """Celery's Django fix-up closed it after every task: each task opened a new one (a new PostgreSQL server
    process). Now each of the worker's two processes keeps one: eight tasks in turn meet at most two."""
    from mmip.celery import app

    backends = [app.send_task("tests.integration.worker_gate.database_backend").get(timeout=60) for _ in range(8)]
    assert len(set(backends)) <= 2, backends


@pytest.mark.worker
def test_uploaded_files_have_their_text_extracted_by_the_worker(worker):
    import docx
    import openpyxl
    from fpdf import FPDF

    consultation = factories.ConsultationFactory()
    submission = _ready_draft(consultation)
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Validation roles take seven months to fill")
    document = docx.Document()
    document.add_paragraph("Energy costs doubled at the Speke site")
    word = io.BytesIO()
    document.save(word)
    workbook = openpyxl.Workbook()
    workbook.active.append(["vacancies", 45])
    sheet = io.BytesIO()
    workbook.save(sheet)
    files = {
        "survey.pdf": (bytes(pdf.output()), "seven months"),
        "case.docx": (word.getvalue(), "Energy costs doubled"),
        "data.xlsx": (sheet.getvalue(), "vacancies\t45"),
    }
    made = {}
    for name, (content, phrase) in files.items():
        attachment = services.attachment_add(
            submission=submission, upload=SimpleUploadedFile(name, content), by=submission.created_by
        )
        made[attachment.pk] = phrase
    notes = services.attachment_add(
        submission=submission,
        upload=SimpleUploadedFile("notes.txt", b"Apprenticeships in sterile manufacturing"),
        by=submission.created_by,
    )
    worker.wait_for(
        lambda: Attachment.objects.filter(pk__in=[*made, notes.pk], extraction_status="done").count() == len(made) + 1,
        what="the worker to extract the text of every file",
    )
    for pk, phrase in made.items():
        assert phrase in Attachment.objects.get(pk=pk).extracted_text
    # The worker refreshed the response's search text with what it extracted.
    worker.wait_for(
        lambda: "Energy costs doubled" in Submission.objects.get(pk=submission.pk).search_document,
        what="the search text to include the extracted text",
    )


@pytest.mark.worker
def test_a_compilation_completes_after_its_worker_is_killed_and_nothing_is_duplicated(worker):
    demo.seed(submissions=600, seed=5, reviewed=0.6)
    consultation = demo.ensure_consultation()
    # The gate holds the component tasks, so the worker dies mid-run whatever the machine's speed: the run
    # cannot finish while one of its components has not even started.
    worker.gate.touch()
    run = compile_services.compilation_start(consultation=consultation)
    worker.wait_for(lambda: worker.held(), timeout=60, what="a component task to reach the worker")
    worker.kill()
    run.refresh_from_db()
    assert run.state == "running" and not run.is_finished
    killed_at = run.components_done
    worker.gate.unlink()
    worker.start()
    worker.wait_for(lambda: CompilationRun.objects.get(pk=run.pk).is_finished, timeout=240, what="the run to finish")
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    assert killed_at < run.components_total == ComponentResult.objects.filter(run=run).count()
    drafts = sum(len(r.data["drafts"]) for r in ComponentResult.objects.filter(run=run))
    recommendations = Recommendation.objects.filter(run=run)
    # Assembled once: every draft is a recommendation, or folded into the one that makes the same ask
    # under another component; none is written twice.
    assert 0 < recommendations.count() <= drafts
    titles = list(recommendations.values_list("title", flat=True))
    assert len(titles) == len(set(titles))


@pytest.mark.postgres(reason="SQLite serialises writers anyway, so only PostgreSQL tests the row lock")
def test_fifty_concurrent_submits_get_fifty_distinct_gap_free_references(live_db):
    consultation = factories.ConsultationFactory()
    drafts = [_ready_draft(consultation) for _ in range(50)]
    barrier = threading.Barrier(50)

    def submit(submission):
        try:
            barrier.wait()
            return services.submission_submit(submission=submission, by=submission.created_by).reference
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=50) as pool:
        references = list(pool.map(submit, drafts))
    assert len(set(references)) == 50
    numbers = sorted(Submission.objects.filter(consultation=consultation).values_list("reference_number", flat=True))
    assert numbers == list(range(1, 51))
    consultation.refresh_from_db()
    assert consultation.last_reference_number == 50
