"""The leads' dashboard: its numbers against a hand-made fixture, its fixed query budget, and who may see it."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from evidence.models import ComponentTag, ReviewAssignment
from recommendations.dashboard import NOT_GIVEN, Dashboard, build
from recommendations.models import DashboardSnapshot
from tests import factories

pytestmark = pytest.mark.django_db

LONDON = dt.timezone(dt.timedelta(0))


def _at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=LONDON)


@pytest.fixture
def window(consultation):
    # A closed window, 1 to 10 March 2026 (GMT), so the timeline is known to the day.
    consultation.opens_at = dt.datetime(2026, 3, 1, tzinfo=LONDON)
    consultation.closes_at = dt.datetime(2026, 3, 10, 23, 0, tzinfo=LONDON)
    consultation.save()
    return consultation


@pytest.fixture
def board(window, reviewer, settings):
    """Seven submitted responses from five organisations, plus responses that must not count."""
    settings.MMIP_COVERAGE_GAP_THRESHOLD = 2
    second_reviewer = factories.UserFactory(username="rory", groups=["Reviewer"])
    skills, regulation = factories.component("skills"), factories.component("regulation")
    cdmo, sme = factories.organisation_type("cdmo"), factories.organisation_type("sme-biopharma")
    wales, scotland = factories.region("wales"), factories.region("scotland")
    cdmo_a = factories.OrganisationFactory(organisation_type=cdmo, region=wales, size_band="large")
    cdmo_b = factories.OrganisationFactory(organisation_type=cdmo, region=wales, size_band="medium")
    sme_a = factories.OrganisationFactory(organisation_type=sme, region=scotland, size_band="small")
    sme_b = factories.OrganisationFactory(organisation_type=sme, region=scotland, size_band="small")
    person = factories.OrganisationFactory(
        organisation_type=factories.organisation_type("individual"), region=wales, size_band=""
    )

    def submitted(org, day, state="new", **extra):
        return factories.SubmittedSubmissionFactory(
            consultation=window,
            organisation=org,
            first_submitted_at=_at(day),
            submitted_at=_at(day),
            review_state=state,
            **extra,
        )

    def tag(submission, component, round="first"):
        ComponentTag.objects.create(
            submission=submission, component=component, reviewer=reviewer, grade="B", round=round
        )

    # CDMO A: two responses on 2 March, both tagged skills (counts once in the matrix).
    a1, a2 = submitted(cdmo_a, 2, "reviewed"), submitted(cdmo_a, 2, "reviewed")
    tag(a1, skills)
    tag(a2, skills)
    # CDMO B: 2 March, skills and regulation, dual reviewed and agreed.
    b1 = submitted(cdmo_b, 2, "reviewed")
    tag(b1, skills)
    tag(b1, regulation)
    tag(b1, skills, round="second")
    ReviewAssignment.objects.create(submission=b1, reviewer=reviewer, round="first", status="done")
    ReviewAssignment.objects.create(submission=b1, reviewer=second_reviewer, round="second", status="done")
    # SME A: 4 March, in review with an open disagreement; its second round tagged regulation only.
    s1 = submitted(sme_a, 4, "in_review", has_disagreement=True)
    tag(s1, skills)
    tag(s1, regulation, round="second")
    ReviewAssignment.objects.create(submission=s1, reviewer=reviewer, round="first", status="done")
    ReviewAssignment.objects.create(submission=s1, reviewer=second_reviewer, round="second", status="done")
    # SME B: 4 March, second round done before the first: nothing to compare yet.
    s2 = submitted(sme_b, 4, "in_review")
    ReviewAssignment.objects.create(submission=s2, reviewer=reviewer, round="first")
    ReviewAssignment.objects.create(submission=s2, reviewer=second_reviewer, round="second", status="done")
    # An individual: 7 March, excluded (out of scope); a second response still new.
    submitted(person, 7, "excluded", exclusion_reason="out_of_scope")
    submitted(person, 7)

    # None of these count: a draft, a withdrawn response, and another consultation's response.
    factories.SubmissionFactory(consultation=window, organisation=sme_a)
    withdrawn = submitted(sme_b, 5, "reviewed", status="withdrawn")
    tag(withdrawn, regulation)
    elsewhere = factories.SubmittedSubmissionFactory(organisation=sme_b, review_state="reviewed")
    tag(elsewhere, regulation)
    return build(window, today=dt.date(2026, 3, 8))


def test_responses_per_day_and_cumulative_run_to_the_deadline(board):
    assert board.total == 7
    assert board.per_day == [("2026-03-02", 3, 3), ("2026-03-04", 2, 5), ("2026-03-07", 2, 7)]
    timeline = board.timeline
    assert timeline["labels"][0] == "2026-03-01" and timeline["labels"][-1] == "2026-03-10"
    assert timeline["deadline"] == "2026-03-10"
    assert timeline["daily"] == [0, 3, 0, 2, 0, 0, 2, 0, 0, 0]
    # The cumulative line stops at today (8 March): the days to the deadline are still to come.
    assert timeline["cumulative"] == [0, 3, 3, 5, 5, 5, 7, 7, None, None]
    assert board.days_left == 2


def test_breakdowns_by_type_region_and_size(board):
    assert dict(board.by_type) == {
        "Contract development and manufacturing organisation (CDMO/CMO)": 3,
        "Small or medium-sized biopharma company (SME)": 2,
        "Individual (not on behalf of an organisation)": 2,
    }
    assert board.by_region == [("Wales", 5), ("Scotland", 2)]
    # Natural order of the bands, then responses without one.
    assert board.by_size == [("Small (10–49)", 2), ("Medium (50–249)", 1), ("Large (250+)", 2), (NOT_GIVEN, 2)]


def test_review_progress_and_dual_review_agreement(board):
    assert board.review == [("New", 1), ("In review", 2), ("Reviewed", 3), ("Excluded", 1)]
    dual = board.dual
    assert (dual.done, dual.agreed, dual.disagreed, dual.open_disagreements, dual.awaiting) == (3, 1, 1, 1, 1)
    assert dual.agreement_percent == 50


def test_the_coverage_matrix_counts_distinct_organisations_and_marks_gaps(board):
    cdmo = dict(board.coverage)["Contract development and manufacturing organisation (CDMO/CMO)"]
    sme = dict(board.coverage)["Small or medium-sized biopharma company (SME)"]
    skills = board.components.index("Skills and talent")
    regulation = board.components.index("Agile regulation")
    # Three CDMO responses tagged skills come from two organisations: 2, not a gap at threshold 2.
    assert cdmo[skills] == (2, False)
    assert cdmo[regulation] == (1, True)
    # Second-round tags, withdrawn responses and other consultations do not count.
    assert sme[skills] == (1, True)
    assert sme[regulation] == (0, True)
    cells = len(board.types) * len(board.components)
    assert board.gaps == cells - 1


def test_the_page_shows_the_numbers_in_tables_and_the_chart_data_as_json(client, board, lead):
    client.force_login(lead)
    response = client.get(reverse("recommendations:dashboard", args=[board.consultation.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    charts = json.loads(page.split('id="chart-data" type="application/json">')[1].split("</script>")[0])
    assert charts["perDay"]["daily"] == [0, 3, 0, 2, 0, 0, 2, 0, 0, 0]
    assert charts["bySize"]["values"] == [2, 1, 2, 2]
    assert "vendor/chartjs/chart.umd.min.js" in page and "js/dashboard.js" in page
    # Every chart has a table of the same numbers: one canvas per table caption at least.
    assert page.count("<canvas") == 5 and page.count("<caption") >= 5
    assert "table-warning" in page and "Agreed with the first review" in page
    # No inline script: the CSP allows scripts from our origin only.
    assert "<script>" not in page


def test_the_chart_library_is_served_locally():
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/chartjs/chart.umd.min.js")
    assert finders.find("js/dashboard.js")


@pytest.mark.parametrize("rows", [5, 60])
def test_the_dashboard_costs_the_same_queries_whatever_the_rows(
    client, consultation, lead, reviewer, rows, django_assert_num_queries
):
    for n in range(rows):
        s = factories.SubmittedSubmissionFactory(
            consultation=consultation, review_state="reviewed", first_submitted_at=timezone.now() - dt.timedelta(n)
        )
        ComponentTag.objects.create(submission=s, component=factories.component("skills"), reviewer=reviewer, grade="B")
    from django.db import connection

    client.force_login(lead)
    url = reverse("recommendations:dashboard", args=[consultation.slug])
    # The first view computes the figures: session, user, consultation; the (missing) snapshot; per day;
    # type × region × size; review states; dual review; components; organisation types; coverage cells;
    # campaign senders counted under their campaign's tags; the snapshot stored (one upsert); the
    # consultations list; the permission check (on PostgreSQL read with the user): 15 (14 on PostgreSQL)
    # whatever the number of responses.
    permissions = 0 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(14 + permissions):
        response = client.get(url)
    assert response.status_code == 200 and b"chart-data" in response.content
    # Later views read the stored figures: session, user, consultation, snapshot, consultations list,
    # permission check.
    with django_assert_num_queries(5 + permissions):
        response = client.get(url)
    assert response.status_code == 200 and f"{rows} submitted responses".encode() in response.content


def test_the_stored_figures_are_the_computed_ones(board, window):
    stored = Dashboard.from_data(window, board.to_data(), computed_at=None, today=dt.date(2026, 3, 8))
    assert stored == board
    # The timeline and the days left follow today, not the day the figures were computed.
    later = Dashboard.from_data(window, board.to_data(), computed_at=None, today=dt.date(2026, 3, 9))
    assert later.days_left == 1 and later.timeline["cumulative"][8] == 7
    assert later.per_day == board.per_day and later.coverage == board.coverage


def test_the_page_shows_stored_figures_with_their_time_until_recomputed(client, window, lead, settings):
    settings.MMIP_DASHBOARD_MAX_AGE = 300
    factories.SubmittedSubmissionFactory(consultation=window, first_submitted_at=_at(2))
    client.force_login(lead)
    url = reverse("recommendations:dashboard", args=[window.slug])
    page = client.get(url).content.decode()
    assert "1 submitted responses" in page and "Figures as of" in page and "Recompute now" in page
    snapshot = DashboardSnapshot.objects.get(consultation=window)
    assert snapshot.data["total"] == 1

    # A response submitted since: the page shows the stored figures (and says when they were computed)...
    factories.SubmittedSubmissionFactory(consultation=window, first_submitted_at=_at(3))
    assert "1 submitted responses" in client.get(url).content.decode()
    # ...until a lead recomputes them (POST only)...
    assert client.get(reverse("recommendations:dashboard_refresh", args=[window.slug])).status_code == 405
    response = client.post(reverse("recommendations:dashboard_refresh", args=[window.slug]), follow=True)
    assert "2 submitted responses" in response.content.decode()

    # ...or they grow older than MMIP_DASHBOARD_MAX_AGE: the page shows them and queues a recomputation
    # (run in-process here: no broker in the tests).
    factories.SubmittedSubmissionFactory(consultation=window, first_submitted_at=_at(4))
    DashboardSnapshot.objects.filter(consultation=window).update(computed_at=timezone.now() - dt.timedelta(seconds=301))
    assert "2 submitted responses" in client.get(url).content.decode()
    assert DashboardSnapshot.objects.get(consultation=window).data["total"] == 3
    assert "3 submitted responses" in client.get(url).content.decode()


def test_a_stale_page_queues_one_recomputation_and_survives_a_broker_outage(client, window, lead, monkeypatch):
    from django.core.cache import cache

    from recommendations import tasks

    client.force_login(lead)
    url = reverse("recommendations:dashboard", args=[window.slug])
    client.get(url)
    DashboardSnapshot.objects.filter(consultation=window).update(computed_at=timezone.now() - dt.timedelta(hours=1))
    sent = []

    def broken(**kwargs):
        sent.append(kwargs)
        raise OSError("broker down")

    monkeypatch.setattr(tasks.refresh_dashboard, "apply_async", broken)
    cache.delete(f"dashboard-refresh:{window.pk}")
    assert client.get(url).status_code == 200  # the older figures, no error
    monkeypatch.setattr(tasks.refresh_dashboard, "apply_async", lambda **kwargs: sent.append(kwargs))
    for _ in range(3):
        assert client.get(url).status_code == 200
    # One attempt that failed, then one queued for the three views.
    assert sent == [{"kwargs": {"consultation_id": window.pk}}] * 2
    cache.delete(f"dashboard-refresh:{window.pk}")


def test_beat_recomputes_the_open_consultations_only(consultation):
    from recommendations.tasks import refresh_dashboards

    assert consultation.opens_at <= timezone.now() < consultation.closes_at
    closed = factories.ConsultationFactory(
        slug="closed", opens_at=_at(1), closes_at=dt.datetime(2026, 3, 10, 23, 0, tzinfo=LONDON)
    )
    factories.SubmittedSubmissionFactory(consultation=consultation)
    assert refresh_dashboards() == 1
    assert DashboardSnapshot.objects.get(consultation=consultation).data["total"] == 1
    assert not DashboardSnapshot.objects.filter(consultation=closed).exists()


def test_an_empty_consultation_shows_zeros_not_errors(client, consultation, lead):
    client.force_login(lead)
    response = client.get(reverse("recommendations:dashboard", args=[consultation.slug]))
    assert response.status_code == 200
    board = build(consultation)
    assert board.total == 0 and board.dual.agreement_percent is None
    assert all(gap for _, cells in board.coverage for _, gap in cells)


def test_only_leads_see_the_dashboard(client, submitter, reviewer, consultation):
    url = reverse("recommendations:dashboard", args=[consultation.slug])
    assert client.get(url).status_code == 302  # anonymous: to sign-in
    for user in (submitter, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("recommendations:dashboard_home")).status_code == 403


def test_an_unknown_consultation_is_404(client, lead):
    client.force_login(lead)
    assert client.get(reverse("recommendations:dashboard", args=["no-such-call"])).status_code == 404
