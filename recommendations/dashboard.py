"""The leads' dashboard numbers, aggregated in the database: a fixed handful of GROUP BY queries whatever
the number of responses (the query budget is pinned in tests/recommendations/test_dashboard.py).

The page does not run them: it reads the last computed figures from one ``DashboardSnapshot`` row and says
when they were computed. At 100,000 responses the queries take about a second, and several times that
while autovacuum is behind (the counts then read the whole table), which is exactly the busy deadline week a
lead watches the page. So they run in the background: every few minutes while the consultation is open
(Celery beat, ``refresh_open``), when a lead opens a page older than ``MMIP_DASHBOARD_MAX_AGE`` (the page
shows the older figures meanwhile), and when a lead asks ("Recompute now"). A consultation's first view
computes them in the request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from evidence.models import (
    Campaign,
    ComponentTag,
    Consultation,
    DuplicateFlag,
    Organisation,
    OrganisationType,
    ReviewAssignment,
    ReviewRound,
    Submission,
)

NOT_GIVEN = "Not given (individuals)"

log = logging.getLogger(__name__)


@dataclass
class DualReview:
    """Second reviews done, and how the two independent codings compared."""

    done: int
    agreed: int  # both rounds done, same coding, no disagreement raised
    disagreed: int  # a disagreement was found (open or since resolved by a lead)
    open_disagreements: int
    awaiting: int  # the second round is done but the first is not yet, so nothing to compare

    @property
    def agreement_percent(self) -> int | None:
        compared = self.agreed + self.disagreed
        return round(100 * self.agreed / compared) if compared else None


@dataclass
class Dashboard:
    consultation: Consultation
    total: int
    per_day: list[tuple[str, int, int]]  # day with responses, responses that day, cumulative
    timeline: dict  # every day of the window up to the deadline, for the chart
    by_type: list[tuple[str, int]]
    by_region: list[tuple[str, int]]
    by_size: list[tuple[str, int]]
    review: list[tuple[str, int]]
    dual: DualReview
    components: list[str]
    types: list[str]
    coverage: list[tuple[str, list[tuple[int, bool]]]]  # type, [(organisations, is_gap) per component]
    gap_threshold: int
    gaps: int
    days_left: int
    computed_at: dt.datetime | None = None  # when the figures were computed (None: just now, not stored)

    # The timeline and the days left depend on today, not on when the figures were computed: they are
    # derived again from the stored per-day counts whenever a snapshot is shown.
    _DERIVED = ("consultation", "timeline", "days_left", "computed_at")

    def to_data(self) -> dict:
        """The figures as JSON-ready data (tuples become lists), for a DashboardSnapshot."""
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name not in self._DERIVED}
        data["dual"] = vars(self.dual).copy()
        return json.loads(json.dumps(data))

    @classmethod
    def from_data(
        cls, consultation: Consultation, data: dict, *, computed_at: dt.datetime | None, today: dt.date | None = None
    ) -> Dashboard:
        today = today or timezone.localdate()
        pairs = ("by_type", "by_region", "by_size", "review")
        fields = {name: [tuple(pair) for pair in data[name]] for name in pairs}
        fields["per_day"] = [tuple(row) for row in data["per_day"]]
        fields["coverage"] = [(kind, [tuple(cell) for cell in cells]) for kind, cells in data["coverage"]]
        counts = {dt.date.fromisoformat(day): n for day, n, _ in fields["per_day"]}
        return cls(
            consultation=consultation,
            total=data["total"],
            timeline=_timeline(consultation, counts, today),
            dual=DualReview(**data["dual"]),
            components=data["components"],
            types=data["types"],
            gap_threshold=data["gap_threshold"],
            gaps=data["gaps"],
            days_left=_days_left(consultation, today),
            computed_at=computed_at,
            **fields,
        )


def _timeline(consultation: Consultation, counts: dict[dt.date, int], today: dt.date) -> dict:
    """Responses per day over the whole window, from opening to the deadline, so the cumulative line can
    be read against the deadline. Days after today have no cumulative value (the line stops)."""
    zone = timezone.get_current_timezone()
    first = consultation.opens_at.astimezone(zone).date()
    last = consultation.closes_at.astimezone(zone).date()
    if counts:
        first, last = min(first, min(counts)), max(last, max(counts))
    labels, daily, cumulative, running = [], [], [], 0
    day = first
    while day <= last:
        n = counts.get(day, 0)
        running += n
        labels.append(day.isoformat())
        daily.append(n)
        cumulative.append(running if day <= today or n else None)
        day += dt.timedelta(days=1)
    return {"labels": labels, "daily": daily, "cumulative": cumulative, "deadline": last.isoformat()}


def _count_distinct(rows: QuerySet, first: str, second: str, counted: str) -> dict[tuple[int, int], int]:
    """COUNT(DISTINCT counted) per (first, second), computed as a GROUP BY over the distinct rows: the
    database hashes them, where COUNT(DISTINCT) sorts each group's rows (at 100,000 responses that sort
    of 87,000 tags spilled to disk and took most of a second)."""
    inner = rows.values(first, second, counted).distinct().order_by()
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        # A CTE with a column list: the same SQL on PostgreSQL and SQLite.
        cursor.execute(f"WITH t (a, b, c) AS ({sql}) SELECT a, b, COUNT(*) FROM t GROUP BY a, b", params)  # nosec B608
        return {(a, b): n for a, b, n in cursor.fetchall()}


def build(consultation: Consultation, today: dt.date | None = None) -> Dashboard:
    today = today or timezone.localdate()
    submitted = Submission.objects.filter(consultation=consultation, status=Submission.Status.SUBMITTED)

    # 1. Responses per day (served by submission_submitted_idx).
    counts: dict[dt.date, int] = {
        row["day"]: row["n"]
        for row in submitted.annotate(day=TruncDate("first_submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        if row["day"] is not None
    }
    per_day, running = [], 0
    for day in sorted(counts):
        running += counts[day]
        per_day.append((day.isoformat(), counts[day], running))

    # 2. One GROUP BY over type × region × size gives all three breakdowns (a few hundred groups at most).
    by_type, by_region, by_size_raw = Counter(), Counter(), Counter()
    for type_name, region_name, size, n in (
        submitted.values_list(
            "organisation__organisation_type__name", "organisation__region__name", "organisation__size_band"
        )
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_type[type_name] += n
        by_region[region_name] += n
        by_size_raw[size] += n
    sizes = dict(Organisation.SizeBand.choices)
    # Size bands in their natural order (micro → large), then responses with none.
    by_size = [(label, by_size_raw[value]) for value, label in sizes.items() if by_size_raw[value]]
    if by_size_raw[""]:
        by_size.append((NOT_GIVEN, by_size_raw[""]))

    # 3. Review progress in one pass.
    states = dict(Submission.ReviewState.choices)
    tallies = submitted.aggregate(**{state: Count("pk", filter=Q(review_state=state)) for state in states})
    review = [(label, tallies[value]) for value, label in states.items()]

    # 4. Dual review: second reviews done and how they compared, in one pass over second-round assignments.
    settled = Q(submission__review_state__in=[Submission.ReviewState.REVIEWED, Submission.ReviewState.EXCLUDED])
    disagreed = Q(submission__has_disagreement=True) | Q(submission__disagreement_resolved_at__isnull=False)
    dual_rows = ReviewAssignment.objects.filter(
        submission__consultation=consultation,
        submission__status=Submission.Status.SUBMITTED,
        round=ReviewRound.SECOND,
        status=ReviewAssignment.Status.DONE,
    ).aggregate(
        done=Count("pk"),
        disagreed=Count("pk", filter=disagreed),
        open=Count("pk", filter=Q(submission__has_disagreement=True)),
        agreed=Count("pk", filter=settled & ~disagreed),
    )
    dual = DualReview(
        done=dual_rows["done"],
        agreed=dual_rows["agreed"],
        disagreed=dual_rows["disagreed"],
        open_disagreements=dual_rows["open"],
        awaiting=dual_rows["done"] - dual_rows["agreed"] - dual_rows["disagreed"],
    )

    # 5-8. Distinct organisations per component × organisation type, from the first round's tags (the
    # canonical coding) of submitted evidence. Grouped by the tag's and the organisation's foreign keys
    # so the database joins only submission and organisation. A campaign's text is tagged once, on its
    # first response: as a lead decides for each campaign, its other senders count under those tags
    # (once per sender) or not at all (once as a campaign; their own tags are then left out too).
    components = list(consultation.components.filter(is_active=True).order_by("order"))
    types = list(OrganisationType.objects.active())
    joined = DuplicateFlag.objects.filter(kind=DuplicateFlag.Kind.CAMPAIGN).exclude(
        status=DuplicateFlag.Status.REJECTED
    )
    counted_once = joined.filter(submission=OuterRef("submission"), campaign__counting=Campaign.Counting.ONCE)
    cells = Counter(
        _count_distinct(
            ComponentTag.objects.filter(
                round=ReviewRound.FIRST,
                component_id__in=[c.pk for c in components],
                submission__consultation=consultation,
                submission__status=Submission.Status.SUBMITTED,
            ).exclude(Exists(counted_once)),
            "component_id",
            "submission__organisation__organisation_type_id",
            "submission__organisation_id",
        )
    )
    founder_tag = ComponentTag.objects.filter(
        submission=OuterRef("campaign__founder"), round=ReviewRound.FIRST, component_id=OuterRef("component")
    )
    own_tag = ComponentTag.objects.filter(
        submission=OuterRef("submission"), round=ReviewRound.FIRST, component_id=OuterRef("component")
    )
    for row in (
        joined.filter(
            campaign__consultation=consultation,
            campaign__counting=Campaign.Counting.PER_SENDER,
            submission__status=Submission.Status.SUBMITTED,
        )
        .annotate(component=F("campaign__founder__tags__component_id"))
        .filter(Exists(founder_tag), ~Exists(own_tag), component__in=[c.pk for c in components])
        .values("component", "submission__organisation__organisation_type_id")
        .annotate(n=Count("submission__organisation_id", distinct=True))
        .order_by()
    ):
        cells[(row["component"], row["submission__organisation__organisation_type_id"])] += row["n"]
    threshold = settings.MMIP_COVERAGE_GAP_THRESHOLD
    coverage, gaps = [], 0
    for org_type in types:
        row = []
        for component in components:
            n = cells.get((component.pk, org_type.pk), 0)
            row.append((n, n < threshold))
            gaps += n < threshold
        coverage.append((org_type.name, row))

    return Dashboard(
        consultation=consultation,
        total=running,
        per_day=per_day,
        timeline=_timeline(consultation, counts, today),
        by_type=sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
        by_region=sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0])),
        by_size=by_size,
        review=review,
        dual=dual,
        components=[c.name for c in components],
        types=[t.name for t in types],
        coverage=coverage,
        gap_threshold=threshold,
        gaps=gaps,
        days_left=_days_left(consultation, today),
    )


def _days_left(consultation: Consultation, today: dt.date) -> int:
    return max((consultation.closes_at.astimezone(timezone.get_current_timezone()).date() - today).days, 0)


def refresh(consultation: Consultation) -> Dashboard:
    """Compute the figures now and store them as the consultation's snapshot."""
    from .models import DashboardSnapshot

    started, computed_at = time.perf_counter(), timezone.now()
    board = build(consultation)
    board.computed_at = computed_at  # the figures are as of when their queries began
    took_ms = round((time.perf_counter() - started) * 1000)
    # One upsert (INSERT … ON CONFLICT DO UPDATE on both databases): two refreshes at once both succeed.
    snapshot = DashboardSnapshot(
        consultation=consultation, data=board.to_data(), computed_at=computed_at, took_ms=took_ms
    )
    DashboardSnapshot.objects.bulk_create(
        [snapshot],
        update_conflicts=True,
        unique_fields=["consultation"],
        update_fields=["data", "computed_at", "took_ms"],
    )
    return board


