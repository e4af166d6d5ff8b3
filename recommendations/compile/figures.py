"""Figures: baselines of indicators, targets proposed in evidence, "other measures", and the success criteria
built on them. Pure functions over the plain data in ``data.py`` (no Django here).

The rules (docs/figures.md):
- A data point belongs to a period. An indicator's baseline is its latest period's value; where several
  responses give that period, the median of their figures, with the range and the count. Figures of
  different periods are never combined: the change from the first period to the latest is the trend.
- Values in a declared alternative unit are converted into the canonical unit (a conversion table on the
  indicator, or units that differ only by a scale word); values that cannot be converted are listed side by
  side, never averaged. A rank is never averaged: responses that disagree are listed.
- One baseline per indicator per run (``run_baselines``), computed once and reused by every component and
  every export. Commercially confidential figures never reach it: the loader passes only their count.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from evidence.units import SCALES, Kind, conversion_factor, currency_of, format_value, measure_key, normalise_unit

from .data import (
    NEEDS_INPUT,
    Baseline,
    ComponentInput,
    Criterion,
    DataPointItem,
    EvidenceItem,
    Figure,
    IndicatorInfo,
    MeasureGroup,
    Origin,
    Statement,
    Target,
)

FIELDS = ("target value", "deadline", "owner", "data source", "frequency")


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def period_label(period: tuple[int, int]) -> str:
    start, end = period
    return str(start) if start == end else f"{start}–{end}"


def when(kind: str, period: str) -> str:
    """ "in 2023" for a level, "over 2009–2021" for a change over a period."""
    if not period:
        return ""
    return f"over {period}" if kind in (Kind.CHANGE_PERCENT, Kind.CHANGE_UNITS) else f"in {period}"


def lower_first(name: str) -> str:
    """ "Exports of …" → "exports of …", but "UK share …" stays."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _refs(points) -> list[str]:
    return sorted({p.reference for p in points})


# --- Baselines -------------------------------------------------------------------------------------------------


def _in_canonical(indicator: IndicatorInfo, points: list[DataPointItem]):
    """Split the points into those in (or converted into) the canonical unit and the rest, by unit."""
    canonical: list[tuple[DataPointItem, Decimal]] = []
    converted = Counter()
    other: dict[str, list[DataPointItem]] = defaultdict(list)
    for p in points:
        factor = conversion_factor(p.unit, indicator.unit, indicator.unit_factors)
        if factor is None:
            other[normalise_unit(p.unit)].append(p)
            continue
        canonical.append((p, p.value * factor))
        if factor != 1:
            converted[p.unit.strip()] += 1
    return canonical, converted, other


def _period_value(kind: str, values: list[tuple[DataPointItem, Decimal]]) -> tuple[Decimal | None, str]:
    """One period's value: the median of the responses' figures (a rank only when all agree)."""
    numbers = sorted(v for _, v in values)
    if kind == Kind.RANK:
        distinct = sorted(set(numbers))
        return (distinct[0], "") if len(distinct) == 1 else (None, "responses differ")
    return Decimal(statistics.median(numbers)).quantize(Decimal("0.0001")).normalize(), ""


def value_range(low: Decimal, high: Decimal, unit: str, kind: str) -> str:
    """ "£33.4 to £33.7 billion a year", "2.73% to 2.95% of global medicines manufacturing"."""
    a, b = format_value(low, unit, kind), format_value(high, unit, kind)
    common = ""
    for n in range(1, min(len(a), len(b)) + 1):
        if a[-n:] != b[-n:]:
            break
        if a[-n] == " ":
            common = a[-n:]
    return f"{a[: len(a) - len(common)]} to {b}"


def _side_by_side(kind: str, unit_groups: dict[str, list[DataPointItem]]) -> list[str]:
    out = []
    for points in unit_groups.values():
        for p in sorted(points, key=lambda p: (p.period, p.reference)):
            out.append(f"{format_value(p.value, p.unit, kind)} ({period_label(p.period)}, {p.reference})")
    return out


def published(indicator: IndicatorInfo) -> tuple[str, list[Figure]]:
    """The catalogue's published baseline in words, with the figure it states."""
    if indicator.baseline_value is None:
        return "", []
    value = format_value(indicator.baseline_value, indicator.unit, indicator.kind)
    text = f"{value} {when(indicator.kind, indicator.baseline_period)} ({indicator.baseline_source})"
    figures = [Figure(indicator.baseline_value, value, Origin.PUBLISHED, indicator.baseline_source)]
    return text, figures + _period_figures(indicator.baseline_period, Origin.PUBLISHED, indicator.baseline_source)


