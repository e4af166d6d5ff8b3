"""A deadline rush: SUBMITS drafts submitted at once (8 at a time) into a call that already holds 100,000
responses, with the Procfile's two Celery workers doing what follows a submit: the fast worker the receipts,
the analysis worker the search text and duplicate detection. Prints how long each receipt took from its
submit (goal: p95 under 5 s for 500 submits at 100,000), and how long the analysis after each submit took.

    .venv/bin/python bench/load/rush.py [--submits 500] [--database mmip_bench_pages_100000]

Uses the database bench/admin_dashboard.py builds (seed_demo at 100,000: about 6,000 drafts); each run
submits drafts that are still drafts, so it can be run again. Redis db 12 (BENCH_REDIS); the run's queues
are deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import PG, REDIS, ROOT, setup_django  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--submits", type=int, default=500)
parser.add_argument("--database", default="mmip_bench_pages_100000")
parser.add_argument("--timeout", type=float, default=900)
args = parser.parse_args()

queue = f"rush-{os.getpid()}"
env = {
    **os.environ,
    "DATABASE_URL": f"{PG}/{args.database}",
    "REDIS_URL": REDIS,
    "MMIP_QUEUE_PREFIX": queue,
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}
os.environ.update({k: env[k] for k in ("MMIP_QUEUE_PREFIX", "EMAIL_BACKEND")})
setup_django(env["DATABASE_URL"], redis=REDIS)

from django.db import close_old_connections  # noqa: E402

from evidence import services  # noqa: E402
from evidence.models import Submission, SubmissionVersion, TextFingerprint  # noqa: E402

drafts = list(
    Submission.objects.filter(status=Submission.Status.DRAFT)
    .exclude(summary="")
    .select_related("created_by")
    .order_by("pk")[: args.submits]
)
if len(drafts) < args.submits:
    sys.exit(f"Only {len(drafts)} drafts left in {args.database}: rebuild it (bench/admin_dashboard.py --drop).")


def procfile(name: str) -> str:
    """The Procfile's command for one process: the bench runs what a deployment runs."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {n: command for n, _, command in (line.partition(": ") for line in lines if line)}[name]


# The deployment's two workers, with their Procfile commands (and concurrency, FAST_CONCURRENCY and
# ANALYSIS_CONCURRENCY, default 2 each), on this run's own queues (MMIP_QUEUE_PREFIX).
logs = Path(tempfile.mkdtemp(prefix="rush-"))
workers = []
for kind in ("fast", "analysis"):
    command = procfile(kind).replace("@%h", f"-{queue}@%h")
    with (logs / f"{kind}.log").open("wb") as out:
        workers.append(
            subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                cwd=ROOT,
                env={**env, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"},
                start_new_session=True,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        )
try:
    deadline = time.monotonic() + 90
    while not all(" ready." in (logs / f"{kind}.log").read_text(errors="replace") for kind in ("fast", "analysis")):
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            sys.exit(f"The workers did not start; logs in {logs}")
        time.sleep(0.5)

    def submit(draft: Submission) -> None:
        try:
            services.submission_submit(submission=draft, by=draft.created_by)
        finally:
            close_old_connections()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, drafts))
    submitted_in = time.perf_counter() - started
    ids = [d.pk for d in drafts]
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        waiting = SubmissionVersion.objects.filter(submission_id__in=ids, receipt_sent_at__isnull=True).count()
        indexed = TextFingerprint.objects.filter(submission_id__in=ids).count()
        if not waiting and indexed == len(ids):
            break
        time.sleep(1)
    versions = SubmissionVersion.objects.filter(submission_id__in=ids).values_list("created_at", "receipt_sent_at")
    receipts = sorted((sent - made).total_seconds() for made, sent in versions if sent)
    analysed = sorted(
        (fp.indexed_at - fp.submission.submitted_at).total_seconds()
        for fp in TextFingerprint.objects.filter(submission_id__in=ids).select_related("submission")
    )

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(len(values) * p))]

    total = Submission.objects.exclude(status=Submission.Status.DRAFT).count()
    print(
        f"{len(ids)} submits in {submitted_in:.1f} s into a call of {total:,} responses "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    print(
        f"  receipts: {len(receipts)} sent; after the submit p50 {statistics.median(receipts):.1f} s, "
        f"p95 {pct(receipts, 0.95):.1f} s, max {receipts[-1]:.1f} s"
    )
    print(
        f"  search text and duplicate detection: {len(analysed)} done; p50 {statistics.median(analysed):.1f} s, "
        f"p95 {pct(analysed, 0.95):.1f} s, max {analysed[-1]:.1f} s after the submit"
    )
finally:
    for worker in workers:
        os.killpg(worker.pid, 15)
    for worker in workers:
        worker.wait(timeout=30)
    import redis

    client = redis.Redis.from_url(REDIS)  # this run's queues, their bindings and priority lists: nothing else
    keys = [*client.scan_iter(match=f"{queue}.*"), *client.scan_iter(match=f"_kombu.binding*.{queue}.*")]
    if keys:
        client.delete(*keys)
