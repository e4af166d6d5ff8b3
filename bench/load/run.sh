#!/usr/bin/env bash
# Load benchmark: gunicorn (3 sync workers for 2 cores) + PostgreSQL + Redis + a Celery worker on 127.0.0.1 only; 200
# simulated submitters sign in, save drafts and submit for 5 minutes; then the same server's throughput
# for a trivial one-row view. Prints the figures and checks every reference exists once with its receipt.
#   bash bench/load/run.sh [USERS] [DURATION]        (defaults: 200 5m)
# Environment: THINK_MIN/THINK_MAX (seconds a simulated person pauses on each page, default 10–30),
# SPAWN_RATE (users arriving per second, default 2: all 200 signed in within 100 s), WEB_WORKERS (gunicorn, 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-200}; DURATION=${2:-5m}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=mmip_load_$$; PORT=${PORT:-8765}; QUEUE=load-$$
export DATABASE_URL="$PG/$DB" REDIS_URL=${BENCH_REDIS:-redis://127.0.0.1:6379/11} MMIP_QUEUE_PREFIX=$QUEUE
export DEBUG=0 SECRET_KEY="load-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=0 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
# Secure cookies need HTTPS; the benchmark speaks plain HTTP to 127.0.0.1 only.
export SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
# All simulated users come from 127.0.0.1: the per-address sign-in limit would refuse most of them.
export LOGIN_RATE_LIMIT=100000/m/ip
out=$(mktemp -d)
.venv/bin/pip install -q --group load 2>/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
trap 'kill $(jobs -p) 2>/dev/null; sleep 2; psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0
DJANGO_SETTINGS_MODULE=mmip.settings .venv/bin/python bench/load/prepare.py "$USERS"
.venv/bin/celery -A mmip worker -Q "$QUEUE.fast,$QUEUE.analysis" -c 2 --loglevel=WARNING >"$out/worker.log" 2>&1 &
.venv/bin/gunicorn mmip.wsgi -w "${WEB_WORKERS:-3}" -b 127.0.0.1:$PORT --access-logfile /dev/null >"$out/gunicorn.log" 2>&1 &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
.venv/bin/locust -f bench/load/locustfile.py Submitter --headless -u "$USERS" -r "${SPAWN_RATE:-2}" -t "$DURATION" \
  -H "http://127.0.0.1:$PORT" --csv "$out/submit" --only-summary >"$out/locust-submit.log" 2>&1 || true
# CPU seconds each kind of process used during the submitter phase (all share the same 2 cores).
ps -eo comm=,cputimes= | awk '{cpu[$1]+=$2} END {for (c in cpu) if (cpu[c] >= 1) printf "%s %d\n", c, cpu[c]}' \
  | sort -k2 -nr | tr '\n' ' ' | sed 's/^/CPU seconds by process since start: /; s/$/\n/' >"$out/cpu.txt"
.venv/bin/locust -f bench/load/locustfile.py Baseline --headless -u 50 -r 50 -t 60s \
  -H "http://127.0.0.1:$PORT" --csv "$out/baseline" --only-summary >"$out/locust-baseline.log" 2>&1 || true
# The submitter mix's own ceiling: 20 of the same users with no pauses, for the ratio to the trivial view.
THINK_MIN=0 THINK_MAX=0 .venv/bin/locust -f bench/load/locustfile.py Submitter --headless -u 20 -r 20 -t 60s \
  -H "http://127.0.0.1:$PORT" --csv "$out/capacity" --only-summary >"$out/locust-capacity.log" 2>&1 || true
sleep 10  # let the worker finish the last receipts
OUT=$out .venv/bin/python - <<'PY'
import csv, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmip.settings")
django.setup()
from django.db.models import Count
from evidence.models import OutboxTask, Submission
out = os.environ["OUT"]
def rows(name):
    return {r["Name"]: r for r in csv.DictReader(open(f"{out}/{name}_stats.csv"))}
submit, base, capacity = rows("submit"), rows("baseline"), rows("capacity")
agg, healthz = submit["Aggregated"], base["healthz"]
errors = sum(int(r["Failure Count"]) for r in submit.values() if r["Name"] != "Aggregated")
dupes = Submission.objects.exclude(reference="").values("reference").annotate(n=Count("pk")).filter(n__gt=1).count()
submitted = Submission.objects.filter(status="submitted")
missing_receipts = sum(1 for s in submitted.only("version", "receipt_version") if s.receipt_version < s.version)
print(f"requests: {agg['Request Count']} in total, {float(agg['Requests/s']):.1f} req/s, failures {errors}")
print(f"submit: {submit['submit']['Request Count']} submits, p50 {submit['submit']['50%']} ms, p95 {submit['submit']['95%']} ms, p99 {submit['submit']['99%']} ms")
for name, row in sorted(submit.items()):
    if name not in {"Aggregated", "submit"}:
        print(f"  {name}: {row['Request Count']} requests, p50 {row['50%']} ms, p95 {row['95%']} ms")
print(f"trivial one-row view (/healthz): {float(healthz['Requests/s']):.1f} req/s, p95 {healthz['95%']} ms")
ceiling = capacity["Aggregated"]
print(f"submitter mix with no pauses (20 users): {float(ceiling['Requests/s']):.1f} req/s, "
      f"p95 {ceiling['95%']} ms, failures {ceiling['Failure Count']}")
print(f"ratio, submitter mix to trivial view: {float(ceiling['Requests/s']) / float(healthz['Requests/s']):.2f} "
      f"at their ceilings; the 200 pausing users used {float(agg['Requests/s']) / float(healthz['Requests/s']):.2f}")
print(f"references: {submitted.count()} submitted, {dupes} duplicated; receipts missing: {missing_receipts}; "
      f"outbox pending: {OutboxTask.objects.filter(dispatched_at__isnull=True).count()}")
PY
cat "$out/cpu.txt"
grep -ciE " 500 |Traceback" "$out/gunicorn.log" | sed 's/^/server errors in the gunicorn log: /'
