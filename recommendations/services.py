"""Compilation workflows: start a run, compile one component (loader → pure compile → result row),
assemble the run's drafts, and the leads' edits (optimistic locking, status changes).

Every step is idempotent, because Celery may deliver a task twice (acks_late) or re-run it after a
worker dies: a component with a result is not compiled again, and a finished run is not assembled again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from evidence import outbox
from evidence.language import content_lemmas, sentences
from evidence.models import (
    Answer,
    Attachment,
    ComponentTag,
    Consultation,
    DataPoint,
    EcosystemComponent,
    Excerpt,
    Indicator,
    Question,
    ReviewRound,
    Submission,
)

from .compile import compile_component
from .compile.audit import audit, draft_parts
from .compile.crossref import DraftKey, cross_references
from .compile.data import (
    NOT_ENOUGH,
    ActorInfo,
    Baseline,
    ComponentInput,
    DataPointItem,
    Draft,
    EvidenceItem,
    Figure,
    IndicatorInfo,
    Origin,
    Statement,
    Text,
)
from .compile.figures import run_baselines
from .models import CompilationRun, ComponentResult, PublicBody, Recommendation, SuccessCriterion, Theme

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
    """Mark the run running, compute its figures (once), and return its component ids; None if it is
    already finished."""
    run = CompilationRun.objects.filter(pk=run_id).first()
    if run is None or run.is_finished:
        return None
    now = timezone.now()
    CompilationRun.objects.filter(pk=run_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=Coalesce("started_at", Value(now)), progress_at=now
    )
    if not run.figures:
        run_figures(run=run)
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


def indicator_info(indicator: Indicator) -> IndicatorInfo:
    return IndicatorInfo(
        slug=indicator.slug,
        name=indicator.name,
        unit=indicator.unit,
        better=indicator.better,
        baseline_value=indicator.baseline_value,
        baseline_period=indicator.baseline_period,
        baseline_source=indicator.baseline_source,
        baseline_note=indicator.baseline_note,
        kind=indicator.kind,
        unit_factors=dict(indicator.unit_factors or {}),
        baseline_url=indicator.baseline_url,
    )


def _compiled_responses(run: CompilationRun, component: EcosystemComponent | None = None):
    """The responses a run compiles: submitted, reviewed, tagged in the first round (to ``component``)."""
    tags = ComponentTag.objects.filter(
        round=ReviewRound.FIRST,
        submission__consultation_id=run.consultation_id,
        submission__status=Submission.Status.SUBMITTED,
        submission__review_state=Submission.ReviewState.REVIEWED,
    )
    if component is not None:
        tags = tags.filter(component=component)
    else:
        tags = tags.filter(component__in=run.consultation.components.filter(is_active=True))
    return tags, Submission.objects.filter(Exists(tags.filter(submission=OuterRef("pk"))))


def _points(submissions, *, indicators: dict[int, str] | None) -> list[DataPointItem]:
    """Data points of non-confidential responses: of the given indicators, or (None) of other measures."""
    points = DataPoint.objects.filter(submission__in=submissions).exclude(
        submission__confidentiality=Submission.Confidentiality.CONFIDENTIAL
    )
    points = points.filter(indicator_id__in=indicators) if indicators is not None else points.filter(indicator=None)
    rows = points.order_by("pk").values_list(
        "submission__reference",
        "indicator_id",
        "value",
        "unit",
        "period_start",
        "period_end",
        "source",
        "other_indicator",
    )
    return [
        DataPointItem(
            reference=ref,
            indicator=indicators[ind] if indicators is not None else "",
            value=Decimal(value),
            unit=unit,
            year=start,
            source=source,
            year_end=end,
            name=other,
        )
        for ref, ind, value, unit, start, end, source, other in rows.iterator(chunk_size=2000)
    ]


@transaction.atomic
def run_figures(*, run: CompilationRun) -> dict:
    """Compute the run's baselines once, from every compiled response's data points, and store them on the
    run. A commercially confidential response's figures never enter: they are only counted."""
    locked = CompilationRun.objects.select_for_update().get(pk=run.pk)
    if locked.figures:
        run.figures = locked.figures
        return locked.figures
    _, responses = _compiled_responses(locked)
    indicators = list(Indicator.objects.active().order_by("slug"))
    slugs = {i.pk: i.slug for i in indicators}
    withheld = {
        slugs[indicator_id]: n
        for indicator_id, n in DataPoint.objects.filter(
            submission__in=responses,
            submission__confidentiality=Submission.Confidentiality.CONFIDENTIAL,
            indicator_id__in=slugs,
        )
        .values_list("indicator_id")
        .annotate(n=Count("submission_id", distinct=True))
        .values_list("indicator_id", "n")
    }
    baselines = run_baselines(
        tuple(indicator_info(i) for i in indicators), tuple(_points(responses, indicators=slugs)), withheld
    )
    figures = {"baselines": {slug: b.to_json() for slug, b in baselines.items()}}
    CompilationRun.objects.filter(pk=run.pk).update(figures=figures)
    run.figures = figures
    return figures


