"""The labelled evidence corpus (tests/fixtures/evidence_corpus.json, issue 12) keeps the rules of
/work/team/CORPUS_FORMAT.md: its shape, its counts, every label copied verbatim from its passage, slugs
that exist in the seeded catalogues, sources that are defined. The drafter's quality benchmark measures
itself against these labels, so a broken label would silently skew every figure it reports.

``corpus_problems`` lists every broken rule; the tests below check the real file has none, and that
each rule does fire on a copy of the file broken on purpose."""

import copy
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import jsonschema
import pytest

from evidence.models import EcosystemComponent, Indicator, OrganisationType, Region

CORPUS_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "evidence_corpus.json"

MIN_PASSAGES = 90
MIN_PER_COMPONENT = 8
MIN_DISSENTING = 12
MIN_DISSENT_COMPONENTS = 6
MIN_ASK_GROUPS = 8
MIN_PASSAGES_WITHOUT_ASK = 8
# The counts a corpus must reach; the held-out corpus (test_heldout_corpus.py) is smaller and passes its own.
LIMITS = {
    "passages": MIN_PASSAGES,
    "per_component": MIN_PER_COMPONENT,
    "dissenting": MIN_DISSENTING,
    "dissent_components": MIN_DISSENT_COMPONENTS,
    "ask_groups": MIN_ASK_GROUPS,
    "without_ask": MIN_PASSAGES_WITHOUT_ASK,
    "figure_shapes": True,  # a time series, £ million and £ billion, a measure stated by three organisations
}
WORDS = (60, 180)
DISSENT = {"opposes", "mixed"}
LABEL_KINDS = ("asks", "problems", "counter", "examples")

# The public bodies an ask may name, with the ways respondents write them. The drafter's own catalogue of
# bodies is seeded separately; this list only keeps the labels of this file consistent.
ACTORS = {
    "HM Treasury": ("HM Treasury", "the Treasury", "Treasury"),
    "DHSC": ("DHSC", "Department of Health and Social Care"),
    "DBT": ("DBT", "Department for Business and Trade"),
    "DSIT": ("DSIT", "Department for Science, Innovation and Technology"),
    "DESNZ": ("DESNZ", "Department for Energy Security and Net Zero"),
    "DfE": ("DfE", "Department for Education"),
    "MHCLG": ("MHCLG", "Ministry of Housing, Communities and Local Government"),
    "Home Office": ("Home Office",),
    "Office for Life Sciences": ("Office for Life Sciences",),
    "MHRA": ("MHRA", "Medicines and Healthcare products Regulatory Agency"),
    "NICE": ("NICE",),
    "NHS England": ("NHS England",),
    "UKRI": ("UKRI", "UK Research and Innovation"),
    "Innovate UK": ("Innovate UK",),
    "Ofgem": ("Ofgem",),
    "Scottish Government": ("Scottish Government",),
    "Welsh Government": ("Welsh Government",),
    "Northern Ireland Executive": ("Northern Ireland Executive",),
}

# Organisation names are fictional: none may carry the name of a real medicines company.
REAL_COMPANIES = (
    "AstraZeneca", "GSK", "GlaxoSmithKline", "Pfizer", "Novartis", "Roche", "Sanofi", "Merck", "MSD", "Lilly",
    "Moderna", "Catalent", "Fujifilm", "Oxford Biomedica", "Novo Nordisk", "Bayer", "Johnson & Johnson",
    "Teva", "Viatris", "Sandoz", "Accord", "Lonza", "Thermo Fisher", "Cytiva", "Ipsen", "Takeda", "Boehringer",
)  # fmt: skip

# A number in a passage is a measurement unless it is a year, part of the stated timescale, or part of a
# name or label such as "COVID-19" or "level 3".
YEAR = re.compile(r"^(19|20)\d\d(/\d\d)?s?$")
NUMBER = re.compile(r"\d{4}/\d{2}(?!\d)|\d[\d,]*(?:\.\d+)?")
LABEL_NUMBER = re.compile(r"\bCOVID-19\b|\b(?:level|levels|phase|scope|scopes|tier|stage|wave|route|grade)\s+\d+", re.I)

