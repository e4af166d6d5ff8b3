"""The settings helpers fail loudly on bad values, and production refuses to start without secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from mmip import settings as s

ROOT = Path(__file__).resolve().parent.parent


def test_env_bool_rejects_a_value_that_is_not_a_boolean(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        s.env_bool("X_FLAG", False)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("off", False), ("Yes", True), ("", False)])
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert s.env_bool("X_FLAG", not expected) is expected


def test_env_int_rejects_words(monkeypatch):
    monkeypatch.setenv("X_NUM", "twenty")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='twenty' is not a whole number"):
        s.env_int("X_NUM", 1)


def _check(env: dict, *args: str) -> subprocess.CompletedProcess:
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the browser tests set the last
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _check({"DEBUG": "0", "ALLOWED_HOSTS": "evidence.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG=0" in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _check(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 64 + "-not-a-real-key-0123456789",
            "ALLOWED_HOSTS": "e.example.org",
            # A mail server and a real sender (mmip.E104, mmip.W105); a database without demo accounts.
            "EMAIL_HOST": "smtp.example.org",
            "DEFAULT_FROM_EMAIL": "MMIP Evidence <evidence@mmip.org.uk>",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _transport(env: dict) -> dict:
    """The broker transport options a process started with ``env`` gets."""
    code = "import json; from django.conf import settings as s; print(json.dumps(s.CELERY_BROKER_TRANSPORT_OPTIONS))"
    clean = {k: v for k, v in os.environ.items() if k not in {"CELERY_VISIBILITY_TIMEOUT", "MMIP_WORKER_KIND"}}
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "mmip.settings", **env},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout)


def test_each_kind_of_worker_has_its_own_visibility_timeout_and_unacknowledged_set():
    fast, analysis, everything = (
        _transport({"MMIP_WORKER_KIND": "fast"}),
        _transport({"MMIP_WORKER_KIND": "analysis"}),
        _transport({}),
    )
    assert fast["visibility_timeout"] == 300 and fast["unacked_key"] == "unacked.fast"
    assert analysis["visibility_timeout"] == 2400 and analysis["unacked_key"] == "unacked.analysis"
    # One worker for everything: the longest bound, Redis's default set.
    assert everything["visibility_timeout"] == 2400 and "unacked_key" not in everything
    assert _transport({"MMIP_WORKER_KIND": "fast", "CELERY_VISIBILITY_TIMEOUT": "5"})["visibility_timeout"] == 5


def test_an_unknown_worker_kind_is_refused():
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mmip.settings", "MMIP_WORKER_KIND": "slow"},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and "MMIP_WORKER_KIND='slow'" in out.stderr


@pytest.mark.parametrize("value", ["25", "-1"])
def test_an_analysis_niceness_out_of_range_is_refused(value):
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "mmip.settings", "MMIP_ANALYSIS_NICE": value},
        capture_output=True,
        text=True,
    )
    assert out.returncode != 0 and f"MMIP_ANALYSIS_NICE={value}: use a niceness from 0 to 19" in out.stderr
