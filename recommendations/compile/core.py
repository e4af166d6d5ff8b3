"""Compiling one ecosystem component's reviewed evidence into draft recommendations.

Pure functions over the plain data in ``data.py``: the same input gives the same output (inputs are
sorted, models have fixed random states). The rules are documented in docs/confidence.md.
"""

from __future__ import annotations

from collections import Counter

from . import asks, stance, synthesis, themes
from .audit import check, evidence_base_figures, theme_figures
from .data import (
    NOT_ENOUGH,
    ComponentInput,
    ComponentResult,
    EvidenceBase,
    EvidenceItem,
    ProposalGroup,
)
from .figures import criteria, other_measures

GRADES = ("A", "B", "C", "D")
MIN_WORDS = 5  # shorter texts ("Agree.", "No comment") are not substantive evidence
MIN_ITEMS = 2  # fewer substantive responses than this: not enough evidence


def substantive(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS


def _unique(seq):
    return list(dict.fromkeys(seq))


# --- Evidence base and confidence ----------------------------------------------------------------------


def confidence(grades: Counter, organisations: int) -> tuple[str, str]:
    """The overall confidence rating of a component's evidence (docs/confidence.md)."""
    total = sum(grades.values())
    if not total:
        return "none", "No reviewed evidence."
    strong = grades["A"] + grades["B"]
    share = strong / total
    if grades["A"] >= 1 and share >= 0.5 and organisations >= 5:
        return (
            "high",
            f"{grades['A']} strong (A) and {share:.0%} A/B-graded responses from {organisations} organisations.",
        )
    if share >= 0.3 and organisations >= 3:
        return "moderate", f"{share:.0%} A/B-graded responses from {organisations} organisations."
    if strong >= 1 or organisations >= 3:
        return "low", f"Mostly limited evidence (C/D); {strong} A/B-graded, {organisations} organisations."
    return "very low", f"Assertions or case studies only, from {organisations} organisation(s)."


def evidence_base(items: tuple[EvidenceItem, ...]) -> EvidenceBase:
    organisations = {item.organisation_id: item for item in items}
    grades = Counter({g: 0 for g in GRADES})
    grades.update(item.grade for item in items)
    # Distinct organisations per type and region, not responses.
    by_type = Counter(item.organisation_type for item in organisations.values())
    by_region = Counter(item.region for item in organisations.values())
    rating, reason = confidence(grades, len(organisations))
    return EvidenceBase(
        submissions=len(items),
        organisations=len(organisations),
        by_organisation_type=dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_region=dict(sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))),
        grades=dict(grades),
        confidence=rating,
        confidence_reason=reason,
    )


# --- The component ---------------------------------------------------------------------------------------


def compile_component(component: ComponentInput) -> ComponentResult:
    """Coded evidence → positions and asks → groups → drafts (with criteria) and themes."""
    base = evidence_base(component.items)
    usable = tuple(item for item in component.items if any(substantive(t.text) for t in (*item.texts, *item.proposals)))
    if len(usable) < MIN_ITEMS:
        return ComponentResult(
            slug=component.slug,
            name=component.name,
            status=NOT_ENOUGH,
            message=(
                f"{NOT_ENOUGH}: {base.submissions} reviewed response(s), {len(usable)} with substantive text "
                f"(at least {MIN_ITEMS} are needed)."
            ),
            evidence_base=base,
            themes=[],
            proposals=[],
            drafts=[],
        )
    positions = [stance.position(item) for item in usable]
    dissent = [p for p in positions if p.dissenting]
    found_asks = [a for p in positions if not p.dissenting for a in asks.item_asks(p.item)]
    context = {p.item.reference: " ".join(t.text for t in p.item.texts) for p in positions}
    groups = asks.group_asks(found_asks, context)
    chosen = synthesis.choose(groups)
    measures = criteria(component)
    against = synthesis.assign_dissent(chosen, dissent, positions)
    made = [
        synthesis.draft(component, base, group, groups, positions, opposed, measures)
        for group, opposed in zip(chosen, against, strict=True)
    ]
    found = themes.themes(positions)
    # The figures audit: every number in a draft's text explained by a figure or a cited passage.
    passages = {item.reference: [t.text for t in (*item.texts, *item.proposals)] for item in usable}
    known = evidence_base_figures(base, component.name)
    for theme in found:
        known += theme_figures(theme, passages)
    made = [check(draft, known, passages) for draft in made]
    summary = [
        ProposalGroup(
            text=g.wording.text, organisations=g.organisations, best_grade=g.best_grade, references=g.references
        )
        for g in groups
    ]
    if made:
        message = (
            f"{len(made)} draft recommendation(s) from {base.submissions} reviewed responses: {len(found_asks)} asks "
            f"coded or detected in {len(groups)} group(s); {len(dissent)} response(s) oppose or caution."
        )
    else:
        message = f"{NOT_ENOUGH}: {base.submissions} reviewed responses, 0 asks coded or detected" + (
            f" ({len(dissent)} oppose or caution)." if dissent else "."
        )
    return ComponentResult(
        slug=component.slug,
        name=component.name,
        status="ok" if made else NOT_ENOUGH,
        message=message,
        evidence_base=base,
        themes=found,
        proposals=summary,
        drafts=made,
        other_measures=other_measures(component.data_points),
    )
