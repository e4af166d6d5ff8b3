"""Duplicate and campaign detection as the worker runs it after each submit: what it finds (precision and
recall per kind, on the labelled fixture of bench/_dupfixture.py) and what one submit costs (time and
memory) when the call already holds 1,000, 10,000 or 100,000 responses.

    .venv/bin/python bench/duplicates.py [--sizes 1000 10000 100000] [--probes 300] [--prefix NAME] [--drop]

For each size it builds (once, then reuses) the PostgreSQL database ``mmip_bench_dup_<size>`` (``--prefix``
changes ``mmip_bench_dup``): the fixture's responses, all but the probes indexed in bulk, except the
campaign letters: the first ``EARLY_LETTERS`` of each campaign are compared and grouped one by one in
order, as the worker would have; the later ones (thousands at 100,000) are indexed in bulk and joined to
their campaign's group directly, as the worker would have left them. Their index rows are the same either
way (a band key stops taking rows at ``BUCKET_CAP``, well under ``EARLY_LETTERS``), so the probes meet the
same index. Then each probe is compared as if just
submitted, in order, inside one transaction that is rolled back at the end, so a rerun starts from the
same state. ``--drop`` drops the databases afterwards; ``--sqlite`` runs on a SQLite file instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path

from _common import PG, ROOT, manage, setup_django
from _dupfixture import build

# Campaign letters compared one by one while building a database (the rest joined in bulk).
EARLY_LETTERS = 120

parser = argparse.ArgumentParser()
parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
parser.add_argument("--probes", type=int, default=300)
parser.add_argument("--prefix", default="mmip_bench_dup", help="database names: PREFIX_<size>")
parser.add_argument("--drop", action="store_true", help="drop the databases afterwards")
parser.add_argument("--sqlite", action="store_true", help="a SQLite file in var/ instead of PostgreSQL")
parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # one size, in a child process
args = parser.parse_args()


def database_url(size: int) -> str:
    if args.sqlite:
        return f"sqlite:///{ROOT / 'var' / f'bench_dup_{size}.sqlite3'}"
    return f"{PG}/{args.prefix}_{size}"


def exists(url: str) -> bool:
    if url.startswith("sqlite"):
        return Path(url.removeprefix("sqlite:///")).exists()
    name = url.rsplit("/", 1)[1]
    out = subprocess.run(
        ["psql", f"{PG}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip() == "1"


def create(url: str) -> None:
    if not url.startswith("sqlite"):
        name = url.rsplit("/", 1)[1]
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    manage(url, "migrate", "-v0")


def drop(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def load(size: int, fixture) -> None:
    """The fixture's responses as submitted responses; all but the probes indexed in bulk."""
    import datetime as dt

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from evidence import duplicates
    from evidence.models import Consultation, DuplicateFlag, Organisation, OrganisationType, Region, Submission

    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            slug="bench", title="Benchmark call", opens_at=now - dt.timedelta(days=90), closes_at=now + dt.timedelta(90)
        )
        user = get_user_model().objects.create(username="bench", email="bench@example.org")
        kind, region = OrganisationType.objects.first(), Region.objects.first()
        organisations = Organisation.objects.bulk_create(
            [Organisation(name=r.organisation, organisation_type=kind, region=region) for r in fixture.responses],
            batch_size=2000,
        )
        Submission.objects.bulk_create(
            [
                Submission(
                    consultation=consultation,
                    organisation=org,
                    created_by=user,
                    status=Submission.Status.SUBMITTED,
                    confidentiality=Submission.Confidentiality.PUBLISHABLE,
                    reference_number=n,
                    reference=f"MMIP-{n:06d}",
                    summary=r.text,
                    search_document=r.text,  # what evidence.search.refresh builds from a summary alone
                    submitted_at=now,
                    first_submitted_at=now,
                    version=1,
                )
                for n, (r, org) in enumerate(zip(fixture.responses, organisations, strict=True), start=1)
            ],
            batch_size=2000,
        )
        Consultation.objects.filter(pk=consultation.pk).update(last_reference_number=len(fixture.responses))
    ids = Submission.objects.order_by("reference_number").values_list("pk", flat=True)
    labelled = list(zip(ids, fixture.responses, strict=True))
    background = [pk for pk, r in labelled if not r.probe and r.kind != "campaign"]
    for start in range(0, len(background), 5000):
        duplicates.index_submissions(background[start : start + 5000])
    # The campaign letters as the worker saw them arrive, each compared with the letters before it and
    # grouped, so the probes meet campaigns as they would in production; past EARLY_LETTERS a campaign's
    # letters add no index rows (their keys are full), so they are indexed in bulk and joined directly.
    letters = defaultdict(list)
    for pk, r in labelled:
        if r.kind == "campaign" and not r.probe:
            letters[r.group].append(pk)
    assert EARLY_LETTERS > 2 * duplicates.BUCKET_CAP
    for pk in sorted(pk for group in letters.values() for pk in group[:EARLY_LETTERS]):
        duplicates.detect_for_submission(submission_id=pk)
    later = {group: pks[EARLY_LETTERS:] for group, pks in letters.items() if len(pks) > EARLY_LETTERS}
    if later:
        duplicates.index_submissions([pk for pks in later.values() for pk in pks])
        label = dict(labelled)
        joined = Counter(
            DuplicateFlag.objects.filter(kind=DuplicateFlag.Kind.CAMPAIGN).values_list(
                "campaign_id", "campaign__founder_id", "campaign__founder__reference"
            )
        )
        flags = []
        for group, pks in later.items():
            # The group's largest campaign (ideally its only one).
            (campaign, founder, key), _ = max(
                ((c, n) for c, n in joined.items() if label[c[1]].group == group and label[c[1]].kind == "campaign"),
                key=lambda cn: cn[1],
            )
            flags += [
                DuplicateFlag(
                    submission_id=pk, similar_to_id=founder, similarity=0.9, kind=DuplicateFlag.Kind.CAMPAIGN,
                    campaign_id=campaign, campaign_key=key,
                )
                for pk in pks
            ]  # fmt: skip
        DuplicateFlag.objects.bulk_create(flags, batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(f"  built {size} responses and indexed {len(background)} in {time.perf_counter() - started:.0f} s")


def run_one(size: int) -> None:
    url = database_url(size)
    fresh = not exists(url)
    if fresh:
        create(url)
    setup_django(url)
    from django.db import connection, transaction

    from evidence import duplicates
    from evidence.models import Campaign, DuplicateFlag, PassageBand, Submission

    fixture = build(size, args.probes)
    if fresh or not Submission.objects.exists():
        load(size, fixture)
    ids = list(Submission.objects.order_by("reference_number").values_list("pk", flat=True))
    last = Submission.objects.order_by("reference_number").values_list("summary", flat=True).last()
    if len(ids) != size or last != fixture.responses[-1].text:
        sys.exit(f"{url} does not hold this fixture (built by another version): drop it and run again")
    label = dict(zip(ids, fixture.responses, strict=True))
    probes = [pk for pk in ids if label[pk].probe]
    bands = PassageBand.objects.count()

    # Two passes over the probes, each rolled back: time and CPU first, then memory. tracemalloc records
    # every allocation, which multiplies the CPU time (it inflated the first figures several times over).
    timings, cpu, peaks = [], [], []
    with transaction.atomic():
        for pk in probes:
            started, started_cpu = time.perf_counter(), time.process_time()
            duplicates.detect_for_submission(submission_id=pk)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        transaction.set_rollback(True)
    with transaction.atomic():
        tracemalloc.start()
        for pk in probes:
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            duplicates.detect_for_submission(submission_id=pk)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
        tracemalloc.stop()
        flags = list(
            DuplicateFlag.objects.filter(submission_id__in=probes).values_list("submission_id", "similar_to_id", "kind")
        )
        campaigns = Counter(label[f].group for f in Campaign.objects.values_list("founder_id", flat=True))
        transaction.set_rollback(True)

    def related(a, b, kind) -> bool:
        ra, rb = label[a], label[b]
        if kind == DuplicateFlag.Kind.CAMPAIGN:
            return ra.kind == rb.kind == "campaign" and ra.group == rb.group
        if kind == DuplicateFlag.Kind.DUPLICATE:
            return {ra.kind, rb.kind} == {"original", "duplicate"} and ra.group == rb.group
        return {ra.kind, rb.kind} == {"passage", "passage-source"} and ra.group == rb.group

    expected = {
        "campaign": DuplicateFlag.Kind.CAMPAIGN,
        "duplicate": DuplicateFlag.Kind.DUPLICATE,
        "passage": DuplicateFlag.Kind.PASSAGE,
    }
    found = defaultdict(set)  # (probe, kind) with a correct flag
    right, made = Counter(), Counter()
    flagged = set()
    for submission, other, kind in flags:
        made[kind] += 1
        flagged.add(submission)
        if related(submission, other, kind):
            right[kind] += 1
            found[kind].add(submission)
    by_kind = defaultdict(list)
    for pk in probes:
        by_kind[label[pk].kind].append(pk)
    ms = sorted(t * 1000 for t in timings)
    print(
        f"{size:>7,} responses ({bands:,} index rows, {connection.vendor}, load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores): per submit median "
        f"{statistics.median(ms):.1f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.1f} ms, max {ms[-1]:.1f} ms "
        f"(this process's CPU: median {statistics.median(cpu) * 1000:.1f} ms); "
        f"Python memory per submit, peak {max(peaks) / 2**20:.1f} MB"
    )
    for kind, flag_kind in expected.items():
        probes_of_kind = by_kind[kind]
        recall = len(found[flag_kind] & set(probes_of_kind)) / len(probes_of_kind)
        precision = right[flag_kind] / made[flag_kind] if made[flag_kind] else float("nan")
        print(
            f"    {kind:<9} {len(probes_of_kind):>4} probes: recall {recall:.3f}, "
            f"precision {precision:.3f} ({made[flag_kind]} flags)"
        )
    clean = [pk for pk in by_kind["distinct"] if pk not in flagged]
    print(
        f"    distinct  {len(by_kind['distinct']):>4} probes: "
        f"{len(clean) / len(by_kind['distinct']):.3f} left unflagged"
    )
    print(
        f"    campaign groups founded: {dict(sorted(campaigns.items()))} (fixture campaign → groups; 1 each is ideal)"
    )


if args.size:
    run_one(args.size)
    sys.exit(0)
for size in args.sizes:
    # Each size in its own process: Django is set up once per database.
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "_peak.py"),
        __file__,
        "--size",
        str(size),
        "--probes",
        str(args.probes),
        "--prefix",
        args.prefix,
    ]
    if args.sqlite:
        cmd.append("--sqlite")
    subprocess.run(cmd, check=True, cwd=ROOT)
    if args.drop:
        drop(database_url(size))
