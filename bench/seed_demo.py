"""seed_demo speed: 10,000 submissions (goal: under 60 s) on SQLite and on PostgreSQL.

.venv/bin/python bench/seed_demo.py [--submissions 10000]
"""

import argparse
import tempfile
import time

from _common import drop_database, fresh_database, manage

parser = argparse.ArgumentParser()
parser.add_argument("--submissions", type=int, default=10000)
args = parser.parse_args()

sqlite = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
for label, url in [("SQLite", sqlite), ("PostgreSQL", fresh_database("seed"))]:
    manage(url, "migrate", "-v0")
    start = time.perf_counter()
    manage(url, "seed_demo", "--submissions", str(args.submissions), "--reviewed", "0.5")
    print(f"seed_demo --submissions {args.submissions} --reviewed 0.5 on {label}: {time.perf_counter() - start:.1f} s")
    if url.startswith("postgres"):
        drop_database(url)
