"""Reading respondents' sentences: splitting, lemmas, asks, stance and counter-arguments. Pure Python, no
Django, no model download: used by the reviewers' suggestions (evidence.suggestions) and by the pure
compile step (recommendations.compile), so both read a sentence the same way.

Libraries, and why:
- pysbd (rule-based sentence boundary detection, the Golden Rules set) splits "Dr. Smith of the U.K. said
  costs rose 3.5 per cent." as one sentence where a regular expression splits it three times; it ships no
  model, so nothing is downloaded at run time.
- lemminflect gives English lemmas from tables shipped inside its wheel (no spaCy model needed): "calls",
  "called" and "calling" all read as "call", "apprenticeships" as "apprenticeship", so cues and grouping
  work across inflections.

The cues are rules a reviewer can read (and argue with); suggestions made from them never count until a
reviewer accepts them. bench/quality.py measures them against a labelled corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves us uk must may
    might shall per cent year years would also many much within without across""".split()
)


# --- Sentences and lemmas -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


@lru_cache(maxsize=20000)
def _split(text: str) -> tuple[str, ...]:
    out = []
    for block in re.split(r"\n\s*\n|\n\s*[-•*]\s+|\n(?=[A-Z])", text):
        block = " ".join(block.split())
        if block:
            out += [s.strip() for s in _segmenter().segment(block) if s.strip()]
    return tuple(out)


def sentences(text: str) -> list[str]:
    """The sentences of a passage (paragraphs and bullet points are boundaries too)."""
    return list(_split(text or ""))


def tokens(text: str) -> list[str]:
    return [t.lower().replace("’", "'") for t in WORD.findall(text)]


@lru_cache(maxsize=50000)
def lemma(word: str) -> str:
    """The lemma of one lower-case word: as a noun where it can be one, else as a verb or adjective."""
    from lemminflect import getAllLemmas

    found = getAllLemmas(word)
    for pos in ("NOUN", "VERB", "ADJ", "ADV"):
        if pos in found:
            return found[pos][0].lower()
    return word


# Prefixes that make a verb of a verb ("co-fund", "re-open", "over-regulate"): the lemma tables do not list the
# hyphenated forms, so they are read as the verb they end in.
VERB_PREFIXES = frozenset("co re pre de un mis over under out up cross".split())


@lru_cache(maxsize=50000)
def verb_lemma(word: str) -> str | None:
    from lemminflect import getAllLemmas

    found = getAllLemmas(word).get("VERB")
    if found:
        return found[0].lower()
    prefix, _, head = word.partition("-")
    if prefix.lower() in VERB_PREFIXES and head.isalpha():  # "co-funds" → "co-fund", "re-opened" → "re-open"
        found = getAllLemmas(head).get("VERB")
        return f"{prefix.lower()}-{found[0].lower()}" if found else None
    return None


def content_lemmas(text: str) -> list[str]:
    """Lemmas of the words that carry meaning (no stop words, no numbers)."""
    return [lemma(t) for t in tokens(text) if t not in STOP_WORDS and len(t) > 2]


# --- Asks -------------------------------------------------------------------------------------------------

# Verbs that open an ask in the imperative ("Extend full expensing to buildings."). A curated list, not any
# verb: "Water use is a constraint" and "Support from the catapult was essential" open with words that can be
# verbs but are not asks.
IMPERATIVE_VERBS = frozenset(
    """abolish accelerate act address adopt agree align allow appoint back boost bring broaden build cap change commit
    consolidate continue create cut cover deliver designate develop double embed enable encourage end ensure
    establish exempt expand extend fast-track fix focus fund give grow guarantee help implement improve incentivise
    increase introduce invest join keep launch lift lower maintain make mandate match move offer pay pilot
    prioritise promote protect provide publish put raise recognise reduce reform reinstate relax remove replace
    require reserve restore retain review reward ring-fence scale scrap secure set share simplify speed
    standardise start stop streamline strengthen support tackle target treat use widen work""".split()
)
# After an opening verb these words show it was a noun ("Support for …", "Funding is …").
NOT_AFTER_IMPERATIVE = frozenset(
    "is are was were has have had will would can could should of for from in on at to by with as and or "
    "'s costs cost rates levels".split()
)
SUBJECT_PRONOUNS = frozenset({"we", "i", "our", "my", "us"})