def load_component(run: CompilationRun, component: EcosystemComponent) -> ComponentInput:
    """The component's canonical coding: first-round tags on submitted, reviewed responses."""
    tags, tagged = _compiled_responses(run, component)
    grade_of, relevance_of, stance_of = {}, {}, {}
    for sub_id, grade, relevance, stance in tags.values_list("submission_id", "grade", "relevance", "stance"):
        grade_of[sub_id], relevance_of[sub_id], stance_of[sub_id] = grade, relevance, stance

    answers: dict[int, list[str]] = {}
    for sub_id, text in (
        Answer.objects.filter(submission__in=tagged, question__component=component)
        .order_by("submission_id", "question__order")
        .values_list("submission_id", "text")
        .iterator(chunk_size=2000)
    ):
        answers.setdefault(sub_id, []).append(text)
    excerpts: dict[int, list[tuple[str, str]]] = {}
    for sub_id, text, kind in (
        Excerpt.objects.filter(submission__in=tagged, component=component, round=ReviewRound.FIRST)
        .order_by("pk")
        .values_list("submission_id", "text", "kind")
        .iterator(chunk_size=2000)
    ):
        excerpts.setdefault(sub_id, []).append((text, kind))
    # Attachments are response-wide: their text counts for the response's primary components only.
    attachments: dict[int, list[str]] = {}
    primary = [pk for pk, relevance in relevance_of.items() if relevance == ComponentTag.Relevance.PRIMARY]
    for sub_id, text in (
        Attachment.objects.filter(submission_id__in=primary, extraction_status=Attachment.Extraction.DONE)
        .exclude(extracted_text="")
        .order_by("pk")
        .values_list("submission_id", "extracted_text")
        .iterator(chunk_size=500)
    ):
        attachments.setdefault(sub_id, []).append(text)

    # "What should change?" is response-wide: each of its sentences counts for the tagged component it fits.
    vocabulary = component_vocabulary(run.consultation_id)
    other_tags: dict[int, list[int]] = {}
    for sub_id, component_id in ComponentTag.objects.filter(
        round=ReviewRound.FIRST, submission__in=tagged.exclude(proposals="")
    ).values_list("submission_id", "component_id"):
        other_tags.setdefault(sub_id, []).append(component_id)
    all_answers: dict[int, dict[int, str]] = {}
    for sub_id, component_id, text in Answer.objects.filter(submission__in=tagged.exclude(proposals="")).values_list(
        "submission_id", "question__component_id", "text"
    ):
        all_answers.setdefault(sub_id, {})[component_id] = text

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
                + [Text(ref, "excerpt", t, kind) for t, kind in excerpts.get(pk, [])]
                + [Text(ref, "attachment", t) for t in attachments.get(pk, [])]
                + ([Text(ref, "summary", summary)] if relevance_of[pk] == "primary" and summary else [])
            )
            fitting = proposals_for(
                component.pk, proposals, other_tags.get(pk, []), vocabulary, all_answers.get(pk, {})
            )
            asks = (Text(ref, "proposal", fitting),) if fitting else ()
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
                stance=stance_of[pk],
            )
        )

    indicators = list(Indicator.objects.active().filter(components=component).order_by("slug"))
    slugs = {i.pk: i.slug for i in indicators}
    figures = run.figures or run_figures(run=run)
    baselines = {
        slug: Baseline.from_json(data) for slug, data in figures.get("baselines", {}).items() if slug in slugs.values()
    }
    actors = tuple(
        ActorInfo(label=body.label, names=tuple(body.names())) for body in PublicBody.objects.active().order_by("order")
    )
    return ComponentInput(
        slug=component.slug,
        name=component.name,
        actors=actors,
        items=tuple(items),
        data_points=tuple(_points(tagged, indicators=slugs) + _points(tagged, indicators=None)),
        indicators=tuple(indicator_info(i) for i in indicators),
        baselines=baselines,
    )


