"""From ranked ask groups to drafts a lead could sign: an imperative title, the actor and timescale where
the evidence names them ("needs lead input" otherwise), an objective from the problems the same responses
describe, a rationale that synthesises who asks, the key facts they give and who disagrees."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from evidence.language import ask_cue, has_figure, is_problem, sentences

from .asks import (
    DETECTED,
    GENERIC,
    AskGroup,
    _features,
    action_lemmas,
    imperative,
    named_actor,
    recommendation_title,
    similar,
    timescale_of,
)
from .data import NEEDS_INPUT, ComponentInput, Criterion, Draft, EvidenceBase, Figure, Origin, Statement
from .figures import data_statement
from .references import DO_SO, resolve_references
from .stance import Position, contested, describe, shorten

MAX_DRAFTS = 5
MIN_ORGANISATIONS = 2  # a group needs this many organisations to be drafted, unless it is the component's best
DISSENT_MATCH = 0.05  # topical similarity (_dissent_scores) at which an objection is about a draft's ask (tuned on
# the training corpus: objections about an ask score 0.05–0.2, unrelated ones below 0.04)
MAX_READ = 30  # other wordings read for who should act, where the chosen one names nobody
CONTESTED_OVERLAP = 3  # lemmas (beyond the words every ask shares) it must share to make the draft contested


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def choose(groups: list[AskGroup]) -> list[AskGroup]:
    """The groups to draft: those with enough organisations (at most MAX_DRAFTS), else the best one; a
    group near-identical to one already chosen is folded into it, so a pack never holds both."""
    chosen: list[AskGroup] = []
    for group in groups:
        twin = next((c for c in chosen if similar(c, group)), None)
        if twin is not None:
            twin.absorb(group)
            continue
        if len(chosen) < MAX_DRAFTS and (group.organisations >= MIN_ORGANISATIONS or not chosen):
            chosen.append(group)
    return chosen


def _types(group: AskGroup) -> str:
    per_org = {a.organisation_id: a.organisation_type for a in group.asks}
    counts = Counter(per_org.values())
    return ", ".join(f"{n} {t}" for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _count(value, what: str, text: str | None = None) -> Figure:
    """A number the compilation computed, for the figures audit."""
    return Figure(Decimal(str(value)), text or str(value), Origin.COUNT, what)


def _support_statement(group: AskGroup) -> Statement:
    detected = group.count(DETECTED)
    coded = len(group.references) - detected
    how = f"{_plural(coded, 'response')} coded or written as an ask"
    if detected:
        how += (
            f", {_plural(detected, 'response')} with the ask detected in answers (detected, not coded; weighted half)"
        )
    per_type = Counter({a.organisation_id: a.organisation_type for a in group.asks}.values())
    return Statement(
        f"Asked for by {_plural(group.organisations, 'organisation')} ({_types(group)}): {how}.",
        group.references,
        [
            _count(group.organisations, "organisations asking for it"),
            _count(coded, "responses with a coded or written ask"),
            _count(detected, "responses with a detected ask"),
            *[_count(n, f"organisations of type {t} asking for it") for t, n in per_type.items()],
        ],
    )


def _rank_statement(group: AskGroup, groups: list[AskGroup], bodies: tuple[str, ...]) -> Statement:
    total = len(groups)
    tied = [imperative(groups[n - 1].wording.text, bodies)[0] for n in group.tied_with[:3]]
    tie = (
        f" Tied on every ranking measure with: {'; '.join(f'“{t}”' for t in tied)}"
        f"{' and others' if len(group.tied_with) > 3 else ''}. The order of tied asks is not a ranking."
        if tied
        else ""
    )
    return Statement(
        f"Ranked {group.rank} of {total} asks raised on this component: {group.weighted:g} weighted supporting "
        f"organisations, {_plural(len(group.types), 'organisation type')}, best grade {group.best_grade}, wording "
        f"centrality {group.centrality:.2f}.{tie}",
        # The tied asks' own responses are cited: their titles may quote figures.
        [group.wording.reference, *[groups[n - 1].wording.reference for n in group.tied_with[:3]]],
        [
            _count(group.rank, "rank among the component's asks"),
            _count(total, "asks raised on the component"),
            _count(group.weighted, "weighted supporting organisations", f"{group.weighted:g}"),
            _count(len(group.types), "organisation types asking for it"),
            _count(round(group.centrality, 2), "centrality of the wording", f"{group.centrality:.2f}"),
        ],
    )


def _sentences_of(positions: list[Position], refs: set[str], kind: str) -> list[tuple[str, str]]:
    """Coded excerpts of a kind from the given responses, else sentences the cues read as that kind."""
    coded, found = [], []
    for p in positions:
        if p.item.reference not in refs or p.item.confidential:
            continue
        for text in p.item.texts:
            if text.kind == "excerpt" and text.excerpt_kind == kind:
                coded.append((text.text, p.item.reference))
            elif text.kind != "excerpt":
                for s in sentences(text.text):
                    if ask_cue(s):
                        continue  # an ask is neither a problem nor a fact
                    if (kind == "problem" and is_problem(s)) or (
                        kind == "data" and has_figure(s) and not is_problem(s)
                    ):
                        found.append((s, p.item.reference))
    seen, out = set(), []
    for s, ref in coded + found:
        key = " ".join(s.split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append((s, ref))
    return out


def objective(title: str, group: AskGroup, positions: list[Position]) -> tuple[str, Statement | None]:
    """What must change and why, from the problems and impacts the same responses describe. The objective
    quotes only responses that may be published (it reaches the public page once approved), without
    references; the rationale statement returned with it cites every problem."""
    problems = _sentences_of(positions, set(group.references), "problem")
    public = {p.item.reference for p in positions if p.item.publishable}
    action = title[:1].lower() + title[1:] if not title.split(" ", 1)[0].isupper() else title
    if not problems:
        return (
            f"Outcome sought: {action}. Why it matters: {NEEDS_INPUT} (the responses behind this ask state no "
            "problem or impact).",
            None,
        )
    quotable = [s for s, ref in problems if ref in public][:2]
    if quotable:
        why = "; ".join(f"“{shorten(s, 160)}”" for s in quotable)
        text = f"Outcome sought: {action}. Why: the organisations asking for it report {why}."
    else:
        text = (
            f"Outcome sought: {action}. Why: problems reported by the organisations asking for it (not for "
            "publication; see the rationale)."
        )
    cited = Statement(
        "Problems and impacts the same responses report: "
        + "; ".join(f"“{shorten(s, 160)}”" for s, _ in problems[:3])
        + (f" and {len(problems) - 3} more" if len(problems) > 3 else "")
        + ".",
        sorted({ref for _, ref in problems}),
        [_count(max(0, len(problems) - 3), "further problems reported")],
    )
    return text, cited


def _dissent_scores(groups: list[AskGroup], dissent: list[Position], positions: list[Position]) -> list[list[float]]:
    """How far each dissenting response is about each group's ask: the cosine of TF-IDF vectors over the
    domain vocabulary's concepts and content lemmas (asks/_features), with document frequencies from all
    the component's responses, so words every response uses (the sector, the component's topic) weigh
    little and the objection's object weighs most."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not groups or not dissent:
        return [[0.0] * len(groups) for _ in dissent]
    documents = [" ".join(t.text for t in (*p.item.texts, *p.item.proposals)) for p in positions]
    vectorizer = TfidfVectorizer(analyzer=_features, sublinear_tf=True)
    try:
        vectorizer.fit(documents)
    except ValueError:
        return [[0.0] * len(groups) for _ in dissent]
    asked = vectorizer.transform([" ".join(imperative(a.text)[0] for a in g.asks) for g in groups])
    said = vectorizer.transform([" ".join(t.text for t in (*p.item.texts, *p.item.proposals)) for p in dissent])
    return (said @ asked.T).toarray().tolist()


