"""Restore a backup into an empty, migrated database: ``manage.py restore FOLDER`` (evidence/backups.py).
Fails (non-zero) unless every table's row count and every file's checksum match the backup's manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence import backups


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty, migrated database, and verify it."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The backup's folder.")

    def handle(self, *args, folder, **options):
        try:
            summary = backups.restore(Path(folder))
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        if summary.problems:
            raise CommandError("The restore does not match the backup:\n  " + "\n  ".join(summary.problems))
        self.stdout.write(
            f"Restored {sum(summary.rows.values())} row(s) of {len(summary.rows)} table(s) and "
            f"{len(summary.files)} file(s); counts and checksums match the backup."
        )
