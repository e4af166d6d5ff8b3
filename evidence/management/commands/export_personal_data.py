import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from evidence.privacy import subject_access


class Command(BaseCommand):
    help = "Export everything held about one person (a subject access request) as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--out", help="Write to this file instead of standard output.")

    def handle(self, *args, email, out, **options):
        try:
            data = subject_access(email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if out:
            Path(out).write_text(text)
            self.stdout.write(f"Wrote {out}.")
        else:
            self.stdout.write(text)
