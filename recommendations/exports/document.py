"""The pack as one document: a typed sequence of blocks (headings, paragraphs, lists, tables, page breaks)
laid out once from a ``Pack`` and rendered by each writer (DOCX, PDF, Markdown) in ``writers.py``.

A new section of the pack is written here once and appears in every format. The layout reads top to
bottom in the order of the pack: title page, contents, one chapter per component (evidence base, themes,
recommendations, confidential annex), then the annexes. A recommendation is laid out by the functions in
``RECOMMENDATION_SECTIONS``, in order; a new part of a recommendation is one more function there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from .pack import Criterion, Pack, PackComponent, PackRecommendation

AUTHOR = "Medicines Manufacturing Industry Partnership"


class Style(StrEnum):
    BODY = "body"
    NOTE = "note"  # a status message: italic
    QUOTE = "quote"  # a quoted passage of evidence
    SMALL = "small"  # annex lines, long lists
    STRONG = "strong"  # a warning such as the confidentiality marking


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Paragraph:
    spans: tuple[Span, ...]
    references: tuple[int, ...] = ()  # numbered references into the annex, written "[1][2]"
    style: Style = Style.BODY

    @classmethod
    def of(cls, text: str, references=(), style: Style = Style.BODY) -> Paragraph:
        return cls((Span(text),), tuple(references), style)

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True)
class Heading:
    """``level`` 0 is the document's title, 1 a chapter, 2 a section, 3 a part of a section. ``outline``
    puts it in the PDF's bookmarks and table of contents."""

    text: str
    level: int
    outline: bool = False


@dataclass(frozen=True)
class ItemList:
    items: tuple[Paragraph, ...]
    numbered: bool = False
    empty: str = ""  # written instead when there are no items


@dataclass(frozen=True)
class Cell:
    text: str
    references: tuple[int, ...] = ()


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    widths: tuple[int, ...]  # relative column widths (the PDF needs them; others may ignore them)
    caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Contents:
    """The table of contents: the chapters' titles (the PDF writes its own with page numbers)."""

    entries: tuple[str, ...]


Block = Heading | Paragraph | ItemList | Table | PageBreak | Contents


@dataclass
class Document:
    title: str
    author: str
    marking: str  # "" or the confidentiality marking, written on every page
    blocks: list[Block] = field(default_factory=list)


# --- Layout of the pack ------------------------------------------------------------------------------------


def pack_document(pack: Pack) -> Document:
    doc = Document(title=pack.title, author=AUTHOR, marking=pack.marking.upper() if pack.confidential else "")
    add = doc.blocks.extend
    add(_title_page(pack))
    add([PageBreak(), Heading("Contents", 1), Contents(tuple(_chapters(pack)))])
    for number, component in enumerate(pack.components, start=1):
        add([PageBreak()])
        add(_component(pack, number, component))
    add([PageBreak()])
    add(_annex_references(pack))
    if pack.figures:
        add([PageBreak()])
        add(_annex_figures(pack))
    return doc


def _chapters(pack: Pack) -> list[str]:
    chapters = [f"{n}. {c.name}" for n, c in enumerate(pack.components, start=1)] + ["Annex: evidence cited"]
    return chapters + (["Annex: figures"] if pack.figures else [])


def _title_page(pack: Pack) -> list[Block]:
    blocks: list[Block] = [
        Heading(pack.title, 0),
        Paragraph((Span(AUTHOR, bold=True),)),
        Paragraph.of(f"Compilation run {pack.run}, generated {pack.generated_at}."),
        Paragraph.of(
            f"{len(pack.components)} ecosystem components, "
            f"{sum(len(c.recommendations) for c in pack.components)} recommendations, "
            f"{len(pack.references)} responses cited (listed in the annex)."
        ),
        Paragraph.of(
            "This pack contains approved recommendations only."
            if pack.approved_only
            else "This pack contains draft recommendations for the partnership leads to review."
        ),
    ]
    if pack.confidential:
        blocks.append(
            Paragraph.of(
                f"{pack.marking.upper()}: this pack includes commercially confidential evidence.", style=Style.STRONG
            )
        )
    return blocks


