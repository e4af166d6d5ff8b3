from django.core.management.base import BaseCommand

from evidence import search
from evidence.models import Submission


class Command(BaseCommand):
    help = "Rebuild the full-text search text (and on PostgreSQL the search vector) of every response."

    def handle(self, *args, **options):
        ids = Submission.objects.exclude(status=Submission.Status.DRAFT).values_list("pk", flat=True).iterator()
        count = search.refresh(ids)
        self.stdout.write(f"Reindexed {count} responses.")