def _period_figures(period: str, origin: str, reference: str) -> list[Figure]:
    return [Figure(Decimal(y), y, origin, reference) for y in re.findall(r"\b(?:19|20)\d\d\b", period)]


def _published_baseline(indicator: IndicatorInfo, *, side=(), withheld=0, status_note="") -> Baseline:
    if indicator.baseline_value is None:
        return Baseline(
            value=None,
            unit=indicator.unit,
            period="",
            source="",
            method=" ".join(filter(None, [status_note, indicator.baseline_note])),
            status=status_note or NEEDS_INPUT,
            kind=indicator.kind,
            side_by_side=list(side),
            withheld=withheld,
        )
    text, figures = published(indicator)
    value = format_value(indicator.baseline_value, indicator.unit, indicator.kind)
    return Baseline(
        value=indicator.baseline_value,
        unit=indicator.unit,
        period=indicator.baseline_period,
        source=indicator.baseline_source,
        method=" ".join(filter(None, [f"Published baseline: {indicator.baseline_note}".strip(), status_note])),
        kind=indicator.kind,
        text=f"{value} {when(indicator.kind, indicator.baseline_period)}".strip(),
        side_by_side=list(side),
        withheld=withheld,
        figures=figures,
    )


def baseline(indicator: IndicatorInfo, points: list[DataPointItem], withheld: int = 0) -> Baseline:
    """The indicator's baseline from the submitted (non-confidential) data points, else its published
    baseline, else "needs lead input". ``withheld`` counts confidential responses that gave a figure."""
    kind = indicator.kind
    canonical, converted, other = _in_canonical(indicator, points)
    unit = indicator.unit
    if not canonical and len(other) == 1:  # every figure in one other unit: use it as it is
        only = next(iter(other.values()))
        canonical, other, unit = [(p, p.value) for p in only], {}, only[0].unit.strip()
    side = _side_by_side(kind, other)
    if not canonical:
        note = "units differ: " + ", ".join(sorted({p.unit.strip() for p in points})) if points else ""
        return _published_baseline(indicator, side=side, withheld=withheld, status_note=note)

    by_period: dict[tuple[int, int], list[tuple[DataPointItem, Decimal]]] = defaultdict(list)
    for p, v in canonical:
        by_period[p.period].append((p, v))
    periods = sorted(by_period, key=lambda pr: (pr[1], pr[0]))
    latest = periods[-1]
    values = by_period[latest]
    value, problem = _period_value(kind, values)
    refs = _refs(p for p, _ in values)
    label = period_label(latest)
    if value is None:  # a rank the responses disagree on: listed, never averaged
        listed = [
            f"{format_value(v, unit, kind)} ({p.reference})" for p, v in sorted(values, key=lambda pv: pv[0].reference)
        ]
        note = f"{problem} for {label}: " + ", ".join(listed)
        return _published_baseline(indicator, side=listed + side, withheld=withheld, status_note=note)

    shown = format_value(value, unit, kind)
    figures = [Figure(value, shown, Origin.DATA_POINT, ", ".join(refs))]
    figures += _period_figures(label, Origin.DATA_POINT, ", ".join(refs))
    responses = _plural(len(refs), "response")
    if len(values) == 1:
        method = f"from {responses} ({refs[0]})"
    elif kind == Kind.RANK:  # every response gave the same rank (a rank is never averaged)
        method = f"the same rank from {responses}"
    else:
        low, high = min(v for _, v in values), max(v for _, v in values)
        method = f"the median of {_plural(len(values), 'figure')} from {responses}"
        if low != high:
            method += f"; range {value_range(low, high, unit, kind)}"
            figures += [
                Figure(low, format_value(low, unit, kind), Origin.DATA_POINT, ", ".join(refs)),
                Figure(high, format_value(high, unit, kind), Origin.DATA_POINT, ", ".join(refs)),
            ]
        figures.append(Figure(Decimal(len(values)), f"{len(values)} figures", Origin.COUNT, "figures for " + label))
    figures.append(Figure(Decimal(len(refs)), responses, Origin.COUNT, "responses giving a figure for " + label))
    if converted:
        method += "; converted from " + ", ".join(f"{u} ({n})" for u, n in sorted(converted.items()))
    trend = ""
    if len(periods) > 1:
        first = periods[0]
        first_value, _ = _period_value(kind, by_period[first])
        if first_value is not None:
            earlier = f"{format_value(first_value, unit, kind)} {when(kind, period_label(first))}"
            trend = f"{earlier} → {shown} {when(kind, label)}"
            first_refs = ", ".join(_refs(p for p, _ in by_period[first]))
            figures.append(Figure(first_value, format_value(first_value, unit, kind), Origin.DATA_POINT, first_refs))
            figures += _period_figures(period_label(first), Origin.DATA_POINT, first_refs)
    published_text, published_figures = published(indicator)
    return Baseline(
        value=value,
        unit=unit,
        period=label,
        source=f"submitted evidence, {responses}",
        method=method,
        references=sorted({p.reference for p, _ in canonical}),
        kind=kind,
        text=f"{shown} {when(kind, label)}",
        trend=trend,
        side_by_side=side,
        withheld=withheld,
        published=published_text,
        figures=figures + published_figures,
    )