def _component(pack: Pack, number: int, component: PackComponent) -> list[Block]:
    blocks: list[Block] = [
        Heading(f"{number}. {component.name}", 1, outline=True),
        Paragraph.of(component.description, style=Style.NOTE),
        *_evidence_base(component),
        *_themes(component),
        *_other_measures(component),
    ]
    for rec in component.recommendations:
        blocks.append(Heading(f"Recommendation {rec.number}: {rec.title}", 2, outline=True))
        for section in RECOMMENDATION_SECTIONS:
            blocks.extend(section(rec))
    if component.cross_references:
        blocks.append(Heading("Also raised under this component", 2))
        blocks.append(ItemList(tuple(Paragraph.of(text) for text in component.cross_references)))
    blocks.extend(_confidential_evidence(pack, component))
    return blocks


def _evidence_base(component: PackComponent) -> list[Block]:
    blocks: list[Block] = [
        Heading("Evidence base", 2),
        Paragraph.of(
            f"{component.submissions} reviewed responses from {component.organisations} organisations. "
            f"Confidence in the evidence: {component.confidence} – {component.confidence_reason}"
        ),
        Paragraph.of("Strength of evidence: " + ", ".join(f"{g}: {n}" for g, n in component.grades.items()) + "."),
    ]
    if component.by_organisation_type:
        blocks.append(
            Table(
                headers=("Organisation type", "Organisations"),
                rows=tuple((Cell(name), Cell(str(n))) for name, n in component.by_organisation_type.items()),
                widths=(80, 20),
            )
        )
    if component.by_region:
        blocks.append(
            Paragraph.of("By nation and region: " + "; ".join(f"{k} {v}" for k, v in component.by_region.items()) + ".")
        )
    if component.message:
        blocks.append(Paragraph.of(component.message, style=Style.NOTE))
    return blocks


def _other_measures(component: PackComponent) -> list[Block]:
    """Figures respondents gave under a measure of their own, grouped by name: evidence, with references."""
    if not component.other_measures:
        return []
    rows = tuple(
        (Cell(m.name), Cell("; ".join(m.values), tuple(m.references)), Cell(str(len(m.references))))
        for m in component.other_measures
    )
    return [
        Heading("Other measures in the evidence", 2),
        Paragraph.of(
            "Figures responses gave under a measure of their own, grouped by name. A reviewer can map a measure "
            "to a catalogue indicator in the admin; it then counts towards that indicator's success criterion.",
            style=Style.NOTE,
        ),
        Table(("Measure", "Figures given", "Responses"), rows, widths=(30, 55, 15)),
    ]


def _themes(component: PackComponent) -> list[Block]:
    if not component.themes:
        return []
    blocks: list[Block] = [Heading("Themes", 2)]
    for theme in component.themes:
        blocks.append(Paragraph((Span(theme.label, bold=True), Span(f" ({theme.counts})"))))
        blocks.extend(Paragraph.of(f"“{q.text}”", q.references, Style.QUOTE) for q in theme.quotes)
    return blocks


# --- A recommendation, section by section -----------------------------------------------------------------


def _rec_status_and_objective(rec: PackRecommendation) -> list[Block]:
    return [
        Paragraph.of(f"{rec.status_line}."),
        Paragraph((Span("Objective. ", bold=True), Span(rec.objective))),
    ]


def _rec_rationale(rec: PackRecommendation) -> list[Block]:
    return [
        Heading("Rationale", 3),
        ItemList(tuple(Paragraph.of(s.text, s.references) for s in rec.rationale), numbered=True),
    ]


def _rec_dissent(rec: PackRecommendation) -> list[Block]:
    return [
        Heading("Dissenting evidence", 3),
        ItemList(
            tuple(Paragraph.of(s.text, s.references) for s in rec.dissent),
            empty="None found in the reviewed evidence.",
        ),
    ]


