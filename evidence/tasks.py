"""Celery tasks: thin adapters, ids in, one service called, retry policy owned here.

Every task may be delivered more than once (acks_late, the outbox's re-sends), so each service it calls
is idempotent and records its result on a database row.
"""

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import duplicates, extraction, outbox, privacy, receipts, search, suggestions

log = logging.getLogger(__name__)

# Transient failures worth another try: the database, the disk, the network. smtplib's errors and
# socket timeouts are OSErrors.
TRANSIENT = (DatabaseError, OSError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,  # 5 s, 10 s, 20 s … (with jitter), at most 10 minutes apart
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="evidence.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> tuple[int, int]:
    """Publish outbox rows the broker refused earlier (run by Celery beat every minute)."""
    from mmip.readiness import beat_heartbeat

    beat_heartbeat()  # /readyz: beat and the fast worker are running
    return outbox.sweep()


# A mail server that hangs until the soft limit is as transient as one that refuses: try again later.
@shared_task(
    name="evidence.tasks.send_receipt",
    soft_time_limit=60,
    time_limit=90,
    **{**RETRY, "autoretry_for": (*TRANSIENT, SoftTimeLimitExceeded)},
)
def send_receipt(submission_id: int, version: int, site_url: str = "") -> bool:
    """E-mail the receipt for one submitted version of a response (once, however often delivered)."""
    return receipts.submission_send_receipt(submission_id=submission_id, version=version, site_url=site_url)


# One message from the web request, two pieces of work: the submit (evidence/services.py) publishes only this,
# through the outbox, and the fast worker queues the analysis and sends the receipt itself. A publish costs
# the web server about a millisecond under load (Celery builds the message, then a Redis round trip), so a
# submit pays for one instead of two, and the receipt does not wait for a second message. A receipt that
# fails for a passing reason (the mail server) goes to send_receipt, with its own retries; a broker error
# retries this task, which queues the analysis again (it is idempotent, as a second delivery is).
@shared_task(
    name="evidence.tasks.submitted",
    soft_time_limit=60,
    time_limit=90,
    **{**RETRY, "autoretry_for": (BrokerError,)},
)
def submitted(submission_id: int, version: int, site_url: str = "") -> bool:
    """After a (re)submission: queue its search text, duplicate detection and suggestions (analysis), then
    e-mail its receipt. Returns whether the receipt went out now."""
    submission_submitted.apply_async(kwargs={"submission_id": submission_id})
    receipt = {"submission_id": submission_id, "version": version, **({"site_url": site_url} if site_url else {})}
    try:
        return receipts.submission_send_receipt(**receipt)
    except (*TRANSIENT, SoftTimeLimitExceeded) as exc:
        log.warning("Receipt for submission %s v%s not sent yet (%s): retrying", submission_id, version, exc)
        send_receipt.apply_async(kwargs=receipt, countdown=RETRY["retry_backoff"])
        return False


class ExtractionTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries exhausted (or an unexpected error): say so on the row rather than leave it "pending".
        attachment_id = kwargs.get("attachment_id", args[0] if args else None)
        if attachment_id is not None:
            extraction.attachment_extraction_failed(
                attachment_id=attachment_id,
                message=f"Text extraction failed after repeated attempts ({type(exc).__name__}).",
            )


@shared_task(
    name="evidence.tasks.extract_attachment_text",
    base=ExtractionTask,
    soft_time_limit=120,
    time_limit=180,
    **RETRY,
)
def extract_attachment_text(attachment_id: int) -> None:
    """Extract an attachment's text for search; a file that cannot be read is marked failed, not retried."""
    try:
        attachment = extraction.attachment_extract_text(attachment_id=attachment_id)
    except SoftTimeLimitExceeded:
        # The same file would take as long next time: record it instead of retrying.
        extraction.attachment_extraction_failed(
            attachment_id=attachment_id,
            message="Reading the file took longer than two minutes; its text was not extracted.",
        )
        return
    if attachment is not None:
        search.refresh([attachment.submission_id])
        suggestions.suggestions_refresh(submission_id=attachment.submission_id)


@shared_task(name="evidence.tasks.submission_submitted", soft_time_limit=300, time_limit=360, **RETRY)
def submission_submitted(submission_id: int) -> None:
    """After a (re)submission: refresh its search text, look for duplicates and campaigns, and make the
    reviewers' suggestions (asks and stance)."""
    search.refresh([submission_id])
    duplicates.detect_for_submission(submission_id=submission_id)
    suggestions.suggestions_refresh(submission_id=submission_id)


@shared_task(name="evidence.tasks.responses_imported", soft_time_limit=900, time_limit=960, **RETRY)
def responses_imported(consultation_id: int, submission_ids: list[int]) -> None:
    """After an import: index the imported responses, compare them with the others in one pass, and make
    the reviewers' suggestions."""
    search.refresh(submission_ids)
    duplicates.detect(consultation_id=consultation_id, submission_ids=submission_ids)
    for submission_id in submission_ids:
        suggestions.suggestions_refresh(submission_id=submission_id)


@shared_task(name="evidence.tasks.erase_due_personal_data", soft_time_limit=1800, time_limit=1900, **RETRY)
def erase_due_personal_data() -> int:
    """Erase respondents' personal data once each consultation's retention period ends (Celery beat, daily)."""
    return len(privacy.erase_due_personal_data())


@shared_task(name="evidence.tasks.clear_expired_sessions", soft_time_limit=600, time_limit=660, **RETRY)
def clear_expired_sessions() -> int:
    """Delete expired sign-in sessions (Celery beat, daily): Django's ``clearsessions``, so the sessions table
    read on every signed-in request holds only live ones over a six-month call."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    log.info("Deleted %d expired sessions", deleted)
    return deleted
