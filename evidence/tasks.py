"""Celery tasks: thin adapters, ids in, one service called, retry policy owned here."""

from celery import shared_task

from . import outbox


@shared_task(name="evidence.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> tuple[int, int]:
    """Publish outbox rows the broker refused earlier (run by Celery beat every minute)."""
    return outbox.sweep()
