from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Q

from evidence import duplicates
from evidence.models import Consultation, Submission


class Command(BaseCommand):
    help = (
        "Index and compare the submitted responses of a consultation that the duplicate index has not seen "
        "(or has seen in an earlier version), oldest reference first, as if each had just been submitted. "
        "New submits are handled by the worker; this back-fills responses from before the index existed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultation", required=True, help="The consultation's slug.")
        parser.add_argument(
            "--index-only", action="store_true", help="Index without comparing (fast; finds nothing among them)."
        )

    def handle(self, *args, consultation, index_only, **options):
        found = Consultation.objects.filter(slug=consultation).first()
        if found is None:
            raise CommandError(f"No consultation with the slug '{consultation}'.")
        ids = list(
            Submission.objects.filter(consultation=found, status=Submission.Status.SUBMITTED)
            .filter(Q(fingerprint__isnull=True) | Q(fingerprint__version__lt=F("version")))
            .order_by("reference_number")
            .values_list("pk", flat=True)
        )
        if index_only:
            self.stdout.write(f"Indexed {duplicates.index_submissions(ids)} responses.")
            return
        flags = 0
        for n, pk in enumerate(ids, start=1):
            flags += duplicates.detect_for_submission(submission_id=pk)
            if n % 1000 == 0:
                self.stdout.write(f"{n} of {len(ids)} responses compared, {flags} flags so far.")
        self.stdout.write(f"Compared {len(ids)} responses: {flags} flags proposed.")
