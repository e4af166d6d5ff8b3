from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.models import Consultation
from recommendations.exports.jobs import REGISTER_FORMATS, export_to_path
from recommendations.models import Export

from ._exporter import add_common_arguments, exporter


class Command(BaseCommand):
    help = (
        "Write the evidence register of a consultation: XLSX (responses and data points sheets) or CSV "
        "(responses; the data points go to a second file named <out>-data-points.csv). Logged as an export."
    )

    def add_arguments(self, parser):
        parser.add_argument("--consultation", required=True, help="The consultation's slug.")
        parser.add_argument("--format", required=True, help="csv or xlsx.")
        parser.add_argument("--out", required=True, help="Where to write the file.")
        add_common_arguments(parser)

    def handle(self, *args, consultation, format, out, include_confidential, by, **options):
        if format not in REGISTER_FORMATS:
            raise CommandError(f"Unknown format '{format}': use csv or xlsx.")
        found = Consultation.objects.filter(slug=consultation).first()
        if found is None:
            raise CommandError(f"No consultation with the slug '{consultation}'.")
        user = exporter(by)
        targets = [(Path(out), "submissions")]
        if format == "csv":
            targets.append((Path(out).with_name(Path(out).stem + "-data-points.csv"), "data_points"))
        mark = " (Commercial in confidence)" if include_confidential else ""
        for path, sheet in targets:
            try:
                export = export_to_path(
                    kind=Export.Kind.REGISTER,
                    fmt=format,
                    path=path,
                    consultation=found,
                    by=user,
                    include_confidential=include_confidential,
                    sheet=sheet,
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            self.stdout.write(f"Wrote {path} ({export.size:,} bytes){mark}; logged as export {export.pk}.")
