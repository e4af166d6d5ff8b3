"""Back up the database and the files: ``manage.py backup [FOLDER]`` (evidence/backups.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence import backups


class Command(BaseCommand):
    help = "Back up every row and every uploaded and exported file into a new folder, with a manifest of checksums."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", help="A new folder (default: backups/mmip-backup-<UTC time>).")

    def handle(self, *args, folder=None, **options):
        target = Path(folder) if folder else backups.default_folder(Path("backups"))
        try:
            summary = backups.backup(target)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up {sum(summary.rows.values())} row(s) of {len(summary.rows)} table(s) and "
            f"{len(summary.files)} file(s) to {target}"
        )