def assign_dissent(
    groups: list[AskGroup], dissent: list[Position], positions: list[Position] | None = None
) -> list[tuple[list[Position], list[Position]]]:
    """Each opposing or mixed response is listed against the drafts whose ask it is about (a topical match,
    ``_dissent_scores`` at least DISSENT_MATCH); one that is about none is listed against the first draft as
    being on the component in general, so no dissent goes unseen. Per group: (about this ask, in general)."""
    scores = _dissent_scores(groups, dissent, positions or dissent)
    out: list[tuple[list[Position], list[Position]]] = [([], []) for _ in groups]
    for p, row in zip(dissent, scores, strict=True):
        hits = [n for n, score in enumerate(row) if score >= DISSENT_MATCH]
        for n in hits:
            out[n][0].append(p)
        if not hits and groups:
            out[0][1].append(p)
    order = {id(p): -max(row, default=0) for p, row in zip(dissent, scores, strict=True)}
    return [
        (sorted(on, key=lambda p: (order[id(p)], p.item.reference)), sorted(gen, key=lambda p: p.item.reference))
        for on, gen in out
    ]


PRONOUN = re.compile(
    r"^(?P<pronoun>it|they)\s+(?=(?:[a-z]+ly\s+|also\s+|then\s+)?(?:should|must|needs? to|ought to)\b)", re.I
)


