"""The leads' and reviewers' pages in a real browser under the production Content-Security-Policy: each
loads with nothing blocked (the page fixture fails the test on any violation), and the scripts that matter
ran (the dashboard's charts drew, the admin's inline rows can be added)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from evidence import demo
from evidence.models import Submission
from recommendations import services
from recommendations.exports.jobs import export_request
from recommendations.models import Recommendation
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def sign_in(page, live_server, username: str) -> None:
    """By session cookie: the sign-in forms have their own browser tests."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def demo_call(live_db):
    """The demo call and accounts, with 40 responses, 60% of them reviewed."""
    demo.seed(submissions=40, seed=3, reviewed=0.6)
    return demo.ensure_consultation()


@pytest.fixture
def compiled(demo_call):
    """A finished compilation of the demo call, and an export."""
    consultation = demo_call
    lead = get_user_model().objects.get(username="lead@demo.mmip")
    run = services.compilation_start(consultation=consultation, by=lead)  # Celery runs eagerly here
    export_request(kind="register", fmt="csv", consultation=consultation, by=lead)
    return consultation, run


def test_the_leads_pages_work_under_the_content_security_policy(page, live_server, compiled):
    consultation, run = compiled
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    draft = Recommendation.objects.filter(run=run).first()
    sign_in(page, live_server, "lead@demo.mmip")
    page.goto(reverse("recommendations:dashboard", args=[consultation.slug]))
    for chart in ("chart-per-day", "chart-by-type", "chart-by-region", "chart-by-size", "chart-review"):
        page.wait_for_function("(id) => Chart.getChart(id) !== undefined", arg=chart)  # static/js/dashboard.js ran
    shot(page, "csp-dashboard")
    for url in [
        reverse("recommendations:runs"),
        reverse("recommendations:run_detail", args=[run.pk]),
        reverse("recommendations:draft_detail", args=[draft.pk]),
        reverse("recommendations:draft_edit", args=[draft.pk]),
        reverse("recommendations:draft_compare", args=[draft.pk]),
        reverse("recommendations:exports"),
        reverse("you_said_we_did", args=[consultation.slug]),
    ]:
        response = page.goto(url)
        assert response.status == 200, url


def test_the_reviewers_admin_works_under_the_content_security_policy(page, live_server, demo_call):
    consultation = demo_call
    submission = Submission.objects.filter(
        consultation=consultation, status="submitted", confidentiality="publishable"
    ).first()
    sign_in(page, live_server, "reviewer@demo.mmip")
    for url in [
        reverse("admin:evidence_submission_changelist"),
        reverse("admin:evidence_submission_agreement"),
    ]:
        assert page.goto(url).status == 200, url
    page.goto(reverse("admin:evidence_submission_change", args=[submission.pk]))
    # The admin's inline JavaScript ran: it made the "Add another" button, which adds a component-tag row.
    rows = page.locator("#tags-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#tags-group").get_by_role("button", name="Add another Component tag").click()
    assert rows.count() == before + 1
    shot(page, "csp-admin-change")