def run_baselines(
    indicators: tuple[IndicatorInfo, ...], points: tuple[DataPointItem, ...], withheld: dict[str, int]
) -> dict[str, Baseline]:
    """Every indicator's baseline for one run, computed once from all the run's data points."""
    by_indicator: dict[str, list[DataPointItem]] = defaultdict(list)
    for point in points:
        if point.indicator:
            by_indicator[point.indicator].append(point)
    return {
        i.slug: baseline(
            i, sorted(by_indicator.get(i.slug, []), key=lambda p: (p.reference, p.period)), withheld.get(i.slug, 0)
        )
        for i in indicators
    }


# --- "Other measures" -------------------------------------------------------------------------------------------


def other_measures(points: tuple[DataPointItem, ...]) -> list[MeasureGroup]:
    groups: dict[str, list[DataPointItem]] = defaultdict(list)
    for p in points:
        if not p.indicator and p.name.strip():
            groups[measure_key(p.name)].append(p)
    out = []
    for key, members in groups.items():
        members.sort(key=lambda p: (p.reference, p.period))
        name = Counter(" ".join(p.name.split()) for p in members).most_common(1)[0][0]
        out.append(
            MeasureGroup(
                name=name,
                key=key,
                values=[f"{format_value(p.value, p.unit)} ({period_label(p.period)}, {p.reference})" for p in members],
                references=_refs(members),
                responses=len(_refs(members)),
            )
        )
    out.sort(key=lambda g: (-g.responses, g.key))
    return out


# --- Targets proposed in evidence -------------------------------------------------------------------------------

_TARGET = re.compile(
    r"\bto\s+(?P<currency>£|US\$|\$|€)?\s?(?P<value>\d[\d,]*(?:\.\d+)?)(?P<ordinal>st|nd|rd|th)?\s*"
    r"(?P<unit>%|per ?cent\b|percent\b|(?:thousand|million|billion|bn|m)\b)?"
    r"(?P<rest>[^.;:!?]{0,60}?)\bby\s+(?:the\s+end\s+of\s+)?(?P<year>20\d\d)\b",
    re.IGNORECASE,
)
_STOP = {
    "the", "of", "in", "and", "a", "an", "for", "to", "uk", "uk's", "medicines", "medicine", "pharmaceutical",
    "manufacturing", "time", "rank", "overall", "national", "route", "paid", "change", "average", "initial",
}  # fmt: skip


def _keywords(indicator: IndicatorInfo) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", indicator.name.lower()) if w not in _STOP and len(w) > 2}


def _target_value(match: re.Match, indicator: IndicatorInfo) -> Decimal | None:
    """The proposed value in the indicator's unit, or None when the units do not fit."""
    value = Decimal(match["value"].replace(",", ""))
    unit = (match["unit"] or "").lower()
    rest = (match["rest"] or "").lower()
    canonical = indicator.unit.lower()
    if indicator.kind == Kind.RANK:
        return value if match["ordinal"] else None
    if match["ordinal"]:
        return None
    if unit == "%" or unit.startswith("per"):
        fits = indicator.kind in (Kind.SHARE, Kind.CHANGE_PERCENT) or canonical.startswith(("%", "percent"))
        return value if fits else None
    if match["currency"]:
        if currency_of(match["currency"]) != currency_of(indicator.unit):
            return None  # never across currencies
        scale = SCALES.get(unit, Decimal(1))
        canonical_scale = next((SCALES[w] for w in normalise_unit(indicator.unit).split() if w in SCALES), Decimal(1))
        return value * scale / canonical_scale
    words = [w for w in re.findall(r"[a-z²]+", canonical) if w not in {"a", "per", "of"}]
    if words and words[0] in rest.split()[:3]:
        return value  # "to 150 days by 2027"
    return None


