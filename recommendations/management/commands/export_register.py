from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.models import Consultation
from recommendations.exports.jobs import REGISTER_FORMATS, write_register


class Command(BaseCommand):
    help = (
        "Write the evidence register of a consultation: XLSX (responses and data points sheets) or CSV "
        "(responses; the data points go to a second file named <out>-data-points.csv)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultation", required=True, help="The consultation's slug.")
        parser.add_argument("--format", required=True, help="csv or xlsx.")
        parser.add_argument("--out", required=True, help="Where to write the file.")
        parser.add_argument("--include-confidential", action="store_true")

    def handle(self, *args, consultation, format, out, include_confidential, **options):
        if format not in REGISTER_FORMATS:
            raise CommandError(f"Unknown format '{format}': use csv or xlsx.")
        found = Consultation.objects.filter(slug=consultation).first()
        if found is None:
            raise CommandError(f"No consultation with the slug '{consultation}'.")
        try:
            size = write_register(found, format, Path(out), include_confidential=include_confidential)
            self.stdout.write(f"Wrote {out} ({size:,} bytes).")
            if format == "csv":
                second = Path(out).with_name(Path(out).stem + "-data-points.csv")
                size = write_register(
                    found, format, second, include_confidential=include_confidential, sheet="data_points"
                )
                self.stdout.write(f"Wrote {second} ({size:,} bytes).")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
