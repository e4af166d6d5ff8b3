"""One recommendation per ask across components: drafts of different components whose asks are near-
identical are folded into the one with the most support (the first component in order on a tie), which
the others then cross-reference. Pure: plain keys in, a mapping out."""

from __future__ import annotations

from dataclasses import dataclass

SAME_ASK = 0.6  # share of the smaller draft's ask lemmas that the two drafts share


@dataclass(frozen=True)
class DraftKey:
    id: int
    component: str
    lemmas: tuple[str, ...]
    weight: float
    order: tuple[int, int]


def same_ask(a: DraftKey, b: DraftKey) -> bool:
    x, y = set(a.lemmas), set(b.lemmas)
    if not x or not y:
        return False
    shared = len(x & y)
    return shared >= 3 and shared / min(len(x), len(y)) >= SAME_ASK


def cross_references(keys: list[DraftKey]) -> dict[int, list[int]]:
    """Main draft id → the ids of drafts in other components that make the same ask."""
    ranked = sorted(keys, key=lambda k: (-k.weight, k.order))
    folded: set[int] = set()
    out: dict[int, list[int]] = {}
    for main in ranked:
        if main.id in folded:
            continue
        twins = [
            other.id
            for other in ranked
            if other.id != main.id
            and other.id not in folded
            and other.component != main.component
            and main.id not in folded
            and same_ask(main, other)
        ]
        if twins:
            out[main.id] = twins
            folded.update(twins)
            folded.add(main.id)
    return out
