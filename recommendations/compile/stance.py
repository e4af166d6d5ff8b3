"""Stance: who supports, opposes or cautions, and what they say against.

The reviewer's coded stance on the component tag decides. Where none is coded ("no position"), the cues of
evidence.language read the response's text, and what they find is marked "detected, not coded". A response
that opposes or is mixed is never counted as support: it is listed as dissent, with a short quote.
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.language import content_lemmas, counter_cues, is_counter, read_stance, sentences

from .data import EvidenceItem, Statement

SUPPORTS, OPPOSES, MIXED, NONE = "supports", "opposes", "mixed", "none"
DISSENTING = (OPPOSES, MIXED)
OPPOSITION_WEIGHT = {OPPOSES: 1.0, MIXED: 0.5}
CONTESTED_SHARE = 0.5  # opposition at least half the (weighted) support marks a draft contested
QUOTE_CHARS = 200


@dataclass(frozen=True)
class Position:
    item: EvidenceItem
    stance: str
    coded: bool
    quote: str  # a short quote of why (empty for commercially confidential responses)
    lemmas: frozenset[str]

    @property
    def dissenting(self) -> bool:
        return self.stance in DISSENTING


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _all_text(item: EvidenceItem) -> str:
    return " ".join(t.text for t in (*item.texts, *item.proposals))


def _why(item: EvidenceItem) -> str:
    coded = [t.text for t in item.texts if t.kind == "excerpt" and t.excerpt_kind == "counter"]
    if coded:
        return coded[0]
    candidates = [s for t in item.texts if t.kind != "excerpt" for s in sentences(t.text)]
    for test in (lambda s: bool(counter_cues(s)), is_counter):
        found = [s for s in candidates if test(s)]
        if found:
            return found[0]
    return candidates[0] if candidates else ""


def position(item: EvidenceItem) -> Position:
    text = _all_text(item)
    if item.stance != NONE:
        stance, coded = item.stance, True
    else:
        reading = read_stance(text).stance
        stance, coded = (reading if reading in DISSENTING else NONE), False
    quote = "" if item.confidential or stance not in DISSENTING else shorten(_why(item))
    return Position(item, stance, coded, quote, frozenset(content_lemmas(text)))


def describe(p: Position, general: str = "") -> Statement:
    """The dissent statement; ``general`` names the component when the response's objection is about the
    component in general rather than this ask (it is listed so that no dissent goes unseen)."""
    who = p.item.organisation_type or "A respondent"
    verb = "opposes or cautions" if p.stance == OPPOSES else "is mixed"
    if general:
        verb += f" on {general} in general, not on this ask"
    how = "coded by a reviewer" if p.coded else "detected, not coded"
    if p.item.confidential:
        return Statement(f"{who} {verb} ({how}); commercially confidential, not quoted.", [p.item.reference])
    return Statement(f"{who} {verb} ({how}): “{p.quote}”", [p.item.reference])


def opposition(positions: list[Position]) -> float:
    weights: dict[int, float] = {}
    for p in positions:
        weights[p.item.organisation_id] = max(weights.get(p.item.organisation_id, 0), OPPOSITION_WEIGHT[p.stance])
    return sum(weights.values())


def contested(support: float, against: list[Position]) -> bool:
    weight = opposition(against)
    return weight >= 1 and weight >= CONTESTED_SHARE * support
