"""The recommendation pack as plain data, built once from a run and written by each format's writer.

Confidentiality: commercially confidential evidence never reaches the pack unless the exporter holds the
``evidence.view_confidential`` permission AND asks for it; then the pack says "Commercial in confidence"
(every writer puts it on every page or sheet) and an annex lists the confidential evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from evidence.models import DataPoint, Submission
from evidence.units import format_value

from ..compile.data import Origin
from ..models import CompilationRun, ComponentResult, Recommendation, SuccessCriterion, Theme

CONFIDENTIAL_MARK = "Commercial in confidence"
NEEDS_LEAD_INPUT = "needs lead input"
SCHEMA_VERSION = "1.0"


class PackError(Exception):
    """The pack cannot be made (the message says why, for the user)."""


@dataclass
class Reference:
    number: int
    reference: str
    organisation: str
    organisation_type: str
    region: str
    confidentiality: str


@dataclass
class Criterion:
    indicator: str
    baseline: str  # the run's one baseline of the indicator, in words with its period and source
    baseline_method: str
    baseline_references: list[int]
    target: str
    deadline: str
    owner: str
    data_source: str
    frequency: str
    needs_lead_input: list[str]
    complete: bool = False  # baseline known and target, deadline, owner, data source and frequency all set
    baseline_trend: str = ""  # first period → latest period
    baseline_notes: list[str] = field(default_factory=list)
    target_references: list[int] = field(default_factory=list)  # the responses that proposed the target


@dataclass
class PackMeasure:
    """Figures given under "another measure", grouped by name (see compile.data.MeasureGroup)."""

    name: str
    values: list[str]
    references: list[int]


@dataclass
class PackFigure:
    """A row of the table of figures that ends the pack."""

    figure: str
    used_in: str  # "Recommendation 1.2"
    origin: str
    reference: str


@dataclass
class Statement:
    text: str
    references: list[int]


@dataclass
class PackRecommendation:
    number: str
    title: str
    objective: str
    status: str
    rationale: list[Statement]
    dissent: list[Statement]
    criteria: list[Criterion]
    actor: str = NEEDS_LEAD_INPUT
    timescale: str = NEEDS_LEAD_INPUT
    contested: bool = False
    cross_reference: str = ""  # set when the recommendation is listed in full under another component

    @property
    def status_line(self) -> str:
        """Status, who should act and by when (and whether it is contested), for every writer."""
        parts = [f"Status: {self.status}", f"Who: {self.actor}", f"By when: {self.timescale}"]
        if self.contested:
            parts.append("Contested: opposition is strong relative to support")
        if self.cross_reference:
            parts.append(self.cross_reference)
        return " · ".join(parts)


@dataclass
class PackTheme:
    label: str
    size: int
    quotes: list[Statement]
    supports: int = 0
    opposes: int = 0
    mixed: int = 0
    approved: bool = False

    @property
    def counts(self) -> str:
        return f"{self.size} responses: {self.supports} support, {self.opposes} oppose, {self.mixed} mixed" + (
            "" if self.approved else "; wording not yet approved"
        )


@dataclass
class PackComponent:
    name: str
    description: str
    status: str
    message: str
    submissions: int
    organisations: int
    confidence: str
    confidence_reason: str
    grades: dict[str, int]
    by_organisation_type: dict[str, int]
    by_region: dict[str, int]
    themes: list[PackTheme]
    recommendations: list[PackRecommendation]
    confidential_evidence: list[Statement] = field(default_factory=list)
    other_measures: list[PackMeasure] = field(default_factory=list)
    confidential_figures: list[Statement] = field(default_factory=list)
    cross_references: list[str] = field(default_factory=list)


@dataclass
class Pack:
    schema_version: str
    title: str
    consultation: str
    run: int
    generated_at: str
    approved_only: bool
    confidential: bool
    marking: str
    components: list[PackComponent]
    references: list[Reference]
    figures: list[PackFigure] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _baseline(c: SuccessCriterion) -> str:
    """The criterion's baseline in words: "£795 million a year in 2023, the median of 3 figures from 2
    responses; range …" or "£32.1 billion a year in 2019 (MMIP press release, 24 January 2023)"."""
    if c.baseline_status != "ok":
        return c.baseline_status
    text = c.baseline_text or f"{format_value(c.baseline_value, c.baseline_unit, c.kind)} ({c.baseline_period})"
    if c.baseline_references:  # from submitted evidence: how it was derived says it all
        return f"{text}, {c.baseline_method}"
    return f"{text} ({c.baseline_source})"


