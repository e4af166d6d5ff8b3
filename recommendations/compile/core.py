"""Compiling one ecosystem component's reviewed evidence into draft recommendations.

Pure functions over the plain data in ``data.py``: the same input gives the same output (inputs are
sorted, models have fixed random states). The rules are documented in docs/confidence.md.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from .audit import check, evidence_base_figures, proposal_figures, theme_figures
from .data import (
    NOT_ENOUGH,
    ComponentInput,
    ComponentResult,
    Criterion,
    Draft,
    EvidenceBase,
    EvidenceItem,
    ProposalGroup,
    Quote,
    Statement,
    Text,
    Theme,
)
from .figures import criteria, data_statement, other_measures

GRADES = ("A", "B", "C", "D")
MIN_WORDS = 5  # shorter texts ("Agree.", "No comment") are not substantive evidence
MIN_ITEMS = 2  # fewer substantive responses than this: not enough evidence
MAX_THEMES = 5
MAX_DRAFTS = 3
PROPOSAL_SIMILARITY = 0.5

# Phrases that mark a passage as arguing against a change (dissent is listed, never hidden).
DISSENT = re.compile(
    r"\b(do not support|don't support|disagree|oppose|not the main barrier|we do not think|"
    r"would not help|should not|unnecessary|no evidence that|not convinced)\b",
    re.IGNORECASE,
)


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


# --- Themes --------------------------------------------------------------------------------------------


def themes(items: tuple[EvidenceItem, ...], max_themes: int = MAX_THEMES) -> list[Theme]:
    """Group the substantive passages into themes with TF-IDF and NMF; label them by their key terms."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    passages: list[tuple[Text, EvidenceItem]] = [
        (text, item) for item in items for text in item.texts if substantive(text.text)
    ]
    passages.sort(key=lambda p: (p[0].reference, p[0].kind, p[0].text))
    if len(passages) < 2:
        return []
    docs = [p[0].text for p in passages]
    vectorizer = TfidfVectorizer(stop_words="english", max_features=5000, ngram_range=(1, 2), min_df=1)
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:  # nothing left after stop words
        return []
    k = max(1, min(max_themes, len(docs) // 8 + 1, matrix.shape[1]))
    model = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=400)
    weights = model.fit_transform(matrix)
    terms = vectorizer.get_feature_names_out()
    out = []
    for topic in range(k):
        members = [n for n in range(len(docs)) if weights[n].argmax() == topic and weights[n][topic] > 0]
        if not members:
            continue
        top_terms = [terms[i] for i in model.components_[topic].argsort()[::-1][:4]]
        ranked = sorted(members, key=lambda n: (-weights[n][topic], passages[n][0].reference))
        quotes, quoted = [], set()
        for n in ranked:
            text, item = passages[n]
            if text.reference in quoted or item.confidential:
                continue  # commercially confidential text is never quoted in a draft
            quoted.add(text.reference)
            quotes.append(Quote(reference=text.reference, text=_shorten(text.text), public=item.publishable))
            if len(quotes) == 3:
                break
        out.append(
            Theme(
                label=", ".join(top_terms),
                terms=top_terms,
                size=len({passages[n][0].reference for n in members}),
                references=sorted({passages[n][0].reference for n in members}),
                quotes=quotes,
            )
        )
    out.sort(key=lambda t: (-t.size, t.label))
    return out


def _shorten(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


# --- Proposals -----------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if substantive(s)]


def proposals(items: tuple[EvidenceItem, ...]) -> list[ProposalGroup]:
    """Group what submitters asked for; rank by distinct organisations, then by the best grade.

    Identical sentences are merged first; the distinct ones are then compared only with each group's
    first sentence (TF-IDF cosine), so memory grows with sentences × groups, not sentences squared.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    by_text: dict[str, list[EvidenceItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.reference):
        for proposal in item.proposals:
            for sentence in _sentences(proposal.text):
                by_text[" ".join(sentence.split())].append(item)
    if not by_text:
        return []
    texts = list(by_text)
    try:
        matrix = TfidfVectorizer(stop_words="english").fit_transform(texts).tocsr()
    except ValueError:
        return []
    groups: list[list[int]] = []
    for n in range(len(texts)):
        if groups:
            leaders = matrix[[group[0] for group in groups]]
            scores = (leaders @ matrix[n].T).toarray().ravel()
            best = int(scores.argmax())
            if scores[best] >= PROPOSAL_SIMILARITY:
                groups[best].append(n)
                continue
        groups.append([n])
    out = []
    for group in groups:
        members = [(texts[n], item) for n in group for item in by_text[texts[n]]]
        organisations = {item.organisation_id for _, item in members}
        wording = Counter(s for s, _ in members).most_common(1)[0][0]
        out.append(
            ProposalGroup(
                text=wording,
                organisations=len(organisations),
                best_grade=min(item.grade for _, item in members),
                references=sorted({item.reference for _, item in members}),
            )
        )
    out.sort(key=lambda g: (-g.organisations, g.best_grade, g.text))
    return out


# --- Dissent -------------------------------------------------------------------------------------------


def dissent(items: tuple[EvidenceItem, ...]) -> list[Statement]:
    found: dict[str, list[str]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.reference):
        if item.confidential:
            continue
        for text in (*item.texts, *item.proposals):
            for sentence in re.split(r"(?<=[.!?])\s+", text.text):
                if DISSENT.search(sentence):
                    found[_shorten(sentence.strip(), 240)].append(item.reference)
    return [
        Statement(text=s, references=_unique(refs))
        for s, refs in sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


# --- Drafts --------------------------------------------------------------------------------------------


def drafts(
    component: ComponentInput,
    base: EvidenceBase,
    found: list[Theme],
    asks: list[ProposalGroup],
    against: list[Statement],
    measures: list[Criterion],
) -> list[Draft]:
    chosen = [g for g in asks if g.organisations >= 2][:MAX_DRAFTS] or asks[:1]
    out = []
    for group in chosen:
        types = ", ".join(list(base.by_organisation_type)[:3])
        rationale = [
            Statement(
                f"{group.organisations} organisation(s) asked for this; the strongest supporting evidence is "
                f"graded {group.best_grade}.",
                group.references,
            ),
            Statement(
                f"{base.submissions} reviewed responses from {base.organisations} organisations ({types}) "
                "address "
                f"{component.name.lower()}; confidence in the evidence is {base.confidence}: "
                f"{base.confidence_reason}",
                sorted({item.reference for item in component.items})[:25],
            ),
        ]
        for theme in found[:3]:
            rationale.append(
                Statement(f"{theme.size} responses describe: {theme.label}.", [q.reference for q in theme.quotes])
            )
        for measure in measures:
            if measure.baseline.status == "ok" and measure.baseline.references:
                rationale.append(data_statement(measure))
        title = group.text.rstrip(".")
        out.append(
            Draft(
                title=title if len(title) <= 200 else title[:199] + "…",
                objective=(
                    f"For UK medicines manufacturers: {title[0].lower() + title[1:]}, so that "
                    f"{component.name.lower()} stops holding back investment and output in the UK."
                ),
                rationale=rationale,
                dissent=against,
                criteria=measures,
            )
        )
    return out


def compile_component(component: ComponentInput) -> ComponentResult:
    base = evidence_base(component.items)
    usable = tuple(item for item in component.items if any(substantive(t.text) for t in (*item.texts, *item.proposals)))
    if len(usable) < MIN_ITEMS:
        return ComponentResult(
            slug=component.slug,
            name=component.name,
            status=NOT_ENOUGH,
            message=(
                f"{NOT_ENOUGH}: {len(usable)} reviewed response(s) with substantive text "
                f"(at least {MIN_ITEMS} are needed)."
            ),
            evidence_base=base,
            themes=[],
            proposals=[],
            drafts=[],
        )
    found = themes(usable)
    asks = proposals(usable)
    against = dissent(usable)
    measures = criteria(component)
    made = drafts(component, base, found, asks, against, measures)
    # The figures audit: every number in a draft's text explained by a figure or a cited passage.
    passages = {item.reference: [t.text for t in (*item.texts, *item.proposals)] for item in usable}
    known = evidence_base_figures(base, component.name)
    for theme in found:
        known += theme_figures(theme, passages)
    for group in asks:
        known += proposal_figures(group)
    made = [check(draft, known, passages) for draft in made]
    message = f"{len(made)} draft recommendation(s) from {base.submissions} responses."
    if not made:
        message = f"{NOT_ENOUGH}: no proposals to draft a recommendation from."
    return ComponentResult(
        slug=component.slug,
        name=component.name,
        status="ok" if made else NOT_ENOUGH,
        message=message,
        evidence_base=base,
        themes=found,
        proposals=asks,
        drafts=made,
        other_measures=other_measures(component.data_points),
    )
