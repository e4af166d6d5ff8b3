"""The figures audit: every number in a draft's text is explained by a figure it came from (a count the
compilation computed, a submitted data point, a published baseline, a target proposed in evidence) or by a
passage of the evidence the statement cites. A draft with an unexplained number is not publishable: it is
listed with the numbers, and a lead cannot approve it until the text or the evidence explains them.

Pure functions (no Django); the services run the same audit again on a lead's edited text before approval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .data import Draft, EvidenceBase, Figure, Origin, ProposalGroup, Statement, Theme

# A number as drafts write it: 7, 1,234, 12.5, -29, 98 (in 98th), 2023. A digit run glued to a letter or a
# hyphen on its left is part of a name or a reference (MMIP-0012, B2B, CO2), not a figure.
NUMBER = re.compile(r"(?<![\w.\-/])[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?!\d)")


@dataclass(frozen=True)
class Part:
    """One piece of a draft's text, what it cites, and the figures its writer states for it."""

    where: str  # "title", "objective", "rationale 3", "dissent 1"
    text: str
    references: tuple[str, ...] = ()
    figures: tuple[Figure, ...] = ()


def numbers_in(text: str) -> list[tuple[str, Decimal]]:
    out = []
    for match in NUMBER.finditer(text):
        raw = match.group(0)
        try:
            out.append((raw, Decimal(raw.replace(",", "").replace("−", "-"))))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
    return out


def _same(written: str, value: Decimal, figure: Decimal) -> bool:
    """The written number is the figure, at the precision it is written (signs aside: "down 29%")."""
    decimals = len(written.split(".")[1]) if "." in written else 0
    return abs(value) == abs(figure).quantize(Decimal(1).scaleb(-decimals))


def explain(raw: str, value: Decimal, figures: Iterable[Figure]) -> Figure | None:
    return next((f for f in figures if _same(raw, value, f.value)), None)


def passage_figures(references: Iterable[str], passages: dict[str, list[str]]) -> list[Figure]:
    """Every number in the cited passages, as a figure of origin "cited passage"."""
    out = []
    for ref in references:
        for text in passages.get(ref, []):
            out += [Figure(value, raw, Origin.PASSAGE, ref) for raw, value in numbers_in(text)]
    return out


PRIORITY = {Origin.DATA_POINT: 0, Origin.PUBLISHED: 1, Origin.TARGET: 2, Origin.LEAD: 3, Origin.COUNT: 4}


def audit(parts: list[Part], figures: list[Figure], passages: dict[str, list[str]]) -> tuple[list[Figure], list[str]]:
    """(the figures the text states, the numbers nothing explains, each with where it is). A number is
    explained first by the figures its own statement records, then by the draft's figures (data before
    counts), then by the passages its statement cites."""
    figures = sorted(figures, key=lambda f: PRIORITY.get(f.origin, 5))
    used: dict[tuple, Figure] = {}
    unexplained = []
    for part in parts:
        for raw, value in numbers_in(part.text):
            found = explain(raw, value, (*part.figures, *figures)) or explain(
                raw, value, passage_figures(part.references, passages)
            )
            if found is None:
                unexplained.append(f"{raw} ({part.where})")
            else:
                used.setdefault((found.value.normalize(), found.origin, found.reference), found)
    return list(used.values()), unexplained


def draft_parts(draft: Draft, references: Iterable[str] = ()) -> list[Part]:
    """A draft's text as audited parts. The title and objective come from the asks of the responses the
    draft cites, so their numbers may come from any of those."""
    cited = (r for s in (*draft.rationale, *draft.dissent) for r in s.references)
    every = tuple(references) or tuple(dict.fromkeys(cited))
    parts = [Part("title", draft.title, every), Part("objective", draft.objective, every)]
    parts += _statements("rationale", draft.rationale)
    parts += _statements("dissent", draft.dissent)
    return parts


def _statements(name: str, statements: list[Statement]) -> list[Part]:
    return [
        Part(f"{name} {n}", s.text, tuple(s.references), tuple(s.figures)) for n, s in enumerate(statements, start=1)
    ]


# --- Figures the compilation computed -----------------------------------------------------------------------


def counted(value, what: str) -> Figure:
    """A count the compilation computed, for a statement's ``figures``: ``counted(5, "organisations asking")``.
    Every number a stage writes into a draft's text needs one (or comes from a passage the statement cites)."""
    return Figure(Decimal(value), str(value), Origin.COUNT, what)


def evidence_base_figures(base: EvidenceBase, component: str) -> list[Figure]:
    out = [
        counted(base.submissions, f"reviewed responses on {component}"),
        counted(base.organisations, f"organisations responding on {component}"),
    ]
    out += [counted(n, f"responses graded {g} on {component}") for g, n in base.grades.items()]
    total = sum(base.grades.values())
    if total:
        strong = base.grades.get("A", 0) + base.grades.get("B", 0)
        share = (Decimal(strong) * 100 / Decimal(total)).quantize(Decimal("0.0001"))
        out.append(Figure(share, f"{share:.0f}%", Origin.COUNT, f"share of A/B-graded responses on {component}"))
        out.append(counted(strong, f"A/B-graded responses on {component}"))
    out += [counted(n, f"organisations of type {t}") for t, n in base.by_organisation_type.items()]
    out += [counted(n, f"organisations in {r}") for r, n in base.by_region.items()]
    return out


def theme_figures(theme: Theme, passages: dict[str, list[str]]) -> list[Figure]:
    """The theme's size, and each number in its label with a member passage it comes from."""
    out = [counted(theme.size, f"responses in the theme “{theme.label}”")]
    for raw, value in numbers_in(theme.label):
        source = next(
            (f for ref in theme.references for f in passage_figures([ref], passages) if _same(raw, value, f.value)),
            None,
        )
        if source is not None:
            out.append(source)
    return out


def proposal_figures(group: ProposalGroup) -> list[Figure]:
    return [counted(group.organisations, f"organisations asking “{group.text[:60]}”")]


def check(draft: Draft, figures: list[Figure], passages: dict[str, list[str]]) -> Draft:
    """Audit a compiled draft: fills in the figures it states and the numbers nothing explains."""
    criteria_figures = [f for c in draft.criteria for f in c.baseline.figures]
    used, unexplained = audit(draft_parts(draft), figures + criteria_figures, passages)
    for c in draft.criteria:  # the criteria's own figures: baselines and proposed targets
        used += [f for f in c.baseline.figures if f.origin != Origin.COUNT and f not in used]
        if c.target is not None:
            used.append(Figure(c.target.value, str(c.target.value), Origin.TARGET, ", ".join(c.target.references)))
    draft.figures = used
    draft.unexplained = unexplained
    return draft
