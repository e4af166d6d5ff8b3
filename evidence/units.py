"""Units of indicators: reading a unit, converting a value between declared units, writing it in words.

Plain Python (no Django), so the compile step can use it too. A value converts into an indicator's
canonical unit when the indicator's conversion table names its unit, or when the two units differ only by a
scale word ("£ million a year" and "£ billion a year"). Currencies are never converted into one another: that
needs an exchange rate, and a rate is a figure with a source of its own.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class Kind(StrEnum):
    """What an indicator's number is. Mirrored by ``evidence.models.Indicator.Kind`` (same values)."""

    LEVEL = "level"  # an amount at a time: £795 million in 2023
    CHANGE_PERCENT = "change_percent"  # a change in per cent over a period: down 29% since 2009
    CHANGE_UNITS = "change_units"  # a change in the indicator's units over a period: 7,000 jobs lost
    RANK = "rank"  # a position among others: 98th; never averaged
    SHARE = "share"  # a part of a whole, in per cent: 25% of NHS carbon emissions


KIND_LABELS = {
    Kind.LEVEL: "Level",
    Kind.CHANGE_PERCENT: "Change in per cent",
    Kind.CHANGE_UNITS: "Change in units",
    Kind.RANK: "Rank",
    Kind.SHARE: "Share (per cent)",
}

SCALES = {
    "thousand": Decimal(10) ** 3,
    "k": Decimal(10) ** 3,
    "million": Decimal(10) ** 6,
    "m": Decimal(10) ** 6,
    "mn": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "bn": Decimal(10) ** 9,
    "trillion": Decimal(10) ** 12,
}
# Currency marks as they are written in a unit, and the currency each names.
CURRENCY_MARKS = {"£": "GBP", "gbp": "GBP", "us$": "USD", "$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR"}
_CURRENCY_WORD = re.compile(r"^(us\$|£|\$|€|gbp|usd|eur)\s*")


def normalise_unit(unit: str) -> str:
    """A unit as a comparable key: lower case, single spaces, currency marks as codes ("£bn" → "gbp bn")."""
    text = " ".join(unit.lower().split())
    match = _CURRENCY_WORD.match(text)
    if match:
        text = f"{CURRENCY_MARKS[match.group(1)].lower()} {text[match.end() :]}".strip()
    return " ".join(text.split())


def currency_of(unit: str) -> str | None:
    match = _CURRENCY_WORD.match(" ".join(unit.lower().split()))
    return CURRENCY_MARKS[match.group(1)] if match else None


def _scaled(unit: str) -> tuple[Decimal, str]:
    """(scale, the rest of the unit): "gbp billion a year" → (10^9, "gbp _ a year")."""
    words = normalise_unit(unit).split()
    for n, word in enumerate(words):
        if word in SCALES:
            return SCALES[word], " ".join([*words[:n], "_", *words[n + 1 :]])
    return Decimal(1), " ".join(words)


def parse_factor(value) -> Decimal:
    try:
        factor = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"“{value}” is not a number.") from None
    if not factor.is_finite() or factor <= 0:
        raise ValueError(f"“{value}” is not a positive number.")
    return factor


def conversion_factor(unit: str, canonical: str, factors: dict[str, str] | None = None) -> Decimal | None:
    """How many canonical units one ``unit`` is worth, or None when the two cannot be converted."""
    if normalise_unit(unit) == normalise_unit(canonical):
        return Decimal(1)
    for name, factor in (factors or {}).items():
        if normalise_unit(name) == normalise_unit(unit):
            return parse_factor(factor)
    if currency_of(unit) != currency_of(canonical):
        return None  # never across currencies without a stated rate
    scale, rest = _scaled(unit)
    canonical_scale, canonical_rest = _scaled(canonical)
    if rest == canonical_rest and (scale != 1 or canonical_scale != 1):
        return scale / canonical_scale
    return None


def convert(value: Decimal, unit: str, canonical: str, factors: dict[str, str] | None = None) -> Decimal | None:
    factor = conversion_factor(unit, canonical, factors)
    return None if factor is None else value * factor


def measure_key(name: str) -> str:
    """A measure's name as a grouping key: lower case, letters and digits only, a plural "s" dropped
    ("Rebate rates" and "rebate rate" are one measure)."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


# --- Writing values --------------------------------------------------------------------------------------------


def number(value: Decimal) -> str:
    """1234.5 → "1,234.5"; at most two decimals, none when the value is whole."""
    value = Decimal(value)
    if value == value.to_integral():
        return f"{value.quantize(Decimal(1)):,}"
    text = f"{value.quantize(Decimal('0.01')):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ordinal(value: Decimal) -> str:
    n = int(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_value(value: Decimal, unit: str, kind: str = Kind.LEVEL) -> str:
    """A value with its unit as a reader says it: "£795 million a year", "25.85 pence per kWh", "98th",
    "-29% change since 2009", "8.5%"."""
    if kind == Kind.RANK:
        return ordinal(value)
    text = number(value)
    if kind in (Kind.CHANGE_PERCENT, Kind.CHANGE_UNITS) and value > 0:
        text = f"+{text}"
    stripped = unit.strip()
    lowered = stripped.lower()
    if lowered.startswith("%") or lowered.startswith("percent") or lowered.startswith("per cent"):
        rest = re.sub(r"^(%|percent|per cent)\s*", "", stripped, flags=re.IGNORECASE)
        return f"{text}%" + (f" {rest}" if rest else "")
    match = re.match(r"^(US\$|£|\$|€)\s*", stripped)
    if match:
        sign = "-" if text.startswith("-") else ("+" if text.startswith("+") else "")
        rest = stripped[match.end() :]
        return f"{sign}{match.group(1)}{text.lstrip('+-')}" + (f" {rest}" if rest else "")
    return f"{text} {stripped}".strip()
