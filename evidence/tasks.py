"""Celery tasks: thin adapters, ids in, one service called, retry policy owned here."""

from celery import shared_task
from django.db import DatabaseError

from . import duplicates, extraction, outbox, receipts, search

RETRY = {
    "autoretry_for": (DatabaseError, OSError),  # SMTP and socket errors are OSErrors
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="evidence.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> tuple[int, int]:
    """Publish outbox rows the broker refused earlier (run by Celery beat every minute)."""
    return outbox.sweep()


@shared_task(name="evidence.tasks.send_receipt", soft_time_limit=60, time_limit=90, **RETRY)
def send_receipt(submission_id: int, version: int) -> bool:
    return receipts.submission_send_receipt(submission_id=submission_id, version=version)


@shared_task(name="evidence.tasks.extract_attachment_text", soft_time_limit=120, time_limit=180, **RETRY)
def extract_attachment_text(attachment_id: int) -> None:
    attachment = extraction.attachment_extract_text(attachment_id=attachment_id)
    if attachment is not None:
        search.refresh([attachment.submission_id])


@shared_task(name="evidence.tasks.submission_submitted", soft_time_limit=300, time_limit=360, **RETRY)
def submission_submitted(submission_id: int) -> None:
    """After a (re)submission: refresh its search text, then look for duplicates and campaigns."""
    search.refresh([submission_id])
    duplicates.detect_for_submission(submission_id=submission_id)