def refresh_open(now: dt.datetime | None = None) -> int:
    """Recompute the dashboards of the consultations open now (Celery beat). Returns how many."""
    refreshed = 0
    for consultation in Consultation.objects.open_now(now):
        refresh(consultation)
        refreshed += 1
    return refreshed


def _refresh_in_background(consultation: Consultation) -> None:
    """Ask a worker to recompute the figures, once per period however many leads open the stale page. A
    broker outage only leaves the older figures on show (the next view or beat tick tries again)."""
    from . import tasks

    key = f"dashboard-refresh:{consultation.pk}"
    if not cache.add(key, 1, timeout=settings.MMIP_DASHBOARD_MAX_AGE):
        return
    try:
        tasks.refresh_dashboard.apply_async(kwargs={"consultation_id": consultation.pk})
    except Exception as exc:  # the broker's errors come from several libraries (kombu, redis, OSError)
        log.warning("Dashboard of %s: could not queue a refresh: %s", consultation.slug, exc)
        cache.delete(key)


def current(consultation: Consultation, today: dt.date | None = None) -> Dashboard:
    """The figures to show: the stored snapshot (a refresh is queued when it is older than
    ``MMIP_DASHBOARD_MAX_AGE`` seconds), or, on a consultation's first view, computed now."""
    from .models import DashboardSnapshot

    snapshot = DashboardSnapshot.objects.filter(consultation=consultation).first()
    if snapshot is None:
        board = refresh(consultation)
        # The timeline and days left of ``today`` (a test's day), as a stored snapshot would show them.
        return Dashboard.from_data(consultation, board.to_data(), computed_at=board.computed_at, today=today)
    age = (timezone.now() - snapshot.computed_at).total_seconds()
    if age > settings.MMIP_DASHBOARD_MAX_AGE:
        _refresh_in_background(consultation)
    return Dashboard.from_data(consultation, snapshot.data, computed_at=snapshot.computed_at, today=today)
