"""References back: words in an ask that point to something the respondent said before it ("that strategy",
"the fund", "it should also …", "to do so"). A draft's title must stand alone, so the compilation prefers a
wording without them (asks.leans_on_context, in group_asks) and, where the only wording has one, reads what it
refers to from the sentences before it in the same answer (resolve_references here, the rest in
synthesis.resolve_context). ``unresolved`` names what is left; the quality bench counts titles that still have
one."""

from __future__ import annotations

import re

# Nouns that name one particular instrument or body: "the fund" or "the scheme" on its own presupposes the
# reader knows which ("the workforce", "the queue", "the market" do not).
INSTRUMENTS = (
    "scheme schemes fund funds programme programmes strategy plan plans service review pilot initiative framework "
    "agency body levy charge register list pathway route consultation policy taskforce partnership roadmap "
    "mechanism compact deal agreement grant grants bursary credit allowance relief network hub competition "
    "accelerator"
).split()
# Deictic words a reader resolves without the respondent's context ("this year", "this country").
DEICTIC_OK = frozenset("year years month months week weeks decade day days century country parliament".split())
PREPOSITIONS = r"in|into|for|of|to|on|with|from|under|through|by|within|at|beyond|after|before|across|around"

DO_SO = re.compile(r"\bto (?:do so|do this|do that|do the same)\b", re.I)
SAME = re.compile(r"\bthe same\b(?!\s+(?:[\w-]+\s+){0,3}?as\b)", re.I)  # "on the same terms as X" is defined
DEMONSTRATIVE = re.compile(
    rf"(?:\b(?:these|those|such)|\bthis|(?:^|\b(?:{PREPOSITIONS})\s+)that)\s+(?P<noun>[a-z][\w-]*)\b", re.I
)
BARE = re.compile(rf"\b(?:the|that)\s+(?P<noun>{'|'.join(INSTRUMENTS)})\b(?!\s+(?:for|of|on)\b)", re.I)
# A verb of sequence with no object: "regional plans should follow within a year" (follow what?).
SEQUEL = re.compile(
    rf"\b(?:follow(?:s|ed)?|match(?:es|ed)?|mirror(?:s|ed)?|accompan(?:y|ies|ied)|precede[sd]?)"
    rf"(?=\s*(?:$|[,.;]|(?:{PREPOSITIONS}|soon|shortly|quickly|promptly|immediately)\b))"
    r"|\b(?:follow suit|do likewise)\b",
    re.I,
)
PRONOUN_SUBJECT = re.compile(
    r"^(?:it|they|this|these)\s+(?:[a-z]+ly\s+|also\s+|then\s+)?"
    r"(?:should|must|needs? to|ought to|has to|have to|could|would)\b",
    re.I,
)
FIRST_PERSON = re.compile(r"\b(?:our|ours|us|we)\b", re.I)  # "places like ours": the respondent's own
POSSESSIVE = re.compile(r"\b(?P<word>its|their)\s+[\w-]+", re.I)


def _noun(word: str) -> bool:
    from lemminflect import getAllLemmas

    found = getAllLemmas(word.lower())
    return bool(found) and ("NOUN" in found or "PROPN" in found)


def unresolved(title: str, source: str = "") -> list[str]:
    """The references back in a title that leave the reader asking "which?" or "who?": "to do so", "the
    same" (not "the same … as"), a demonstrative noun phrase ("that strategy", "those recommendations",
    "any such service"; not "this year"), a bare definite instrument ("the fund", "the scheme"), a
    possessive with nothing before it to refer to ("Publish its backlog"), a verb of sequence with no object
    ("plans should follow within a year"), the respondent's own ("places like ours"), and, given the
    ``source`` sentence, a pronoun subject the title dropped without naming who ("It should also …" → "Bring …")."""
    found = []
    found += [m.group(0) for m in DO_SO.finditer(title)]
    found += [m.group(0) for m in SAME.finditer(title)]
    for m in DEMONSTRATIVE.finditer(title):
        if m.group("noun").lower() not in DEICTIC_OK and _noun(m.group("noun")):
            found.append(m.group(0).strip())
    found += [m.group(0) for m in BARE.finditer(title) if m.group(0) not in found]
    found += [m.group(0) for m in SEQUEL.finditer(title)]
    for m in POSSESSIVE.finditer(title):
        before = re.findall(r"[\w-]+", title[: m.start()])[1:]  # the first word is the action's verb
        if not any(w[:1].isupper() or _noun(w) for w in before):
            found.append(m.group(0))
    found += [m.group(0) for m in FIRST_PERSON.finditer(title)]
    if source and PRONOUN_SUBJECT.match(source.strip()) and not re.search(r"\bshould\b", title):
        found.append(source.strip().split()[0])
    return found


# A proper name ending in the noun: "The Life Sciences Innovative Manufacturing Fund", "the British Industrial
# Competitiveness Scheme" (capitalised words, "and"/"for"/"of" between them).
def _names_ending(noun: str) -> re.Pattern:
    return re.compile(
        rf"\b(?P<name>(?:[A-Z][\w&'’-]*\s+(?:(?:and|for|of|&)\s+)?){{1,6}}{re.escape(noun[:1].upper() + noun[1:])})\b"
    )


def _introduced(noun: str) -> re.Pattern:
    """ "a national strategy for shortages": an indefinite noun phrase that introduces the thing, with up to
    three words before the noun and a short "for/of/on …" after it."""
    return re.compile(
        rf"\b(?:a|an)\s+(?P<mods>(?:[\w-]+\s+){{0,3}}?){re.escape(noun)}\b"
        rf"(?P<post>\s+(?:for|of|on)\s+(?:[\w-]+\s+){{0,2}}?[\w-]+(?=\s*[,.;:]|\s*$))?",
        re.I,
    )


def resolve_references(sentence: str, before: list[str]) -> str:
    """A reference back read from the sentences before it in the same answer (nearest first): "the fund" or
    "that fund" where one of them names it ("The Life Sciences Innovative Manufacturing Fund has …") becomes
    "the Life Sciences Innovative Manufacturing Fund"; "that strategy" where one introduces it ("We support a
    national strategy for shortages") becomes "the national strategy for shortages". A sentence that names two
    different things of that kind leaves the reference as written: which one is meant is not certain."""

    def found(noun: str, demonstrative: bool) -> str | None:
        for earlier in reversed(before):
            names = {m.group("name").strip() for m in _names_ending(noun).finditer(earlier)}
            names = {re.sub(r"^(?:The|A|An|Its|Our|This|That)\s+", "", n) for n in names}
            names = {n for n in names if len(n.split()) > 1}
            if len(names) == 1:
                return "the " + names.pop()
            if names:
                return None
            if demonstrative:
                intros = {
                    " ".join(f"{m.group('mods')}{noun}{m.group('post') or ''}".split())
                    for m in _introduced(noun).finditer(earlier)
                }
                if len(intros) == 1:
                    return "the " + intros.pop()
                if intros:
                    return None
        return None

    def replace(m: re.Match) -> str:
        demonstrative = m.group("det").lower() != "the"
        if not demonstrative and re.match(r"\s+(?:for|of|on)\b", sentence[m.end() :]):
            return m.group(0)  # "the fund for small sites" says which fund
        return found(m.group("noun").lower(), demonstrative) or m.group(0)

    pattern = re.compile(rf"\b(?P<det>the|that|this)\s+(?P<noun>{'|'.join(INSTRUMENTS)})\b", re.I)
    return pattern.sub(replace, sentence)
