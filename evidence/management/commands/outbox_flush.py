import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from evidence import outbox


class Command(BaseCommand):
    help = "Publish Celery work that the broker refused earlier (the outbox). Exits non-zero if some is left."

    def add_arguments(self, parser):
        parser.add_argument("--grace", type=int, default=0, help="Leave rows younger than this many seconds.")

    def handle(self, *args, grace: int, **options):
        sent, left = outbox.sweep(grace=dt.timedelta(seconds=grace), limit=100_000)
        self.stdout.write(f"Published {sent} pending task(s); {left} left.")
        if left:
            raise CommandError(f"{left} task(s) are still waiting: is the broker (REDIS_URL) reachable?")
