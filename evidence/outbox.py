"""A transactional outbox for Celery work.

``enqueue()`` records the task in the caller's transaction and publishes it once that commits. A broker
outage therefore never turns a saved change into an error, and never loses the work: the row stays
undispatched and ``sweep()`` publishes it when the broker is back.

Publishing a row: claim it with a lease (``claimed_until``, so two processes do not both send it), publish,
then mark it dispatched. A process that dies after claiming leaves the row undispatched; once the lease
expires the sweeper publishes it. Nothing is lost; at worst (a death between publishing and marking) a task
is delivered twice, which every task tolerates.

A row is written already claimed by the process that enqueues it, so its on-commit publish needs no claim
of its own: one UPDATE after publishing instead of two around it (a submit queues two rows: two statements
fewer). If the commit comes late in the lease (a long transaction), the publish first renews the lease,
only if it is still the one written, so a sweeper that took the row meanwhile keeps it.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import OutboxTask

log = logging.getLogger(__name__)

# Rows younger than this are left to their own on-commit publish, so the sweeper does not race it.
SWEEP_GRACE = dt.timedelta(seconds=30)
# How long a claim keeps other processes off a row: well beyond a publish (a few seconds at most against a
# dead broker, CELERY_TASK_PUBLISH_RETRY_POLICY), short enough that a dead claimant's row goes out within
# a few sweeps.
LEASE = dt.timedelta(minutes=2)


def _claimable(now: dt.datetime):
    return Q(dispatched_at__isnull=True) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def enqueue(task_name: str, **kwargs) -> OutboxTask:
    """Record ``task_name(**kwargs)`` now, claimed by this process; publish it after the current transaction
    commits."""
    now = timezone.now()
    row = OutboxTask.objects.create(task_name=task_name, kwargs=kwargs, claimed_until=now + LEASE, attempts=1)
    transaction.on_commit(partial(_dispatch_enqueued, row))
    return row


def _dispatch_enqueued(row: OutboxTask) -> bool:
    """The on-commit publish of a row this process enqueued (and so holds the lease of)."""
    now = timezone.now()
    if row.claimed_until - now < LEASE / 2:
        # A long transaction: renew the lease before publishing, unless a sweeper has taken the row.
        renewed = OutboxTask.objects.filter(pk=row.pk, dispatched_at__isnull=True, claimed_until=row.claimed_until)
        if not renewed.update(claimed_until=now + LEASE):
            return False
    return _publish(row)


def dispatch(pk: int, row: OutboxTask | None = None) -> bool:
    """Publish one outbox row. Returns False when another process had it or the broker refused it.

    ``row`` saves re-reading a row this process has just written (its task and arguments never change)."""
    # Claim the row atomically, with a lease, so two sweepers (or a sweeper and the on-commit hook) never
    # both send it. It is marked dispatched only after the broker has accepted it.
    now = timezone.now()
    claimed = OutboxTask.objects.filter(_claimable(now), pk=pk).update(
        claimed_until=now + LEASE, attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    if row is None:
        row = OutboxTask.objects.get(pk=pk)
    return _publish(row)


def _publish(row: OutboxTask) -> bool:
    """Hand a claimed row to the broker, then mark it dispatched (or release it for the sweeper)."""
    pk = row.pk
    try:
        current_app.tasks[row.task_name].apply_async(kwargs=row.kwargs)
    except Exception as exc:  # the broker's errors come from several libraries (kombu, redis, OSError)
        log.warning("Outbox %s: could not publish %s, will retry: %s", pk, row.task_name, exc)
        OutboxTask.objects.filter(pk=pk).update(claimed_until=None, last_error=str(exc)[:500])
        return False
    OutboxTask.objects.filter(pk=pk).update(dispatched_at=timezone.now(), claimed_until=None)
    return True


def sweep(*, grace: dt.timedelta = SWEEP_GRACE, limit: int = 500) -> tuple[int, int]:
    """Publish undispatched rows older than ``grace`` that no live claim holds. Returns (sent, still pending)."""
    now = timezone.now()
    cutoff = now - grace
    pending = list(
        OutboxTask.objects.filter(_claimable(now), created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in pending:
        if dispatch(pk):
            sent += 1
        else:
            # The broker is still down: stop here rather than time out once per row.
            break
    left = OutboxTask.objects.filter(dispatched_at__isnull=True).count()
    return sent, left
