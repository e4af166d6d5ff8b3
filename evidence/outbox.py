"""A transactional outbox for Celery work.

``enqueue()`` records the task in the caller's transaction and publishes it once that commits. A broker
outage therefore never turns a saved change into an error, and never loses the work: the row stays
undispatched and ``sweep()`` publishes it when the broker is back.

Publishing a row: claim it with a lease (``claimed_until``, so two processes do not both send it), publish,
then mark it dispatched. A process that dies after claiming leaves the row undispatched; once the lease
expires the sweeper publishes it. Nothing is lost; at worst (a death between publishing and marking) a task
is delivered twice, which every task tolerates.

A row is written already claimed by the process that enqueues it, so its on-commit publish needs no claim
of its own: one UPDATE after publishing instead of two around it. If the commit comes late in the lease (a
long transaction), the publish first renews the lease, only if it is still the one written, so a sweeper
that took the row meanwhile keeps it.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import current_app
from django.db import connection, transaction
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
    return enqueue_many([(task_name, kwargs)])[0]


def enqueue_many(tasks: list[tuple[str, dict]]) -> list[OutboxTask]:
    """As ``enqueue`` for several tasks (name, keyword arguments): one INSERT for all of them, and after the
    commit one UPDATE marking those published."""
    claimed_until = timezone.now() + LEASE
    rows = [
        OutboxTask(task_name=name, kwargs=kwargs, claimed_until=claimed_until, attempts=1) for name, kwargs in tasks
    ]
    if len(rows) > 1 and connection.features.can_return_rows_from_bulk_insert:
        rows = OutboxTask.objects.bulk_create(rows)
    else:
        for row in rows:
            row.save(force_insert=True)
    transaction.on_commit(partial(_dispatch_enqueued, rows))
    return rows


def _dispatch_enqueued(rows: list[OutboxTask]) -> int:
    """The on-commit publish of rows this process enqueued together (and so holds the lease of). Returns how
    many went out."""
    now = timezone.now()
    claimed_until = rows[0].claimed_until
    if claimed_until - now < LEASE / 2:
        # A long transaction: renew each lease before publishing, unless a sweeper has taken that row (rare:
        # one statement a row).
        rows = [
            row
            for row in rows
            if OutboxTask.objects.filter(pk=row.pk, dispatched_at__isnull=True, claimed_until=claimed_until).update(
                claimed_until=now + LEASE
            )
        ]
    sent = [row.pk for row in rows if _send(row)]
    if sent:
        OutboxTask.objects.filter(pk__in=sent).update(dispatched_at=timezone.now(), claimed_until=None)
    return len(sent)


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
    if not _send(row):
        return False
    OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=timezone.now(), claimed_until=None)
    return True


def _send(row: OutboxTask) -> bool:
    """Hand a claimed row to the broker; if it refuses, release the row for the sweeper and say so."""
    try:
        current_app.tasks[row.task_name].apply_async(kwargs=row.kwargs)
    except Exception as exc:  # the broker's errors come from several libraries (kombu, redis, OSError)
        log.warning("Outbox %s: could not publish %s, will retry: %s", row.pk, row.task_name, exc)
        OutboxTask.objects.filter(pk=row.pk).update(claimed_until=None, last_error=str(exc)[:500])
        return False
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
