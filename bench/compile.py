"""Compilation at 1,000 / 10,000 / 50,000 submissions on PostgreSQL with Redis and one Celery worker of
two processes (goal: 10,000 in under 30 s wall, peak worker memory under 1 GB).

    .venv/bin/python bench/compile.py [--sizes 1000 10000 50000]
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _common import REDIS, ROOT, drop_database, fresh_database, manage

parser = argparse.ArgumentParser()
parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
args = parser.parse_args()


def tree(pid: int) -> list[int]:
    pids, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                child = int(stat.parent.name)
                pids.append(child)
                frontier.append(child)
    return pids


def peak_rss_mb(pids: list[int]) -> float:
    """The highest peak RSS (VmHWM) of any one worker process."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak / 1024


for size in args.sizes:
    url = fresh_database(f"compile{size}")
    manage(url, "migrate", "-v0")
    manage(url, "seed_demo", "--submissions", str(size), "--reviewed", "1.0")
    reviewed = manage(
        url,
        "shell",
        "-c",
        "from evidence.models import Submission as S; print(S.objects.filter(review_state='reviewed').count())",
    )
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "MMIP_QUEUE_PREFIX": queue}
    log = open(f"/tmp/{queue}.log", "w")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mmip",
            "worker",
            "-Q",
            f"{queue}.fast,{queue}.analysis",
            "-c",
            "2",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    time.sleep(4)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "manage.py", "compile_recommendations", "--consultation", "mmip-call-for-evidence", "--wait"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    peak = peak_rss_mb(tree(worker.pid))
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)
    status = out.stdout.splitlines()[1] if len(out.stdout.splitlines()) > 1 else out.stderr[-300:]
    print(
        f"{size} submissions ({reviewed.stdout.strip()} reviewed): {wall:.1f} s wall, peak worker process RSS "
        f"{peak:.0f} MB – {status}"
    )
    drop_database(url)
