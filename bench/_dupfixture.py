"""A labelled fixture for duplicate and campaign detection (bench/duplicates.py): plain data, no Django.

Four kinds of response, every one written from phrase banks with many slots, so that distinct responses
share a topic and its vocabulary but not their sentences:

- campaign letters: a few template letters, each sent by many senders with a changed salutation and
  signature, small edits (words swapped, a sentence dropped), paragraphs reordered, and often a paragraph
  of the sender's own;
- near-duplicates: the same organisation (its name spelt another way) sending its response twice, the
  second lightly edited;
- shared passages: two different bodies whose otherwise different responses make one proposal in nearly
  the same words;
- distinct responses on the same topics.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

PLACES = [
    "Speke", "Macclesfield", "Grangemouth", "Barnard Castle", "Ware", "Ulverston", "Cramlington", "Stevenage",
    "Harlow", "Dundee", "Swansea", "Belfast", "Slough", "Morpeth", "Irvine", "Livingston", "Loughborough",
    "Nottingham", "Runcorn", "Sandwich", "Cambridge", "Oxford", "Wrexham", "Billingham", "Hull", "Plymouth",
]  # fmt: skip
STAFF = ["process technicians", "engineers", "qualified persons", "quality analysts", "validation specialists",
         "microbiologists", "automation engineers", "data scientists", "operators", "apprentices"]  # fmt: skip
THINGS = ["a sterile fill line", "a biologics hall", "a continuous tablet line", "a cell therapy suite",
          "a packaging hall", "an API plant", "a vaccine facility", "a pilot plant", "a QC laboratory",
          "a warehouse", "a solvent recovery unit", "a radiopharmacy"]  # fmt: skip
RIVALS = ["Ireland", "Singapore", "Belgium", "the Netherlands", "Switzerland", "the United States", "Denmark",
          "Germany", "Spain", "Korea", "India", "France"]  # fmt: skip
MONEY = ["£4 million", "£12 million", "£25 million", "£60 million", "£150 million", "£300 million", "£2 million"]
YEARS = ["2019", "2020", "2021", "2022", "2023", "2024", "2025"]
WAIT = ["six months", "nine months", "fourteen months", "two years", "three years", "eighteen months"]
VERBS = ["struggle to", "cannot", "take months to", "now fail to", "have stopped trying to", "rarely manage to"]
ADJ = ["slow", "uncertain", "costly", "unpredictable", "fragmented", "inconsistent", "opaque", "late"]

SENTENCES = [
    "Our site in {place} employs {n} people and we {verb} recruit {staff} locally.",
    "In {year} we spent {money} on {thing}, and the next phase depends on {rival} matching our costs.",
    "Approval for {thing} in {place} took {wait}, which is {adj} compared with {rival}.",
    "We lost {n} {staff} to other sectors in {year}, mostly to employers in {place}.",
    "Capital support in {rival} arrives within {wait}; here it is {adj} and we {verb} plan around it.",
    "Energy for {thing} costs us {money} a year, more than a site of the same size in {rival}.",
    "The grid connection for {thing} at {place} was quoted for {year}, far too late for the project.",
    "We train {n} {staff} a year ourselves because colleges near {place} {verb} offer the courses.",
    "Inspections of {thing} are {adj}: the last one at {place} took {wait} to close.",
    "A decision on {money} of investment in {thing} will be made against {rival} within {wait}.",
    "NHS demand for what {thing} would make is {adj}, so the board {verb} justify capacity in {place}.",
    "Supply of starting materials for {thing} comes from {rival}, and {n} batches were delayed in {year}.",
    "Since {year} our {staff} in {place} have worked with the catapult on {thing}, with {adj} funding.",
    "The apprenticeship levy {verb} pay for the short courses our {staff} need before working on {thing}.",
    "Waste water from {thing} at {place} costs {money} to treat, and permits took {wait}.",
    "Planning for {thing} on our {place} site was {adj}: {wait} and {n} conditions attached.",
    "We would move {money} of spending from {rival} to {place} if approvals were less {adj}.",
    "Our {n} {staff} in {place} are paid less than peers in {rival}, and we {verb} hold on to them.",
]

OPENINGS = ["Dear MMIP team,", "To whom it may concern,", "Dear Sir or Madam,", "Hello,", "Dear colleagues,",
            "Dear Partnership,", "Good afternoon,", "Dear MMIP secretariat,"]  # fmt: skip
CLOSINGS = ["Yours sincerely,", "Yours faithfully,", "Kind regards,", "Best wishes,", "Regards,", "Thank you,"]
FIRST = ["Alex", "Sam", "Priya", "Tom", "Aisha", "Wei", "Fiona", "Gareth", "Niamh", "Olu", "Marta", "Ravi"]
LAST = ["Jones", "Patel", "Smith", "Okafor", "Campbell", "Evans", "Chen", "Murphy", "Khan", "Williams"]
SWAPS = {"medicines": "drugs", "government": "ministers", "should": "must", "strategy": "plan", "new": "fresh",
         "faster": "quicker", "long-term": "multi-year", "support": "back", "national": "UK-wide"}  # fmt: skip


def _sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(
        place=rng.choice(PLACES),
        n=rng.choice([12, 25, 40, 60, 85, 120, 180, 250, 400, 900]),
        staff=rng.choice(STAFF),
        thing=rng.choice(THINGS),
        rival=rng.choice(RIVALS),
        money=rng.choice(MONEY),
        year=rng.choice(YEARS),
        wait=rng.choice(WAIT),
        verb=rng.choice(VERBS),
        adj=rng.choice(ADJ),
    )


def paragraph(rng: random.Random, sentences: tuple[int, int] = (3, 5)) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(*sentences)))


def distinct(rng: random.Random) -> list[str]:
    return [paragraph(rng) for _ in range(rng.randint(2, 5))]


def _edit(text: str, rng: random.Random, swaps: int) -> str:
    words = text.split(" ")
    for _ in range(swaps):
        i = rng.randrange(len(words))
        bare = words[i].strip(".,;:").lower()
        words[i] = words[i].replace(words[i].strip(".,;:"), SWAPS.get(bare, rng.choice(["really", "also", "now"])))
    return " ".join(words)


def _drop_sentence(text: str, rng: random.Random) -> str:
    sentences = text.split(". ")
    if len(sentences) > 3:
        sentences.pop(rng.randrange(len(sentences)))
    return ". ".join(sentences)


def campaign_letter(template: list[str], rng: random.Random, sender: str) -> str:
    paragraphs = list(template)
    if rng.random() < 0.4:
        rng.shuffle(paragraphs)
    paragraphs = [_edit(p, rng, rng.randint(0, 3)) for p in paragraphs]
    if rng.random() < 0.3:
        i = rng.randrange(len(paragraphs))
        paragraphs[i] = _drop_sentence(paragraphs[i], rng)
    if rng.random() < 0.5:
        paragraphs.insert(rng.randint(0, len(paragraphs)), paragraph(rng, (2, 4)))  # the sender's own words
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    return "\n\n".join([rng.choice(OPENINGS), *paragraphs, f"{rng.choice(CLOSINGS)}\n{name}\n{sender}"])


def resend(paragraphs: list[str], rng: random.Random) -> str:
    """The same organisation's second copy: a few words changed, sometimes a paragraph added or cut."""
    again = [_edit(p, rng, rng.randint(0, 2)) for p in paragraphs]
    roll = rng.random()
    if roll < 0.25:
        again.append(paragraph(rng, (1, 2)))
    elif roll < 0.4 and len(again) > 3:
        again.pop(rng.randrange(len(again)))
    return "\n\n".join(again)