ASK_PHRASES = [
    (re.compile(r"\bwe (?:would )?(?:also )?(?:call|calls|called) (?:on|upon)\b", re.I), "we call on"),
    (
        re.compile(r"\b(?:we|i|our members|this response) (?:would )?(?:also )?(?:strongly )?calls? for\b", re.I),
        "we call for",
    ),
    (
        re.compile(
            r"\b(?:we|i)(?: would|'d|’d)? (?:also )?(?:strongly )?(?:recommend|recommends|propose|proposes|urge|urges|ask|request|argue for|press for|push for)\b",
            re.I,
        ),
        "we recommend / urge",
    ),
    (
        re.compile(
            r"\b(?:our|the|a|one) (?:key |main |first |central |clear )?(?:recommendation|ask|proposal|request) (?:is|would be)\b",
            re.I,
        ),
        "our recommendation is",
    ),
    (
        re.compile(
            r"\bwe(?: would|'d|’d)? (?:also )?(?:like to see|want to see|wish to see|would welcome|welcome any|value)\b",
            re.I,
        ),
        "we would like to see",
    ),
    (re.compile(r"\bwould (?:welcome|like to see|benefit from)\b", re.I), "would welcome"),
    (
        re.compile(
            r"\bit is (?:\w+ly )?(?:essential|vital|critical|crucial|important|imperative|time) (?:that|to|for)\b", re.I
        ),
        "it is essential that",
    ),
    (re.compile(r"\b(?:there|this|it) (?:should|must|needs to|ought to) be\b", re.I), "there should be"),
    # "There is a need for …", "What is needed is …", "… is what the sector needs": a need stated as the ask.
    (re.compile(r"\bthere is (?:an? )?(?:\w+ )?need (?:for|to)\b", re.I), "there is a need for"),
    (
        re.compile(
            r"^what (?:is|are) (?:\w+ )?needed (?:is|are)\b|\b(?:is|are) what (?:\w+ ){0,3}(?:needs?|is needed|would help)\b",
            re.I,
        ),
        "what is needed",
    ),
    # "It is time the Department took ownership …" (no "that"): an ask in the subjunctive past.
    (
        re.compile(r"^it is (?:high |now |long past )?time (?:that )?(?:the |we |ministers |government )", re.I),
        "it is time",
    ),
    # "… must be a priority", "… would be the single most useful thing ministers could do"
    (re.compile(r"\b(?:must|should|needs to|has to) be (?:a|the|an) (?:\w+ )?priority\b", re.I), "must be a priority"),
    (
        re.compile(
            r"\bwould\b[^.]{0,30}\bbe the (?:single )?(?:most|best|biggest) (?:useful|important|effective|helpful|valuable) (?:thing|step|change|action|measure)\b",
            re.I,
        ),
        "would be the most useful step",
    ),
    (re.compile(r"\bthere is (?:a|a strong|a good|a clear|an urgent) case for\b", re.I), "there is a case for"),
    (
        re.compile(
            r"\bwould be (?:a |the )?(?:better|right|best|more effective|fairer) (?:approach|way|answer|course|option|use)\b",
            re.I,
        ),
        "would be a better approach",
    ),
    (re.compile(r"^what would help(?: most)? is\b", re.I), "what would help is"),
    (
        re.compile(
            r"\b(?:the )?(?:government|ministers|treasury|department|regulator|mhra|nhs england|nhs|nice|dfe|dhsc|dbt|hmt|ukri|innovate uk|office for life sciences)\b[^.;:]{0,60}?\b(?:should|must|needs? to|ought to)\b",
            re.I,
        ),
        "government should",
    ),
    (
        re.compile(
            r"\b(?:the )?(?:government|treasury|regulator|mhra|nhs|ukri|agency|department|system) needs (?:a|an|more|dedicated|clear|new|long-term|stable|\w+ capacity)\b",
            re.I,
        ),
        "needs",
    ),
]
MODAL = re.compile(r"\b(should|must|ought to|needs? to|has to|have to|need)\b", re.I)
CONSEQUENCE = re.compile(r"(?:,\s*so\b|\bso that\b|\bbecause\b|\bwill need\b|\bwould need\b|\bwill have to\b)", re.I)
NEGATED_MODAL = re.compile(
    r"\b(should not|shouldn't|must not|mustn't|need not|needn't|ought not|should never|must never|"
    r"do(?:es)? not need to|not be (?:rushed|extended|introduced|imposed))\b",
    re.I,
)
HYPOTHETICAL = re.compile(r"\b(should have|must have|could have|would have|should we|should the|if we)\b", re.I)
# "Should" and "must" of expectation or inference, not of obligation: "this should not be surprising", "it
# should be read as evidence that …", "that should be familiar", "it must be said".
EPISTEMIC = re.compile(
    r"\b(?:should|must|ought to)(?: not| never)? (?:be |come as )?(?:(?:no |un)?surpris\w*|familiar|obvious|"
    r"clear (?:that|to|from)|read as|seen as|taken as|noted|said|expected|unsurprising|no surprise|need (?:restating|saying|stating))\b"
    r"|\b(?:should|must) (?:not )?need (?:restating|saying|stating|repeating)\b",
    re.I,
)
# An inverted condition opening a sentence ("Should the fund continue, …"): the ask is what follows.
INVERTED_IF = re.compile(
    r"^(?:should|were|had) (?:the|this|that|it|a|an|such|they)\b[^,?]{2,80},\s*(?P<rest>.+)$", re.I
)
# A proposal stated by its benefit: "<a proposal> would <do good>" ("Subsidised access … would close much of
# that gap", "Making capital allowances more generous would unlock projects"). The subject must be a noun
# phrase or a gerund, not a pronoun ("That would bring the payback …" refers back; it proposes nothing).
BENEFIT = re.compile(
    r"^(?P<subject>(?!(?:that|this|it|which|these|those|they|we|i|you|there|such|our|my|their|its|without|with|if|"
    r"otherwise|but|and|so|as|what|who)\b)[A-Za-z][^,;:]*?(?:,[^,;:]{1,120},)?[^,;:]*?)\s+would,?\s+(?:(?:in|on) [^,]{3,30},\s+)?"
    r"(?:also |surely |certainly |greatly |immediately |quickly )?"
    r"(?:help|close|unlock|let|allow|enable|present|encourage|attract|boost|improve|transform|solve|fix|ease|"
    r"speed|remove|give|restore|bring|make a (?:real |big )?difference|do more|go a long way)\b(?! (?:us|we|me)\b)",
    re.I,
)
# A rule that exists or is coming, described, not asked for: "From April 2027 every supplier must publish a
# carbon reduction plan", "Under the new contract terms, wholesalers have to hold eight weeks of stock". The
# modal of obligation follows an opening that dates or sources the rule, or the rule is sourced ("under the
# … regulations", "by law"). "Every supplier must be required to publish …" and "Government should require
# every supplier to …" still ask for a rule.
RULE_OPENING = re.compile(
    r"^(?:from|since|as of|with effect from|starting(?: in| from)?|beginning(?: in)?|under|by law|already|"
    r"currently|today|now that|in future|once|after)\b",
    re.I,
)
RULE_SOURCE = re.compile(
    r"\b(?:under (?:the|this|these|its|their|current|existing|new|today's) [^,.;]{0,60}?(?:rules?|regulations?|"
    r"roadmap|framework|scheme|contract|contracts|act|law|requirements?|terms|code|directive|licen[cs]e)|by law|"
    r"in law|by statute|legally|a (?:legal|statutory|contractual) (?:requirement|duty|obligation))\b",
    re.I,
)
RULE_MODAL = re.compile(r"\b(?:must|has to|have to|will have to|will need to|is obliged to|are obliged to)\b", re.I)
ASKS_FOR_A_RULE = re.compile(r"^\s*(?:be|now be|also be) (?:required|obliged|made|mandated|compelled|forced)\b", re.I)
BODY_HEAD = re.compile(
    r"\b(?:government|ministers?|treasury|department|dhsc|dbt|dfe|desnz|mhra|nice|england|ukri|ofgem|agency|regulator|"
    r"executive|office|ols|hmrc|council|authority|authorities)$",
    re.I,
)


