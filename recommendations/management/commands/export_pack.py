from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from recommendations.exports.jobs import write_pack
from recommendations.exports.writers import FORMATS
from recommendations.models import CompilationRun


class Command(BaseCommand):
    help = "Write the recommendation pack of a compilation run as DOCX, PDF, Markdown or JSON."

    def add_arguments(self, parser):
        parser.add_argument("--run", type=int, required=True, help="The compilation run's id.")
        parser.add_argument("--format", required=True, help="docx, pdf, md or json.")
        parser.add_argument("--out", required=True, help="Where to write the file.")
        parser.add_argument("--approved-only", action="store_true", help="Only approved recommendations.")
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="Include commercially confidential evidence (the file is marked Commercial in confidence).",
        )

    def handle(self, *args, run, format, out, approved_only, include_confidential, **options):
        if format not in FORMATS:
            raise CommandError(f"Unknown format '{format}': use one of {', '.join(sorted(FORMATS))}.")
        found = CompilationRun.objects.filter(pk=run).first()
        if found is None:
            raise CommandError(f"There is no compilation run {run}.")
        try:
            size = write_pack(
                found,
                format,
                Path(out),
                include_confidential=include_confidential,
                approved_only=approved_only,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Wrote {out} ({size:,} bytes).")
