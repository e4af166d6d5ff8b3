"""How good are the drafts? The labelled corpus is loaded through the services the web forms and the admin
use (answers only), reviewed twice over in two consultations ("suggested": tags with the app's stance
suggestions accepted, no excerpts; "coded": tags with the labelled stance and the labelled excerpts),
compiled, and measured against the labels.

    .venv/bin/python bench/quality.py [--corpus tests/fixtures/evidence_corpus.json] [--json] [--print-pack]

Goals (issue 12): titles that are labelled asks 100% (both passes); dissenting passages shown as dissent
≥ 90% when coded (also reported with suggestions only); dissenting passages used as support or titles 0 when
coded (also reported with suggestions only, where a wrong stance suggestion a reviewer accepted can cause
it); theme labels that are term lists 0 (both passes). Also counted: drafts whose actor is not who their
title says should act, and titles that still lean on the respondent's context (compile/references.py).
With --json the last line is one JSON object with the figures. Runs on a throwaway SQLite database with
Celery eager (no services needed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser()
parser.add_argument("--corpus", default=None, help="default: tests/fixtures/evidence_corpus.json")
parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
parser.add_argument("--print-pack", action="store_true", help="print the coded pass's drafts and themes")
args = parser.parse_args()

corpus_path = Path(args.corpus) if args.corpus else ROOT / "tests/fixtures/evidence_corpus.json"
if not corpus_path.exists():
    sys.exit(f"{corpus_path}: no labelled corpus there (pass --corpus PATH)")

workdir = tempfile.mkdtemp(prefix="mmip-quality-")
os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/quality.sqlite3"
os.environ.pop("REDIS_URL", None)
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmip.settings")
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
logging.disable(logging.WARNING)  # the eager tasks' progress lines would bury the figures

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402

from evidence import corpus as corpus_loader  # noqa: E402
from evidence.language import passage_asks, read_stance, tokens, verb_lemma  # noqa: E402
from recommendations import services  # noqa: E402
from recommendations.compile.asks import recommendation_title  # noqa: E402
from recommendations.compile.data import ActorInfo  # noqa: E402
from recommendations.compile.references import unresolved  # noqa: E402
from recommendations.models import CompilationRun, ComponentResult, PublicBody, Recommendation  # noqa: E402


def log(*parts) -> None:
    print(*parts, file=sys.stderr if args.json else sys.stdout)


def norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w%£$.]+", " ", text.casefold()).split()).rstrip(".")


def same(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    return bool(a and b) and (a in b or b in a)


def title_actor(title: str) -> str:
    """Who the title says should act ("The Office for Life Sciences should …"), "" for an imperative."""
    m = re.match(r"^(?P<who>.+?) should ", title)
    return m.group("who") if m else ""


MODAL_WORDS = frozenset("should must shall will would can could may might ought".split())
CATENATIVE = frozenset("help let make".split())  # "help fund X", "let employers spend": a verb may follow
DANGLING = frozenset("and or the a an".split())  # "… signs up to" is English; "… and" or "… the" is not


VERB_PREFIXES = frozenset("co re pre de un mis over under out up cross".split())  # "co-fund", "re-open"


def _pos(word: str) -> set[str]:
    from lemminflect import getAllLemmas

    prefix, _, head = word.rpartition("-")
    if prefix in VERB_PREFIXES and "VERB" in getAllLemmas(head):
        return {"VERB"}  # a prefixed verb is a verb, not the noun its last part may also be
    return set(getAllLemmas(head or word))


def _adverb(word: str) -> bool:
    return "ADV" in _pos(word) and "VERB" not in _pos(word)


def _base_verb(word: str) -> bool:
    head = word.rsplit("-", 1)[-1]
    return verb_lemma(head) == head and word not in MODAL_WORDS


def title_fault(title: str) -> str:
    """Why a title does not read as "<Actor> should <verb> …" or "<Verb> …", or "": a simple check with the
    lemma tables the compiler uses. After "should" (or at the start), adverbs and then a verb in its base form;
    not a second verb straight after it, bare ("provide co-fund") or after an adverb ("provide jointly fund"),
    unless the first takes one ("help fund"); no adverb before "should", no doubled modal, no dangling last word
    ("… and to")."""
    who, _, rest = title.partition(" should ") if " should " in title else ("", "", title)
    words = tokens(rest.rstrip("…"))
    last = re.sub(r"[^\w-]", "", title.rstrip("…").split()[-1].lower()) if title.split() else ""
    if not words:
        return "empty"
    if last in DANGLING or re.search(r"(?:\band|\bor|,)\s+to$", title.rstrip("…. ")):
        return f"ends with {last!r}"
    if who and _adverb(tokens(who)[-1]):
        return f"adverb before 'should' ({tokens(who)[-1]!r})"
    n = 0
    while n < len(words) - 1 and _adverb(words[n]):
        n += 1
    verb = words[n]
    if verb in MODAL_WORDS:
        return f"doubled modal ({verb!r})"
    if not _base_verb(verb):
        return f"no verb ({verb!r})"
    after = words[n + 1 : n + 3]
    if after and verb not in CATENATIVE:
        # "provide jointly fund": an adverb of manner between them ("put in place": a particle, not a verb's)
        adverb = len(after) > 1 and (_adverb(after[0]) and after[0].endswith("ly") or after[0] in {"then", "also"})
        second = after[1] if adverb else after[0]
        if _base_verb(second) and (adverb or _pos(second) <= {"VERB", "AUX"}):
            return f"two verbs ({verb!r} {second!r})"
    return ""


def same_actor(a: str, b: str) -> bool:
    strip = lambda s: re.sub(r"^the\s+", "", s.strip(), flags=re.I).casefold()  # noqa: E731
    return strip(a) == strip(b)


def term_list(label: str) -> bool:
    words = re.findall(r"[a-z0-9£%]+", label.lower())
    return label.count(",") >= 2 or any(w.isdigit() for w in words) or len(words) != len(set(words)) or not words


started = time.perf_counter()
call_command("migrate", verbosity=0)
corpus = corpus_loader.read(corpus_path)
passages = {p["id"]: p for p in corpus["passages"]}
User = get_user_model()
reviewer = User.objects.create_user(username="quality-reviewer", email="reviewer@quality.example", is_staff=True)
reviewer.groups.add(*Group.objects.filter(name="Reviewer"))
lead = User.objects.create_user(username="quality-lead", email="lead@quality.example", is_staff=True)
lead.groups.add(*Group.objects.filter(name__in=["Lead", "Confidential evidence"]))

# --- Detection against the labels (the cues alone) -------------------------------------------------------
tp = fp = fn = 0
for p in passages.values():
    detected = passage_asks(p["text"])
    labelled = p.get("asks") or []
    tp += sum(1 for d in detected if any(same(d, a) for a in labelled))
    fp += sum(1 for d in detected if not any(same(d, a) for a in labelled))
    fn += sum(1 for a in labelled if not any(same(d, a) for d in detected))
ask_precision = tp / (tp + fp) if tp + fp else 0.0
ask_recall = tp / (tp + fn) if tp + fn else 0.0
stance_pairs = [(read_stance(p["text"]).stance, s) for p in passages.values() for s in p["components"].values()]
stance_accuracy = sum(a == b for a, b in stance_pairs) / len(stance_pairs) if stance_pairs else 0.0
confusion = Counter(stance_pairs)
dissenting = {(pid, c) for pid, p in passages.items() for c, s in p["components"].items() if s in ("opposes", "mixed")}
# The same ask made by several organisations: labelled ask groups with three or more supporting organisations.
group_orgs: dict[str, set[str]] = defaultdict(set)
for p in passages.values():
    if p.get("ask_group") and "supports" in p["components"].values():
        group_orgs[p["ask_group"]].add(p["organisation"])
multi_org_groups = sorted(g for g, orgs in group_orgs.items() if len(orgs) >= 3)
# Every labelled ask titled as a draft would title it (not only the asks that become drafts): the title reader's
# grammar over the whole corpus.
catalogue = tuple(ActorInfo(b.label, tuple(b.names())) for b in PublicBody.objects.active().order_by("order"))
ask_titles = [recommendation_title(a, "", catalogue)[0] for p in passages.values() for a in p.get("asks") or []]
faulty_ask_titles = [(t, title_fault(t)) for t in ask_titles if title_fault(t)]


# --- Load, review and compile, twice ----------------------------------------------------------------------
def compile_pass(coding: str) -> dict:
    t0 = time.perf_counter()
    loaded = corpus_loader.load(corpus, slug=f"quality-{coding}", coding=coding, reviewer=reviewer)
    run = services.compilation_start(consultation=loaded.consultation, by=lead, parameters={"source": "quality"})
    run.refresh_from_db()
    if run.state != CompilationRun.State.SUCCEEDED:
        sys.exit(f"the {coding} run did not succeed: {run.state} {run.error}")
    log(f"{coding}: loaded and compiled {len(loaded.reference_of)} passages in {time.perf_counter() - t0:.1f} s")
    recs = list(Recommendation.objects.filter(run=run).select_related("component"))
    results = list(ComponentResult.objects.filter(run=run).select_related("component"))
    return {"loaded": loaded, "run": run, "recs": recs, "results": results}


passes = {coding: compile_pass(coding) for coding in (corpus_loader.SUGGESTED, corpus_loader.CODED)}


def measure(outcome: dict) -> dict:
    loaded, recs = outcome["loaded"], outcome["recs"]
    pid = loaded.passage_of
    titles_ok, titles = 0, []
    misused = []
    shown = set()
    purity_num = purity_den = 0
    actor_disagrees, context_titles, faulty = [], [], []
    for rec in recs:
        source = rec.basis.get("source", {})
        passage = passages.get(pid.get(source.get("reference"), ""), {})
        is_ask = any(same(source.get("text", ""), a) for a in passage.get("asks") or [])
        titles_ok += is_ask
        titles.append((rec, is_ask))
        component = rec.component.slug
        for comp in [component, *rec.also_components.values_list("slug", flat=True)]:
            for statement in rec.dissent:
                for ref in statement.get("references", []):
                    shown.add((pid.get(ref), comp))
        for ref in rec.basis.get("references", []):
            if (pid.get(ref), component) in dissenting:
                misused.append((pid.get(ref), component, "support"))
        if (pid.get(source.get("reference")), component) in dissenting:
            misused.append((pid.get(source.get("reference")), component, "title"))
        if not same_actor(title_actor(rec.title), rec.actor):
            actor_disagrees.append(rec)
        if title_fault(rec.title):
            faulty.append((rec, title_fault(rec.title)))
        leaning = unresolved(rec.title, source.get("text", ""))
        if leaning:
            context_titles.append((rec, leaning))
        groups = Counter(passages[pid[r]].get("ask_group") for r in rec.basis.get("references", []) if r in pid)
        groups.pop(None, None)
        if groups:
            purity_num += groups.most_common(1)[0][1]
            purity_den += sum(groups.values())
    labels = [t["label"] for r in outcome["results"] for t in r.data.get("themes", [])]
    # For each ask made by three or more organisations: the most of them that one draft gathers.
    gathered = {
        g: max(
            (
                len(
                    {
                        passages[pid[r]]["organisation"]
                        for r in rec.basis.get("references", [])
                        if r in pid and passages[pid[r]].get("ask_group") == g
                    }
                )
                for rec in recs
            ),
            default=0,
        )
        for g in multi_org_groups
    }
    return {
        "drafts": len(recs),
        "titles_that_are_asks": titles_ok / len(recs) if recs else 0.0,
        "titles": titles,
        "dissent_shown": len(dissenting & shown) / len(dissenting) if dissenting else 1.0,
        "not_shown": sorted(dissenting - shown),
        "misused": misused,
        "grouping_purity": purity_num / purity_den if purity_den else 0.0,
        "labels": labels,
        "term_list_labels": [label for label in labels if term_list(label)],
        "with_actor": sum(1 for r in recs if r.actor),
        "with_timescale": sum(1 for r in recs if r.timescale),
        "contested": sum(1 for r in recs if r.contested),
        "gathered": gathered,
        "actor_disagrees": actor_disagrees,
        "context_titles": context_titles,
        "faulty_titles": faulty,
    }


figures = {coding: measure(outcome) for coding, outcome in passes.items()}
coded, suggested = figures[corpus_loader.CODED], figures[corpus_loader.SUGGESTED]

result = {
    "passages": len(passages),
    "dissenting_passages": len({pid for pid, _ in dissenting}),
    "titles_that_are_asks": round(min(coded["titles_that_are_asks"], suggested["titles_that_are_asks"]), 3),
    "dissent_shown_coded": round(coded["dissent_shown"], 3),
    "dissent_shown_suggested": round(suggested["dissent_shown"], 3),
    "dissent_as_support_or_title": len(coded["misused"]),
    "dissent_as_support_or_title_suggested": len(suggested["misused"]),
    "ask_precision": round(ask_precision, 3),
    "ask_recall": round(ask_recall, 3),
    "stance_accuracy": round(stance_accuracy, 3),
    "grouping_purity": round(coded["grouping_purity"], 3),
    "grouping_purity_suggested": round(suggested["grouping_purity"], 3),
    "multi_org_asks": len(multi_org_groups),
    "multi_org_asks_with_3plus_draft": sum(1 for n in coded["gathered"].values() if n >= 3),
    "multi_org_asks_without_draft": sum(1 for n in coded["gathered"].values() if n == 0),
    "term_list_labels": len(coded["term_list_labels"]) + len(suggested["term_list_labels"]),
    "drafts_coded": coded["drafts"],
    "drafts_suggested": suggested["drafts"],
    "drafts_with_actor_coded": coded["with_actor"],
    "drafts_with_timescale_coded": coded["with_timescale"],
    "contested_coded": coded["contested"],
    "actor_disagrees_with_title_coded": len(coded["actor_disagrees"]),
    "actor_disagrees_with_title_suggested": len(suggested["actor_disagrees"]),
    "titles_leaning_on_context_coded": len(coded["context_titles"]),
    "titles_leaning_on_context_suggested": len(suggested["context_titles"]),
    "ungrammatical_ask_titles": len(faulty_ask_titles),
    "ungrammatical_titles_coded": len(coded["faulty_titles"]),
    "ungrammatical_titles_suggested": len(suggested["faulty_titles"]),
    "seconds": round(time.perf_counter() - started, 1),
}

log(f"corpus: {corpus_path.name}, {result['passages']} passages, {result['dissenting_passages']} dissenting")
log(f"ask detection: precision {ask_precision:.2f}, recall {ask_recall:.2f} ({tp} right, {fp} wrong, {fn} missed)")
log(f"stance suggestion accuracy {stance_accuracy:.2f} over {len(stance_pairs)} passage × component labels")
log(f"titles of all {len(ask_titles)} labelled asks that do not read as a sentence: {len(faulty_ask_titles)}")
for t, fault in faulty_ask_titles:
    log(f"  ({fault}) {t!r}")
log("  confusion (suggested, labelled): " + ", ".join(f"{a}/{b} {n}" for (a, b), n in sorted(confusion.items())))
for name, f in figures.items():
    log(
        f"{name}: {f['drafts']} drafts; titles that are labelled asks {f['titles_that_are_asks']:.0%}; dissent shown "
        f"{f['dissent_shown']:.0%}; dissent used as support or title {len(f['misused'])}; grouping purity "
        f"{f['grouping_purity']:.2f}; {f['with_actor']} with an actor, {f['with_timescale']} with a timescale, "
        f"{f['contested']} contested; term-list labels {len(f['term_list_labels'])} of {len(f['labels'])}"
    )
    log(
        f"  asks made by 3+ organisations: {len(multi_org_groups)}; most supporters one draft gathers: "
        + ", ".join(f"{g} {n}/{len(group_orgs[g])}" for g, n in f["gathered"].items())
    )
    for rec, ok in f["titles"]:
        if not ok:
            log(f"  title not a labelled ask: {rec.title!r} ← {rec.basis.get('source', {}).get('text')!r}")
    for rec in f["actor_disagrees"]:
        log(f"  actor {rec.actor or 'needs lead input'!r} is not who the title names: {rec.title!r}")
    for rec, leaning in f["context_titles"]:
        log(f"  title leans on its context ({', '.join(leaning)}): {rec.title!r}")
    for rec, fault in f["faulty_titles"]:
        log(f"  title does not read as a sentence ({fault}): {rec.title!r}")
    for p, c, how in f["misused"]:
        log(f"  dissenting passage {p} ({c}) used as {how}")
    if f["not_shown"]:
        log("  dissent not shown: " + ", ".join(f"{p}/{c}" for p, c in f["not_shown"][:20]))

if args.print_pack:
    outcome = passes[corpus_loader.CODED]
    themes = defaultdict(list)
    for r in outcome["results"]:
        themes[r.component.slug] = r.data.get("themes", [])
    for r in outcome["results"]:
        log(f"\n=== {r.component.name}: {r.message}")
        for t in themes[r.component.slug]:
            log(
                f"  theme: {t['label']} ({t['size']} responses; {t.get('supports', 0)} support, "
                f"{t.get('opposes', 0)} oppose, {t.get('mixed', 0)} mixed)"
            )
        for rec in [x for x in outcome["recs"] if x.component_id == r.component_id]:
            log(f"\n  {rec.number}. {rec.title}{'  [CONTESTED]' if rec.contested else ''}")
            log(f"     actor: {rec.actor or 'needs lead input'}; timescale: {rec.timescale or 'needs lead input'}")
            log(f"     from: {rec.basis.get('source', {}).get('text', '')}")
            log(f"     objective: {rec.objective}")
            for s in rec.rationale:
                log(f"     - {s['text']} {s.get('references', [])[:6]}")
            for s in rec.dissent:
                log(f"     ! {s['text']} {s.get('references', [])}")

if args.json:
    print(json.dumps(result))