def describes_rule(sentence: str) -> bool:
    """Does the sentence describe a rule that exists or is coming (not ask for one)?"""
    text = " ".join(sentence.split())
    modal = RULE_MODAL.search(text)
    if not modal or MODAL.search(text[: modal.start()]):
        return False  # no obligation, or a "should" before it asks for something
    if ASKS_FOR_A_RULE.match(text[modal.end() :]):
        return False  # "Every supplier must be required to publish …": asks for the rule
    subject = re.split(r",\s*", text[: modal.start()].strip())[-1]
    if BODY_HEAD.search(subject.rstrip()):
        return False  # "From 2027 the Department must publish …": a public body's duty, asked for
    return bool(RULE_OPENING.match(text) or RULE_SOURCE.search(text))


WEAK = "would help"  # the cue of BENEFIT: an ask only where the answer makes no more direct one
NAMED_HELP = re.compile(r"^(?:\w+ )?(?:things?|steps?|changes?|measures?) would help(?: most)?:\s*(?P<rest>.+)$", re.I)


@dataclass(frozen=True)
class AskCue:
    sentence: str
    cue: str


def _imperative(words: list[str]) -> str | None:
    if not words:
        return None
    first = words[0]
    if first in {"please", "simply", "urgently", "now", "also", "then", "finally", "instead"} and len(words) > 1:
        words = words[1:]
        first = words[0]
    if first not in IMPERATIVE_VERBS:
        return None
    if len(words) > 1 and words[1] in NOT_AFTER_IMPERATIVE:
        return None
    return first


