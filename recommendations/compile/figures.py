"""Figures of a component: baselines of indicators and the success criteria built on them.

Pure functions over the plain data in ``data.py`` (no Django here).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from decimal import Decimal

from .data import NEEDS_INPUT, Baseline, ComponentInput, Criterion, DataPointItem, IndicatorInfo


def _fmt(value: Decimal) -> str:
    value = value.quantize(Decimal("0.01")) if value != value.to_integral() else value.quantize(Decimal(1))
    return f"{value:,}"


def baseline(indicator: IndicatorInfo, points: list[DataPointItem]) -> Baseline:
    """From submitted data points (median and range, with the references used), else the catalogue's
    published baseline, else "needs lead input". Mixed units are reported, never averaged."""
    if points:
        units = sorted({p.unit.strip() for p in points})
        if len({u.lower() for u in units}) > 1:
            return Baseline(
                value=None,
                unit="",
                period="",
                source="",
                method="",
                references=sorted({p.reference for p in points}),
                status="units differ: " + ", ".join(units),
            )
        values = sorted(p.value for p in points)
        median = Decimal(statistics.median(values))
        years = sorted({p.year for p in points})
        period = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
        refs = sorted({p.reference for p in points})
        return Baseline(
            value=median.quantize(Decimal("0.0001")).normalize(),
            unit=units[0],
            period=period,
            source=f"Submitted evidence ({len(refs)} responses)",
            method=(
                f"median of {len(values)} submitted data points, range {_fmt(values[0])}–{_fmt(values[-1])} {units[0]}"
            ),
            references=refs,
        )
    if indicator.baseline_value is not None:
        return Baseline(
            value=indicator.baseline_value,
            unit=indicator.unit,
            period=indicator.baseline_period,
            source=indicator.baseline_source,
            method=f"published baseline: {indicator.baseline_note}".strip(),
        )
    return Baseline(
        value=None,
        unit=indicator.unit,
        period="",
        source="",
        method=indicator.baseline_note,
        status=NEEDS_INPUT,
    )


def criteria(component: ComponentInput) -> list[Criterion]:
    points_by_indicator: dict[str, list[DataPointItem]] = defaultdict(list)
    for point in component.data_points:
        if point.indicator:
            points_by_indicator[point.indicator].append(point)
    out = []
    for indicator in sorted(component.indicators, key=lambda i: i.slug):
        base = baseline(indicator, sorted(points_by_indicator.get(indicator.slug, []), key=lambda p: p.reference))
        needs = ["target value", "deadline", "owner", "frequency"]
        if base.status != "ok":
            needs.insert(0, "baseline")
        data_source = indicator.baseline_source or None
        if data_source is None:
            needs.append("data source")
        out.append(
            Criterion(
                indicator=indicator.slug,
                indicator_name=indicator.name,
                baseline=base,
                target_value=None,
                target_direction="increase" if indicator.better == "higher" else "decrease",
                deadline=None,
                owner=None,
                data_source=data_source,
                frequency=None,
                needs_input=needs,
            )
        )
    return out