def name_variant(name: str, rng: random.Random) -> str:
    base = name.removesuffix(" Ltd")
    return rng.choice([f"{base} Limited", f"{base.upper()} LTD", f"{base} Ltd.", f"The {base} Ltd"])


@dataclass
class Response:
    kind: str  # campaign, duplicate, passage, distinct (what the response is)
    text: str
    organisation: str
    group: int | None = None  # campaign number, or the pair's number
    probe: bool = False  # compared during the benchmark (after everything before it is indexed)


@dataclass
class Fixture:
    responses: list[Response] = field(default_factory=list)


def build(size: int, probes: int, seed: int = 7) -> Fixture:
    """``size`` responses in submission order; the last ``probes`` are the ones compared by the benchmark:
    40% campaign letters, 20% second copies, 20% shared passages, 20% distinct responses."""
    rng = random.Random(seed)
    n_campaign = max(int(size * 0.06), 40)
    n_pairs = max(int(size * 0.02), 20)
    n_passage = max(int(size * 0.01), 20)
    p_campaign, p_dup, p_passage = int(probes * 0.4), int(probes * 0.2), int(probes * 0.2)
    p_distinct = probes - p_campaign - p_dup - p_passage
    shares = [0.4, 0.25, 0.15, 0.12, 0.08]
    templates = [[paragraph(rng, (3, 4)) for _ in range(rng.randint(3, 5))] for _ in shares]
    counter = iter(range(10**9))

    def org() -> str:
        kind = rng.choice(["Pharma", "Biologics", "Therapeutics", "Labs", "Medicines"])
        return f"{rng.choice(PLACES)} {kind} {next(counter)} Ltd"

    background: list[Response] = []
    tail: list[Response] = []
    for c, share in enumerate(shares):
        letters = max(int(n_campaign * share), 4)
        # At least two letters of each campaign are indexed before its probes arrive.
        probe_letters = min(max(int(p_campaign * share), 1), letters - 2)
        for i in range(letters):
            sender = org()
            r = Response(
                "campaign", campaign_letter(templates[c], rng, sender), sender, c, i >= letters - probe_letters
            )
            (tail if r.probe else background).append(r)
    for i in range(n_pairs):
        sender = org()
        first = distinct(rng)
        background.append(Response("original", "\n\n".join(first), sender, i))
        second = Response("duplicate", resend(first, rng), name_variant(sender, rng), i, i >= n_pairs - p_dup)
        (tail if second.probe else background).append(second)
    for i in range(n_passage):
        proposal = paragraph(rng, (2, 3))
        one = distinct(rng)
        one.insert(rng.randint(0, len(one)), proposal)
        background.append(Response("passage-source", "\n\n".join(one), org(), 10**6 + i))
        other = distinct(rng)
        other.insert(rng.randint(0, len(other)), _edit(proposal, rng, 1))
        r = Response("passage", "\n\n".join(other), org(), 10**6 + i, i >= n_passage - p_passage)
        (tail if r.probe else background).append(r)
    while len(background) + len(tail) + p_distinct < size:
        background.append(Response("distinct", "\n\n".join(distinct(rng)), org()))
    tail += [Response("distinct", "\n\n".join(distinct(rng)), org(), None, True) for _ in range(p_distinct)]
    rng.shuffle(background)
    rng.shuffle(tail)
    return Fixture(background + tail)
