"""The outbox: Celery tasks recorded in the same transaction as the change that needs them."""

from __future__ import annotations

from django.db import models

# --- Outbox: work to hand to Celery, recorded in the same transaction as the change that needs it ------


class OutboxTask(models.Model):
    """A Celery task to send once the transaction commits, kept until the broker has accepted it.

    If the broker is down the row stays undispatched and ``outbox_sweep`` (Celery beat, or the
    ``outbox_flush`` command) sends it later. A process publishing a row first takes a lease on it
    (``claimed_until``), publishes, and only then marks it dispatched: a process that dies in between leaves
    the row undispatched, and the sweeper sends it once the lease has expired. Tasks sent this way must be
    idempotent: a row may be sent twice if a process dies between publishing and marking it dispatched.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # While in the future, one process is publishing the row and no other may; past, the lease has expired
    # (that process died or gave up) and the sweeper may take the row.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The sweeper's scan for work not yet handed to the broker.
            models.Index(fields=["dispatched_at", "created_at"], name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}({self.kwargs})"
