"""Compilation workflows: start a run, compile one component (loader → pure compile → result row),
assemble the run's drafts, and the leads' edits (optimistic locking, status changes).

Every step is idempotent, because Celery may deliver a task twice (acks_late) or re-run it after a
worker dies: a component with a result is not compiled again, and a finished run is not assembled again.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from evidence import outbox
from evidence.models import (
    Answer,
    ComponentTag,
    Consultation,
    DataPoint,
    EcosystemComponent,
    Excerpt,
    Indicator,
    ReviewRound,
    Submission,
)

from .compile import compile_component
from .compile.data import (
    NOT_ENOUGH,
    ComponentInput,
    DataPointItem,
    EvidenceItem,
    IndicatorInfo,
    Text,
)
from .models import CompilationRun, ComponentResult, Recommendation, SuccessCriterion

State = CompilationRun.State


# --- Starting and following a run -----------------------------------------------------------------------


@transaction.atomic
def compilation_start(*, consultation: Consultation, by=None, parameters: dict | None = None) -> CompilationRun:
    components = consultation.components.filter(is_active=True).count()
    if not components:
        raise ValidationError(f"{consultation} has no active ecosystem components to compile.")
    run = CompilationRun(
        consultation=consultation, started_by=by, parameters=parameters or {}, components_total=components
    )
    run.full_clean()
    run.save()
    outbox.enqueue("recommendations.tasks.run_compilation", run_id=run.pk)
    return run


def run_claim(*, run_id: int) -> list[int] | None:
    """Mark the run running and return its component ids; None if it is already finished."""
    run = CompilationRun.objects.filter(pk=run_id).first()
    if run is None or run.is_finished:
        return None
    now = timezone.now()
    CompilationRun.objects.filter(pk=run_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=Coalesce("started_at", Value(now)), progress_at=now
    )
    return list(run.consultation.components.filter(is_active=True).order_by("order").values_list("pk", flat=True))


@transaction.atomic
def run_fail(*, run_id: int, message: str) -> None:
    """Record a failure; a run that already succeeded stays succeeded."""
    CompilationRun.objects.filter(pk=run_id).exclude(state=State.SUCCEEDED).update(
        state=State.FAILED, error=message[:2000] or "The compilation failed.", finished_at=timezone.now()
    )


def runs_recover_stalled(*, now=None) -> tuple[int, int]:
    """Runs that show no progress for MMIP_COMPILATION_STALL_MINUTES (their worker was killed, or their
    task lost) are queued again, up to MMIP_COMPILATION_ATTEMPTS in all; then failed with a message a lead
    can act on. Components already compiled are kept (``component_compile`` skips them). Returns
    (queued again, failed). Run by Celery beat every minute."""
    now = now or timezone.now()
    minutes = settings.MMIP_COMPILATION_STALL_MINUTES
    # progress_at is set when the run is claimed and whenever a component finishes; a run never claimed
    # counts from its creation.
    stalled = CompilationRun.objects.alias(last_sign=Coalesce("progress_at", "created_at")).filter(
        state__in=[State.QUEUED, State.RUNNING], last_sign__lt=now - dt.timedelta(minutes=minutes)
    )
    requeued = failed = 0
    for run in stalled.order_by("pk"):
        with transaction.atomic():
            if run.attempts < settings.MMIP_COMPILATION_ATTEMPTS:
                # Claimed back only if nothing moved meanwhile (the same last sign of life).
                moved = CompilationRun.objects.filter(
                    pk=run.pk, state=run.state, progress_at=run.progress_at, attempts=run.attempts
                ).update(state=State.QUEUED, attempts=F("attempts") + 1, progress_at=now)
                if moved:
                    outbox.enqueue("recommendations.tasks.run_compilation", run_id=run.pk)
                    requeued += 1
                continue
            done = f"{run.components_done} of {run.components_total} components were compiled"
            run_fail(
                run_id=run.pk,
                message=(
                    f"The compilation stopped making progress: nothing happened for {minutes} minutes, "
                    f"{run.attempts} times ({done}). The analysis worker may be stopped or overloaded. "
                    "Start the compilation again; if it stalls again, ask an administrator to check that "
                    "the analysis worker is running."
                ),
            )
            failed += 1
    return requeued, failed


# --- Loading (Django → plain data) ---------------------------------------------------------------------


def load_component(run: CompilationRun, component: EcosystemComponent) -> ComponentInput:
    """The component's canonical coding: first-round tags on submitted, reviewed responses."""
    tags = ComponentTag.objects.filter(
        round=ReviewRound.FIRST,
        component=component,
        submission__consultation_id=run.consultation_id,
        submission__status=Submission.Status.SUBMITTED,
        submission__review_state=Submission.ReviewState.REVIEWED,
    )
    tagged = Submission.objects.filter(Exists(tags.filter(submission=OuterRef("pk"))))
    grade_of = dict(tags.values_list("submission_id", "grade"))
    relevance_of = dict(tags.values_list("submission_id", "relevance"))

    answers: dict[int, list[str]] = {}
    for sub_id, text in (
        Answer.objects.filter(submission__in=tagged, question__component=component)
        .order_by("submission_id", "question__order")
        .values_list("submission_id", "text")
        .iterator(chunk_size=2000)
    ):
        answers.setdefault(sub_id, []).append(text)
    excerpts: dict[int, list[str]] = {}
    for sub_id, text in (
        Excerpt.objects.filter(submission__in=tagged, component=component, round=ReviewRound.FIRST)
        .order_by("pk")
        .values_list("submission_id", "text")
        .iterator(chunk_size=2000)
    ):
        excerpts.setdefault(sub_id, []).append(text)

    items, reference_of = [], {}
    rows = tagged.order_by("reference_number").values_list(
        "pk",
        "reference",
        "organisation_id",
        "organisation__organisation_type__name",
        "organisation__region__name",
        "confidentiality",
        "consent_to_publish",
        "summary",
        "proposals",
    )
    for pk, ref, org_id, org_type, region, confidentiality, consent, summary, proposals in rows.iterator(
        chunk_size=2000
    ):
        reference_of[pk] = ref
        confidential = confidentiality == Submission.Confidentiality.CONFIDENTIAL
        texts: tuple[Text, ...] = ()
        asks: tuple[Text, ...] = ()
        if not confidential:  # commercially confidential text never enters drafts; the response still counts
            texts = tuple(
                [Text(ref, "answer", t) for t in answers.get(pk, [])]
                + [Text(ref, "excerpt", t) for t in excerpts.get(pk, [])]
                + ([Text(ref, "summary", summary)] if relevance_of[pk] == "primary" and summary else [])
            )
            asks = (Text(ref, "proposal", proposals),) if proposals else ()
        items.append(
            EvidenceItem(
                reference=ref,
                organisation_id=org_id,
                organisation_type=org_type,
                region=region,
                grade=grade_of[pk],
                relevance=relevance_of[pk],
                publishable=confidentiality == Submission.Confidentiality.PUBLISHABLE and consent,
                confidential=confidential,
                texts=texts,
                proposals=asks,
            )
        )

    indicators = list(Indicator.objects.active().filter(components=component).order_by("slug"))
    slugs = {i.pk: i.slug for i in indicators}
    points = []
    for sub_id, indicator_id, value, unit, year, source in (
        DataPoint.objects.filter(submission__in=tagged, indicator_id__in=slugs)
        .order_by("pk")
        .values_list("submission_id", "indicator_id", "value", "unit", "period_start", "source")
        .iterator(chunk_size=2000)
    ):
        points.append(DataPointItem(reference_of[sub_id], slugs[indicator_id], Decimal(value), unit, year, source))
    return ComponentInput(
        slug=component.slug,
        name=component.name,
        items=tuple(items),
        data_points=tuple(points),
        indicators=tuple(
            IndicatorInfo(
                slug=i.slug,
                name=i.name,
                unit=i.unit,
                better=i.better,
                baseline_value=i.baseline_value,
                baseline_period=i.baseline_period,
                baseline_source=i.baseline_source,
                baseline_note=i.baseline_note,
            )
            for i in indicators
        ),
    )


