"""Asks: what respondents say should change, found in the coded evidence, grouped across responses and
wording, and ranked.

Where asks come from, and their weight (docs/confidence.md):
- ask excerpts a reviewer coded (weight 1);
- sentences of "What should change?" that read as asks (weight 1: the respondent put them there);
- ask sentences detected in the answers and attachment text of tagged responses whose reviewer coded no
  ask for the component (weight 0.5, marked "detected, not coded").
A sentence coded as a problem, data, example or counter-argument is never an ask, nor is a statement of
fact, a question or a negated modal ("should not"). A response that opposes or is mixed on the component
supports nothing: its text goes to the dissent (compile/stance.py).

Ranking: weighted supporting organisations, then breadth of organisation types, then best grade, then how
central the chosen wording is to its group. Never alphabetical: groups equal on all four are ties, shown
as ties, in the order their first response arrived.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from evidence.language import (
    BENEFIT,
    IMPERATIVE_VERBS,
    INVERTED_IF,
    NAMED_HELP,
    STOP_WORDS,
    TIMESCALE,
    ask_cue,
    content_lemmas,
    lemma,
    passage_asks,
    timescale,
    tokens,
    verb_lemma,
)

from .data import ActorInfo, EvidenceItem
from .references import unresolved

CODED, PROPOSAL, DETECTED = "coded", "proposal", "detected"
WEIGHT = {CODED: 1.0, PROPOSAL: 1.0, DETECTED: 0.5}
GROUP_DISTANCE = 0.92  # distance (1 − similarity) under which groups of asks join (average linkage)
CONTEXT_WEIGHT = 0.4  # share of the similarity that comes from the rest of what the two responses wrote
MAX_CLUSTERED = 2500  # distinct wordings clustered exactly; above this a leader pass keeps memory flat
GRADE_ORDER = "ABCD"


@dataclass(frozen=True)
class Ask:
    reference: str
    organisation_id: int
    organisation_type: str
    grade: str
    text: str
    origin: str  # coded, proposal or detected

    @property
    def weight(self) -> float:
        return WEIGHT[self.origin]


@dataclass
class AskGroup:
    asks: list[Ask]
    wording: Ask  # the most central ask of the best origin: the draft's title comes from it
    organisations: int
    weighted: float
    types: list[str]
    best_grade: str
    centrality: float
    lemmas: list[str]
    alternatives: list[Ask] = field(default_factory=list)
    rank: int = 0
    tied_with: list[int] = field(default_factory=list)

    @property
    def references(self) -> list[str]:
        return sorted({a.reference for a in self.asks})

    @property
    def key(self) -> tuple:
        return (
            -round(self.weighted, 2),
            -len(self.types),
            GRADE_ORDER.index(self.best_grade),
            -round(self.centrality, 2),
        )

    def absorb(self, other: AskGroup) -> None:
        """Fold a near-identical group into this one (its supporters count here)."""
        self.asks += other.asks
        self.alternatives += [a for a in [other.wording, *other.alternatives] if a not in self.alternatives][:2]
        per_org: dict[int, float] = {}
        for a in self.asks:
            per_org[a.organisation_id] = max(per_org.get(a.organisation_id, 0), a.weight)
        self.organisations = len(per_org)
        self.weighted = sum(per_org.values())
        self.types = sorted({a.organisation_type for a in self.asks})
        self.best_grade = min((a.grade for a in self.asks), key=GRADE_ORDER.index)
        self.lemmas = sorted(set(self.lemmas) | set(other.lemmas))

    def count(self, origin: str) -> int:
        return len({a.reference for a in self.asks if a.origin == origin})


def _norm(text: str) -> str:
    return " ".join(text.split()).strip()


def item_asks(item: EvidenceItem) -> list[Ask]:
    """The asks one supporting response makes about the component."""
    make = lambda text, origin: Ask(  # noqa: E731
        item.reference, item.organisation_id, item.organisation_type, item.grade, _norm(text), origin
    )
    coded = [make(t.text, CODED) for t in item.texts if t.kind == "excerpt" and t.excerpt_kind == "ask"]
    not_asks = {
        _norm(t.text).casefold() for t in item.texts if t.kind == "excerpt" and t.excerpt_kind not in ("", "ask")
    }
    out = list(coded)
    for proposal in item.proposals:
        out += [make(s, PROPOSAL) for s in passage_asks(proposal.text)]
    if not coded:  # the reviewer coded no ask here: detect them in what the respondent wrote
        seen = {a.text.casefold() for a in out}
        for text in item.texts:
            if text.kind not in ("answer", "attachment", "summary"):
                continue
            for s in passage_asks(text.text):
                key = _norm(s).casefold()
                if key in seen or any(key in n or n in key for n in not_asks):
                    continue
                seen.add(key)
                out.append(make(s, DETECTED))
    return out


# Words every ask of a component shares (who acts, the sector itself): they say nothing about which ask it is.
GENERIC = frozenset(
    """government uk medicine manufacturing manufacture manufacturer sector industry company firm business
    department office minister treasury hm dfe dbt dhsc mhra nice nhs england ukri innovate life science new
    year month week plan need way thing every each all two three four five sure make public""".split()
)


# A small domain vocabulary: general words and phrases of industrial, health and skills policy that name the
# same thing. Respondents asking for one change reach for different ones ("power prices" and "electricity
# bills", "a front door" and "a single point of contact", "clawback" and "rebate"), so asks are compared on
# these concepts, not on the words. Phrases of several words are matched first.
CONCEPTS = {
    "energy": "energy electricity power gas",
    "price": "price cost bill tariff charge fee",
    "rebate": "rebate clawback payback",
    "relief": "relief allowance deduction",
    "funding": "fund funding grant budget money finance co-funding subsidy",
    "contact": "contact concierge front_door point_of_contact one-stop_shop one_stop_shop case_manager account_manager",
    "single": "single unified joint",
    "investment": "investment investor inward invest",
    "training": "training skill course workforce technician education",
    "strategy": "strategy plan roadmap framework",
    "security": "security resilience shortage",
    "guidance": "guidance guideline advice",
    "carbon": "carbon emission footprint greenhouse",
    "standard": "standard method methodology",
    "advanced-therapy": "atmp advanced_therapy advanced_therapies cell_therapy cell_therapies gene_therapy gene_therapies",
    "small-firm": "sme small_firm smaller_firm small_company smaller_company small_companies smaller_companies "
    "small_business smaller_business small_businesses smaller_businesses",
    "site": "site facility plant",
    "planning": "planning permission",
    "uptake": "uptake adoption",
    "promotion": "promotion promote campaign marketing showcase trade_mission trade_missions roadshow",
    "visa": "visa immigration",
    "procurement": "procurement tender contract purchasing",
}
# What the ask does to it: verbs of one kind of action read alike ("cap", "lower" and "bring down" a rate).
ACTIONS = {
    "reduce": "cut lower reduce cap decrease limit halve",
    "increase": "raise increase restore boost expand extend widen double enhance",
    "create": "create establish introduce launch open build set",
    "fund": "fund finance co-fund subsidise invest pay",
    "publish": "publish report share disclose",
    "remove": "remove scrap abolish end exempt",
}
CONCEPT_OF = {term.replace("_", " "): concept for concept, terms in CONCEPTS.items() for term in terms.split()}
PHRASES = re.compile(
    r"\b(?:"
    + "|".join(re.escape(t) for t in sorted((t for t in CONCEPT_OF if " " in t), key=len, reverse=True))
    + r")\b",
    re.I,
)
ACTION_OF = {verb: action for action, verbs in ACTIONS.items() for verb in verbs.split()}
MARK = "concept-"


def _features(text: str) -> list[str]:
    """What an ask asks for: the lemmas of its nouns and adjectives, read as the domain vocabulary's concepts
    where it has one, and their pairs; the kind of action its verb takes; no timescales, no actors."""
    from lemminflect import getAllLemmas

    text = _split_adverbs(TIMESCALE.sub(" ", text).strip())[1]  # "urgently review X": the action is "review"
    first = tokens(text)[:1]
    action = ACTION_OF.get(verb_lemma(first[0]) or "", "") if first else ""
    text = PHRASES.sub(lambda m: f" {MARK}{CONCEPT_OF[m.group(0).lower()]} ", text)
    # "one front door", "one place to invest": one of a kind ("one year", "one of them" are not)
    text = re.sub(
        r"\bone\b(?!\s+(?:of|or|and|year|years|month|months|week|weeks|day|days|decade|more|another)\b)",
        " single ",
        text,
        flags=re.I,
    )
    words = []
    for n, word in enumerate(tokens(text)):
        if word.startswith(MARK):
            words.append(word[len(MARK) :])
            continue
        if n == 0 and verb_lemma(word):
            continue  # the action's verb: counted as its kind of action below
        if word in STOP_WORDS or len(word) < 3:
            continue
        pos = getAllLemmas(word)
        if pos and not {"NOUN", "ADJ", "PROPN"} & set(pos):
            if word.endswith("ing") and CONCEPT_OF.get(verb_lemma(word) or ""):
                words.append(CONCEPT_OF[verb_lemma(word)])  # "companies investing": investment
            continue
        found = lemma(word)
        if found not in GENERIC and word not in GENERIC:
            plural = word[:-1] if word.endswith("s") else word  # "SMEs", "ATMPs": not in the lemma tables
            head = lemma(word.rsplit("-", 1)[-1]) if "-" in word else ""  # "reduced-fee": a fee
            words.append(
                CONCEPT_OF.get(found) or CONCEPT_OF.get(word) or CONCEPT_OF.get(plural) or CONCEPT_OF.get(head) or found
            )
    pairs = [f"{a} + {b}" for a, b in zip(words, words[1:], strict=False) if a != b]
    return words + pairs + ([f"do:{action}"] if action else [])


def _clusters(matrix, distance: float = GROUP_DISTANCE, context=None) -> list[list[int]]:
    """Groups of rows: average-linkage on cosine distance, or, with ``context`` (the responses' other
    text), average linkage on a similarity that mixes the two."""
    n = matrix.shape[0]
    if n == 1:
        return [[0]]
    if n <= MAX_CLUSTERED:
        import numpy as np
        from sklearn.cluster import AgglomerativeClustering

        if context is not None:
            # The context counts only between asks that share something asked for: responses on one
            # component all talk alike, and would otherwise chain every ask into one group.
            asked = (matrix @ matrix.T).toarray()
            similarity = (1 - CONTEXT_WEIGHT) * asked + CONTEXT_WEIGHT * (context @ context.T).toarray() * (asked > 0)
            labels = AgglomerativeClustering(
                n_clusters=None, metric="precomputed", linkage="average", distance_threshold=distance
            ).fit_predict(np.clip(1 - similarity, 0, None))
        else:
            labels = AgglomerativeClustering(
                n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
            ).fit_predict(matrix.toarray())
        groups: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(labels):
            groups[int(label)].append(i)
        return sorted(groups.values(), key=lambda g: g[0])
    # Many distinct wordings: compare each with the groups' first members only (memory grows with
    # wordings × groups, not wordings squared).
    leaders: list[int] = []
    out: list[list[int]] = []
    for i in range(n):
        if leaders:
            scores = (matrix[leaders] @ matrix[i].T).toarray().ravel()
            best = int(scores.argmax())
            if scores[best] >= 1 - distance:
                out[best].append(i)
                continue
        leaders.append(i)
        out.append([i])
    return out


def group_asks(asks: list[Ask], context: dict[str, str] | None = None) -> list[AskGroup]:
    """Group asks across responses and wording, then rank the groups; equal groups are ties. Two asks are
    alike when what they ask for (nouns and adjectives, TF-IDF) is alike and, less, when the rest of what
    their responses wrote (``context``, by reference) is alike: respondents asking for the same change in
    other words still describe the same problem."""
    by_text: dict[str, list[Ask]] = defaultdict(list)
    for ask in sorted(asks, key=lambda a: (a.reference, a.text)):
        by_text[ask.text.casefold()].append(ask)
    texts = list(by_text)
    if not texts:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    # Compare the actions, not the reasons: "X should be capped so that …" reads as "Cap X".
    actions = [imperative(by_text[t][0].text)[0] for t in texts]
    around = [(context or {}).get(by_text[t][0].reference, "") for t in texts]
    vectorizer = TfidfVectorizer(analyzer=_features, sublinear_tf=True)
    try:
        vectorizer.fit(actions + around)
    except ValueError:  # no content words at all
        return []
    matrix = vectorizer.transform(actions)
    contexts = vectorizer.transform(around) if context else None
    groups = []
    clusters, qualifiers = _with_qualifiers(
        _clusters(matrix, GROUP_DISTANCE if context else 0.78, contexts), asks, texts
    )
    for members in clusters:
        sub = matrix[members]
        # A qualifier is part of the ask, not another wording of it: it does not count towards how central one is.
        counts = [0 if i in qualifiers else len(by_text[texts[i]]) for i in members]
        sims = (sub @ sub.T).toarray()
        # How central each wording is: its mean similarity to the group's asks (counted as often as used).
        total = sum(counts)
        central = [
            (sum(sims[a][b] * counts[b] for b in range(len(members))) - 1) / max(1, total - 1) if total > 1 else 1.0
            for a in range(len(members))
        ]
        group_asks_ = [a for i in members for a in by_text[texts[i]]]
        ranked = sorted(
            range(len(members)),
            key=lambda m: (
                -max(WEIGHT[a.origin] for a in by_text[texts[members[m]]]),
                leans_on_context(texts[members[m]]),  # a title must stand alone: "Fund the agency to do so" last
                -round(central[m], 3),
                by_text[texts[members[m]]][0].reference,
            ),
        )
        wording = by_text[texts[members[ranked[0]]]][0]
        per_org: dict[int, float] = {}
        for a in group_asks_:
            per_org[a.organisation_id] = max(per_org.get(a.organisation_id, 0), a.weight)
        lemmas = sorted({w for a in group_asks_ for w in content_lemmas(a.text)})
        seen_orgs = {wording.organisation_id}
        alternatives = []
        for m in ranked[1:]:
            a = by_text[texts[members[m]]][0]
            if a.organisation_id not in seen_orgs:
                seen_orgs.add(a.organisation_id)
                alternatives.append(a)
        groups.append(
            AskGroup(
                asks=group_asks_,
                wording=wording,
                organisations=len(per_org),
                weighted=sum(per_org.values()),
                types=sorted({a.organisation_type for a in group_asks_}),
                best_grade=min((a.grade for a in group_asks_), key=GRADE_ORDER.index),
                centrality=max(central) if central else 1.0,
                lemmas=lemmas,
                alternatives=alternatives[:3],
            )
        )
    return rank(groups)


# "Any such service should be measured on …", "Such a fund must be open to …": a condition on the thing the ask
# before it asks for, not an ask of its own.
QUALIFIER = re.compile(r"^(?:(?:any|every|each|all)\s+such|such\s+an?)\s+\w", re.I)


def _with_qualifiers(clusters: list[list[int]], asks: list[Ask], texts: list[str]) -> tuple[list[list[int]], set[int]]:
    """The clusters (of indices into ``texts``) with each qualifier moved to the cluster of the ask its
    response makes just before it (it is part of that ask, whatever words it shares with others), and the
    qualifiers moved."""
    where = {i: n for n, members in enumerate(clusters) for i in members}
    index = {t: i for i, t in enumerate(texts)}
    out = [list(members) for members in clusters]
    moved: set[int] = set()
    for before, ask in zip(asks, asks[1:], strict=False):
        if before.reference != ask.reference or not QUALIFIER.match(ask.text):
            continue
        i, j = index[ask.text.casefold()], index[before.text.casefold()]
        if where[i] != where[j] and i in out[where[i]]:
            out[where[i]].remove(i)
            out[where[j]].append(i)
            where[i] = where[j]
            moved.add(i)
    return [members for members in out if members], moved


def leans_on_context(text: str) -> bool:
    """The ask points back to something the respondent said before ("the agency to do so", "in that
    strategy", "It should also …"): worded so it cannot stand alone as a title where another wording can
    (references.unresolved says which words)."""
    return bool(unresolved(imperative(text)[0], text))


def rank(groups: list[AskGroup]) -> list[AskGroup]:
    """Order by the ranking key; groups with equal keys share a rank and name each other as ties. Within a
    tie the order is that of the earliest response (a fact about the evidence, not the alphabet)."""
    groups.sort(key=lambda g: (g.key, g.references[0]))
    position = 0
    previous = None
    for n, group in enumerate(groups, start=1):
        if group.key != previous:
            position = n
            previous = group.key
        group.rank = position
    for group in groups:
        group.tied_with = [
            n for n, other in enumerate(groups, start=1) if other is not group and other.rank == group.rank
        ]
    return groups


def action_lemmas(group: AskGroup) -> set[str]:
    """The lemmas of what a group asks for (its wordings as actions, without the reasons given)."""
    return {w for a in [group.wording, *group.alternatives] for w in _features(imperative(a.text)[0]) if " " not in w}


def similar(a: AskGroup, b: AskGroup, threshold: float = 0.4) -> bool:
    """Near-identical asks: the actions share two words in five (and three or more). Never two
    recommendations for one ask."""
    x, y = action_lemmas(a), action_lemmas(b)
    if not x or not y:
        return False
    shared = len(x & y)
    return shared >= 3 and shared / min(len(x), len(y)) >= threshold


# --- From an ask to a recommendation's wording ---------------------------------------------------------

GOVERNMENT = re.compile(
    r"^(?:the )?(?:(?:uk|british|central|national) )?(?:government|ministers|policymakers|policy makers|"
    r"the state|whitehall|departments?|uk|united kingdom|country)$",
    re.I,
)
LEAD_IN = re.compile(
    r"^(?:in short|in summary|therefore|finally|first(?:ly)?|second(?:ly)?|above all|crucially|overall|"
    r"for this reason|to (?:fix|address|solve|change) (?:this|that)|as a priority|instead|so)\s*,?\s+",
    re.I,
)
CALL = re.compile(
    r"^(?:we|i)\s+(?:would\s+)?(?:strongly\s+)?(?:call on|call upon|urge|ask|encourage|invite|want|need)\s+"
    r"(?P<actor>.+?)\s+to\s+(?P<rest>.+)$",
    re.I,
)
RECOMMEND = re.compile(
    r"^(?:we|i)\s+(?:would\s+)?(?:also\s+)?(?:strongly\s+)?(?:recommend|propose|suggest|request|urge|ask)(?:s)?\s+(?:that\s+)?(?P<rest>.+)$",
    re.I,
)
WANT = re.compile(
    r"^(?:we|i)(?:\s+would|'d|’d)?\s+(?:also\s+|strongly\s+)?(?:like to see|want to see|wish to see|welcome|"
    r"would welcome|support|call for|calls for|need|want|ask for|value|argue for|press for|favour)\s+(?P<rest>.+)$",
    re.I,
)
OUR_ASK = re.compile(
    r"^(?:our|the|one|a) (?:\w+ )?(?:recommendation|ask|proposal|request) (?:is|would be)(?: that| for| to)?\s+(?P<rest>.+)$",
    re.I,
)
# "It is essential that X", "It is equally (also, therefore) vital to Y": a degree or linking adverb changes nothing.
ESSENTIAL = re.compile(
    r"^it is (?:\w+ly\s+|also\s+|therefore\s+)?(?:essential|vital|critical|crucial|important|imperative|time) "
    r"(?:that|for)\s+(?P<rest>.+)$",
    re.I,
)
ESSENTIAL_TO = re.compile(
    r"^it is (?:\w+ly\s+|also\s+|therefore\s+)?(?:essential|vital|critical|crucial|important|imperative|time) "
    r"to\s+(?P<rest>.+)$",
    re.I,
)
THERE = re.compile(r"^(?:there|this)\s+(?:should|must|needs to|ought to)\s+be\s+(?P<rest>.+)$", re.I)
# A need or a priority stated as the ask: "There is a need (or a case) for X", "What is needed is X", "X is what the
# sector needs", "X must be a priority", "X would be the single most useful step": the title is X.
NEED = re.compile(
    r"^(?:there is|there's) (?:an? )?(?:\w+ )?(?:need (?:for|to)|case for)\s+(?P<rest>.+)$", re.I
)  # "There is a strong case for reserving X" reads as "Reserve X"
WHAT_NEEDED = re.compile(
    r"^what (?:(?:is|are) (?:\w+ )?needed|would (?:\w+ )?help(?: most)?|(?:we|the sector|industry) (?:needs?|want)) "
    r"(?:is|are)\s+(?P<rest>.+)$",
    re.I,
)  # "What would really help is X", "What the sector needs is X"
NOMINAL = re.compile(
    r"^(?P<rest>.+?),?\s+(?:is what\b|(?:must|should|needs to|has to) be (?:a|the|an) (?:\w+ )?priority\b|"
    r"would,?\s+(?:[^,]+,\s+)?be the (?:single )?(?:most|best|biggest) (?:useful|important|effective|helpful|valuable)\b|"
    r"would be (?:a|the) (?:better|best|fairer|simpler|more \w+) (?:approach|way|option|route|answer|use)\b)",
    re.I,
)
# "The MHRA needs dedicated capacity for X": what a body lacks, to be given it ("needs to" is a modal: MODAL).
BODY_NEEDS = re.compile(r"^(?P<subject>[^,]{2,60}?)\s+(?:needs|requires)\s+(?!to\b)(?P<rest>.+)$", re.I)
TIME = re.compile(r"^it is (?:high |now |long past )?time (?:that )?(?P<rest>.+)$", re.I)
WH_WORD = re.compile(r"\b(?:what|how|where|which|who|whose)\b", re.I)
MODAL = re.compile(
    r"^(?P<subject>.+?)\s+(?:should|must|needs to|need to|ought to|has to|have to|will need to|would need)\s+"
    r"(?:(?:now|also|then|therefore|at least)\s+)?(?P<rest>.+)$",  # words that lean on what came before: dropped
    re.I,
)
CUT_AT = re.compile(
    r"(?:,\s*(?:so that|which|because|as|since|given that|to ensure that)\b|\s+(?:so that|because)\s+|"
    r",\s*or\s+(?:else\b|(?=[^,]{0,60}?\bwill\b)))",  # "…, or the work will move overseas": a threat, not the ask
    re.I,
)
SUBJUNCTIVE = re.compile(
    r"^(?P<subject>.+?)\s+(?:is|are|be|gets|get)\s+(?P<rest>\w+(?:ed|en|set|made|put|cut|paid)\b.*)$", re.I
)
BE = re.compile(r"^be\s+(?P<participle>\w+)\s*(?P<rest>.*)$", re.I)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first == "A":
        return "a" + text[1:]
    if any(re.match(rf"(?:the\s+)?{re.escape(n)}(?![\w-])", text, re.I) for n in _BODIES if n[:1].isupper()):
        return text  # "Innovate UK", "Ofgem": a body's name keeps its capital
    if first[:1].isupper() and first.isalpha() and first.lower() not in STOP_WORDS and not _known(first.lower()):
        return text  # a name the lemma tables do not know ("Ofgem", "Catapult") is a proper noun
    if first.isupper() or any(c.isupper() for c in first[1:]) or first in {"I"}:
        return text  # an acronym or a name ("MHRA", "GMP-capable", "Office"): keep as written
    if first[:1].isupper() and len(text) > 1 and first.lower() in {"uk", "nhs"}:
        return text
    return text[:1].lower() + text[1:]


@lru_cache(maxsize=20000)
def _known(word: str) -> bool:
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word))


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _base(verb: str) -> str | None:
    lemma = verb_lemma(verb.lower())
    return lemma


@lru_cache(maxsize=20000)
def manner_adverb(word: str) -> bool:
    """An adverb saying how to act ("urgently", "jointly", "rapidly"): it stays with the verb in a title. Not a
    word that may also be a verb or a noun ("further", "still", "now")."""
    from lemminflect import getAllLemmas

    found = getAllLemmas(word.lower())
    return word.lower().endswith("ly") and set(found) == {"ADV"}


def _split_adverbs(rest: str) -> tuple[str, str]:
    """'urgently review X' → ('urgently', 'review X'): the adverbs of manner before a verb, and the rest."""
    words = rest.split(" ")
    n = 0
    while n < len(words) - 1 and manner_adverb(words[n].strip(",")):
        n += 1
    return " ".join(words[:n]), " ".join(words[n:])


def _from_clause(subject: str, rest: str) -> tuple[str, str | None]:
    """'<subject> should <rest>' → an imperative, and the actor's words if the subject names one; an adverb
    of manner stays with the verb ("should urgently review X" → "Urgently review X")."""
    adverbs, rest = _split_adverbs(rest.strip())
    action, agent = _clause_action(subject, rest)
    ensure = f"Ensure that {_lower_first(subject.strip())} "
    if adverbs and action.startswith(ensure):  # "Ensure that the levy urgently covers X"
        action = f"{ensure}{adverbs.lower()} {action[len(ensure) :]}"
    elif adverbs:
        action = f"{_upper_first(adverbs.lower())} {_lower_first(action)}"
    return action, agent


def _clause_action(subject: str, rest: str) -> tuple[str, str | None]:
    subject = re.split(r",\s*(?:and|but)\s+|;\s*", subject.strip())[-1]  # "X is a poor lever, and Y should …"
    rest = re.sub(r",?\s+and\s+(?:should|must|ought to)\s+", " and ", rest.strip())
    considered = re.match(r"^consider(?:ing)?\s+(?P<gerund>\w+ing)\b\s*(?P<tail>.*)$", rest, re.I)
    if considered and _base(considered.group("gerund")):  # "MMIP should consider recommending X" → "Recommend X"
        return _upper_first(f"{_base(considered.group('gerund'))} {considered.group('tail')}".strip()), None
    passive = BE.match(rest)
    agent = None
    if passive:  # "… should be paid for by the NHS": the NHS is who should act
        by = re.search(
            r"\s+by\s+(?P<agent>(?:the\s+)?[A-Z][\w&'’-]*(?:\s+(?:and\s+)?[A-Z][\w&'’-]*){0,5})(?=[\s,.;]|$)", rest
        )
        if by and (GOVERNMENT.match(by.group("agent")) or _names_body(by.group("agent"))):
            agent = by.group("agent")
            rest = (rest[: by.start()] + rest[by.end() :]).strip()
            passive = BE.match(rest)
    if passive:  # "the rebate rate should be capped at 15%" → "Cap the rebate rate at 15%"
        verb = _base(passive.group("participle"))
        if (
            verb
            and verb != passive.group("participle").lower()
            or (verb and passive.group("participle").endswith("ed"))
        ):
            obj = {"they": "them", "we": "us"}.get(subject.lower(), _lower_first(subject))
            pronoun = "them" if _plural(subject) or subject.lower() == "they" else "it"

            def also(m: re.Match) -> str:  # "… should be removed and paid for through X" → "… and pay for them …"
                base = _base(m.group(1))
                if not base or base == m.group(1).lower():
                    return m.group(0)
                prep = m.group(2) or ""
                return f"and {base} for {pronoun}" if prep == " for" else f"and {base} {pronoun}{prep}"

            tail = re.sub(r"\band (\w+(?:ed|id|en|ld|nt))( for| to| from| with)?\b", also, passive.group("rest"))
            return re.sub(r"\s+,", ",", f"{_upper_first(verb)} {obj} {tail}").strip(), agent
        return (
            f"Ensure that {_lower_first(subject)} {'are' if _plural(subject) else 'is'} {passive.group('participle')} {passive.group('rest')}".strip(),
            None,
        )
    if GOVERNMENT.match(subject) or _names_body(subject):
        return _upper_first(_noun_or_verb(rest)), subject
    if subject.lower() in {"it", "they", "this", "these"} and tokens(rest)[:1] and _is_verb_base(tokens(rest)[0]):
        return _upper_first(rest), None  # "It should also bring X back": who "it" is, the draft's actor says
    if tokens(rest)[:1] and not _is_verb_base(tokens(rest)[0]):
        return _upper_first(_noun_or_verb(rest)), None  # "X would need long-term contracts"
    # Another subject: "the levy should cover modular courses" → "Ensure that the levy covers modular courses"
    first, _, tail = rest.partition(" ")
    from lemminflect import getInflection

    if not _plural(subject):
        bare = first.rstrip(",;:")
        inflected = getInflection(bare.lower(), "VBZ")
        first = (inflected[0] + first[len(bare) :]) if inflected else first
    return f"Ensure that {_lower_first(subject)} {first} {tail}".strip(), None


_BODIES: tuple[str, ...] = ()


def _names_body(subject: str) -> bool:
    """The subject is a public body ("the MHRA"), not something of it ("MHRA decision times")."""
    if any(re.fullmatch(rf"(?:the\s+)?{re.escape(n)}", subject.strip(), re.I) for n in _BODIES):
        return True  # "the Department for Business and Trade"
    parts = [p for p in re.split(r"\s*,\s*|\s+and\s+", subject.strip()) if p]  # "Ofgem and DESNZ"
    return len(parts) > 1 and all(
        any(re.fullmatch(rf"(?:the\s+)?{re.escape(n)}", part, re.I) for n in _BODIES) for part in parts
    )


def _one_body(name: str) -> bool:
    """The words name one body of the catalogue ("the Department for Business and Trade"), not several."""
    return any(re.fullmatch(rf"(?:the\s+)?{re.escape(n)}", name.strip(), re.I) for n in _BODIES)


def named_actor(sentence: str, actors: tuple[ActorInfo, ...]) -> str:
    """The catalogue's label for the body a sentence names as the one to act, as its title reads it ("We urge
    DHSC to fund …": DHSC; "… funded by UKRI": UKRI), or "" where it names none so, or only as the owner
    or partner of something ("the MHRA's funding", "with industry", "agreed with the Welsh Government")."""
    who = recommendation_title(sentence, "", actors)[2]
    labels = {a.label for a in actors}
    parts = [re.sub(r"^the\s+", "", p, flags=re.I) for p in re.split(r"\s*,\s*|\s+and\s+", who) if p]
    return who if parts and (who in labels or all(actor_of([p], actors) for p in parts)) else ""


def _plural(subject: str) -> bool:
    words = tokens(subject)
    head = words[-1] if words else ""
    return (head.endswith("s") and not head.endswith("ss")) or " and " in subject.lower()


def imperative(sentence: str, bodies: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """A recommendation's title from an ask sentence: an action in the imperative, and the words that
    named an actor, if the sentence names one. Falls back to the sentence itself only if it cannot be
    read (it is still an ask)."""
    global _BODIES
    _BODIES = bodies
    text = _norm(sentence).rstrip(".!;:")
    text = LEAD_IN.sub("", text)
    # "As members of the coalition, we call on …": the ask starts after the opening phrase.
    opening = re.match(
        r"^(?:as|like|with|for|on behalf of|speaking for)\b[^,]{3,100},\s*(?P<rest>(?:we|i|the government|government)\b.+)$",
        text,
        re.I,
    )
    if opening:
        text = opening.group("rest")
    referent = re.match(
        r"^(?:if|where|when|once|unless)\s+(?P<np>(?:the\s+|any\s+|new\s+)?[\w-]+(?:\s+[\w-]+){0,3}?)\s+(?:is|are|were|was|get|gets)\s+\w+,\s*(?P<pronoun>they|it)\s+(?P<rest>(?:should|must|ought to|need to|needs to)\b.+)$",
        text,
        re.I,
    )
    if referent:  # "If stock obligations are introduced, they should be limited …" → "Stock obligations should …"
        text = f"{_upper_first(referent.group('np'))} {referent.group('rest')}"
    inverted = INVERTED_IF.match(text)  # "Should the fund continue, a simpler route would …"
    if inverted:
        text = inverted.group("rest")
    named = NAMED_HELP.match(text)  # "Two things would help: the MHRA could …"
    if named:
        text = re.sub(r"^(?P<s>.+?)\s+could\s+", r"\g<s> should ", named.group("rest"), count=1)
    for pattern in (NEED, WHAT_NEEDED, NOMINAL):
        m = pattern.match(text)
        if m:
            return _finish(_noun_or_verb(m.group("rest"))), None
    m = TIME.match(text)
    if m:
        return _past_clause(m.group("rest"))
    if "," in text and re.match(r"^(?:if|to|for|where|unless|given|with)\b", text, re.I):
        head, tail = text.split(",", 1)
        if ask_cue(tail.strip()):
            text = tail.strip()
    actor = None
    for pattern in (CALL,):
        m = pattern.match(text)
        if m:
            actor = m.group("actor")
            text = m.group("rest")
    clause = False
    m = OUR_ASK.match(text)
    if m:
        text = _noun_or_verb(re.sub(r"^to\s+", "", m.group("rest")))
    else:
        for pattern in (ESSENTIAL, RECOMMEND):
            m = pattern.match(text)
            if m:
                text, clause = m.group("rest"), True
                break
    m = ESSENTIAL_TO.match(text)
    if m:
        text = m.group("rest")
    m = THERE.match(text)
    if m:
        text = "Provide " + m.group("rest")
    else:
        m = WANT.match(text)
        if m:
            text = _noun_or_verb(m.group("rest"))
    m = BODY_NEEDS.match(text)
    if m and not clause and (_one_body(m.group("subject")) or _names_body(m.group("subject"))):
        body = re.sub(r"^The\b", "the", m.group("subject"))
        return _finish(f"Give {body} {m.group('rest')}"), None
    m = MODAL.match(text)
    s = SUBJUNCTIVE.match(text) if clause else None
    benefit = BENEFIT.match(text)
    if m and WH_WORD.search(m.group("subject")) and benefit:
        m = None  # "Guidance on what a site must hold … would help": the proposal is the subject of "would"
    condition = re.search(r"\bwould [^,]{0,40}?\bif (?P<rest>(?:it|they|government|ministers) \w+ .+)$", text, re.I)
    if benefit and condition and not m:  # "Public money would do more if it funded X" → "Fund X"
        return _past_clause(condition.group("rest"))[0], None
    if benefit and not m and not clause:
        text = _noun_or_verb(benefit.group("subject").rstrip(", "))
    elif m and len(m.group("subject").split()) <= 12:
        text, named = _from_clause(m.group("subject"), m.group("rest"))
        actor = actor or named
    elif s and len(s.group("subject").split()) <= 12:
        text, named = _from_clause(s.group("subject"), "be " + s.group("rest"))
    elif clause:
        parts = text.split()
        for i, word in enumerate(parts[:8]):
            lemma = verb_lemma(word.lower().strip(","))
            subject = " ".join(parts[:i])
            named_subject = i > 0 and (GOVERNMENT.match(subject) or _names_body(subject))
            if (
                i > 0
                and (lemma in IMPERATIVE_VERBS or (lemma and named_subject))
                and word.lower().endswith("s")
                and lemma != word.lower()
            ):
                if not named_subject and subject == subject.lower():
                    # "that funding for providers covers X": a thing, not someone to act, is the subject
                    text = "Ensure that " + " ".join(parts)
                    break
                # "that DfE introduces a levy" → "Introduce a levy"; "that DHSC urgently reviews X" → "Urgently review X"
                adverbs = 1 if i > 1 and manner_adverb(parts[i - 1]) else 0
                actor = actor or " ".join(parts[: i - adverbs])
                text = " ".join([*parts[i - adverbs : i], lemma, *parts[i + 1 :]])
                text = re.sub(r"\b(and|or) (\w+s)\b", _base_after_and, text)  # "… and lets large employers …"
                break
        else:
            text = _noun_or_verb(text)
    return _finish(text), actor


def recommendation_title(sentence: str, actor: str = "", actors: tuple[ActorInfo, ...] = ()) -> tuple[str, str, str]:
    """A draft's title, its action and who the title says should act: where the evidence names them ("NHS
    England should fund …", "The NHS should pay for them"), else the action alone in the imperative ("Cap the
    rebate rate …") and no actor. The actor is the body the sentence names as the one to act (as the
    catalogue labels it), else ``actor`` (a body another wording of the ask names so), unless the action names
    that body only as the owner of something ("Protect the MHRA's funding"). The draft's actor field is the
    third value, so it always agrees with the title."""
    bodies = tuple(n for a in actors for n in a.names)
    action, named = imperative(sentence, bodies)
    funded = re.search(
        r"(?:,?\s+and)?,?\s+(?:funded|paid for|financed|run|managed|led) by "
        r"(?P<agent>(?:the\s+)?[A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,4})(?P<next>\s+and\s+(?=\w+ed\b))?",
        action,
    )
    if action.startswith("Provide ") and funded and _names_body(funded.group("agent")):
        # "Provide a national programme, funded by UKRI" → "UKRI should fund a national programme"
        how = re.sub(r"^(?:,?\s+and)?,?\s+", "", funded.group(0).split(" by ")[0])
        verb = {"paid for": "pay for", "financed": "finance", "run": "run", "managed": "manage", "led": "lead"}.get(
            how, "fund"
        )
        joint = (
            ", " if funded.group("next") else ""
        )  # "…, funded by UKRI and delivered with industry" → "…, delivered …"
        action = f"{_upper_first(verb)} {action[len('Provide ') : funded.start()]}{joint}{action[funded.end() :]}"
        action = re.sub(r"\s+,", ",", action).strip()
        named = named or funded.group("agent")
    who = ""
    if named:
        who = actor_of([named], actors) if _one_body(named) else named  # "Ofgem and DESNZ" stays as written
        who = re.sub(r"^the\s+(?=[A-Z]{2,}\b)", "", who.strip())  # "the MHRA" → "MHRA"; "the Treasury" stays
    if (
        not who
        and actor
        and any(
            re.search(rf"(?<![\w-]){re.escape(n)}['’]s\b", action, re.I if len(n) > 5 else 0)
            for a in actors
            if a.label == actor
            for n in (a.label, *a.names)
        )
    ):
        return action, action, ""  # "Protect the MHRA's funding": the body is whose it is, not who acts
    who = who or actor
    if not who:
        return action, action, ""
    for a in actors:  # "the regulator" said of MHRA when MHRA acts: "MHRA should provide clearer guidance"
        if a.label == who:
            for n in a.names:
                action = re.sub(rf"\s+from\s+{re.escape(n)}\b", "", action, flags=re.I)
    if (
        any(a.label == who for a in actors)
        and re.search(r"\b(?:Office|Department|Ministry|Government|Executive|Bank|Fund|Agency|Operator|Council)\b", who)
        and not who.lower().startswith(("the ", "hm "))
    ):
        who = "the " + who  # "The Office for Life Sciences should …"; "DHSC should …"
    first, _, rest = action.partition(" ")
    verb = first if first.isupper() and len(first) > 1 else first.lower()
    field = _upper_first(re.sub(r"^the\s+", "", who.strip(), flags=re.I))  # "the Government" → "Government"
    return _upper_first(f"{who} should {verb} {rest}".strip()), action, field


def _base_after_and(m: re.Match) -> str:
    """A second verb of the same subject, in the third person ("and publishes"), read as a base form; a
    word that may be a noun ("and funds for X") is left alone."""
    from lemminflect import getAllLemmas

    found = getAllLemmas(m.group(2).lower())
    if set(found) == {"VERB"} and found["VERB"][0] != m.group(2).lower():
        return f"{m.group(1)} {found['VERB'][0]}"
    return m.group(0)


def _finish(text: str) -> str:
    text = CUT_AT.split(text, maxsplit=1)[0]
    text = re.sub(r"(,?\s+and)\s+to\s+(?=\w)", r"\1 ", text)  # "set out X, and to legislate" → "…, and legislate"
    text = re.sub(r"\b(?:with|to|than|of) our (?=\w)", lambda m: m.group(0)[: -len("our ")], text)  # "our competitors"
    text = re.sub(r"^give consideration to\s+", "consider ", text.strip(), flags=re.I)
    text = _upper_first(re.sub(r"\s+,", ",", text).strip().rstrip(".,;:"))
    if len(text) > 200:
        text = text[:199].rsplit(" ", 1)[0] + "…"
    return text


def _past_clause(rest: str) -> tuple[str, str | None]:
    """'It is time the Department took ownership of X' → ('Take ownership of X', 'the Department')."""
    from lemminflect import getInflection

    parts = rest.split()
    for i, word in enumerate(parts[:14]):
        bare = word.lower().strip(",")
        base = verb_lemma(bare)
        if i > 0 and base and base != bare and bare in getInflection(base, "VBD"):
            return _finish(" ".join([base, *parts[i + 1 :]])), " ".join(parts[:i])
    return _finish(_noun_or_verb(rest)), None


def _noun_or_verb(rest: str) -> str:
    """'extending X' → 'Extend X'; 'a national fund' → 'Provide a national fund'; a verb stays."""
    words = rest.split()
    if words and words[0] == "A":
        words[0] = "a"
        rest = " ".join(words)
    for n in (3, 2, 1):  # "the government extend the levy" → "extend the levy"
        if len(words) > n and (GOVERNMENT.match(" ".join(words[:n])) or _names_body(" ".join(words[:n]))):
            if words[n].lower() in IMPERATIVE_VERBS:
                return " ".join(words[n:])
    adverbs, plain = _split_adverbs(rest)
    if adverbs and plain.split(" ", 1)[0].lower() != _noun_or_verb(plain).split(" ", 1)[0].lower():
        adverbs, plain = "", rest  # "jointly funded centres": the adverb is not before a verb
    if adverbs:
        return rest  # already a verb, how to do it first: "jointly fund …"
    first = words[0].lower().rstrip(",;:") if words else ""
    if first and verb_lemma(first) == first and first not in {"a", "an", "the", "more", "better", "long-term"}:
        return rest  # already a verb: "rely on inspections …"
    if first.endswith("ing") and _gerund_noun(first) and len(words) > 1 and words[1] in {"for", "of"}:
        return "Provide " + _lower_first(rest)  # "funding for smaller sites", "co-funding for …": a thing to provide
    if first.endswith("ing") and verb_lemma(first) and verb_lemma(first) != first:
        return " ".join([verb_lemma(first), *words[1:]])
    if first in IMPERATIVE_VERBS:
        return rest
    return "Provide " + _lower_first(rest)


def _gerund_noun(word: str) -> bool:
    """An -ing word that is also a noun ("funding", "training", "co-funding"), not only a verb ("extending")."""
    from lemminflect import getAllLemmas

    return "NOUN" in getAllLemmas(word.rsplit("-", 1)[-1])


def _is_verb_base(word: str) -> bool:
    return word in IMPERATIVE_VERBS or (verb_lemma(word) == word and word not in {"the", "a", "an"})


def actor_of(texts: list[str], actors: tuple[ActorInfo, ...]) -> str:
    """The catalogue's label for the first public body the texts name (the title's sentence first)."""
    for text in texts:
        best = None
        for actor in actors:
            for name in actor.names:
                m = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.I if len(name) > 5 else 0)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), actor.label)
        if best:
            return best[1]
    return ""


def timescale_of(texts: list[str]) -> str:
    for text in texts:
        found = timescale(text)
        if found:
            return found
    return ""
