"""Figures of the demo responses: data points that read like real submissions (a value near the indicator's
published level, for a recent year or a range of years, sometimes in a declared alternative unit), the same
"other measure" named by several organisations, and the odd proposed target ("to 5% by 2030").

The values are synthetic, as every demo response is; they exist to exercise the compile rules (latest period,
medians within a period, conversion, ranks never averaged), never as facts. Each response draws from its own
random stream, so the demo's other content does not shift when these rules change.
"""

from __future__ import annotations

import random
from decimal import Decimal

from .models import DataPoint, Indicator, Submission
from .units import Kind, conversion_factor

SOURCES = [
    "Company annual report",
    "ONS Annual Business Survey",
    "Internal records",
    "Trade association survey (n=42, 2024)",
    "HMRC trade statistics",
]
# Where an indicator has no published level, a plausible one for the demo, by slug.
DEMO_LEVELS = {"capital-investment": Decimal("450"), "global-share": Decimal("2.8")}
OTHER_MEASURES = [
    (("Time to fill a validation specialist vacancy", "time to fill validation specialist vacancies"), "months", 3, 14),
    (("Rebate rate on branded medicines", "Rebate rates on branded medicines"), "%", 15, 27),
]
# Targets respondents propose, by the indicator they name: (sentence, value, year).
TARGETS = {
    "global-share": ("The UK should aim to raise its share of global medicines manufacturing to {v}% by {y}.", 4, 2030),
    "exports": ("We want exports of medicines and medical technology to grow to £{v} billion by {y}.", 40, 2030),
    "mhra-decision-days": ("MHRA decision times should come down to {v} days by {y}.", 150, 2027),
    "industrial-electricity-price": (
        "Industrial electricity prices should fall to {v} pence per kWh by {y} to match European peers.",
        18,
        2030,
    ),
}


def _level(indicator: Indicator) -> Decimal:
    if indicator.baseline_value is not None:
        return indicator.baseline_value
    return DEMO_LEVELS.get(indicator.slug, Decimal(100))


def _round(value: Decimal, like: Decimal) -> Decimal:
    if abs(like) >= 100:
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.1") if abs(like) >= 10 else Decimal("0.01"))


def data_point(
    submission: Submission, indicator: Indicator, component, geography, rng: random.Random, this_year: int
) -> DataPoint:
    level = _level(indicator)
    # Recent years, most often the latest complete one, so several responses share a period.
    year = rng.choices([this_year - 5, this_year - 3, this_year - 2, this_year - 1], weights=[1, 2, 3, 5])[0]
    drift = Decimal(str(1 + 0.02 * (year - (this_year - 1))))
    if indicator.kind == Kind.RANK:
        value = Decimal(int(level) + (0 if rng.random() < 0.8 else rng.choice([-2, -1, 1, 2])))
    else:
        value = _round(level * drift * Decimal(str(rng.uniform(0.94, 1.06))), level)
    start, end = (2009, year) if indicator.kind in (Kind.CHANGE_PERCENT, Kind.CHANGE_UNITS) else (year, None)
    unit = indicator.unit
    convertible = [u for u in indicator.alternative_units if conversion_factor(u, unit, indicator.unit_factors)]
    if convertible and rng.random() < 0.15:  # some respondents use a declared alternative unit
        unit = convertible[0]
        value = (value / conversion_factor(unit, indicator.unit, indicator.unit_factors)).normalize()
    return DataPoint(
        submission=submission,
        indicator=indicator,
        component=component,
        value=value,
        unit=unit,
        period_start=start,
        period_end=end,
        geography=geography,
        source=rng.choice(SOURCES),
    )


def other_measure(submission: Submission, component, geography, rng: random.Random, this_year: int) -> DataPoint:
    names, unit, low, high = rng.choice(OTHER_MEASURES)
    return DataPoint(
        submission=submission,
        other_indicator=rng.choice(names),
        component=component,
        value=Decimal(rng.randint(low, high)),
        unit=unit,
        period_start=this_year - 1,
        geography=geography,
        source="Internal records",
    )


def target_sentence(indicators: list[Indicator], rng: random.Random) -> str:
    """A sentence proposing a target for one of ``indicators``, or "" (most responses propose none)."""
    named = [i for i in indicators if i.slug in TARGETS]
    if not named or rng.random() > 0.25:
        return ""
    text, value, year = TARGETS[rng.choice(named).slug]
    return text.format(v=value, y=year)
