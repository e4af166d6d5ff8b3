"""Themes of what respondents said about a component, labelled with a phrase a policy reader understands.

Sentences (not whole answers) are grouped, because one answer makes several points: TF-IDF over lemmas and
average-linkage clustering. A theme's label is the key phrase its members share most and other themes
share least (two to five words, as written in a member, never a list of terms or a number). Points made by
one response only are gathered under "Other points". Each theme counts the organisations that support,
oppose or are mixed on the component.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache

from evidence.language import IMPERATIVE_VERBS, STOP_WORDS, content_lemmas, sentences

from .data import Quote, Theme
from .stance import MIXED, OPPOSES, Position, shorten

MAX_THEMES = 6
MIN_WORDS = 5
THEME_DISTANCE = 0.8
MAX_CLUSTERED = 2500
INNER = {"of", "for", "in", "and", "on", "with", "from"}
OTHER_POINTS = "Other points"
PHRASE_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*|\S")


UNITS = frozenset(
    "million billion thousand pounds pound months month weeks week years year days day per cent percent times "
    "tonnes average cannot can't lot lots way ways thing things well one two three four five six seven eight nine ten "
    "dozen half".split()
)


@lru_cache(maxsize=20000)
def _pos(word: str) -> frozenset[str]:
    from lemminflect import getAllLemmas

    return frozenset(getAllLemmas(word))


@lru_cache(maxsize=20000)
def _noun(word: str) -> str | None:
    from lemminflect import getAllLemmas

    found = getAllLemmas(word).get("NOUN")
    return found[0] if found else None


@lru_cache(maxsize=20000)
def _verb(word: str) -> str | None:
    from lemminflect import getAllLemmas

    found = getAllLemmas(word).get("VERB")
    return found[0] if found else None


def _nominal(word: str, last: bool) -> bool:
    """Can the word stand in a noun phrase (an unknown word is taken as a name, e.g. "VPAG")?"""
    pos = _pos(word)
    if not pos:
        return True
    verb = _verb(word)
    noun = _noun(word)
    if verb and verb != word and not word.endswith("ing") and "ADJ" not in pos and (noun is None or noun == word):
        return False  # an inflected verb ("rose", "took"): a clause, not a noun phrase
    if last:  # a head noun: "capital grant fund", not "capital grant worth"
        return ("NOUN" in pos or "PROPN" in pos) and "ADJ" not in pos
    return bool(pos & {"NOUN", "ADJ", "PROPN"}) or word.endswith("ing")


def _candidates(sentence: str) -> list[tuple[str, str]]:
    """(key, as written) for every 2–5 word noun phrase (as far as the lemma tables can tell) that starts
    and ends on a content word: "apprenticeship levy", "grid connections for electrification"."""
    words = PHRASE_WORD.findall(sentence)
    out = []
    for i in range(len(words)):
        for n in range(2, 6):
            chunk = words[i : i + n]
            if len(chunk) < n:
                break
            lower = [w.lower() for w in chunk]
            if not all(w[0].isalpha() for w in chunk):
                break  # punctuation or a number ends a phrase
            if lower[0] in STOP_WORDS or lower[-1] in STOP_WORDS or len(lower[0]) < 3 or len(lower[-1]) < 3:
                continue
            if any(w in STOP_WORDS and w not in INNER for w in lower[1:-1]):
                continue
            if len(set(lower)) < len(lower) or lower[0] in UNITS or lower[-1] in UNITS:
                continue
            if lower[0] in IMPERATIVE_VERBS or (_verb(lower[0]) == lower[0] and "ADJ" in _pos(lower[1])):
                continue  # "cut batch", "show small sites": a verb and its object, not a topic
            if any(w[:1].isupper() and not w.isupper() for w in chunk[(0 if i else 1) :]):
                continue  # a place or organisation name ("Barnard Castle site") is not a theme
            content = [w for w in lower if w not in INNER]
            if not all(_nominal(w, last=(i == len(content) - 1)) for i, w in enumerate(content)):
                continue
            out.append((" ".join(lower), " ".join(chunk)))
    return out


def label_for(members: list[str], others: list[str]) -> tuple[str, list[str]]:
    """The key phrase of a theme: frequent in its member sentences, rare in the other themes'."""
    df: Counter = Counter()
    written: dict[str, Counter] = defaultdict(Counter)
    for sentence in members:
        seen = set()
        for key, as_written in _candidates(sentence):
            if key not in seen:
                seen.add(key)
                df[key] += 1
            written[key][as_written] += 1
    other_df: Counter = Counter()
    for sentence in others:
        for key in {k for k, _ in _candidates(sentence)}:
            if key in df:
                other_df[key] += 1
    if not df:  # no noun phrase shared: the commonest noun the members use
        nouns = Counter(
            w.lower()
            for sentence in members
            for w in PHRASE_WORD.findall(sentence)
            if w[:1].isalpha() and w.lower() not in STOP_WORDS | UNITS and _nominal(w.lower(), last=True) and len(w) > 3
        )
        word = nouns.most_common(1)[0][0] if nouns else ""
        return (word.capitalize() or OTHER_POINTS), [word] if word else []
    size, rest = max(1, len(members)), max(1, len(others))

    def score(key: str) -> float:
        length = len(key.split())
        return df[key] / size * (1 + 0.15 * (length - 2)) - 0.8 * other_df[key] / rest

    best = max(df, key=lambda k: (score(k), -len(k), k))
    label = written[best].most_common(1)[0][0]
    label = label[:1].upper() + label[1:]
    return label, [w for w in best.split() if w not in STOP_WORDS]


