"""Profile the submitter pages that bench/load/pages.sh measures, in-process, under the production settings
(DEBUG=0) on PostgreSQL with Redis as the cache: the response page (GET), a draft save (POST of the about
section that changes the text, not followed) and a submit (after an amendment). Prints, for each, the
queries per request, the mean CPU time per request and the functions that took most of it (cProfile,
cumulative), so per-request work can be compared before and after a change. The Django test client skips
the WSGI server, so the figures are the app's own work.

    .venv/bin/python bench/load/profile_pages.py [--requests 300] [--only healthz|response|draft|submit]
        [--sort cumulative|tottime] [--top 25] [--sql] [--dump DIR] [--cpu]

A throwaway database ``mmip_bench_profile_<pid>`` (``--database``) is created, migrated and dropped
(``--keep`` keeps it). Redis: BENCH_REDIS (default db 12). No worker runs: what the submits queue is deleted at the
end with the run's queues.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _common import PG, REDIS, ROOT, manage  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--requests", type=int, default=300)
parser.add_argument("--database", default=f"mmip_bench_profile_{os.getpid()}")
parser.add_argument("--top", type=int, default=25)
parser.add_argument("--keep", action="store_true")
parser.add_argument("--sql", action="store_true", help="print each pass's queries")
parser.add_argument("--dump", metavar="DIR", help="also write each pass's profile to DIR/<pass>.prof")
parser.add_argument("--only", choices=["healthz", "response", "draft", "submit"], action="append")
parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative or tottime")
parser.add_argument(
    "--cpu",
    action="store_true",
    help="profile CPU time (time.process_time) instead of wall time: waiting on the database costs nothing",
)
parser.add_argument(
    "--repeat",
    type=int,
    default=0,
    help="no profile: N timed passes of --requests each, alternating pages; the fastest",
)
args = parser.parse_args()

url = f"{PG}/{args.database}"
os.environ.update(
    {
        "DEBUG": "0",
        "SECRET_KEY": "profile-" + "k" * 50,
        "ALLOWED_HOSTS": "testserver",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "MMIP_QUEUE_PREFIX": f"profile-{os.getpid()}",
        "DATABASE_URL": url,
        "REDIS_URL": REDIS,
        "DJANGO_SETTINGS_MODULE": "mmip.settings",
    }
)
sys.path.insert(0, str(ROOT))
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
created = subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {args.database}"], check=False)
try:
    manage(url, "migrate", "-v0", redis=REDIS)
    manage(url, "collectstatic", "--noinput", "-v0", redis=REDIS)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from evidence import demo
    from evidence.models import Membership, Organisation, OrganisationType, Region, Submission

    consultation = demo.ensure_consultation()
    user, _ = get_user_model().objects.get_or_create(username="profile@bench.example", email="profile@bench.example")
    if not Membership.objects.filter(user=user).exists():
        organisation = Organisation.objects.create(
            name="Profile Pharma Ltd",
            organisation_type=OrganisationType.objects.get(slug="cdmo"),
            size_band="medium",
            region=Region.objects.get(slug="wales"),
        )
        Membership.objects.create(user=user, organisation=organisation)
    client = Client()
    client.force_login(user)
    client.post(f"/calls/{consultation.slug}/start/")
    submission = Submission.objects.get(created_by=user)
    base = submission.get_absolute_url()
    client.post(f"{base}answers/", {"proposals": "Fund national sterile training centres."})
    client.post(f"{base}confidentiality/", {"confidentiality": "publishable", "consent_to_publish": "on"})
    rounds = iter(range(10**9))

    def save():
        client.cookies.pop("messages", None)  # as a browser that shows the next page (bench/load/locustfile.py)
        response = client.post(
            f"{base}about/",
            {"summary": f"We employ 400 people and need {next(rounds)} more engineers.", "declared_interests": ""},
        )
        assert response.status_code == 302, response.status_code
        return response

    def submit():
        save()
        response = client.post(f"{base}submit/")
        assert response.status_code == 302 and "confirmation" in response["Location"], response.get("Location")

    def page():
        assert client.get(base).status_code == 200

    anonymous = Client()  # as pages.sh asks it: no session

    def health():
        assert anonymous.get("/healthz").status_code == 200

    passes = {
        "healthz": ("/healthz", health),
        "response": ("response page", page),
        "draft": ("draft save", save),
        "submit": ("submit", submit),
    }
    if args.repeat:
        # On a shared machine one pass's CPU time moves by tens of per cent with the neighbours' load: the
        # fastest of several passes, taken in turn, is the steadiest figure of what a request costs.
        # Page by page, in the order above: the response page is measured before any submit, as pages.sh does.
        for key in args.only or list(passes):
            for _ in range(20):
                passes[key][1]()
            best = float("inf")
            for _ in range(args.repeat):
                cpu = time.process_time()
                for _ in range(args.requests):
                    passes[key][1]()
                best = min(best, (time.process_time() - cpu) / args.requests)
            print(f"{passes[key][0]}: {1000 * best:.2f} ms CPU per request (fastest of {args.repeat})")
    for key in [] if args.repeat else args.only or list(passes):
        name, request = passes[key]
        for _ in range(20):  # warm up: templates, connections, caches
            request()
        queries = []  # counted by a wrapper: the request's start resets connection.queries

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            request()
        profiler = cProfile.Profile(time.process_time) if args.cpu else cProfile.Profile()
        cpu, wall = time.process_time(), time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            request()
        profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"\n== {name}: {len(queries)} queries; {1000 * cpu / args.requests:.2f} ms CPU, "
            f"{1000 * wall / args.requests:.2f} ms wall per request (under cProfile; load average "
            f"{os.getloadavg()[0]:.1f})"
        )
        if args.sql:
            print("\n".join(f"   {sql[:400]}" for sql in queries))
        if args.dump:
            profiler.dump_stats(f"{args.dump}/{key}.prof")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
        # The same without the profiler's overhead, for the per-request figure itself.
        cpu = time.process_time()
        for _ in range(args.requests):
            request()
        print(f"   without the profiler: {1000 * (time.process_time() - cpu) / args.requests:.2f} ms CPU per request")
finally:
    import redis

    client = redis.Redis.from_url(REDIS)  # the queues the submits' outbox published to: this run's only
    prefix = os.environ["MMIP_QUEUE_PREFIX"]
    keys = [*client.scan_iter(match=f"{prefix}.*"), *client.scan_iter(match=f"_kombu.binding*.{prefix}.*")]
    if keys:
        client.delete(*keys)
    if not args.keep and created.returncode == 0:
        from django.db import connections

        connections.close_all()
        subprocess.run(
            ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"], check=False
        )
