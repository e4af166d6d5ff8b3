"""Issue 14 in a real browser: responses imported from elsewhere reach the reviewers' workbench; a bad row
imports nothing. axe-core stays clean on every page these tests touch."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evidence.models import Submission
from tests import factories
from tests.browser.conftest import axe_violations, describe, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(page, live_server):
    """Sign a user in by session cookie (the sign-in forms have their own tests)."""

    def sign_in(user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return sign_in


def assert_axe_clean(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe(violations)}"


@pytest.fixture
def call(live_db):
    return factories.ConsultationFactory(slug="mmip-2026", title="MMIP call for evidence 2026")


@pytest.fixture
def reviewer(live_db):
    return factories.UserFactory(username="rita", groups=["Reviewer"])


def test_an_import_with_a_bad_row_imports_nothing_then_the_good_rows_reach_reviewers(
    page, signed_in, call, reviewer, tmp_path
):
    today = timezone.localdate()
    good = {
        "organisation": "Tees Valley Chemicals",
        "organisation_type": "cdmo",
        "region": "north-east",
        "summary": "Grid connection delays hold up our new API plant.",
        "what_should_change": "Prioritise grid connections for medicines manufacturing sites.",
        "confidentiality": "publishable",
        "channel": "letter",
        "received_date": f"{today - dt.timedelta(days=2):%Y-%m-%d}",
        "source_reference": "L-0042",
    }
    bad = {**good, "region": "Northumbria", "source_reference": "L-0043"}
    path = tmp_path / "post.jsonl"
    path.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n")
    with pytest.raises(CommandError, match="Nothing was imported: 1 of 2"):
        call_command("import_responses", str(path), "--consultation", call.slug, "--by", reviewer.email)
    assert not Submission.objects.exists()
    call_command("import_responses", str(path), "--consultation", call.slug, "--by", reviewer.email, "--skip-invalid")

    signed_in(reviewer)
    page.goto(reverse("admin:evidence_submission_changelist") + "?channel__exact=letter")
    shot(page, "14-import-changelist")
    assert page.get_by_role("link", name="MMIP-0001").is_visible()
    assert "Northumbria" not in page.content()
    assert_axe_clean(page, "changelist filtered by channel")
    page.get_by_role("link", name="MMIP-0001").click()
    page.get_by_text("Letter, received").wait_for()
    shot(page, "14-import-change")
    assert "their reference L-0042" in page.content()
    assert_axe_clean(page, "an imported response's page")
