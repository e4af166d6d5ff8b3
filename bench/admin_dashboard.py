"""The reviewers' changelist (with and without a search) and the leads' dashboard at 100,000 responses on
PostgreSQL, each measured twice: as right after a bulk load, before autovacuum has set the visibility map
(so index-only scans must visit the table), and after ``VACUUM ANALYZE``. Goals: under 300 ms (medians).

    .venv/bin/python bench/admin_dashboard.py [--submissions 100000] [--repeat 15] [--database NAME] [--drop]

The database ``mmip_bench_pages_<n>`` (or ``--database``) is built once with ``seed_demo`` and reused by
later runs (``--drop`` drops it at the end). The dashboard shows stored figures (recommendations.dashboard):
the page is measured reading them, and their recomputation (the background task) separately.
"Before vacuum" is recreated on each run by clearing the visibility map
(``pg_truncate_visibility_map`` from PostgreSQL's pg_visibility extension) of the tables the pages read.
"""

from __future__ import annotations

import argparse
import os
import subprocess

from _common import PG, manage, median_ms, setup_django, timed

parser = argparse.ArgumentParser()
parser.add_argument("--submissions", type=int, default=100000)
parser.add_argument("--repeat", type=int, default=15)
parser.add_argument("--database", help="the database name (default mmip_bench_pages_<submissions>)")
parser.add_argument("--drop", action="store_true")
args = parser.parse_args()

name = args.database or f"mmip_bench_pages_{args.submissions}"
url = f"{PG}/{name}"
exists = subprocess.run(
    ["psql", f"{PG}/postgres", "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
    capture_output=True,
    text=True,
    check=True,
).stdout.strip()
if not exists:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    manage(url, "migrate", "-v0")
    manage(url, "seed_demo", "--submissions", str(args.submissions), "--reviewed", "0.3")
else:
    manage(url, "migrate", "-v0")  # this checkout's migrations (indexes) on the kept data
print(f"database: {url}")
setup_django(url)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from evidence.models import Consultation, OrganisationType, Submission  # noqa: E402
from recommendations import dashboard  # noqa: E402

TABLES = [
    "evidence_submission",
    "evidence_componenttag",
    "evidence_organisation",
    "evidence_reviewassignment",
    "evidence_duplicateflag",
]
consultation = Consultation.objects.get(slug="mmip-call-for-evidence")
reference = (
    Submission.objects.filter(consultation=consultation).exclude(reference="").values_list("reference", flat=True)
)
reference = reference.order_by("-reference_number").first()
kind = OrganisationType.objects.get(slug="cdmo").pk
changelist = reverse("admin:evidence_submission_changelist")
pages = {
    "changelist": changelist,
    "changelist, search 'apprenticeship levy'": changelist + "?q=apprenticeship+levy",
    f"changelist, search a reference ({reference.lower()})": changelist + f"?q={reference.lower()}",
    "changelist, filtered (CDMO, reviewed)": changelist + f"?organisation_type={kind}&review_state__exact=reviewed",
    "leads' dashboard": reverse("recommendations:dashboard", args=[consultation.slug]),
}
reviewer = Client()
reviewer.force_login(get_user_model().objects.get(username="reviewer@demo.mmip"))
lead = Client()
lead.force_login(get_user_model().objects.get(username="lead@demo.mmip"))


def measure(state: str) -> None:
    load = os.getloadavg()[0]
    print(f"{Submission.objects.count():,} submissions, {state} (load average {load:.1f} on {os.cpu_count()} cores):")
    for label, path in pages.items():
        client = lead if "dashboard" in label else reviewer
        assert client.get(path).status_code == 200, path  # warm up
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        captured = queries.captured_queries
        slowest = max(captured, key=lambda q: float(q["time"]))
        samples = timed(lambda c=client, p=path: c.get(p), args.repeat)
        print(
            f"  {label}: median {median_ms(samples)} ms, fastest {min(samples) * 1000:.0f} ms "
            f"({len(captured)} queries, slowest {float(slowest['time']) * 1000:.0f} ms)"
        )
    if not hasattr(dashboard, "refresh"):
        return  # an older checkout, whose page computed the figures itself
    samples = timed(lambda: dashboard.refresh(consultation), max(3, args.repeat // 3))
    print(
        f"  dashboard figures recomputed (the beat task's work; the page before it read a snapshot): "
        f"median {median_ms(samples)} ms, fastest {min(samples) * 1000:.0f} ms"
    )


with connection.cursor() as cursor:
    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_visibility")
    for table in TABLES:
        # As after a bulk load: no page is known all-visible, so index-only scans read the table too.
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")  # nosec B608: our names
        cursor.execute("SELECT pg_truncate_visibility_map(%s)", [table])
    cursor.execute("ANALYZE")
measure("visibility map cleared (autovacuum not yet run)")
with connection.cursor() as cursor:
    for table in TABLES:
        cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")  # nosec B608
        cursor.execute(f"VACUUM ANALYZE {table}")  # nosec B608
measure("after VACUUM ANALYZE")
connection.close()
if args.drop:
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)
