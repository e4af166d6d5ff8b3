"""``/readyz``: may this process take traffic, and is the rest of the deployment doing its work?

``/healthz`` stays the cheap liveness check (the process answers). ``/readyz`` checks, each with a short
timeout: the database, the cache and the Celery broker (Redis), the outbox backlog (work the broker has not
taken for minutes means it or the sweeper is down), and the age of the last scheduled sweep (beat and the
fast worker are running). It answers 200 when all pass, 503 otherwise, with a JSON body naming each check.
It says what failed, never how: no host names or error texts for whoever can reach it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "mmip:heartbeat:outbox-sweep"


def beat_heartbeat() -> None:
    """Called by each scheduled outbox sweep: the time of the last run beat asked for."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=24 * 3600)


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def check_cache() -> str | None:
    if not settings.REDIS_URL:
        return None  # each process's memory: nothing to reach
    import redis

    with redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2) as client:
        client.ping()
    return None


def check_broker() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # development: tasks run in-process
    from mmip.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return None


def check_outbox() -> str | None:
    from evidence.models import OutboxTask

    stale = timezone.now() - dt.timedelta(seconds=settings.MMIP_READY_OUTBOX_MAX_AGE)
    waiting = OutboxTask.objects.filter(dispatched_at__isnull=True, created_at__lt=stale).count()
    if waiting:
        return f"{waiting} task(s) waiting longer than {settings.MMIP_READY_OUTBOX_MAX_AGE} s"
    return None


def check_beat() -> str | None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return None  # no beat in development
    last = cache.get(HEARTBEAT_KEY)
    if last is None:
        return "no scheduled run recorded yet"
    age = (timezone.now() - dt.datetime.fromisoformat(last)).total_seconds()
    if age > settings.MMIP_READY_BEAT_MAX_AGE:
        return f"last scheduled run {age:.0f} s ago"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "outbox": check_outbox,
    "beat": check_beat,
}


def run_checks() -> tuple[bool, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            problem = check()
        except Exception as exc:  # any failure of a dependency is "not ready", named by its kind only
            problem = f"unavailable ({type(exc).__name__})"
        results[name] = {"ok": problem is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
        if problem:
            results[name]["problem"] = problem
    return all(r["ok"] for r in results.values()), results


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    ready, results = run_checks()
    return JsonResponse({"ready": ready, "checks": results}, status=200 if ready else 503)