def component_vocabulary(consultation_id: int) -> dict[int, set[str]]:
    """The lemmas of each component's name, description and questions."""
    words: dict[int, set[str]] = {}
    for component in EcosystemComponent.objects.filter(consultations=consultation_id):
        words[component.pk] = set(content_lemmas(f"{component.name} {component.description}"))
    for component_id, text, guidance in Question.objects.filter(consultation_id=consultation_id).values_list(
        "component_id", "text", "guidance"
    ):
        if component_id in words:
            words[component_id] |= set(content_lemmas(f"{text} {guidance}"))
    return words


def proposals_for(component_id: int, proposals: str, tagged: list[int], vocabulary, answers: dict[int, str]) -> str:
    """The sentences of "What should change?" that fit this component best among the response's tagged
    components (by the words they share with each component's description, questions and answer)."""
    others = [c for c in tagged if c != component_id]
    if not others:
        return proposals
    known = {c: vocabulary.get(c, set()) | set(content_lemmas(answers.get(c, ""))) for c in [component_id, *others]}
    kept = []
    for sentence in sentences(proposals):
        words = set(content_lemmas(sentence))
        if len(words & known[component_id]) >= max(len(words & known[c]) for c in others):
            kept.append(sentence)
    return " ".join(kept)


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


def _cross_reference(run: CompilationRun) -> None:
    """An ask raised under several components becomes one recommendation, under its main component
    (most supporters), cross-referenced from the others: the duplicates are folded into it."""
    recs = list(run.recommendations.select_related("component").order_by("component__order", "number"))
    keys = [
        DraftKey(
            id=r.pk,
            component=r.component.name,
            lemmas=tuple(r.basis.get("lemmas", [])),
            weight=float(r.basis.get("weighted_supporters", 0)),
            order=(r.component.order, r.number),
        )
        for r in recs
    ]
    by_id = {r.pk: r for r in recs}
    for main_id, twin_ids in cross_references(keys).items():
        main = by_id[main_id]
        twins = [by_id[t] for t in twin_ids]
        # A response opposing or mixed on the main component is not counted as support there, whatever it
        # said under another component.
        against = {ref for d in main.dissent for ref in d.get("references", [])}
        refs = sorted({ref for t in twins for ref in t.basis.get("references", [])} - against)
        names = ", ".join(dict.fromkeys(t.component.name for t in twins))
        main.rationale = [
            *main.rationale,
            {
                "text": f"The same ask was raised under {names}; it is listed here once and cross-referenced there.",
                "references": refs[:25],
            },
        ]
        seen = {json.dumps(d, sort_keys=True) for d in main.dissent}
        main.dissent = [
            *main.dissent,
            *[d for t in twins for d in t.dissent if json.dumps(d, sort_keys=True) not in seen],
        ]
        main.basis = {
            **main.basis,
            "also_under": [t.component.name for t in twins],
            "references": sorted({*main.basis.get("references", []), *refs}),
        }
        main.contested = main.contested or any(t.contested for t in twins)
        main.save(update_fields=["rationale", "dissent", "basis", "contested"])
        main.also_components.add(*[t.component for t in twins])
        SuccessCriterion.objects.filter(recommendation__in=twins).delete()
        Recommendation.objects.filter(pk__in=twin_ids).delete()
    # Keep numbers 1, 2, 3 … within each component.
    for component_id in {r.component_id for r in recs}:
        rows = list(run.recommendations.filter(component_id=component_id).order_by("number"))
        for n, rec in enumerate(rows, start=1):
            if rec.number != n:
                Recommendation.objects.filter(pk=rec.pk).update(number=n)


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _criterion(recommendation: Recommendation, c: dict, indicator: Indicator | None) -> SuccessCriterion:
    base = Baseline.from_json(c["baseline"])
    target = c.get("target") or {}
    notes = []
    if base.side_by_side:
        notes.append("Also given in units that do not convert (not combined): " + "; ".join(base.side_by_side) + ".")
    if base.withheld:
        many = "responses" if base.withheld > 1 else "response"
        notes.append(f"{base.withheld} commercially confidential {many} also gave a figure: counted, never used.")
    if base.published:
        notes.append(f"Published: {base.published}.")
    return SuccessCriterion(
        recommendation=recommendation,
        indicator=indicator,
        indicator_name=c["indicator_name"],
        baseline_value=base.value,
        baseline_unit=base.unit,
        baseline_period=base.period[:60],
        baseline_source=base.source[:300],
        baseline_method=base.method,
        baseline_references=base.references,
        baseline_status=base.status[:300],
        baseline_text=base.text[:300],
        baseline_trend=base.trend[:300],
        baseline_notes=notes,
        target_value=_decimal(c["target_value"]),
        target_references=target.get("references", []),
        target_note=target.get("sentence", "")[:500],
        target_direction=c["target_direction"],
        deadline=c.get("deadline") or None,
        owner=c["owner"] or "",
        data_source=(c["data_source"] or "")[:300],
        frequency=c["frequency"] or "",
        needs_input=c["needs_input"],
    )


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
                figures=draft.get("figures", []),
                unexplained=draft.get("unexplained", []),
                actor=draft.get("actor", "")[:200],
                timescale=draft.get("timescale", "")[:200],
                contested=draft.get("contested", False),
                basis=draft.get("basis", {}),
            )
            made += 1
            for c in draft["criteria"]:
                criteria.append(_criterion(recommendation, c, indicators.get(c["indicator"])))
    SuccessCriterion.objects.bulk_create(criteria)
    _cross_reference(run)
    themes_record(run=run, results=results)
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


