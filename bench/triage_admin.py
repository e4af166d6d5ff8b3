"""The reviewers' changelist and full-text search at scale, on PostgreSQL (goals: changelist < 500 ms,
search < 200 ms, medians).

    .venv/bin/python bench/triage_admin.py [--submissions 100000] [--keep]
"""

import argparse

from _common import drop_database, fresh_database, manage, median_ms, setup_django, timed

parser = argparse.ArgumentParser()
parser.add_argument("--submissions", type=int, default=100000)
parser.add_argument("--repeat", type=int, default=15)
parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
args = parser.parse_args()

url = fresh_database("triage")
print(f"database: {url}")
manage(url, "migrate", "-v0")
manage(url, "seed_demo", "--submissions", str(args.submissions), "--reviewed", "0.3")
setup_django(url)

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
client = Client()
client.force_login(get_user_model().objects.get(username="reviewer@demo.mmip"))
changelist = reverse("admin:evidence_submission_changelist")
client.get(changelist)  # warm up
with CaptureQueriesContext(connection) as queries:
    client.get(changelist)
results = {
    "changelist": timed(lambda: client.get(changelist), args.repeat),
    "changelist, filtered (reviewed, skills)": timed(
        lambda: client.get(changelist + "?review_state__exact=reviewed&component=2"), args.repeat
    ),
    "full-text search 'apprenticeship levy'": timed(
        lambda: client.get(changelist + "?q=apprenticeship+levy"), args.repeat
    ),
}
from evidence import search  # noqa: E402
from evidence.models import Submission  # noqa: E402

results["search query alone (ranked, first 50)"] = timed(
    lambda: list(search.search(Submission.objects.all(), "energy costs")[:50]), args.repeat
)
print(f"{Submission.objects.count()} submissions; changelist queries: {len(queries)}")
for label, samples in results.items():
    print(f"{label}: median {median_ms(samples)} ms over {len(samples)} requests")
if not args.keep:
    drop_database(url)
