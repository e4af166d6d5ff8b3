from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.imports import FORMATS, ImportRefused, guess_format, import_file
from evidence.models import Consultation


class Command(BaseCommand):
    help = (
        "Import responses that arrived another way (e-mail, letter, another consultation platform) from a CSV or "
        "JSON Lines file; the format is in docs/importing-responses.md. All or nothing unless --skip-invalid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .jsonl file (UTF-8).")
        parser.add_argument("--consultation", required=True, help="The consultation's slug.")
        parser.add_argument(
            "--by", help="E-mail address of the staff account doing the import (recorded on each response)."
        )
        parser.add_argument("--format", choices=FORMATS, help="csv or jsonl; by default from the file's extension.")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Import the rows that are right and list those skipped."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file and say what would happen.")

    def handle(self, *args, file, consultation, by, format, skip_invalid, dry_run, **options):
        path = Path(file)
        found = Consultation.objects.filter(slug=consultation).first()
        if found is None:
            slugs = ", ".join(Consultation.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"No consultation with the slug '{consultation}' (there are: {slugs}).")
        fmt = format or guess_format(path)
        if fmt is None:
            raise CommandError(f"Cannot tell the format of {path.name}: name it .csv or .jsonl, or add --format.")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        user = self._staff(by) if by else None
        try:
            if user is None and not dry_run:
                # Check the file first, so one run reports everything that needs fixing.
                import_file(consultation=found, data=data, fmt=fmt, by=None, skip_invalid=skip_invalid, dry_run=True)
                raise CommandError("Say who is importing: add --by EMAIL of your staff account.")
            report = import_file(
                consultation=found, data=data, fmt=fmt, by=user, skip_invalid=skip_invalid, dry_run=dry_run
            )
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            bad = len({p.line for p in refused.problems})
            hint = "" if skip_invalid else " Fix them, or add --skip-invalid to import the other rows."
            raise CommandError(
                f"Nothing was imported: {bad} of {refused.rows or bad} row(s) have problems.{hint}"
            ) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None

        for problem in report.skipped:
            self.stderr.write(f"skipped {problem}")
        if dry_run:
            self.stdout.write(
                f"Dry run: {len(report.imported)} response(s) would be imported"
                + (f", {len(report.skipped)} row(s) skipped." if report.skipped else ".")
            )
            return
        for line, submission in report.imported:
            self.stdout.write(
                f"line {line}: {submission.reference}, {submission.organisation.name} "
                f"({submission.get_channel_display().lower()}, received {submission.received_on:%d %B %Y})"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(report.imported)} response(s) into {found.slug}")
            + (f"; skipped {len(report.skipped)} row(s), listed above." if report.skipped else ".")
        )

    def _staff(self, email: str):
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No account with the e-mail address {email}.")
        if not (user.is_active and user.is_staff):
            raise CommandError(f"{email} is not an active staff account: imports are recorded against staff.")
        return user