def ask_cue(sentence: str) -> str | None:
    """Why a sentence reads as an ask (what should change), or None. Questions, negated modals ("should
    not": a counter-argument) and hypotheticals ("should have") are not asks."""
    text = " ".join(sentence.split())
    if not text or text.endswith("?") or len(text.split()) < 3:
        return None
    inverted = INVERTED_IF.match(text)
    if inverted:
        text = inverted.group("rest")
    if NEGATED_MODAL.search(text) or EPISTEMIC.search(text) or describes_rule(text):
        return None
    if NAMED_HELP.match(text):
        return "things would help"
    benefit = BENEFIT.match(text)
    if benefit and not HYPOTHETICAL.search(text) and len(benefit.group("subject").split()) >= 2:
        return WEAK
    for pattern, cue in ASK_PHRASES:
        match = pattern.search(text)
        if match and not HYPOTHETICAL.search(text):
            return cue
    words = tokens(text)
    clause = re.split(r"[,:;–—]\s*", text, maxsplit=1)
    verb = _imperative(words)
    if verb:
        return f"imperative “{verb}”"
    if len(clause) > 1 and re.match(r"^(?:if|to|for|where|unless|instead|in short|therefore|so)\b", clause[0], re.I):
        verb = _imperative(tokens(clause[1]))  # "If the UK wants onshoring, offer …" / "To fix this, fund …"
        if verb:
            return f"imperative “{verb}”"
    modal = MODAL.search(text)
    if modal and not HYPOTHETICAL.search(text):
        if CONSEQUENCE.search(text[: modal.end() + 5]):
            return None  # "…, so its suppliers must decarbonise too": a consequence, not an ask
        before = tokens(text[: modal.start()])
        passive = re.match(r"\s+be\s+\w+(?:ed|en)\b", text[modal.end() :])
        if before and before[-1] in {"that", "which", "who", "whom"}:
            return None  # "stock that should be on the shelf": describes a noun, asks nothing
        if passive and re.search(r"\bby (?:us|ourselves|me|our own)\b", text[modal.end() :], re.I):
            return None  # "every technician has to be trained by us": the respondent's own burden
        of_something = len(before) >= 2 and before[-2] in {"for", "of", "to", "from", "on", "in", "by", "at"}
        if (
            not passive
            and before
            and before[-1] in SUBJECT_PRONOUNS | {"you", "companies", "manufacturers"}
            and not (
                of_something and before[-1] not in SUBJECT_PRONOUNS  # "bills for manufacturers must come down"
            )
        ):
            return None  # "We need to recruit …": the respondent's own plans, not an ask of government
        # "We must …", "… our site must …" are the respondent's plans; "Bringing prices into line with our
        # competitors must be a priority" is an ask whose subject merely mentions "our".
        own = {"we", "i", "us"} & set(before[-3:]) or (before[:1] in (["our"], ["my"]) and len(before) <= 3)
        if not passive and before and own:
            return None
        if modal.group(1).lower() == "need" and not re.search(
            r"\bneed(?:s)? (?:a|an|the|to|more|clear|long|new)\b", text, re.I
        ):
            return None
        return f"“{modal.group(1).lower()}”"
    return None


