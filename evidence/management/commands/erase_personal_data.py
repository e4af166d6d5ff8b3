from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.models import Consultation
from evidence.privacy import erase_personal_data


class Command(BaseCommand):
    help = (
        "Erase respondents' personal data of a consultation once it has closed and the retention period "
        "(MMIP_RETENTION_DAYS) has passed; the evidence and its references are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultation", required=True, help="The consultation's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would be erased, change nothing.")

    def handle(self, *args, consultation, dry_run, **options):
        found = Consultation.objects.filter(slug=consultation).first()
        if found is None:
            raise CommandError(f"No consultation with the slug '{consultation}'.")
        try:
            report = erase_personal_data(consultation=found, dry_run=dry_run)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        verb = "Would erase" if dry_run else "Erased"
        self.stdout.write(
            f"{verb} the personal data of {report.users} respondent account(s) and {report.organisations} "
            f"individual respondent(s) across {report.submissions} response(s); the evidence is kept."
        )