# --- Compiling and assembling ----------------------------------------------------------------------------


def component_compile(*, run_id: int, component_id: int) -> ComponentResult | None:
    """Compile one component of a run and store its result (once)."""
    existing = ComponentResult.objects.filter(run_id=run_id, component_id=component_id).first()
    if existing is not None:
        return existing
    run = CompilationRun.objects.select_related("consultation").get(pk=run_id)
    if run.is_finished:
        return None
    component = EcosystemComponent.objects.get(pk=component_id)
    started = time.perf_counter()
    result = compile_component(load_component(run, component))
    try:
        with transaction.atomic():
            stored = ComponentResult.objects.create(
                run=run,
                component=component,
                state=ComponentResult.State.DONE if result.status == "ok" else ComponentResult.State.NOT_ENOUGH,
                message=result.message,
                data=result.to_json(),
                seconds=round(time.perf_counter() - started, 3),
            )
    except IntegrityError:  # a second delivery of the same task finished first: keep its result
        return ComponentResult.objects.get(run_id=run_id, component_id=component_id)
    done = ComponentResult.objects.filter(run_id=run_id).count()
    CompilationRun.objects.filter(pk=run_id, state=State.RUNNING).update(
        components_done=done, progress_at=timezone.now()
    )
    return stored


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@transaction.atomic
def run_assemble(*, run_id: int) -> CompilationRun:
    """Write the run's drafts from its component results and mark it succeeded, all or nothing."""
    run = CompilationRun.objects.select_for_update().get(pk=run_id)
    if run.is_finished:
        return run
    results = list(run.results.select_related("component").order_by("component__order"))
    missing = run.components_total - len(results)
    if missing:
        raise ValidationError(f"{missing} component(s) of run {run.pk} have no result yet.")
    failed = [r for r in results if r.state == ComponentResult.State.FAILED]
    if failed:
        run_fail(run_id=run.pk, message="; ".join(f"{r.component}: {r.message}" for r in failed))
        run.refresh_from_db()
        return run
    indicators = {i.slug: i for i in Indicator.objects.all()}
    criteria = []
    made = 0
    for result in results:
        for number, draft in enumerate(result.data.get("drafts", []), start=1):
            recommendation = Recommendation.objects.create(
                run=run,
                component=result.component,
                number=number,
                title=draft["title"][:300],
                objective=draft["objective"],
                rationale=draft["rationale"],
                dissent=draft["dissent"],
            )
            made += 1
            for c in draft["criteria"]:
                base = c["baseline"]
                criteria.append(
                    SuccessCriterion(
                        recommendation=recommendation,
                        indicator=indicators.get(c["indicator"]),
                        indicator_name=c["indicator_name"],
                        baseline_value=_decimal(base["value"]),
                        baseline_unit=base["unit"],
                        baseline_period=base["period"],
                        baseline_source=base["source"][:300],
                        baseline_method=base["method"],
                        baseline_references=base["references"],
                        baseline_status=base["status"][:300],
                        target_value=_decimal(c["target_value"]),
                        target_direction=c["target_direction"],
                        owner=c["owner"] or "",
                        data_source=(c["data_source"] or "")[:300],
                        frequency=c["frequency"] or "",
                        needs_input=c["needs_input"],
                    )
                )
    SuccessCriterion.objects.bulk_create(criteria)
    thin = [r.component.name for r in results if r.state == ComponentResult.State.NOT_ENOUGH]
    summary = f"{made} draft recommendation(s) across {len(results) - len(thin)} component(s)."
    if thin:
        summary += f" {NOT_ENOUGH.capitalize()} for: {', '.join(thin)}."
    run.state = State.SUCCEEDED
    run.summary = summary
    run.components_done = len(results)
    run.finished_at = timezone.now()
    run.save()
    return run


