"""`check --deploy` fails a release on an unsafe production configuration: the site URL left at 127.0.0.1,
the demo accounts present, no mail server, an example sender address; HSTS preloading is opt-in."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import checks

ROOT = Path(__file__).resolve().parents[2]
SMTP = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "smtp.gov.uk"}}}


def _ids(**kwargs) -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True, **kwargs)}


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.MMIP_SITE_URL = "https://evidence.mmip.org.uk"
    settings.MAILERS = SMTP
    settings.DEFAULT_FROM_EMAIL = settings.SERVER_EMAIL = "MMIP Evidence <evidence@mmip.org.uk>"
    settings.MMIP_MFA_EXEMPT_IN_DEVELOPMENT = False
    return settings


@pytest.mark.django_db
def test_a_safe_production_configuration_passes(production):
    assert not {i for i in _ids() if i.startswith("mmip.")}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:8000", "https://[::1]", "http://127.0.1.1", ""]
)
def test_a_site_url_pointing_at_the_server_itself_fails(production, url):
    production.MMIP_SITE_URL = url
    assert "mmip.E102" in _ids()


@pytest.mark.django_db
def test_a_plain_http_site_url_is_warned_about(production):
    production.MMIP_SITE_URL = "http://evidence.mmip.org.uk"
    assert {"mmip.W106"} <= _ids() and "mmip.E102" not in _ids()


@pytest.mark.django_db
def test_the_checks_are_silent_in_development(production):
    production.DEBUG = True
    production.MMIP_SITE_URL = "http://127.0.0.1:8000"
    get_user_model().objects.create_user("lead@demo.mmip", "lead@demo.mmip", "x")
    assert not {"mmip.E102", "mmip.E103", "mmip.E104"} & _ids()


@pytest.mark.django_db
def test_demo_accounts_fail_the_deployment(production):
    user = get_user_model().objects.create_user("lead@demo.mmip", "lead@demo.mmip", "x")
    ids = _ids(databases=["default"])
    assert "mmip.E103" in ids
    user.is_active = False  # a deactivated demo account cannot sign in
    user.save()
    assert "mmip.E103" not in _ids(databases=["default"])


@pytest.mark.django_db
def test_a_demo_respondent_without_a_password_is_not_a_demo_account(production):
    get_user_model().objects.create_user("demo-1-1", "respondent1.1@demo-respondents.example")
    assert "mmip.E103" not in _ids()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mailers",
    [
        {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": ""}}},
        {"default": {"BACKEND": "evidence.mail.ConsoleEmailBackend", "OPTIONS": {}}},
        {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    ],
)
def test_no_mail_server_fails_the_deployment(production, mailers):
    production.MAILERS = mailers
    assert "mmip.E104" in _ids()


@pytest.mark.django_db
def test_an_example_sender_address_is_warned_about(production):
    production.DEFAULT_FROM_EMAIL = "MMIP Evidence <evidence@mmip.example>"
    assert "mmip.W105" in _ids()


def _production_settings(**env) -> dict:
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_HSTS_PRELOAD, s.SILENCED_SYSTEM_CHECKS, s.MAILERS['default']['OPTIONS']]))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "SECURE_", "DATABASE_URL"))}
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "mmip.settings",
            "DEBUG": "0",
            "SECRET_KEY": "k" * 50,
            "ALLOWED_HOSTS": "evidence.mmip.org.uk",
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    preload, silenced, mail = json.loads(out.stdout)
    return {"preload": preload, "silenced": silenced, "mail": mail}


def test_hsts_preload_is_opt_in_and_an_unset_mail_server_is_empty_in_production():
    default = _production_settings()
    assert default["preload"] is False and "security.W021" in default["silenced"]
    assert default["mail"]["host"] == ""  # not "localhost": mmip.E104 catches it
    opted = _production_settings(SECURE_HSTS_PRELOAD="1", EMAIL_HOST="smtp.gov.uk")
    assert opted["preload"] is True and "security.W021" not in opted["silenced"]
    assert opted["mail"]["host"] == "smtp.gov.uk"


def test_check_deploy_fails_on_a_loopback_site_url_end_to_end(tmp_path):
    env = {
        # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE either: check --deploy refuses it (async.E001).
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("EMAIL_", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"))
        },
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "evidence.mmip.org.uk",
        "EMAIL_HOST": "smtp.gov.uk",
        "DEFAULT_FROM_EMAIL": "evidence@mmip.org.uk",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def check(**extra):
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env={**env, **extra},
            capture_output=True,
            text=True,
        )

    passed = check()
    assert passed.returncode == 0, passed.stderr
    failed = check(MMIP_SITE_URL="http://127.0.0.1:8000")
    assert failed.returncode != 0 and "mmip.E102" in failed.stderr