STANCES = ["supports", "opposes", "mixed", "none"]
SENTENCES = {"type": "array", "items": {"type": "string", "minLength": 8}}
SCHEMA = {
    "type": "object",
    "required": ["about", "sources", "passages"],
    "additionalProperties": False,
    "properties": {
        "about": {"type": "string", "minLength": 40},
        "sources": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^S\d{2}$"},
            "additionalProperties": {
                "type": "object",
                "required": ["publisher", "title", "date", "url"],
                "additionalProperties": False,
                "properties": {
                    "publisher": {"type": "string", "minLength": 2},
                    "title": {"type": "string", "minLength": 4},
                    "date": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                    "url": {"type": ["string", "null"], "pattern": r"^https?://"},
                },
            },
        },
        "passages": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "id",
                    "organisation",
                    "organisation_type",
                    "region",
                    "modelled_on",
                    "text",
                    "components",
                    "asks",
                    "ask_group",
                    "actor",
                    "timescale",
                    "problems",
                    "counter",
                    "examples",
                    "figures",
                ],  # fmt: skip
                "properties": {
                    "id": {"type": "string", "pattern": r"^P\d{3}$"},
                    "organisation": {"type": "string", "minLength": 3},
                    "organisation_type": {"type": "string"},
                    "region": {"type": "string"},
                    "modelled_on": {"type": "string", "pattern": r"^S\d{2}$"},
                    "text": {"type": "string"},
                    "components": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"enum": STANCES},
                    },
                    "asks": SENTENCES,
                    "ask_group": {"type": ["string", "null"], "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
                    "actor": {"enum": [None, *ACTORS]},
                    "timescale": {"type": ["string", "null"], "minLength": 3},
                    "problems": SENTENCES,
                    "counter": SENTENCES,
                    "examples": SENTENCES,
                    "figures": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["text", "value", "unit", "period", "indicator", "source"],
                            "properties": {
                                "text": {"type": "string", "minLength": 1},
                                "value": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
                                "unit": {"type": "string", "minLength": 1},
                                "period": {"type": ["string", "null"]},
                                "indicator": {"type": ["string", "null"]},
                                "source": {"type": ["string", "null"], "pattern": r"^S\d{2}$"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def load_corpus():
    with CORPUS_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def _unmeasured_numbers(passage):
    """Numbers in the text that no figure, timescale, year or label accounts for."""
    text = passage["text"]
    covered = [False] * len(text)
    spans = [figure["text"] for figure in passage["figures"]]
    if passage["timescale"]:
        spans.append(passage["timescale"])
    for span in spans:
        for match in re.finditer(re.escape(span), text):
            covered[match.start() : match.end()] = [True] * (match.end() - match.start())
    for match in LABEL_NUMBER.finditer(text):
        covered[match.start() : match.end()] = [True] * (match.end() - match.start())
    loose = []
    for match in NUMBER.finditer(text):
        token = match.group().rstrip(",")
        if all(covered[match.start() : match.start() + len(token)]):
            continue
        following = text[match.end() : match.end() + 1]
        if YEAR.match(token + ("s" if following == "s" else "")):
            continue
        loose.append(token)
    return loose


def _passage_problems(passage, catalogues, sources):
    pid = passage["id"]
    text = passage["text"]
    problems = []
    words = len(text.split())
    if not WORDS[0] <= words <= WORDS[1]:
        problems.append(f"{pid}: {words} words, outside {WORDS[0]}–{WORDS[1]}")
    if passage["organisation_type"] not in catalogues["organisation_types"]:
        problems.append(f"{pid}: unknown organisation type {passage['organisation_type']!r}")
    if passage["region"] not in catalogues["regions"]:
        problems.append(f"{pid}: unknown region {passage['region']!r}")
    for slug in passage["components"]:
        if slug not in catalogues["components"]:
            problems.append(f"{pid}: unknown component {slug!r}")
    if passage["modelled_on"] not in sources:
        problems.append(f"{pid}: modelled_on {passage['modelled_on']} is not a defined source")
    for name in REAL_COMPANIES:
        pattern = rf"\b{re.escape(name)}\b"
        if re.search(pattern, passage["organisation"]) or re.search(pattern, text):
            problems.append(f"{pid}: names a real company ({name})")

    for kind in LABEL_KINDS:
        for sentence in passage[kind]:
            if sentence not in text:
                problems.append(f"{pid}: {kind} sentence not verbatim in text: {sentence[:60]!r}")
    for ask in passage["asks"]:
        if ask.rstrip().endswith("?"):
            problems.append(f"{pid}: a question is labelled as an ask: {ask[:60]!r}")
        for kind in ("problems", "counter", "examples"):
            if ask in passage[kind]:
                problems.append(f"{pid}: the same sentence is labelled both ask and {kind}")
    if bool(passage["asks"]) != bool(passage["ask_group"]):
        problems.append(f"{pid}: asks and ask_group must be both set or both empty")
    ask_text = " ".join(passage["asks"])
    if passage["actor"]:
        if not passage["asks"]:
            problems.append(f"{pid}: an actor without an ask")
        elif not any(alias in ask_text for alias in ACTORS[passage["actor"]]):
            problems.append(f"{pid}: actor {passage['actor']} is not named in its asks")
    if passage["timescale"] and passage["timescale"] not in ask_text:
        problems.append(f"{pid}: timescale {passage['timescale']!r} is not in its asks")

    dissenting = any(stance in DISSENT for stance in passage["components"].values())
    if dissenting and not passage["counter"]:
        problems.append(f"{pid}: opposes or mixed, but no counter sentence is labelled")
    if passage["counter"] and not dissenting:
        problems.append(f"{pid}: counter sentences, but no component is marked opposes or mixed")

    for figure in passage["figures"]:
        if figure["text"] not in text:
            problems.append(f"{pid}: figure {figure['text']!r} not verbatim in text")
        try:
            Decimal(figure["value"])
        except InvalidOperation:
            problems.append(f"{pid}: figure value {figure['value']!r} is not a number")
        if figure["indicator"] is not None and figure["indicator"] not in catalogues["indicators"]:
            problems.append(f"{pid}: unknown indicator {figure['indicator']!r}")
        if figure["source"] is not None and figure["source"] not in sources:
            problems.append(f"{pid}: figure source {figure['source']} is not defined")
    loose = _unmeasured_numbers(passage)
    if loose:
        problems.append(f"{pid}: numbers without a figure label: {', '.join(loose)}")
    return problems


def corpus_problems(corpus, catalogues, limits=LIMITS):
    """Every rule of CORPUS_FORMAT.md the corpus breaks, as readable strings (empty when it keeps them all)."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(corpus), key=lambda error: list(error.absolute_path))
    if errors:
        return [f"schema: /{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in errors[:20]]

    sources = corpus["sources"]
    passages = corpus["passages"]
    problems = []
    ids = Counter(passage["id"] for passage in passages)
    problems += [f"{pid}: duplicate passage id" for pid, count in ids.items() if count > 1]
    for passage in passages:
        problems += _passage_problems(passage, catalogues, sources)

    if len(passages) < limits["passages"]:
        problems.append(f"{len(passages)} passages, fewer than {limits['passages']}")
    per_component = Counter(slug for passage in passages for slug in passage["components"])
    for slug in catalogues["components"]:
        if per_component[slug] < limits["per_component"]:
            problems.append(f"component {slug}: {per_component[slug]} passages, fewer than {limits['per_component']}")

    dissenting = [p for p in passages if any(s in DISSENT for s in p["components"].values())]
    dissent_components = {slug for p in dissenting for slug, stance in p["components"].items() if stance in DISSENT}
    if len(dissenting) < limits["dissenting"]:
        problems.append(f"{len(dissenting)} dissenting passages, fewer than {limits['dissenting']}")
    if len(dissent_components) < limits["dissent_components"]:
        problems.append(f"dissent over {len(dissent_components)} components, fewer than {limits['dissent_components']}")

    without_ask = sum(1 for passage in passages if not passage["asks"])
    if without_ask < limits["without_ask"]:
        problems.append(f"{without_ask} passages without an ask, fewer than {limits['without_ask']}")

    groups = defaultdict(list)
    for passage in passages:
        if passage["ask_group"]:
            groups[passage["ask_group"]].append(passage)
    shared = []
    for name, members in groups.items():
        organisations = {member["organisation"] for member in members}
        if len(organisations) != len(members):
            problems.append(f"ask group {name}: one organisation counted twice")
        types = {member["organisation_type"] for member in members}
        if 3 <= len(members) <= 6 and len(types) >= 3:
            shared.append(name)
    if len(shared) < limits["ask_groups"]:
        problems.append(
            f"{len(shared)} ask groups with 3–6 organisations of 3+ types, fewer than {limits['ask_groups']}"
        )

    organisations = defaultdict(set)
    for passage in passages:
        organisations[passage["organisation"]].add((passage["organisation_type"], passage["region"]))
    for name, kinds in organisations.items():
        if len(kinds) > 1:
            problems.append(f"organisation {name}: several types or regions")

    figures = [(passage, figure) for passage in passages for figure in passage["figures"]]
    periods = defaultdict(set)
    units = defaultdict(set)
    other_measures = defaultdict(set)
    for passage, figure in figures:
        if figure["indicator"]:
            periods[figure["indicator"]].add(figure["period"])
            units[figure["indicator"]].add(figure["unit"])
        else:
            other_measures[(figure["unit"], figure["value"], figure["period"])].add(passage["organisation"])
    if limits["figure_shapes"] and not any(len(found) >= 2 for found in periods.values()):
        problems.append("no indicator is given for two periods (a time series)")
    if limits["figure_shapes"] and not any(
        {"£ million a year", "£ billion a year"} <= found for found in units.values()
    ):
        problems.append("no indicator is given both in £ million and in £ billion")
    if limits["figure_shapes"] and not any(len(found) >= 3 for found in other_measures.values()):
        problems.append("no other measure (indicator null) is stated by three organisations")

    used = {passage["modelled_on"] for passage in passages} | {f["source"] for _, f in figures if f["source"]}
    problems += [f"source {sid} is defined but never used" for sid in sorted(set(sources) - used)]
    return problems


@pytest.fixture
def catalogues(db):
    return {
        "components": set(EcosystemComponent.objects.values_list("slug", flat=True)),
        "indicators": set(Indicator.objects.values_list("slug", flat=True)),
        "organisation_types": set(OrganisationType.objects.values_list("slug", flat=True)),
        "regions": set(Region.objects.values_list("slug", flat=True)),
    }


@pytest.fixture
def corpus():
    return load_corpus()


def test_corpus_keeps_every_rule(corpus, catalogues):
    assert corpus_problems(corpus, catalogues) == []


def _first(corpus, predicate):
    return next(passage for passage in corpus["passages"] if predicate(passage))


def _break_label(corpus):
    passage = _first(corpus, lambda p: p["asks"])
    passage["asks"][0] = passage["asks"][0] + " (reworded)"


def _break_slug(corpus):
    corpus["passages"][0]["components"]["taxation"] = "supports"


def _break_indicator(corpus):
    _first(corpus, lambda p: p["figures"])["figures"][0]["indicator"] = "r-and-d-spend"


def _break_figure(corpus):
    _first(corpus, lambda p: p["figures"])["figures"].pop(0)


def _break_dissent(corpus):
    for passage in corpus["passages"]:
        for slug, stance in passage["components"].items():
            if stance in DISSENT:
                passage["components"][slug] = "supports"
        passage["counter"] = []


def _break_groups(corpus):
    for passage in corpus["passages"]:
        if passage["ask_group"]:
            passage["ask_group"] = f"own-{passage['id'].lower()}"


def _break_source(corpus):
    corpus["passages"][0]["modelled_on"] = "S99"


def _break_counts(corpus):
    corpus["passages"] = [p for p in corpus["passages"] if "sustainability" not in p["components"]]


def _break_question(corpus):
    passage = _first(corpus, lambda p: p["asks"])
    question = "Why has nothing changed since the white paper?"
    passage["text"] += " " + question
    passage["asks"].append(question)


def _break_actor(corpus):
    _first(corpus, lambda p: p["asks"] and not p["actor"])["actor"] = "Ofgem"


def _break_real_name(corpus):
    corpus["passages"][0]["organisation"] = "AstraZeneca UK Ltd"


@pytest.mark.parametrize(
    "breaker, expected",
    [
        (_break_label, "not verbatim in text"),
        (_break_slug, "unknown component 'taxation'"),
        (_break_indicator, "unknown indicator 'r-and-d-spend'"),
        (_break_figure, "numbers without a figure label"),
        (_break_dissent, "dissenting passages, fewer than"),
        (_break_groups, "ask groups with 3–6 organisations"),
        (_break_source, "S99 is not a defined source"),
        (_break_counts, "component sustainability"),
        (_break_question, "a question is labelled as an ask"),
        (_break_actor, "actor Ofgem is not named in its asks"),
        (_break_real_name, "names a real company"),
    ],
)
def test_each_rule_fires_on_a_broken_copy(corpus, catalogues, breaker, expected):
    broken = copy.deepcopy(corpus)
    breaker(broken)
    problems = corpus_problems(broken, catalogues)
    assert any(expected in problem for problem in problems), problems


def test_schema_rejects_a_field_outside_the_format(corpus, catalogues):
    broken = copy.deepcopy(corpus)
    broken["passages"][0]["stance"] = "supports"
    assert any(problem.startswith("schema: /passages/0") for problem in corpus_problems(broken, catalogues))