def _in_answer(group: AskGroup, positions: list[Position]) -> list[str] | None:
    """The sentences before the group's wording in the answer (or run of coded excerpts) it came from."""
    sentence = " ".join(group.wording.text.split())
    for p in positions:
        if p.item.reference != group.wording.reference:
            continue
        runs = [sentences(t.text) for t in (*p.item.texts, *p.item.proposals) if t.kind != "excerpt"]
        runs.append([t.text for t in p.item.texts if t.kind == "excerpt"])  # excerpts, in the order coded
        for said in runs:
            for n, this in enumerate(said):
                if " ".join(this.split()) == sentence:
                    return said[:n]
    return None


def resolve_context(group: AskGroup, positions: list[Position], bodies: tuple[str, ...]) -> str:
    """The group's wording with what it refers back to read from the sentences before it in the same answer,
    where that can be done reliably; otherwise as written. ``group_asks`` has already preferred a wording
    that stands alone, so this serves a group whose only wording leans on its context:
    - "… to do so" takes the action of the ask just before ("DHSC should fund the agency to do so" after
      "The MHRA must clear its backlog …" → "DHSC should fund the MHRA to clear its backlog …");
    - a pronoun subject takes the body the ask just before names as the one to act ("It should also publish
      X" after "The MHRA should agree Y" → "The MHRA should also publish X"; "it" one body, "they" several);
    - "the fund", "that strategy" take the name or description an earlier sentence gives
      (references.resolve_references)."""
    sentence = group.wording.text
    before = _in_answer(group, positions)
    if not before:
        return sentence
    previous = before[-1]
    found = DO_SO.search(sentence.rstrip(". "))
    if found and ask_cue(previous):
        action, named = imperative(previous, bodies)
        head, tail = sentence.rstrip(". ")[: found.start()], sentence.rstrip(". ")[found.end() :]
        if named:  # "fund the agency to do so", the agency being the body the sentence before names
            who = re.sub(r"^The\b", "the", named)
            head = re.sub(r"\bthe (?:agency|regulator|body|authority|department)\b", who, head, count=1)
        sentence = f"{head}to {action[:1].lower()}{action[1:]}{tail}."
    pronoun = PRONOUN.match(sentence)
    if pronoun and ask_cue(previous):
        named = imperative(previous, bodies)[1]
        # "they": bodies ("Ofgem and DESNZ") or people ("ministers"); "it": one body ("the Office for Life Sciences")
        several = bool(named) and bool(re.search(r"\s(?:and|,)\s", named) or re.fullmatch(r"[a-z ]+s", named))
        if named and several == (pronoun.group("pronoun").lower() == "they"):
            sentence = _upper(named) + " " + sentence[pronoun.end() :]
    return resolve_references(sentence, before)


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def draft(
    component: ComponentInput,
    base: EvidenceBase,
    group: AskGroup,
    groups: list[AskGroup],
    positions: list[Position],
    against: tuple[list[Position], list[Position]],
    measures: list[Criterion],
) -> Draft:
    bodies = tuple(n for a in component.actors for n in a.names)
    texts = [group.wording.text, *[a.text for a in group.asks if a is not group.wording]]
    # Who acts is read as the title reads it: the body the wording names as the one to act, else the first
    # that another wording of the ask names so; never a body named only as an owner or a partner.
    others = dict.fromkeys(a.text for a in [*group.alternatives, *group.asks] if a.text != group.wording.text)
    borrowed = next((w for t in list(others)[:MAX_READ] if (w := named_actor(t, component.actors))), "")
    title, action, actor = recommendation_title(resolve_context(group, positions, bodies), borrowed, component.actors)
    when = timescale_of(texts)
    aim, problems = objective(action, group, positions)
    rationale = [_support_statement(group), _rank_statement(group, groups, bodies)]
    if problems:
        rationale.append(problems)
    if group.alternatives:
        rationale.append(
            Statement(
                "The same ask in other words: "
                + "; ".join(f"“{shorten(a.text, 140)}”" for a in group.alternatives[:2])
                + ".",
                [a.reference for a in group.alternatives[:2]],
            )
        )
    for fact, ref in _sentences_of(positions, set(group.references), "data")[:3]:
        rationale.append(Statement(f"Key fact: “{shorten(fact, 220)}”", [ref]))
    types = ", ".join(list(base.by_organisation_type)[:3])
    rationale.append(
        Statement(
            f"{base.submissions} reviewed responses from {base.organisations} organisations ({types}) address "
            f"{component.name[:1].lower() + component.name[1:]}; confidence in the evidence is {base.confidence}: "
            f"{base.confidence_reason}",
            sorted({item.reference for item in component.items})[:25],
        )
    )
    for measure in measures:
        if measure.baseline.status == "ok" and measure.baseline.references:
            rationale.append(data_statement(measure))
    # Only opposition about this ask makes it contested; dissent listed here because it is about no draft
    # of the component (assign_dissent) does not: it is shown as being on the component in general.
    on_ask, general = against
    about = set(group.lemmas) - GENERIC
    is_contested = contested(group.weighted, [p for p in on_ask if len(about & p.lemmas) >= CONTESTED_OVERLAP])
    opposing = len({p.item.organisation_id for p in on_ask})
    verb = "opposes or cautions" if opposing == 1 else "oppose or caution"
    if on_ask:
        rationale.append(
            Statement(
                f"{_plural(opposing, 'organisation')} {verb} "
                f"against this (see dissent){'; the draft is contested' if is_contested else ''}. They are not "
                "counted as support.",
                sorted({p.item.reference for p in on_ask}),
                [_count(opposing, "organisations opposing or cautioning")],
            )
        )
    if general:
        others = len({p.item.organisation_id for p in general})
        rationale.append(
            Statement(
                f"{_plural(others, 'organisation')} {'opposes or cautions' if others == 1 else 'oppose or caution'} "
                f"on {component.name[:1].lower() + component.name[1:]} in general, not on this ask (see dissent). "
                "They are not counted as support.",
                sorted({p.item.reference for p in general}),
                [_count(others, "organisations opposing or cautioning on the component in general")],
            )
        )
    component_name = component.name[:1].lower() + component.name[1:]
    return Draft(
        title=title if len(title) <= 200 else title[:199] + "…",
        objective=aim,
        rationale=rationale,
        dissent=[describe(p) for p in on_ask] + [describe(p, component_name) for p in general],
        criteria=measures,
        actor=actor,
        timescale=when,
        contested=is_contested,
        basis={
            "source": {
                "reference": group.wording.reference,
                "text": group.wording.text,
                "origin": group.wording.origin,
            },
            "supporters": group.organisations,
            "weighted_supporters": group.weighted,
            "organisation_types": group.types,
            "best_grade": group.best_grade,
            "centrality": round(group.centrality, 3),
            "rank": group.rank,
            "tied_with": group.tied_with,
            "references": group.references,
            "ask_texts": sorted({a.text for a in group.asks}),
            "lemmas": sorted(action_lemmas(group)),
            "opposing": sorted({p.item.reference for p in (*on_ask, *general)}),
        },
    )
