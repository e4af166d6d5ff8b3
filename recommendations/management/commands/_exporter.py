"""What the export commands share: who is exporting (``--by``), and turning rule violations into
command errors."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def add_common_arguments(parser) -> None:
    parser.add_argument(
        "--include-confidential",
        action="store_true",
        help="Include commercially confidential evidence (needs --by an account holding the permission); "
        "the file is then marked 'Commercial in confidence' on every page or sheet.",
    )
    parser.add_argument(
        "--by",
        metavar="EMAIL",
        help="The account the export is logged against (needed with --include-confidential).",
    )


def exporter(email: str | None):
    if not email:
        return None
    user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        raise CommandError(f"No active account with the e-mail address '{email}'.")
    return user
