"""The leads' dashboard numbers, aggregated in the database (a handful of GROUP BY queries whatever the
number of responses)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from evidence.models import (
    ComponentTag,
    Consultation,
    EcosystemComponent,
    Organisation,
    OrganisationType,
    ReviewAssignment,
    ReviewRound,
    Submission,
)


@dataclass
class Dashboard:
    consultation: Consultation
    total: int
    per_day: list[tuple[str, int, int]]  # day, submissions that day, cumulative
    by_type: list[tuple[str, int]]
    by_region: list[tuple[str, int]]
    by_size: list[tuple[str, int]]
    review: list[tuple[str, int]]
    dual_done: int
    disagreements: int
    components: list[str]
    types: list[str]
    coverage: list[tuple[str, list[tuple[int, bool]]]]  # type, [(organisations, is_gap) per component]
    gap_threshold: int
    days_left: int


def build(consultation: Consultation, today: dt.date | None = None) -> Dashboard:
    submitted = Submission.objects.filter(consultation=consultation, status=Submission.Status.SUBMITTED)
    per_day_rows = (
        submitted.annotate(day=TruncDate("first_submitted_at")).values("day").annotate(n=Count("pk")).order_by("day")
    )
    per_day, running = [], 0
    for row in per_day_rows:
        running += row["n"]
        per_day.append((row["day"].isoformat() if row["day"] else "", row["n"], running))

    # One GROUP BY over type × region × size gives all three breakdowns (a few hundred groups at most).
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
    by_size = [
        (sizes.get(key) or "Not given (individuals)", n)
        for key, n in sorted(by_size_raw.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    # Review progress and open disagreements in one pass.
    states = dict(Submission.ReviewState.choices)
    tallies = submitted.aggregate(
        disagreements=Count("pk", filter=Q(has_disagreement=True)),
        **{state: Count("pk", filter=Q(review_state=state)) for state in states},
    )
    review = [(label, tallies[value]) for value, label in states.items()]

    components = list(consultation.components.filter(is_active=True).order_by("order"))
    types = list(OrganisationType.objects.active())
    # Distinct organisations per component × organisation type, from first-round tags of submitted evidence.
    cells = {
        (row["component_id"], row["submission__organisation__organisation_type_id"]): row["n"]
        for row in ComponentTag.objects.filter(
            round=ReviewRound.FIRST,
            component__in=components,
            submission__consultation=consultation,
            submission__status=Submission.Status.SUBMITTED,
        )
        .values("component_id", "submission__organisation__organisation_type_id")
        .annotate(n=Count("submission__organisation_id", distinct=True))
    }
    threshold = settings.MMIP_COVERAGE_GAP_THRESHOLD
    coverage = []
    for org_type in types:
        row = []
        for component in components:
            n = cells.get((component.pk, org_type.pk), 0)
            row.append((n, n < threshold))
        coverage.append((org_type.name, row))
    dual = ReviewAssignment.objects.filter(
        submission__consultation=consultation, round=ReviewRound.SECOND, status=ReviewAssignment.Status.DONE
    ).count()
    today = today or dt.date.today()
    return Dashboard(
        consultation=consultation,
        total=running,
        per_day=per_day,
        by_type=sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0])),
        by_region=sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0])),
        by_size=by_size,
        review=review,
        dual_done=dual,
        disagreements=tallies["disagreements"],
        components=[c.name for c in components],
        types=[t.name for t in types],
        coverage=coverage,
        gap_threshold=threshold,
        days_left=max((consultation.closes_at.date() - today).days, 0),
    )


def components_of(consultation: Consultation) -> list[EcosystemComponent]:
    return list(consultation.components.filter(is_active=True).order_by("order"))