# --- Themes: recorded per run, reviewed by leads ------------------------------------------------------------


def member_key(references) -> str:
    return hashlib.sha256(",".join(sorted(set(references))).encode()).hexdigest()


def _counts(stances: dict[str, str]) -> dict[str, int]:
    values = list(stances.values())
    return {
        "supports": sum(1 for v in values if v not in ("opposes", "mixed")),
        "opposes": values.count("opposes"),
        "mixed": values.count("mixed"),
    }


def themes_record(*, run: CompilationRun, results) -> list[Theme]:
    """Store a run's themes. A theme with the same members as one a lead approved in an earlier run of the
    consultation keeps the approved label (and stays approved)."""
    made = []
    for result in results:
        for number, data in enumerate(result.data.get("themes", []), start=1):
            key = member_key(data["references"])
            earlier = (
                Theme.objects.approved()
                .filter(run__consultation_id=run.consultation_id, component=result.component, member_key=key)
                .exclude(run=run)
                .order_by("-run_id")
                .first()
            )
            theme = Theme(
                run=run,
                component=result.component,
                number=number,
                label=(earlier.label if earlier else data["label"])[:200],
                suggested_label=data["label"][:200],
                other_points=data.get("other_points", False),
                members=sorted(data["references"]),
                stances=data.get("stances", {}),
                member_key=key,
                supports=data.get("supports", 0),
                opposes=data.get("opposes", 0),
                mixed=data.get("mixed", 0),
                quotes=data.get("quotes", []),
            )
            if earlier:
                theme.status = Theme.Status.APPROVED
                theme.approved_by_id = earlier.approved_by_id
                theme.approved_at = earlier.approved_at
            made.append(theme)
    return Theme.objects.bulk_create(made)