CRITERIA_HEADERS = ("Indicator", "Baseline", "Target", "Deadline", "Owner", "Data source", "Frequency", "Complete")


def _baseline_cell(c: Criterion) -> Cell:
    more = ([f"Trend: {c.baseline_trend}."] if c.baseline_trend else []) + list(c.baseline_notes)
    parts = [c.baseline.rstrip(".") + "." if more else c.baseline, *more]
    return Cell(" ".join(parts), tuple(c.baseline_references))


def _rec_criteria(rec: PackRecommendation) -> list[Block]:
    blocks: list[Block] = [Heading("Success criteria", 3)]
    if not rec.criteria:
        return [*blocks, Paragraph.of("No indicator in the catalogue serves this component: needs lead input.")]
    rows = tuple(
        (
            Cell(c.indicator),
            _baseline_cell(c),
            Cell(c.target + (" (proposed in evidence)" if c.target_references else ""), tuple(c.target_references)),
            Cell(c.deadline),
            Cell(c.owner),
            Cell(c.data_source),
            Cell(c.frequency),
            Cell("Yes" if c.complete else "No: " + ", ".join(c.needs_lead_input)),
        )
        for c in rec.criteria
    )
    complete = sum(c.complete for c in rec.criteria)
    blocks.append(
        Paragraph.of(
            f"{complete} of {len(rec.criteria)} criteria complete (baseline, target, deadline, owner, data source "
            "and frequency all set).",
            style=Style.NOTE,
        )
    )
    blocks.append(Table(CRITERIA_HEADERS, rows, widths=(20, 30, 14, 10, 10, 14, 10, 12), caption="Success criteria"))
    return blocks


# The parts of a recommendation, in the order the pack shows them: one function per part.
RECOMMENDATION_SECTIONS: tuple[Callable[[PackRecommendation], list[Block]], ...] = (
    _rec_status_and_objective,
    _rec_rationale,
    _rec_dissent,
    _rec_criteria,
)


# --- Confidential evidence and annexes ----------------------------------------------------------------------


def _confidential_evidence(pack: Pack, component: PackComponent) -> list[Block]:
    if not (component.confidential_evidence or component.confidential_figures):
        return []
    blocks: list[Block] = [
        Heading(f"Commercially confidential evidence ({pack.marking})", 2),
        ItemList(tuple(Paragraph.of(s.text, s.references) for s in component.confidential_evidence)),
    ]
    if component.confidential_figures:
        blocks += [
            Heading(f"Figures from commercially confidential responses ({pack.marking})", 3),
            Paragraph.of(
                "Never part of a baseline: listed here only for readers holding the permission.", style=Style.NOTE
            ),
            ItemList(tuple(Paragraph.of(s.text, s.references) for s in component.confidential_figures)),
        ]
    return blocks


def _annex_references(pack: Pack) -> list[Block]:
    return [
        Heading("Annex: evidence cited", 1, outline=True),
        *(
            Paragraph.of(
                f"[{r.number}] {r.reference} – {r.organisation} ({r.organisation_type}, {r.region}; "
                f"{r.confidentiality})",
                style=Style.SMALL,
            )
            for r in pack.references
        ),
    ]


def _annex_figures(pack: Pack) -> list[Block]:
    """Every figure the recommendations state, where it comes from, and its reference."""
    rows = tuple((Cell(f.figure), Cell(f.used_in), Cell(f.origin), Cell(f.reference)) for f in pack.figures)
    return [
        Heading("Annex: figures", 1, outline=True),
        Paragraph.of(
            "Every number in the recommendations is one of these: a count the compilation made, a figure a response "
            "submitted, a published baseline, a figure from a cited passage, or a target proposed in evidence or "
            "set by a lead. A draft with a number none of these explains cannot be approved.",
            style=Style.NOTE,
        ),
        Table(("Figure", "Used in", "Where it comes from", "Reference"), rows, widths=(25, 22, 23, 30)),
    ]
