"""Other measures: figures a respondent gave under a measure of their own naming, grouped by a normalised
name, and the workflows that map a group to a catalogue indicator (or create one for it). Once mapped, the
figures count towards that indicator's baseline and success criteria in the next compilation.

Confidentiality: a group is shown only through the figures its reader may see; a commercially confidential
response's figures (and a group only they name) stay hidden from readers without the permission, counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from .models import EcosystemComponent, Indicator, OtherMeasure
from .permissions import CONFIDENTIAL_PERMISSION
from .units import format_value, measure_key


@dataclass
class MeasureRow:
    reference: str
    value: str  # with its unit
    period: str
    source: str
    component: str


@dataclass
class MeasureGroupView:
    key: str
    name: str  # the most common wording
    wordings: list[str]
    rows: list[MeasureRow] = field(default_factory=list)
    responses: int = 0
    units: list[str] = field(default_factory=list)
    withheld: int = 0  # confidential responses in the group the reader may not see


def measure_groups(user) -> list[MeasureGroupView]:
    """Unmapped other measures of submitted responses, grouped by normalised name, as ``user`` may see them."""
    sees = user.has_perm(CONFIDENTIAL_PERMISSION)
    points = (
        OtherMeasure.objects.unmapped()
        .given()
        .select_related("submission", "component")
        .order_by("submission__reference_number", "pk")
    )
    grouped: dict[str, list[OtherMeasure]] = defaultdict(list)
    for point in points:
        grouped[measure_key(point.other_indicator)].append(point)
    out = []
    for key, members in grouped.items():
        visible = [p for p in members if sees or not p.submission.is_confidential]
        if not visible:
            continue  # named only by confidential responses: the name itself is theirs
        hidden = {p.submission_id for p in members} - {p.submission_id for p in visible}
        wordings = Counter(" ".join(p.other_indicator.split()) for p in visible)
        out.append(
            MeasureGroupView(
                key=key,
                name=wordings.most_common(1)[0][0],
                wordings=sorted(wordings),
                rows=[
                    MeasureRow(
                        reference=p.submission.reference,
                        value=format_value(p.value, p.unit),
                        period=p.period_label,
                        source=p.source,
                        component=p.component.name if p.component_id else "",
                    )
                    for p in visible
                ],
                responses=len({p.submission_id for p in visible}),
                units=sorted({p.unit.strip() for p in visible}),
                withheld=len(hidden),
            )
        )
    out.sort(key=lambda g: (-g.responses, g.key))
    return out


def _members(key: str):
    return [p for p in OtherMeasure.objects.unmapped().given() if measure_key(p.other_indicator) == key]


@transaction.atomic
def other_measure_map(*, key: str, indicator: Indicator, by) -> tuple[int, list[str]]:
    """Map every unmapped figure of the group ``key`` to ``indicator``. Returns (figures mapped, units the
    indicator does not accept: their figures are listed side by side in baselines, never combined)."""
    if not by.has_perm("evidence.map_othermeasure"):
        raise ValidationError("You do not have permission to map other measures.")
    if not indicator.is_active:
        raise ValidationError(f"“{indicator.name}” is retired: choose an active indicator.")
    members = _members(key)
    if not members:
        raise ValidationError("Nothing to map: these figures were mapped already, or their responses were withdrawn.")
    foreign = sorted({p.unit.strip() for p in members if indicator.factor_for(p.unit) is None})
    OtherMeasure.objects.filter(pk__in=[p.pk for p in members]).update(indicator=indicator)
    return len(members), foreign


@transaction.atomic
def indicator_for_measure(
    *,
    key: str,
    name: str,
    unit: str,
    kind: str,
    better: str,
    components: list[EcosystemComponent],
    by,
) -> tuple[Indicator, int, list[str]]:
    """Create a catalogue indicator for the group ``key`` (no published baseline: a lead adds one with its
    source) and map the group's figures to it."""
    if not by.has_perm("evidence.map_othermeasure"):
        raise ValidationError("You do not have permission to map other measures.")
    base = slugify(name)[:50] or "indicator"
    slug, n = base, 2
    while Indicator.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    order = (Indicator.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    indicator = Indicator(slug=slug, name=name.strip(), unit=unit.strip(), kind=kind, better=better, order=order)
    indicator.full_clean()
    indicator.save()
    indicator.components.set(components)
    mapped, foreign = other_measure_map(key=key, indicator=indicator, by=by)
    return indicator, mapped, foreign
