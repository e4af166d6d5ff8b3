"""In CI a browser, Redis-fault or PostgreSQL-only test that is skipped fails the run (tests/required.py).
Checked in a pytest of its own, on tests that always skip."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIPPING = """
import pytest

@pytest.mark.browser
def test_browser():
    pytest.skip("no Chromium here")

@pytest.mark.redis_server
@pytest.mark.skipif(True, reason="needs the redis-server program")
def test_redis_fault():
    pass

@pytest.fixture
def database():
    pytest.skip("needs PostgreSQL")

@pytest.mark.postgres
def test_postgres_only(database):
    pass

def test_unmarked():
    pytest.skip("optional")
"""


def run(tmp_path, **variables) -> subprocess.CompletedProcess:
    (tmp_path / "test_skipping.py").write_text(SKIPPING)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMIP_REQUIRE_")} | variables
    env |= {"PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # this plugin alone
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.required",
            "-p",
            "no:cacheprovider",
            "-o",
            "markers=browser\nredis_server\npostgres",
            "-rA",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_the_variables_those_tests_skip(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "4 skipped" in result.stdout


def test_with_the_variables_a_skipped_test_of_that_kind_fails_the_run_and_says_why(tmp_path):
    result = run(tmp_path, MMIP_REQUIRE_BROWSER="1", MMIP_REQUIRE_REDIS_SERVER="1", MMIP_REQUIRE_POSTGRES="1")
    assert result.returncode == 1, result.stdout
    failed = {line.split()[1] for line in result.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))}
    assert failed == {
        f"test_skipping.py::{name}" for name in ("test_browser", "test_redis_fault", "test_postgres_only")
    }
    assert "MMIP_REQUIRE_BROWSER=1, but this browser test was skipped: no Chromium here" in result.stdout
    assert (
        "MMIP_REQUIRE_REDIS_SERVER=1, but this redis_server test was skipped: needs the redis-server" in result.stdout
    )
    assert "MMIP_REQUIRE_POSTGRES=1, but this postgres test was skipped: needs PostgreSQL" in result.stdout
    assert "1 skipped" in result.stdout  # an unmarked test may still skip