def ask_sentences(text: str) -> list[AskCue]:
    """The ask sentences of a passage. A proposal stated only by its benefit ("A shared standard would let
    suppliers build once") is the ask where the passage makes no more direct one; after a direct ask it is
    the reason for it."""
    found = [AskCue(s, cue) for s in sentences(text) if (cue := ask_cue(s))]
    direct = [c for c in found if c.cue != WEAK and not is_counter(c.sentence)]
    return [c for c in found if c.cue != WEAK] if direct else found


def passage_asks(text: str) -> list[str]:
    """The sentences of a passage that read as asks and not as counter-arguments."""
    return [c.sentence for c in ask_sentences(text) if not is_counter(c.sentence)]


# --- Stance, counter-arguments and problems ---------------------------------------------------------------

OPPOSE = [
    r"\b(?:do|does|would|could|did) not (?:support|agree|accept|believe|think|see)\b",
    r"\b(?:don't|doesn't|won't|wouldn't) (?:support|agree|help|work)\b",
    r"\boppos(?:e|es|ed|ing|ition)\b",
    r"\bdisagree\w*\b",
    r"\b(?:argue[sd]?|are|is|be|were|was|stand|come out|speak|warn(?:s|ed)?) against\b",
    r"\breject\w* (?:the|a|any|this|such|further|new|proposals?|calls?)\b",
    r"\bsceptic\w*|\bskeptic\w*\b",
    r"\bnot (?:the|a) (?:main|real|right|best|only|answer|solution|priority|barrier)\b",
    r"\b(?:not|less|un) ?(?:convinced|persuaded)\b",
    r"\bcaution(?:s|ed)?(?: \w+){0,3} against\b",
    r"\b(?:would|do|does|did) not want\b",
    r"\b(?:is|are) not what (?:\w+ ){0,3}needs?\b",
    r"\bwould not (?:make|change|solve|fix|address|help|work|bring|deliver)\b",
    r"\bbetter spent\b",
    r"\bevidence\b[^.]{0,80}\b(?:is|are) (?:thin|weak|limited|lacking)\b",
    r"\brisks? (?:making|paying|rewarding|standing|deepening|creating|locking|wasting|leaving)\b",
    r"\bno (?:clear |good )?(?:evidence|case|need)\b",
    r"\b(?:unnecessary|counterproductive|counter-productive|misguided|premature|unaffordable|unjustified)\b",
    r"\b(?:should|must|need) not\b(?! (?:be )?(?:surpris|need (?:restating|saying|stating)|come as))|\bshouldn't\b|\bmustn't\b",
    r"\bwould (?:not|do little to) (?:help|solve|fix|address|change)\b",
    r"\bdo little to\b",
    r"\brisks? (?:distorting|undermining|crowding|creating|damaging|diverting)\b",
    r"\b(?:could|would|may|might|will) (?:undermine|distort|damage|deter|crowd out|divert|backfire|harm|weaken)\w*\b",
    r"\bunintended consequences?\b",
    r"\bat the expense of\b",
    r"\bcrowd(?:s|ing)? out\b",
]
CAUTION = [
    r"\bcaution\w*\b",
    r"\bcareful\w*\b",
    r"\bconcern(?:s|ed)? (?:that|about)\b|\b(?:our|the|one|a) (?:main |key |real )?concern is\b",
    r"\b(?:would|could|may|might|will|it) risks? \w+ing\b|\brisks (?:steering|pushing|turning|tying|skewing)\b",
    r"\bwary\b",
    r"\b(?:the|a|real|serious) risk (?:is|that)\b",
    r"\bhowever\b",
    r"\bdoubt\w*\b",
    r"\boverstat\w*\b",
    r"\bnot (?:enough|sufficient) on (?:its|their) own\b",
    # Conditional support: "we would support a lower rebate only if …", "we support this in principle".
    r"\bbut only if\b|\bsupport\w*\b[^.;]{0,80}\b(?:only if|on condition that|more readily if)\b",
    r"\bin principle\b",
    r"\breservations?\b",
    r"\bquestion(?:s|ed)?,? (?:[\w ]+, )?whether\b",
]
SUPPORT = [
    r"\bwe (?:would )?(?:strongly )?support\b",
    r"\b(?:strongly )?(?:support|welcome|endorse|back)s? (?:the|a|an|this|any|further|plans?|calls?|proposals?)\b",
    r"\bwould (?:help|make a (?:real |big )?difference|unlock|attract|enable|allow)\b",
    r"\b(?:essential|vital|critical|crucial|urgent\w*)\b",
]
_OPPOSE = [re.compile(p, re.I) for p in OPPOSE]
_CAUTION = [re.compile(p, re.I) for p in CAUTION]
_SUPPORT = [re.compile(p, re.I) for p in SUPPORT]


