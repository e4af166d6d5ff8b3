"""Deployment checks (``manage.py check --deploy``): an unsafe production configuration fails the release.

Each runs only with DEBUG=0, where the settings describe a real deployment. mmip.E101 (the second-factor
exemption) lives beside the rule it guards, in evidence.signin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # nosec B104: host names compared, nothing bound
EXAMPLE_DOMAINS = ("example", "example.com", "example.org", "example.net", "invalid", "test", "localhost")


def _is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    return host in LOOPBACK or host.startswith("127.") or host.endswith(".localhost")


def _example_domain(address: str) -> bool:
    domain = address.rpartition("@")[2].strip(" >").lower()
    return any(domain == d or domain.endswith(f".{d}") for d in EXAMPLE_DOMAINS)


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs):
    """The address put in e-mailed links (receipts) must reach the site from outside, over HTTPS."""
    if settings.DEBUG:
        return []
    url = settings.MMIP_SITE_URL
    parts = urlsplit(url)
    if not parts.hostname or _is_loopback(parts.hostname):
        return [
            checks.Error(
                f"MMIP_SITE_URL is {url!r}: the links in receipts would point at the server itself, not the site.",
                hint="Set MMIP_SITE_URL to the public address, e.g. https://evidence.example.org "
                "(or unset it to use https:// and the first ALLOWED_HOSTS name).",
                id="mmip.E102",
            )
        ]
    if parts.scheme != "https":
        return [
            checks.Warning(
                f"MMIP_SITE_URL is {url!r}: links in receipts would be sent over plain HTTP.",
                hint="Use an https:// address.",
                id="mmip.W106",
            )
        ]
    return []


@checks.register(checks.Tags.security, checks.Tags.database, deploy=True)
def check_no_demo_accounts(app_configs, **kwargs):
    """The demo accounts' password is printed by `make run` and in the README: none may exist in production."""
    if settings.DEBUG:
        return []
    from django.contrib.auth import get_user_model

    from .demo import DEMO_ACCOUNTS

    emails = [account[0] for account in DEMO_ACCOUNTS]
    try:
        found = sorted(
            get_user_model().objects.filter(username__in=emails, is_active=True).values_list("username", flat=True)
        )
    except DatabaseError:
        return []  # no tables yet (before the first migrate): no demo accounts either
    if found:
        return [
            checks.Error(
                f"Demo accounts exist: {', '.join(found)}. Their password is public.",
                hint="Delete them (or deactivate them) in the admin or with `manage.py shell`; "
                "never run seed_demo on a production database.",
                id="mmip.E103",
            )
        ]
    return []


def _keeps_mail(backend: str) -> bool:
    """Whether a mail backend keeps messages on the server (console, memory, nowhere) instead of sending."""
    from django.core.mail.backends import console, dummy, locmem
    from django.utils.module_loading import import_string

    try:
        cls = import_string(backend)
    except ImportError:
        return False  # Django's own mail check reports a backend that cannot be imported
    return issubclass(cls, console.EmailBackend | locmem.EmailBackend | dummy.EmailBackend)


@checks.register(checks.Tags.security, deploy=True)
def check_email(app_configs, **kwargs):
    """Receipts and sign-in links need a mail server and a sender address people can reply to."""
    if settings.DEBUG:
        return []
    errors = []
    for name, mailer in settings.MAILERS.items():
        backend = mailer.get("BACKEND", "")
        if backend.endswith("smtp.EmailBackend") and not (mailer.get("OPTIONS") or {}).get("host"):
            errors.append(
                checks.Error(
                    f"E-mail is sent by SMTP but no mail server is set (MAILERS[{name!r}]): receipts and "
                    "confirmation e-mails would fail.",
                    hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).",
                    id="mmip.E104",
                )
            )
        elif _keeps_mail(backend):
            errors.append(
                checks.Error(
                    f"MAILERS[{name!r}] uses {backend}: no e-mail would leave the server.",
                    hint="Unset EMAIL_BACKEND to send by SMTP, or name a backend that delivers.",
                    id="mmip.E104",
                )
            )
    for setting in ("DEFAULT_FROM_EMAIL", "SERVER_EMAIL"):
        address = getattr(settings, setting)
        if _example_domain(address):
            errors.append(
                checks.Warning(
                    f"{setting} is {address!r}, an address at a reserved example domain: mail servers "
                    "reject or bin it, and replies go nowhere.",
                    hint="Set DEFAULT_FROM_EMAIL to the secretariat's address, e.g. "
                    "'MMIP Evidence <evidence@your-department.gov.uk>'.",
                    id="mmip.W105",
                )
            )
            break  # SERVER_EMAIL follows DEFAULT_FROM_EMAIL: one warning is enough
    return errors
