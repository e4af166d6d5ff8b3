"""Helpers for the benchmarks: throwaway PostgreSQL databases, Django set-up, timing."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/12")


def fresh_database(tag: str) -> str:
    """Create an empty PostgreSQL database for one benchmark and return its URL."""
    name = f"mmip_bench_{tag}_{uuid.uuid4().hex[:6]}"
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    return f"{PG}/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=False)


def manage(url: str, *args: str, redis: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("REDIS_URL", None)
    if redis:
        env["REDIS_URL"] = redis
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=check, capture_output=True, text=True
    )


def setup_django(url: str, redis: str | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    if redis:
        os.environ["REDIS_URL"] = redis
    else:
        os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmip.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(fn, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)