@dataclass(frozen=True)
class StanceReading:
    stance: str  # supports | opposes | mixed | none (the evidence.models.Stance values)
    oppose: tuple[str, ...]
    caution: tuple[str, ...]
    support: tuple[str, ...]

    @property
    def cues(self) -> str:
        parts = []
        if self.oppose:
            parts.append("against: " + ", ".join(self.oppose))
        if self.caution:
            parts.append("caution: " + ", ".join(self.caution))
        if self.support:
            parts.append("for: " + ", ".join(self.support))
        return "; ".join(parts)[:300]


NEGATED = re.compile(r"\b(?:not|never|no|cannot|n't)\s+(?:\w+\s+)?$", re.I)


def _found(patterns, text, negatable: bool = False) -> list[str]:
    """The cues found; with ``negatable``, a cue right after a negation ("do not support") does not count."""
    out = []
    for p in patterns:
        for m in p.finditer(text):
            if negatable and NEGATED.search(text[max(0, m.start() - 20) : m.start()]):
                continue
            out.append(m.group(0).lower())
            break
    return out


def counter_cues(sentence: str) -> list[str]:
    """Words that mark a sentence as arguing against or cautioning about a change."""
    return _found(_OPPOSE, sentence) + [c for c in _found(_CAUTION, sentence) if c not in {"however", "risk", "risks"}]


