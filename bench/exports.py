"""Exports and the dashboard at scale on PostgreSQL (goals: DOCX pack with a 10,000-submission register
< 15 s; XLSX register of 100,000 submissions < 500 MB peak memory; dashboard < 500 ms median at 100,000).

    .venv/bin/python bench/exports.py [--small 10000] [--large 100000]
"""

import argparse
import subprocess
import sys
import tempfile
import time

from _common import ROOT, drop_database, fresh_database, manage, median_ms, setup_django, timed

parser = argparse.ArgumentParser()
parser.add_argument("--small", type=int, default=10000)
parser.add_argument("--large", type=int, default=100000)
parser.add_argument("--only-large", action="store_true", help="skip the 10,000-submission pack")
parser.add_argument("--only-small", action="store_true", help="skip the 100,000-submission register and dashboard")
args = parser.parse_args()
out = tempfile.mkdtemp()

small = None if args.only_large else fresh_database("exports_small")
if small:
    manage(small, "migrate", "-v0")
    manage(small, "seed_demo", "--submissions", str(args.small), "--reviewed", "0.6")
    run = manage(small, "compile_recommendations", "--consultation", "mmip-call-for-evidence", "--wait").stdout.split()[
        1
    ]
    start = time.perf_counter()
    manage(small, "export_pack", "--run", run, "--format", "docx", "--out", f"{out}/pack.docx")
    docx_seconds = time.perf_counter() - start
    manage(
        small,
        "export_register",
        "--consultation",
        "mmip-call-for-evidence",
        "--format",
        "xlsx",
        "--out",
        f"{out}/reg.xlsx",
    )
    print(
        f"DOCX pack + XLSX register of {args.small} submissions: {time.perf_counter() - start:.1f} s "
        f"(DOCX pack {docx_seconds:.1f} s)"
    )
    start = time.perf_counter()
    manage(small, "export_pack", "--run", run, "--format", "pdf", "--out", f"{out}/pack.pdf")
    print(f"PDF pack: {time.perf_counter() - start:.1f} s")
    drop_database(small)


if args.only_small:
    sys.exit(0)
large = fresh_database("exports_large")
manage(large, "migrate", "-v0")
manage(large, "seed_demo", "--submissions", str(args.large), "--reviewed", "0.3")
# In production autovacuum keeps the visibility map current as responses arrive, which is what lets the
# dashboard's counts be index-only scans; right after a bulk load it has not run yet, so run it here.
subprocess.run(["psql", large, "-qc", "VACUUM ANALYZE"], check=True)
start = time.perf_counter()
done = subprocess.run(
    [
        sys.executable,
        "bench/_peak.py",
        "manage.py",
        "export_register",
        "--consultation",
        "mmip-call-for-evidence",
        "--format",
        "xlsx",
        "--out",
        f"{out}/big.xlsx",
    ],
    cwd=ROOT,
    env={"DATABASE_URL": large, "PATH": "/usr/bin:/bin"},
    check=True,
    capture_output=True,
    text=True,
)
peak = done.stdout.split("PEAK_RSS_MB")[-1].strip()
print(f"XLSX register of {args.large} submissions: {time.perf_counter() - start:.1f} s, peak memory {peak} MB")
setup_django(large)
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

client = Client()
client.force_login(get_user_model().objects.get(username="lead@demo.mmip"))
url = "/lead/dashboard/mmip-call-for-evidence/"
client.get(url)
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

with CaptureQueriesContext(connection) as queries:
    client.get(url)
for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]:
    print(f"  {float(query['time']) * 1000:.0f} ms  {query['sql'][:110]}")
print(
    f"dashboard at {args.large} submissions: median {median_ms(timed(lambda: client.get(url), 15))} ms over 15 requests"
)
drop_database(large)
