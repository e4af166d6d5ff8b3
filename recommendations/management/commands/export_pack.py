from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from recommendations.exports.jobs import export_to_path
from recommendations.exports.writers import FORMATS
from recommendations.models import CompilationRun, Export

from ._exporter import add_common_arguments, exporter


class Command(BaseCommand):
    help = "Write the recommendation pack of a compilation run as DOCX, PDF, Markdown or JSON (logged as an export)."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, required=True, help="The compilation run's id.")
        parser.add_argument("--format", required=True, help="docx, pdf, md or json.")
        parser.add_argument("--out", required=True, help="Where to write the file.")
        parser.add_argument("--approved-only", action="store_true", help="Only approved recommendations.")
        add_common_arguments(parser)

    def handle(self, *args, run, format, out, approved_only, include_confidential, by, **options):
        if format not in FORMATS:
            raise CommandError(f"Unknown format '{format}': use one of {', '.join(sorted(FORMATS))}.")
        found = CompilationRun.objects.select_related("consultation").filter(pk=run).first()
        if found is None:
            raise CommandError(f"There is no compilation run {run}.")
        try:
            export = export_to_path(
                kind=Export.Kind.PACK,
                fmt=format,
                path=Path(out),
                consultation=found.consultation,
                run=found,
                by=exporter(by),
                include_confidential=include_confidential,
                approved_only=approved_only,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        mark = " (Commercial in confidence)" if include_confidential else ""
        self.stdout.write(f"Wrote {out} ({export.size:,} bytes){mark}; logged as export {export.pk}.")
