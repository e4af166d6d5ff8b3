"""Publish the Celery work the broker refused earlier (the outbox), e.g. after a Redis outage.

Celery beat does the same every minute (``evidence.tasks.outbox_sweep``); this is the operator's way to do
it now and see the result. Exits non-zero while work is left, so a script can wait for the broker.
"""

import datetime as dt
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evidence import outbox
from evidence.models import OutboxTask


def _call(task_name: str, kwargs: dict) -> str:
    return f"{task_name}({', '.join(f'{k}={v!r}' for k, v in sorted(kwargs.items()))})"


class Command(BaseCommand):
    help = "Publish Celery work that the broker refused earlier (the outbox). Exits non-zero if some is left."

    def add_arguments(self, parser):
        parser.add_argument(
            "--grace",
            type=int,
            default=0,
            help="Leave rows younger than this many seconds to their own publish (default: publish all).",
        )

    def handle(self, *args, grace: int, **options):
        if grace < 0:
            raise CommandError("--grace must be zero or more seconds.")
        before = set(OutboxTask.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True))
        if not before:
            self.stdout.write("Nothing to publish: the outbox is empty.")
            return
        cutoff = timezone.now() - dt.timedelta(seconds=grace)
        sent, _ = outbox.sweep(grace=dt.timedelta(seconds=grace), limit=100_000)
        published = OutboxTask.objects.filter(pk__in=before, dispatched_at__isnull=False).order_by("pk")
        self.stdout.write(f"Published {sent} task(s):" if sent else "Published nothing.")
        for row in published.only("task_name", "kwargs")[:50]:
            self.stdout.write(f"  {_call(row.task_name, row.kwargs)}")
        if sent > 50:
            self.stdout.write(f"  … and {sent - 50} more")
        pending = OutboxTask.objects.filter(dispatched_at__isnull=True)
        young = pending.filter(created_at__gt=cutoff).count()
        stuck = pending.filter(created_at__lte=cutoff)
        left = young + stuck.count()
        if not left:
            self.stdout.write(self.style.SUCCESS("0 left: the outbox is empty."))
            return
        self.stdout.write(f"{left} left:")
        for name, count in sorted(Counter(stuck.values_list("task_name", flat=True)).items()):
            self.stdout.write(f"  {count} × {name}")
        if young:
            self.stdout.write(f"  {young} younger than {grace} s, left to their own publish")
        if not stuck.exists():
            return
        last_error = stuck.exclude(last_error="").order_by("-pk").values_list("last_error", flat=True).first()
        reason = f" The broker said: {last_error}" if last_error else ""
        raise CommandError(
            f"{left - young} task(s) are still waiting: is the broker (REDIS_URL) reachable? "
            "Run this again once it is." + reason
        )
