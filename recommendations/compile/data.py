"""Plain data in and out of the compile step (no Django here)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from enum import StrEnum

from evidence.units import Kind

NEEDS_INPUT = "needs lead input"
NOT_ENOUGH = "not enough evidence"


class Origin(StrEnum):
    """Where a figure in a draft comes from (the figures audit and the pack's table of figures)."""

    COUNT = "count computed by the compilation"
    DATA_POINT = "submitted data point"
    PUBLISHED = "published baseline (catalogue)"
    PASSAGE = "cited passage of evidence"
    TARGET = "target proposed in evidence"
    LEAD = "entered by a lead"


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
    """A figure a (non-confidential) response gave: a value in a unit, for a period, with its source."""

    reference: str
    indicator: str  # indicator slug, or "" for a named "other" measure
    value: Decimal
    unit: str
    year: int  # the period's first year
    source: str
    year_end: int | None = None  # the period's last year, for a range of years
    name: str = ""  # the respondent's own name for another measure

    @property
    def period(self) -> tuple[int, int]:
        return (self.year, self.year_end or self.year)


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
    kind: str = Kind.LEVEL
    unit_factors: dict = field(default_factory=dict, hash=False, compare=False)
    baseline_url: str = ""


@dataclass(frozen=True)
class Figure:
    """A number a draft states, and where it comes from: the figures audit explains every number in a
    draft's text by one of these, and the pack ends with a table of them."""

    value: Decimal
    text: str  # how it reads, e.g. "£795 million a year" or "32 reviewed responses"
    origin: str  # an Origin
    reference: str  # evidence references ("MMIP-0012, MMIP-0040"), a published source, or what was counted

    def to_json(self) -> dict:
        return {"value": str(self.value), "text": self.text, "origin": str(self.origin), "reference": self.reference}

    @classmethod
    def from_json(cls, data: dict) -> Figure:
        return cls(Decimal(data["value"]), data["text"], data["origin"], data["reference"])


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
    # The run's baselines (one per indicator, computed once for the whole run) for this component's indicators.
    baselines: dict[str, Baseline] = field(default_factory=dict, hash=False, compare=False)
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
    # The numbers the text states that the compilation computed or took from data (see Figure); numbers
    # quoted from the cited passages need no entry.
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Baseline:
    """One indicator's baseline for a whole run: the latest period's value (the median of the responses
    giving that period), never a figure across periods; the change from the first period is the trend."""

    value: Decimal | None
    unit: str
    period: str
    source: str
    method: str  # how it was derived, in words
    references: list[str] = field(default_factory=list)
    status: str = "ok"  # "ok", "units differ: …", "responses differ: …" or NEEDS_INPUT
    kind: str = Kind.LEVEL
    text: str = ""  # the value as a reader says it: "£795 million a year in 2023"
    trend: str = ""  # "4th in 2010 → 98th in 2023" (first → latest period), "" with one period
    side_by_side: list[str] = field(default_factory=list)  # values in units that do not convert
    withheld: int = 0  # commercially confidential responses that gave a figure: counted, never used
    published: str = ""  # the catalogue's published figure, when the evidence gives its own
    figures: list[Figure] = field(default_factory=list)

    def to_json(self) -> dict:
        return _jsonable(asdict(self))

    @classmethod
    def from_json(cls, data: dict) -> Baseline:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["value"] = None if data.get("value") in (None, "") else Decimal(str(data["value"]))
        values["figures"] = [Figure.from_json(f) for f in data.get("figures", [])]
        return cls(**values)


@dataclass
class Target:
    """A target a response proposes ("to 20% by 2030"), offered to the lead with its reference."""

    value: Decimal  # in the indicator's unit
    year: int
    sentence: str
    references: list[str]


@dataclass
class Criterion:
    indicator: str  # slug
    indicator_name: str
    baseline: Baseline
    target_value: Decimal | None
    target_direction: str  # "increase" or "decrease"
    deadline: str | None  # ISO date
    owner: str | None
    data_source: str | None
    frequency: str | None
    needs_input: list[str]
    target: Target | None = None  # where the target value and deadline came from, if from evidence


@dataclass
class MeasureGroup:
    """Figures given under "another measure", grouped by a normalised name: evidence too, listed with
    their references; they count towards a criterion once a reviewer maps them to an indicator."""

    name: str  # the most common wording
    key: str  # the normalised name
    values: list[str]  # "12 months (2024, MMIP-0003)", in reference order
    references: list[str]
    responses: int


@dataclass
class Draft:
    title: str
    objective: str
    rationale: list[Statement]
    dissent: list[Statement]
    criteria: list[Criterion]
    figures: list[Figure] = field(default_factory=list)  # every figure the draft states (the audit's table)
    unexplained: list[str] = field(default_factory=list)  # numbers no figure explains: not publishable
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
    other_measures: list[MeasureGroup] = field(default_factory=list)

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