def _deadline(value) -> str:
    return f"{value.day} {value:%B %Y}" if value else "needs lead input"


def build_pack(run: CompilationRun, *, include_confidential: bool = False, approved_only: bool = False) -> Pack:
    if run.state != CompilationRun.State.SUCCEEDED:
        raise PackError(
            f"Run {run.pk} is {run.get_state_display().lower()}: only a succeeded run can be exported."
            + (f" Its error: {run.error}" if run.error else "")
        )
    consultation = run.consultation
    results = {r.component_id: r for r in run.results.select_related("component")}
    recommendations = run.recommendations.select_related("component").prefetch_related(
        Prefetch("criteria", queryset=SuccessCriterion.objects.select_related("indicator")), "also_components"
    )
    if approved_only:
        recommendations = recommendations.filter(status=Recommendation.Status.APPROVED)
        if not recommendations.exists():
            raise PackError(f"Run {run.pk} has no approved recommendations yet.")
    by_component: dict[int, list[Recommendation]] = {}
    also: dict[int, list[Recommendation]] = {}
    for rec in recommendations:
        by_component.setdefault(rec.component_id, []).append(rec)
        for other in rec.also_components.all():
            also.setdefault(other.pk, []).append(rec)
    run_themes: dict[int, list[Theme]] = {}
    for theme in run.themes.shown().order_by("other_points", "number"):
        run_themes.setdefault(theme.component_id, []).append(theme)

    cited: dict[str, int] = {}
    figures: list[PackFigure] = []

    def cite(refs: list[str]) -> list[int]:
        numbers = []
        for ref in refs:
            if ref not in cited:
                cited[ref] = len(cited) + 1
            numbers.append(cited[ref])
        return numbers

    components = []
    for component in consultation.components.filter(is_active=True).order_by("order"):
        result: ComponentResult | None = results.get(component.pk)
        data = result.data if result else {}
        base = data.get("evidence_base", {})
        recs = []
        for n, rec in enumerate(by_component.get(component.pk, []), start=1):
            criteria = [
                Criterion(
                    indicator=c.indicator_name,
                    baseline=_baseline(c),
                    baseline_method=c.baseline_method,
                    baseline_references=cite(c.baseline_references),
                    target=c.target_display(),
                    deadline=_deadline(c.deadline),
                    owner=c.owner or "needs lead input",
                    data_source=c.data_source or "needs lead input",
                    frequency=c.frequency or "needs lead input",
                    needs_lead_input=c.missing(),
                    complete=c.is_complete,
                    baseline_trend=c.baseline_trend,
                    baseline_notes=list(c.baseline_notes),
                    target_references=cite(c.target_references),
                )
                for c in rec.criteria.all()
            ]
            number = f"{component.order}.{n}"
            figures += [
                PackFigure(f["text"], f"Recommendation {number}", f["origin"], f["reference"])
                for f in rec.figures
                if f["origin"] != Origin.TARGET  # targets are listed as they stand now, below
            ]
            for c in rec.criteria.all():
                if c.target_value is not None:
                    origin = Origin.TARGET if c.target_references else Origin.LEAD
                    source = ", ".join(c.target_references) or "set on the draft's page"
                    figures.append(
                        PackFigure(
                            f"{c.target_display()} by {_deadline(c.deadline)}",
                            f"Recommendation {number}: {c.indicator_name}",
                            origin,
                            source,
                        )
                    )
            recs.append(
                PackRecommendation(
                    number=number,
                    title=rec.title,
                    objective=rec.objective,
                    status=rec.get_status_display(),
                    rationale=[Statement(s["text"], cite(s.get("references", []))) for s in rec.rationale],
                    dissent=[Statement(s["text"], cite(s.get("references", []))) for s in rec.dissent],
                    criteria=criteria,
                    actor=rec.actor or NEEDS_LEAD_INPUT,
                    timescale=rec.timescale or NEEDS_LEAD_INPUT,
                    contested=rec.contested,
                    cross_reference=(
                        "Also raised under " + ", ".join(c.name for c in rec.also_components.all())
                        if rec.also_components.all()
                        else ""
                    ),
                )
            )
        # The same ask raised here but listed in full under another component: a cross-reference, not a copy.
        cross_references = [
            f"Recommendation {rec.component.order}.{rec.number} under {rec.component.name}: {rec.title}"
            for rec in also.get(component.pk, [])
        ]
        themes = [
            PackTheme(
                label=t.label,
                size=t.size,
                quotes=[Statement(q["text"], cite([q["reference"]])) for q in t.quotes],
                supports=t.supports,
                opposes=t.opposes,
                mixed=t.mixed,
                approved=t.status == Theme.Status.APPROVED,
            )
            for t in run_themes.get(component.pk, [])
        ]
        other_measures = [
            PackMeasure(m["name"], m["values"], cite(m["references"])) for m in data.get("other_measures", [])
        ]
        confidential, confidential_figures = [], []
        if include_confidential:
            # Only with the permission and the explicit ask: the figures of confidential responses.
            for p in (
                DataPoint.objects.filter(
                    submission__consultation=consultation,
                    submission__status=Submission.Status.SUBMITTED,
                    submission__review_state=Submission.ReviewState.REVIEWED,
                    submission__confidentiality=Submission.Confidentiality.CONFIDENTIAL,
                    submission__tags__component=component,
                    submission__tags__round="first",
                )
                .select_related("indicator", "submission")
                .distinct()
                .order_by("submission__reference_number", "pk")[:200]
            ):
                confidential_figures.append(
                    Statement(
                        f"{p.indicator_name}: {format_value(p.value, p.unit)} ({p.period_label}; {p.source})",
                        cite([p.submission.reference]),
                    )
                )
            for s in (
                Submission.objects.filter(
                    consultation=consultation,
                    status=Submission.Status.SUBMITTED,
                    review_state=Submission.ReviewState.REVIEWED,
                    confidentiality=Submission.Confidentiality.CONFIDENTIAL,
                    tags__component=component,
                    tags__round="first",
                )
                .order_by("reference_number")
                .only("reference", "summary")[:50]
            ):
                confidential.append(Statement(s.summary, cite([s.reference])))
        components.append(
            PackComponent(
                name=component.name,
                description=component.description,
                status=result.get_state_display() if result else "not compiled",
                message=result.message if result else "",
                submissions=base.get("submissions", 0),
                organisations=base.get("organisations", 0),
                confidence=base.get("confidence", "none"),
                confidence_reason=base.get("confidence_reason", ""),
                grades=base.get("grades", {}),
                by_organisation_type=base.get("by_organisation_type", {}),
                by_region=base.get("by_region", {}),
                themes=themes,
                recommendations=recs,
                confidential_evidence=confidential,
                other_measures=other_measures,
                confidential_figures=confidential_figures,
                cross_references=cross_references,
            )
        )

    submissions = {
        s.reference: s
        for s in Submission.objects.filter(consultation=consultation, reference__in=list(cited)).select_related(
            "organisation__organisation_type", "organisation__region"
        )
    }
    references = []
    for ref, number in sorted(cited.items(), key=lambda kv: kv[1]):
        s = submissions.get(ref)
        if s is None:
            continue
        hidden = s.is_confidential and not include_confidential
        references.append(
            Reference(
                number=number,
                reference=ref,
                organisation="(withheld: commercially confidential)" if hidden else s.organisation.name,
                organisation_type=s.organisation.organisation_type.name,
                region=s.organisation.region.name,
                confidentiality=s.get_confidentiality_display().split(":")[0],
            )
        )
    return Pack(
        schema_version=SCHEMA_VERSION,
        title=f"Recommendations to government: {consultation.title}",
        consultation=consultation.slug,
        run=run.pk,
        generated_at=timezone.now().isoformat(timespec="seconds"),
        approved_only=approved_only,
        confidential=include_confidential,
        marking=CONFIDENTIAL_MARK if include_confidential else "",
        components=components,
        references=references,
        figures=_merge(figures),
    )


def _merge(figures: list[PackFigure]) -> list[PackFigure]:
    """One row per figure, origin and reference, listing every recommendation that states it."""
    rows: dict[tuple[str, str, str], list[str]] = {}
    for f in figures:
        used = rows.setdefault((f.figure, f.origin, f.reference), [])
        if f.used_in not in used:
            used.append(f.used_in)
    out = []
    for (figure, origin, reference), used in rows.items():
        if len(used) > 1 and all(u.startswith("Recommendation ") and ":" not in u for u in used):
            where = "Recommendations " + ", ".join(u.removeprefix("Recommendation ") for u in used)
        else:
            where = "; ".join(used)
        out.append(PackFigure(figure, where, origin, reference))
    return out
