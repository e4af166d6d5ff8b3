"""Required skips: in CI, a test that would be skipped for want of something fails instead.

Tests that need something a machine may lack carry a marker (``browser``: Chromium; ``redis_server``: the
redis-server program; ``postgres``: a PostgreSQL database). Where it is missing they skip with a reason. CI
sets the marker's variable in the passes where those tests apply, and then a skip is a failure naming the
variable and the reason: a missing dependency cannot shrink the suite unnoticed. (The worker tests have their
own switch, MMIP_REQUIRE_WORKER, in tests/integration/conftest.py.)

A plain pytest plugin without Django, so tests/test_required.py can run it on its own.
"""

from __future__ import annotations

import os

import pytest

REQUIREMENTS = {
    "browser": "MMIP_REQUIRE_BROWSER",
    "redis_server": "MMIP_REQUIRE_REDIS_SERVER",
    "postgres": "MMIP_REQUIRE_POSTGRES",
}


def required(marker: str) -> bool:
    return os.environ.get(REQUIREMENTS[marker], "").strip().lower() in {"1", "true", "yes", "on"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        for marker, variable in REQUIREMENTS.items():
            if item.get_closest_marker(marker) and required(marker):
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
                reason = reason.removeprefix("Skipped: ")
                report.outcome = "failed"
                report.longrepr = f"{variable}=1, but this {marker} test was skipped: {reason}"
                break
    return report
