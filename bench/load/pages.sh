#!/usr/bin/env bash
# Each page's throughput against /healthz's, in the same run: gunicorn (3 sync workers), PostgreSQL, Redis
# and the Procfile's two Celery workers, one process each (fast: receipts; analysis: search text, duplicate
# detection, suggestions, at its lower CPU priority, MMIP_ANALYSIS_NICE) on 127.0.0.1, with locust on the
# same 2 cores. For each number of concurrent users (default 8 and 32), /healthz, then the response page, a draft
# save, a submit (after an amendment), then /healthz again, each for DURATION with no pauses. Prints requests
# per second and the ratio to the mean of the two /healthz passes (the machine is shared, so only ratios from
# one run compare), the CPU each request cost in the web server, the database, the worker and locust (all on
# the same cores) and how busy the cores were, the load average, and checks that every submit counted made
# a submitted version.
#   bash bench/load/pages.sh [DURATION] [USERS...]        (defaults: 20s 8 32)
# Environment: BENCH_PG (server URL, default postgres://postgres@127.0.0.1:5432), BENCH_DB (database name,
# created and dropped; default mmip_pages_<pid>), BENCH_REDIS (Redis URL with its db, default
# redis://127.0.0.1:6379/13; the run's queues are named pages-<pid>.* and deleted at the end),
# PORT (8766), WEB_WORKERS (gunicorn, 3), WORKER_LAYOUT (procfile, the default, or one: a single worker
# process for both queues at normal priority, as this script ran before 2 December 2026), PROFILE_DIR (if
# set, py-spy samples the web server and each worker during each pass and writes their stacks, folded, to
# PROFILE_DIR/<page>-<users>.txt and <page>-<users>-worker-<pid>.txt: where the CPU goes under load).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20s}; shift || true
LEVELS=${*:-8 32}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-mmip_pages_$$}; PORT=${PORT:-8766}; QUEUE=pages-$$
REDIS=${BENCH_REDIS:-redis://127.0.0.1:6379/13}
export DATABASE_URL="$PG/$DB" REDIS_URL=$REDIS MMIP_QUEUE_PREFIX=$QUEUE
export DEBUG=0 SECRET_KEY="pages-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')" ALLOWED_HOSTS=127.0.0.1
export SECURE_SSL_REDIRECT=0 EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
out=$(mktemp -d)
load() { cut -d' ' -f1-3 /proc/loadavg; }
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  sleep 2
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  # This run's queues, their bindings and priority lists: nothing else in the Redis database.
  .venv/bin/python - "$REDIS" "$QUEUE" <<'PY' || true
import sys, redis
client = redis.Redis.from_url(sys.argv[1])
keys = [*client.scan_iter(match=f"{sys.argv[2]}.*"), *client.scan_iter(match=f"_kombu.binding*.{sys.argv[2]}.*")]
if keys:
    client.delete(*keys)
PY
}
.venv/bin/pip install -q --group load 2>/dev/null
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
trap cleanup EXIT
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0
max=0; for n in $LEVELS; do [ "$n" -gt "$max" ] && max=$n; done
DJANGO_SETTINGS_MODULE=mmip.settings .venv/bin/python bench/load/prepare.py "$max" >/dev/null
DJANGO_SETTINGS_MODULE=mmip.settings .venv/bin/python bench/load/sessions.py "$max" >"$out/sessions"
export SESSIONS_FILE="$out/sessions"
if [ "${WORKER_LAYOUT:-procfile}" = one ]; then
  .venv/bin/celery -A mmip worker -Q "$QUEUE.fast,$QUEUE.analysis" -c 1 --loglevel=WARNING >"$out/worker.log" 2>&1 &
  worker=$!
else
  worker=
  for kind in fast analysis; do
    MMIP_WORKER_KIND=$kind .venv/bin/celery -A mmip worker -Q "$QUEUE.$kind" -n "$kind-$$@%h" -c 1 \
      --loglevel=WARNING >"$out/worker-$kind.log" 2>&1 &
    worker=${worker:+$worker,}$!
  done
