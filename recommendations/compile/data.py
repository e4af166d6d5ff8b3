"""Plain data in and out of the compile step (no Django here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal

NEEDS_INPUT = "needs lead input"
NOT_ENOUGH = "not enough evidence"


@dataclass(frozen=True)
class Text:
    """A passage of evidence about the component: an answer, an excerpt or a proposal."""

    reference: str
    kind: str  # "answer", "attachment", "excerpt", "summary" or "proposal"
    text: str
    excerpt_kind: str = ""  # an excerpt's coded kind: ask, problem, data, counter, example ("" not classified)


@dataclass(frozen=True)
class EvidenceItem:
    """One reviewed response tagged to the component (first-round coding)."""

    reference: str
    organisation_id: int
    organisation_type: str
    region: str
    grade: str  # A, B, C or D
    relevance: str  # primary or secondary
    publishable: bool  # may be quoted in public material
    confidential: bool
    texts: tuple[Text, ...] = ()
    proposals: tuple[Text, ...] = ()
    stance: str = "none"  # coded on the component tag: supports, opposes, mixed or none (no position)


@dataclass(frozen=True)
class DataPointItem:
    reference: str
    indicator: str  # indicator slug, or "" for a named "other" measure
    value: Decimal
    unit: str
    year: int
    source: str


@dataclass(frozen=True)
class IndicatorInfo:
    slug: str
    name: str
    unit: str
    better: str  # "higher" or "lower"
    baseline_value: Decimal | None
    baseline_period: str
    baseline_source: str
    baseline_note: str


@dataclass(frozen=True)
class ActorInfo:
    """A public body from the catalogue: how a draft names it, and the names respondents use for it."""

    label: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ComponentInput:
    slug: str
    name: str
    items: tuple[EvidenceItem, ...]
    data_points: tuple[DataPointItem, ...]
    indicators: tuple[IndicatorInfo, ...]
    actors: tuple[ActorInfo, ...] = ()


@dataclass
class EvidenceBase:
    submissions: int
    organisations: int
    by_organisation_type: dict[str, int]
    by_region: dict[str, int]
    grades: dict[str, int]
    confidence: str
    confidence_reason: str


@dataclass
class Quote:
    reference: str
    text: str
    public: bool


@dataclass
class Theme:
    label: str  # a key phrase drawn from its members, never a list of terms
    terms: list[str]
    size: int  # responses
    references: list[str]
    quotes: list[Quote]
    supports: int = 0  # distinct organisations by stance
    opposes: int = 0
    mixed: int = 0
    other_points: bool = False  # single-member points, grouped under "Other points"
    stances: dict[str, str] = field(default_factory=dict)  # reference → supports, opposes, mixed or none


@dataclass
class ProposalGroup:
    text: str
    organisations: int
    best_grade: str
    references: list[str]


@dataclass
class Statement:
    text: str
    references: list[str]


@dataclass
class Baseline:
    value: Decimal | None
    unit: str
    period: str
    source: str
    method: str  # how it was derived, in words
    references: list[str] = field(default_factory=list)
    status: str = "ok"  # "ok", "units differ: …" or NEEDS_INPUT


@dataclass
class Criterion:
    indicator: str  # slug
    indicator_name: str
    baseline: Baseline
    target_value: Decimal | None
    target_direction: str  # "increase" or "decrease"
    deadline: str | None
    owner: str | None
    data_source: str | None
    frequency: str | None
    needs_input: list[str]


@dataclass
class Draft:
    title: str
    objective: str
    rationale: list[Statement]
    dissent: list[Statement]
    criteria: list[Criterion]
    actor: str = ""  # "" when the evidence names no public body: needs lead input
    timescale: str = ""  # "" when the evidence states none: needs lead input
    contested: bool = False
    basis: dict = field(default_factory=dict)  # ranking and provenance (see compile/asks.py)


@dataclass
class ComponentResult:
    slug: str
    name: str
    status: str  # "ok" or NOT_ENOUGH
    message: str
    evidence_base: EvidenceBase
    themes: list[Theme]
    proposals: list[ProposalGroup]
    drafts: list[Draft]

    def to_json(self) -> dict:
        return _jsonable(asdict(self))


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
