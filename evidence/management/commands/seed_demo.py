from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence import demo


class Command(BaseCommand):
    help = (
        "Create the demo consultation, demo accounts and N synthetic responses (idempotent: a larger N tops "
        "up, the same seed gives the same data)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--submissions", type=int, default=120, help="How many responses (default 120).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--reviewed", type=float, default=0.0, help="Share of submitted responses to review, 0 to 1."
        )
        parser.add_argument(
            "--i-understand-demo-passwords-are-public",
            action="store_true",
            dest="public_passwords_ok",
            help="Seed even with DEBUG=0 (a staging site): the demo accounts' password is in the README. "
            "The superuser is never created then.",
        )

    def handle(self, *args, submissions: int, seed: int, reviewed: float, public_passwords_ok: bool, **options):
        production = not settings.DEBUG
        if production and not public_passwords_ok:
            raise CommandError(
                "seed_demo refuses to run with DEBUG=0: it creates staff accounts whose password is public "
                f"({demo.DEMO_PASSWORD}, printed in the README). For a staging site only, pass "
                "--i-understand-demo-passwords-are-public (no superuser is created then)."
            )
        if submissions < 0:
            raise CommandError("--submissions must be 0 or more.")
        if not 0 <= reviewed <= 1:
            raise CommandError("--reviewed is a share between 0 and 1, e.g. 0.5.")
        result = demo.seed(submissions=submissions, seed=seed, reviewed=reviewed, superuser=not production)
        self.stdout.write(
            f"Demo consultation '{demo.DEMO_SLUG}': {result.total} responses "
            f"({result.created} new, {result.reviewed} newly reviewed)."
        )
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {demo.DEMO_PASSWORD}):")
        for email, role in result.accounts:
            self.stdout.write(f"  {email:<22} {role}")