def _theme_label(label: str) -> str:
    label = " ".join((label or "").split())
    if len(label) < 3:
        raise ValidationError("Give the theme a label of at least 3 characters.")
    if len(label) > 200:
        raise ValidationError("Keep the theme's label under 200 characters.")
    return label


@transaction.atomic
def theme_rename(*, theme: Theme, label: str, by) -> Theme:
    theme = Theme.objects.select_for_update().get(pk=theme.pk)
    if theme.status == Theme.Status.MERGED:
        raise ValidationError("This theme was merged into another; rename that one.")
    theme.label = _theme_label(label)
    theme.status = Theme.Status.PROPOSED  # new wording needs approving again
    theme.approved_by, theme.approved_at = None, None
    theme.full_clean()
    theme.save()
    return theme


@transaction.atomic
def theme_approve(*, theme: Theme, by, label: str | None = None) -> Theme:
    theme = Theme.objects.select_for_update().get(pk=theme.pk)
    if theme.status == Theme.Status.MERGED:
        raise ValidationError("This theme was merged into another; approve that one.")
    if label is not None:
        theme.label = _theme_label(label)
    theme.status = Theme.Status.APPROVED
    theme.approved_by, theme.approved_at = by, timezone.now()
    theme.full_clean()
    theme.save()
    return theme


@transaction.atomic
def theme_merge(*, themes: list[Theme], label: str, by) -> Theme:
    """Merge themes of one component and run into the first; the others point to it."""
    rows = list(Theme.objects.select_for_update().filter(pk__in=[t.pk for t in themes]).order_by("number"))
    if len(rows) < 2:
        raise ValidationError("Choose at least two themes to merge.")
    if len({(t.run_id, t.component_id) for t in rows}) > 1:
        raise ValidationError("Only themes of the same component in the same run can be merged.")
    if any(t.status == Theme.Status.MERGED for t in rows):
        raise ValidationError("One of these themes was already merged into another.")
    into, others = rows[0], rows[1:]
    stances = {}
    quotes = list(into.quotes)
    for t in rows:
        stances.update(t.stances)
        quotes += [q for q in t.quotes if q not in quotes]
    into.members = sorted({m for t in rows for m in t.members})
    into.stances = stances
    into.member_key = member_key(into.members)
    into.quotes = quotes[:5]
    into.other_points = all(t.other_points for t in rows)
    for field, value in _counts(stances).items():
        setattr(into, field, value)
    into.label = _theme_label(label or into.label)
    into.status = Theme.Status.PROPOSED
    into.approved_by, into.approved_at = None, None
    into.full_clean()
    into.save()
    for t in others:
        t.status, t.merged_into = Theme.Status.MERGED, into
        t.save(update_fields=["status", "merged_into"])
    return into


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
def recommendation_edit(
    *, recommendation: Recommendation, by, lock_version: int, data: dict, criteria: dict[int, dict] | None = None
) -> Recommendation:
    """Save a lead's edit of the draft and of its success criteria (``criteria``: criterion id → the lead's
    fields) if nobody saved since ``lock_version``; otherwise raise EditConflict. One lock covers the draft
    and its criteria, so two leads never overwrite each other's target or wording."""
    current = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    if current.lock_version != lock_version:
        raise EditConflict(current)
    if current.status == Recommendation.Status.APPROVED:
        raise ValidationError("An approved recommendation cannot be edited; move it back to review first.")
    for field, value in data.items():
        setattr(current, field, value)
    own = {c.pk: c for c in current.criteria.all()}
    for pk, values in (criteria or {}).items():
        criterion = own.get(pk)
        if criterion is None:
            raise ValidationError("That success criterion belongs to another recommendation.")
        _criterion_edit(criterion, values)
    current.unexplained = recommendation_audit(current)  # the page says at once what approval would refuse
    current.lock_version += 1
    current.edited_by = by
    current.edited_at = timezone.now()
    current.full_clean()
    current._change_reason = "edited by a lead"
    current.save()
    return current