def _shape(sentence: str) -> str:
    return re.sub(r"\d[\d,.]*", "#", " ".join(sentence.split())).casefold()


def themes(positions: list[Position], max_themes: int = MAX_THEMES) -> list[Theme]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from .asks import _clusters

    points: dict[str, list[tuple[str, Position]]] = defaultdict(list)
    for p in sorted(positions, key=lambda p: p.item.reference):
        for text in (*p.item.texts, *p.item.proposals):
            for s in sentences(text.text):
                if len(s.split()) >= MIN_WORDS:
                    points[_shape(s)].append((s, p))
    shapes = list(points)
    if len(shapes) < 2:
        return []
    try:
        matrix = TfidfVectorizer(analyzer=lambda t: content_lemmas(t), sublinear_tf=True).fit_transform(
            [points[k][0][0] for k in shapes]
        )
    except ValueError:
        return []
    clusters = _clusters(matrix, THEME_DISTANCE) if matrix.shape[0] > 1 else [[0]]
    groups = []
    for members in clusters:
        said = [said for i in members for said in points[shapes[i]]]
        refs = {p.item.reference for _, p in said}
        groups.append((members, said, refs))
    groups.sort(key=lambda g: (-len(g[2]), min(g[2])))
    main = [g for g in groups if len(g[2]) >= 2][:max_themes]
    rest = [g for g in groups if not any(g is m for m in main)]
    out = []
    for members, said, _refs in main:
        own = [points[shapes[i]][0][0] for i in members]
        others = [points[shapes[i]][0][0] for m, _, _ in main if m is not members for i in m]
        label, terms = label_for(own, others)
        out.append(_theme(label, terms, said))
    if rest:
        said = [s for _, group, _ in rest for s in group]
        out.append(_theme(OTHER_POINTS, [], said, other=True))
    return out


def _theme(label: str, terms: list[str], said: list[tuple[str, Position]], other: bool = False) -> Theme:
    by_org: dict[int, str] = {}
    for _, p in said:
        by_org.setdefault(p.item.organisation_id, p.stance)
    stances = Counter(by_org.values())
    quotes, quoted = [], set()
    for sentence, p in said:
        if p.item.confidential or p.item.reference in quoted:
            continue  # commercially confidential text is never quoted
        quoted.add(p.item.reference)
        quotes.append(Quote(reference=p.item.reference, text=shorten(sentence, 300), public=p.item.publishable))
        if len(quotes) == 3:
            break
    refs = sorted({p.item.reference for _, p in said})
    return Theme(
        label=label,
        terms=terms,
        size=len(refs),
        references=refs,
        quotes=quotes,
        supports=len(by_org) - stances[OPPOSES] - stances[MIXED],
        opposes=stances[OPPOSES],
        mixed=stances[MIXED],
        other_points=other,
        stances={p.item.reference: p.stance for _, p in said},
    )