# --- Leads' edits -----------------------------------------------------------------------------------------


class EditConflict(Exception):
    """Someone else saved the draft since the editor opened it."""

    def __init__(self, current: Recommendation):
        super().__init__("conflict")
        self.current = current


TRANSITIONS = {
    Recommendation.Status.DRAFT: {Recommendation.Status.IN_REVIEW},
    Recommendation.Status.IN_REVIEW: {Recommendation.Status.DRAFT, Recommendation.Status.APPROVED},
    Recommendation.Status.APPROVED: {Recommendation.Status.IN_REVIEW},
}


@transaction.atomic
def recommendation_edit(*, recommendation: Recommendation, by, lock_version: int, data: dict) -> Recommendation:
    """Save a lead's edit if nobody saved since ``lock_version``; otherwise raise EditConflict."""
    current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if current.lock_version != lock_version:
        raise EditConflict(current)
    if current.status == Recommendation.Status.APPROVED:
        raise ValidationError("An approved recommendation cannot be edited; move it back to review first.")
    for field, value in data.items():
        setattr(current, field, value)
    current.lock_version += 1
    current.edited_by = by
    current.edited_at = timezone.now()
    current.full_clean()
    current._change_reason = "edited by a lead"
    current.save()
    return current


@transaction.atomic
def recommendation_transition(*, recommendation: Recommendation, to: str, by) -> Recommendation:
    current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if to not in TRANSITIONS.get(current.status, set()):
        raise ValidationError(
            f"A recommendation cannot move from “{current.get_status_display()}” to "
            f"“{Recommendation.Status(to).label}”."
        )
    if to == Recommendation.Status.APPROVED and current.run.state != State.SUCCEEDED:
        raise ValidationError("Only drafts of a succeeded run can be approved.")
    current.status = to
    current.lock_version += 1
    current.edited_by = by
    current.edited_at = timezone.now()
    current._change_reason = f"status → {current.get_status_display()}"
    current.save()
    return current