def proposed_targets(items: tuple[EvidenceItem, ...], indicators: tuple[IndicatorInfo, ...]) -> dict[str, Target]:
    """Targets responses propose, by indicator: a sentence with "to <value> by <year>" whose words name the
    indicator and whose unit fits it. Where several are proposed, the one most responses give."""
    found: dict[str, dict[tuple[Decimal, int], list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for item in sorted(items, key=lambda i: i.reference):
        if item.confidential:
            continue  # the loader strips their text already; never rely on that alone
        for text in (*item.proposals, *item.texts):
            if " by 20" not in text.text:
                continue  # no "… by 2030": no target (most passages; keeps this cheap)
            for sentence in re.split(r"(?<=[.!?])\s+", text.text):
                words = set(re.findall(r"[a-z]+", sentence.lower()))
                for match in _TARGET.finditer(sentence):
                    best, score = None, 0
                    for indicator in indicators:
                        overlap = len(_keywords(indicator) & words)
                        if overlap > score and _target_value(match, indicator) is not None:
                            best, score = indicator, overlap
                    if best is not None:
                        value = _target_value(match, best).normalize()
                        found[best.slug][(value, int(match["year"]))].append((item.reference, sentence.strip()))
    out = {}
    for slug, options in found.items():
        # The most responses first; on a tie, the one proposed first (lowest reference).
        (value, year), backers = min(
            options.items(), key=lambda kv: (-len({r for r, _ in kv[1]}), min(r for r, _ in kv[1]), kv[0])
        )
        refs = sorted({r for r, _ in backers})
        out[slug] = Target(value=value, year=year, sentence=backers[0][1], references=refs)
    return out


# --- Success criteria -------------------------------------------------------------------------------------------


def criteria(component: ComponentInput) -> list[Criterion]:
    """One criterion per indicator of the component, on the run's baseline for it (computed once)."""
    targets = proposed_targets(component.items, component.indicators)
    out = []
    for indicator in sorted(component.indicators, key=lambda i: i.slug):
        base = component.baselines.get(indicator.slug)
        if base is None:  # a component compiled on its own (tests, benchmarks): its own points
            points = [p for p in component.data_points if p.indicator == indicator.slug]
            base = baseline(indicator, sorted(points, key=lambda p: (p.reference, p.period)))
        target = targets.get(indicator.slug)
        data_source = indicator.baseline_source or None
        needs = [
            name
            for name, value in (
                ("target value", target),
                ("deadline", target),
                ("owner", None),
                ("data source", data_source),
                ("frequency", None),
            )
            if value is None
        ]
        if base.status != "ok":
            needs.insert(0, "baseline")
        out.append(
            Criterion(
                indicator=indicator.slug,
                indicator_name=indicator.name,
                baseline=base,
                target_value=target.value if target else None,
                target_direction="increase" if indicator.better == "higher" else "decrease",
                deadline=date(target.year, 12, 31).isoformat() if target else None,
                owner=None,
                data_source=data_source,
                frequency=None,
                needs_input=needs,
                target=target,
            )
        )
    return out


def data_statement(criterion: Criterion) -> Statement:
    """The rationale's sentence on an indicator's submitted figures, in words a reader understands:
    "Submitted data on exports: £795 million a year in 2023, from 2 responses; range … (trend …)"."""
    base = criterion.baseline
    name = lower_first(criterion.indicator_name)
    text = f"Submitted data on {name}: {base.text}, {base.method}."
    if base.trend:
        text += f" Over time: {base.trend}."
    if base.withheld:
        text += (
            f" {_plural(base.withheld, 'commercially confidential response')} also gave a figure; "
            "it is counted, not used."
        )
    figures = list(base.figures)
    if base.withheld:
        figures.append(Figure(Decimal(base.withheld), str(base.withheld), Origin.COUNT, "confidential responses"))
    return Statement(text, base.references[:25], figures)