def is_counter(sentence: str) -> bool:
    return bool(_found(_OPPOSE, sentence)) or (
        bool(_found(_CAUTION, sentence))
        and not ask_cue(sentence)
        and bool(re.search(r"\b(?:but|however|only|risk|concern|caution|wary|doubt)", sentence, re.I))
    )


def read_stance(text: str) -> StanceReading:
    """A candidate stance on change for a passage about one component: opposition and caution cues against
    asks and support cues. Opposition with no ask reads as "opposes"; both together as "mixed"."""
    oppose, caution, support = [], [], []
    asks = 0
    for sentence in sentences(text):
        o, c, s = _found(_OPPOSE, sentence), _found(_CAUTION, sentence), _found(_SUPPORT, sentence, negatable=True)
        is_ask = ask_cue(sentence) is not None
        asks += is_ask
        oppose += o
        caution += c
        support += s + (["ask"] if is_ask else [])
    strong = len(oppose)
    if strong >= 1 and (strong >= 2 * max(1, asks) or not support):
        stance = "opposes"
    elif strong >= 1 or (caution and support):
        stance = "mixed"
    elif len(caution) >= 2 and not support:
        stance = "opposes"
    elif support:
        stance = "supports"
    else:
        stance = "none"
    return StanceReading(
        stance, tuple(dict.fromkeys(oppose)), tuple(dict.fromkeys(caution)), tuple(dict.fromkeys(support))
    )


PROBLEM = re.compile(
    r"\b(shortage\w*|short supply|delay\w*|slow\w*|backlog|takes? \w+ (?:months|years)|took \w+ months|"
    r"cost\w* (?:have |has )?(?:risen|rose|doubled|increased)|doubled|fallen|fell|declin\w*|lost|loss|lose|"
    r"cannot|can't|unable|hard to|difficult|struggl\w*|gap\w*|barrier\w*|lag\w*|behind|uncertain\w*|"
    r"risk\w*|constraint\w*|bottleneck\w*|vacanc\w*|unfilled|leav\w+ the uk|offshore|scarce|fragmented|weak|"
    r"unclear|duplicat\w*|too (?:long|slow|high|few|many)|far (?:less|fewer|beyond)|only \d)",
    re.I,
)
FIGURE = re.compile(
    r"(?:£|\$|€)\s?\d|\d+(?:\.\d+)?\s?(?:%|per cent|percent|million|billion|bn|m\b|jobs|months|days|weeks|years|tonnes)|\b(?:19|20)\d\d\b"
)


def is_problem(sentence: str) -> bool:
    return bool(PROBLEM.search(sentence)) and ask_cue(sentence) is None and not _found(_OPPOSE, sentence)


def has_figure(sentence: str) -> bool:
    return bool(FIGURE.search(sentence))


# --- Actors and timescales -------------------------------------------------------------------------------

TIMESCALE = re.compile(
    r"\b(?:(?:by|before|from|in|until) (?:the (?:end|start) of )?(?:(?:january|february|march|april|may|june|"
    r"july|august|september|october|november|december) )?(?:19|20)\d\d(?:[/–-]\d\d)?|"
    r"(?:by|before|at|in) the (?:next|end of the|2025|2026|2027|2028|2029|2030)[ \w]{0,25}?(?:spending review|budget|"
    r"parliament|decade|review)|"
    r"within (?:the next )?(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|eighteen|twenty-four)"
    r" (?:months?|years?|weeks?)|"
    r"(?:over|in) the next (?:\d+|one|two|three|four|five|six|ten) (?:months?|years?)|"
    r"(?:immediately|this year|next year|in this parliament|without delay|as a matter of urgency))\b",
    re.I,
)


def timescale(sentence: str) -> str | None:
    match = TIMESCALE.search(sentence)
    return match.group(0) if match else None