def _criterion_edit(criterion: SuccessCriterion, values: dict) -> None:
    changed = [f for f in SuccessCriterion.LEAD_FIELDS if f in values and getattr(criterion, f) != values[f]]
    if not changed:
        return
    for field in changed:
        setattr(criterion, field, values[field])
    if "target_value" in changed or "deadline" in changed:
        # The lead's own target: no longer the one a response proposed.
        criterion.target_references, criterion.target_note = [], ""
    criterion.needs_input = criterion.missing()
    criterion.full_clean()
    criterion._change_reason = "filled in by a lead"
    criterion.save()


# --- The figures audit on a lead's text ----------------------------------------------------------------------


def _passages(consultation_id: int, references: list[str]) -> dict[str, list[str]]:
    """The text of the cited, non-confidential responses: answers, excerpts, summary and proposals."""
    subs = Submission.objects.filter(consultation_id=consultation_id, reference__in=references).exclude(
        confidentiality=Submission.Confidentiality.CONFIDENTIAL
    )
    out: dict[str, list[str]] = {}
    for ref, summary, proposals in subs.values_list("reference", "summary", "proposals"):
        out.setdefault(ref, []).extend([summary, proposals])
    for ref, text in Answer.objects.filter(submission__in=subs).values_list("submission__reference", "text"):
        out.setdefault(ref, []).append(text)
    for ref, text in Excerpt.objects.filter(submission__in=subs).values_list("submission__reference", "text"):
        out.setdefault(ref, []).append(text)
    return out


def recommendation_audit(recommendation: Recommendation) -> list[str]:
    """The numbers in the draft's current text (a lead may have edited it) that no figure explains: the
    figures the compilation recorded, the criteria's values, or the passages the draft cites."""
    figures = [Figure.from_json(f) for f in recommendation.figures]
    for c in recommendation.criteria.all():
        if c.target_value is not None:
            figures.append(Figure(c.target_value, str(c.target_value), Origin.LEAD, c.indicator_name))
        if c.deadline:
            figures.append(Figure(Decimal(c.deadline.year), str(c.deadline.year), Origin.LEAD, c.indicator_name))
    draft = Draft(
        title=recommendation.title,
        objective=recommendation.objective,
        rationale=[Statement(s["text"], s.get("references", [])) for s in recommendation.rationale],
        dissent=[Statement(s["text"], s.get("references", [])) for s in recommendation.dissent],
        criteria=[],
    )
    references = recommendation.references()
    parts = draft_parts(draft, references)
    _, unexplained = audit(parts, figures, _passages(recommendation.run.consultation_id, references))
    return unexplained


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
    if to == Recommendation.Status.APPROVED:
        unexplained = recommendation_audit(current)
        if unexplained:
            raise ValidationError(
                "This draft cannot be approved: no figure or cited evidence explains "
                + ("this number" if len(unexplained) == 1 else "these numbers")
                + " in its text: "
                + "; ".join(unexplained)
                + ". Remove or correct them, or fill in the success criterion they belong to."
            )
    current.status = to
    current.lock_version += 1
    current.edited_by = by
    current.edited_at = timezone.now()
    current._change_reason = f"status → {current.get_status_display()}"
    current.save()
    return current
