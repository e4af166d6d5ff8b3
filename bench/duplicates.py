"""Duplicate and campaign detection after one submit, as the worker runs it, at a consultation's size
(default 10,000 seeded responses). Prints the median of three runs.

    .venv/bin/python bench/duplicates.py [--size 10000]
"""

import argparse
import statistics
import time

from _common import drop_database, fresh_database, manage, setup_django

parser = argparse.ArgumentParser()
parser.add_argument("--size", type=int, default=10000)
args = parser.parse_args()

url = fresh_database(f"dup{args.size}")
try:
    manage(url, "migrate", "-v0")
    manage(url, "seed_demo", "--submissions", str(args.size))
    setup_django(url)
    from evidence import duplicates
    from evidence.models import Submission

    submitted = Submission.objects.filter(status=Submission.Status.SUBMITTED)
    latest = submitted.order_by("-reference_number").first()
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        duplicates.detect_for_submission(submission_id=latest.pk)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    print(f"{submitted.count()} submitted responses: detection after one submit, median {median:.2f} s")
finally:
    from django.db import connections

    connections.close_all()
    drop_database(url)