fi
.venv/bin/gunicorn mmip.wsgi -w "${WEB_WORKERS:-3}" -b 127.0.0.1:$PORT --access-logfile /dev/null >"$out/gunicorn.log" 2>&1 &
web=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
versions() { psql "$DATABASE_URL" -tAc "SELECT count(*) FROM evidence_submissionversion"; }
drain() {  # wait (up to 10 minutes) until the worker has done what the submits queued; print how long it took
  .venv/bin/python - "$REDIS" "$QUEUE" <<'PY'
import sys, time, redis
client, queue = redis.Redis.from_url(sys.argv[1]), sys.argv[2]
start = time.monotonic()
while time.monotonic() - start < 600:
    waiting = sum(client.llen(name) for name in client.scan_iter(match=f"{queue}.*"))
    if not waiting and not any(client.hlen(key) for key in ("unacked", "unacked.fast", "unacked.analysis")):
        break
    time.sleep(1)
print(f"{time.monotonic() - start:.0f}")
PY
}
cpu() { .venv/bin/python bench/load/cpu.py "$web" "$worker" "$DB" "$@"; }
# The machine's busy and idle CPU time so far (/proc/stat, in ticks): idle time in a pass means what limits
# it is waiting (on the database, the network or the load generator), not the cores.
ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
rate() {  # PAGE USERS NAME -> "req/s requests failures p95" of NAME (set-up requests excluded), then the CPU
  # seconds the pass took in the web server, the worker, the database's backends and locust.
  # --reset-stats: counted from when every user has opened its response (the set-up is not measured).
  local before after busy
  before=$(cpu); busy=$(ticks)
  local spy=
  if [ -n "${PROFILE_DIR:-}" ]; then
    mkdir -p "$PROFILE_DIR"
    .venv/bin/py-spy record --pid "$web" --subprocesses --nonblocking --rate 250 --format raw \
      -o "$PROFILE_DIR/$1-$2.txt" >"$out/spy-$1-$2.log" 2>&1 &
    spy=$!
    for pid in ${worker//,/ }; do
      .venv/bin/py-spy record --pid "$pid" --subprocesses --nonblocking --rate 250 --format raw \
        -o "$PROFILE_DIR/$1-$2-worker-$pid.txt" >"$out/spy-$1-$2-worker-$pid.log" 2>&1 &
      spy="$spy $!"
    done
  fi
  PAGE=$1 /usr/bin/time -f "%U %S" -o "$out/$1-$2.time" .venv/bin/locust -f bench/load/locustfile.py PagePass \
    --headless -u "$2" -r "$2" -t "$DURATION" --reset-stats -H "http://127.0.0.1:$PORT" --csv "$out/$1-$2" \
    --only-summary >"$out/$1-$2.log" 2>&1 || true
  after=$(cpu "$before")
  if [ -n "$spy" ]; then kill -INT $spy 2>/dev/null; wait $spy 2>/dev/null || true; fi
  awk -F, -v name="$3" 'NR > 1 && $2 == name { printf "%.1f %s %s %s ", $10, $3, $4, $17 }' "$out/$1-$2_stats.csv"
  awk -v a="$after" -v l="$(tail -1 "$out/$1-$2.time")" -v b="$busy" -v e="$(ticks)" 'BEGIN {
    split(l, z, " "); split(b, t0, " "); split(e, t1, " ")
    used = t1[1] - t0[1]; idle = t1[2] - t0[2]
    printf "%s %.2f %.0f\n", a, z[1] + z[2], 100 * used / (used + idle > 0 ? used + idle : 1) }'
}
per() {  # "req/s requests failures p95 web worker db locust busy%" -> CPU ms per request of each
  awk -v line="$1" 'BEGIN { split(line, f, " "); n = f[2] > 0 ? f[2] : 1;
    printf "CPU per request: web %.1f ms, database %.1f ms, worker %.1f ms, locust %.1f ms; cores busy %d %%",
      1000 * f[5] / n, 1000 * f[7] / n, 1000 * f[6] / n, 1000 * f[8] / n, f[9] }'
}
echo "load average at the start: $(load) ($(nproc) cores); $DURATION a pass; database $DB, Redis $REDIS;" \
  "workers: ${WORKER_LAYOUT:-procfile}"
status=0
for users in $LEVELS; do
  h1line=$(rate healthz "$users" healthz); read -r h1 _ <<<"$h1line"
  lines=()
  for spec in "response:response page" "draft:draft save"; do
    lines+=("${spec#*:}|$(rate "${spec%%:*}" "$users" "${spec#*:}")")
  done
  before=$(versions)
  lines+=("submit|$(rate submit "$users" submit)")
  made=$(( $(versions) - before ))
  # The receipts, search text and duplicate detection of those submits, before anything else is measured.
  drained=$(drain)
  read -r h2 _ <<<"$(rate healthz "$users" healthz)"
  base=$(awk -v a="$h1" -v b="$h2" 'BEGIN { printf "%.1f", (a + b) / 2 }')
  echo "$users concurrent users: /healthz $h1 and $h2 req/s (mean $base); load average $(load)"
  echo "  /healthz (first pass): $(per "$h1line")"
  for line in "${lines[@]}"; do
    name=${line%%|*}; read -r rps count failures p95 _ <<<"${line#*|}"
    awk -v n="$name" -v r="$rps" -v b="$base" -v c="$count" -v f="$failures" -v p="$p95" \
      'BEGIN { printf "  %-14s %7.1f req/s  ratio %.3f  (%d requests, %d failures, p95 %s ms)\n", n, r, r / b, c, f, p }'
    echo "                 $(per "${line#*|}")"
  done
  # Every submit counted must have made a submitted version (each follows an amendment). The pass also made
  # versions that are not counted: submits before the statistics were reset, and those still in flight
  # when it stopped.
  read -r _ counted failed _ <<<"${lines[2]#*|}"
  echo "  submitted versions made in the submit pass: $made, for $counted submits counted ($failed failed);"
  echo "  the worker finished their receipts and analysis ${drained} s after the pass"
  if [ "$counted" -le 0 ] || [ "$failed" -ne 0 ] || [ "$made" -lt "$counted" ]; then
    echo "  INVALID submit pass: not every submit submitted" >&2; status=1
  fi
done
grep -ciE " 500 |Traceback" "$out/gunicorn.log" | sed 's/^/server errors in the gunicorn log: /' || true
echo "load average at the end: $(load)"
exit $status
