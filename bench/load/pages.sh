#!/usr/bin/env bash
# Each page's throughput against /healthz's, in the same run: gunicorn (3 sync workers), PostgreSQL, Redis
# and a Celery worker on 127.0.0.1, with locust on the same 2 cores. For each number of concurrent users
# (default 8 and 32), /healthz, then the response page, a draft save, a submit (after an amendment), then
# /healthz again, each for DURATION with no pauses. Prints requests per second and the ratio to the mean of
# the two /healthz passes (the machine is shared, so only ratios from one run compare).
#   bash bench/load/pages.sh [DURATION] [USERS...]        (defaults: 20s 8 32)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20s}; shift || true
LEVELS=${*:-8 32}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=mmip_pages_$$; PORT=${PORT:-8766}; QUEUE=pages-$$
export DATABASE_URL="$PG/$DB" REDIS_URL=${BENCH_REDIS:-redis://127.0.0.1:6379/11} CELERY_QUEUE=$QUEUE
export DEBUG=0 SECRET_KEY="pages-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=0 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
out=$(mktemp -d)
.venv/bin/pip install -q --group load 2>/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
trap 'kill $(jobs -p) 2>/dev/null; sleep 2; psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0
max=0; for n in $LEVELS; do [ "$n" -gt "$max" ] && max=$n; done
DJANGO_SETTINGS_MODULE=mmip.settings .venv/bin/python bench/load/prepare.py "$max" >/dev/null
DJANGO_SETTINGS_MODULE=mmip.settings .venv/bin/python bench/load/sessions.py "$max" >"$out/sessions"
export SESSIONS_FILE="$out/sessions"
.venv/bin/celery -A mmip worker -Q "$QUEUE" -c 1 --loglevel=WARNING >"$out/worker.log" 2>&1 &
.venv/bin/gunicorn mmip.wsgi -w "${WEB_WORKERS:-3}" -b 127.0.0.1:$PORT --access-logfile /dev/null >"$out/gunicorn.log" 2>&1 &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
rate() {  # PAGE USERS NAME -> requests per second of NAME (set-up requests excluded)
  # --reset-stats: counted from when every user has opened its response (the set-up is not measured).
  PAGE=$1 .venv/bin/locust -f bench/load/locustfile.py PagePass --headless -u "$2" -r "$2" -t "$DURATION" --reset-stats \
    -H "http://127.0.0.1:$PORT" --csv "$out/$1-$2" --only-summary >"$out/$1-$2.log" 2>&1 || true
  awk -F, -v name="$3" 'NR > 1 && $2 == name { printf "%.1f %s %s %s\n", $10, $3, $4, $17 }' "$out/$1-$2_stats.csv"
}
for users in $LEVELS; do
  read -r h1 _ <<<"$(rate healthz "$users" healthz)"
  lines=()
  for spec in "response:response page" "draft:draft save" "submit:submit"; do
    lines+=("${spec#*:}|$(rate "${spec%%:*}" "$users" "${spec#*:}")")
  done
  read -r h2 _ <<<"$(rate healthz "$users" healthz)"
  base=$(awk -v a="$h1" -v b="$h2" 'BEGIN { printf "%.1f", (a + b) / 2 }')
  echo "$users concurrent users: /healthz $h1 and $h2 req/s (mean $base)"
  for line in "${lines[@]}"; do
    name=${line%%|*}; read -r rps count failures p95 <<<"${line#*|}"
    awk -v n="$name" -v r="$rps" -v b="$base" -v c="$count" -v f="$failures" -v p="$p95" \
      'BEGIN { printf "  %-14s %7.1f req/s  ratio %.3f  (%d requests, %d failures, p95 %s ms)\n", n, r, r / b, c, f, p }'
  done
done
grep -ciE " 500 |Traceback" "$out/gunicorn.log" | sed 's/^/server errors in the gunicorn log: /' || true
