"""A real Celery worker for the integration tests, started once per test session.

It runs only against PostgreSQL and Redis (DATABASE_URL=postgres://…, REDIS_URL=redis://…): a worker is
another process, and an in-memory SQLite test database cannot be shared with it. Elsewhere the worker
tests are skipped with that reason, unless MMIP_REQUIRE_WORKER=1 (CI's PostgreSQL pass), which turns a
skip, a worker that does not start, or a session in which no worker test passed into a failure.

Isolation on the shared Redis and PostgreSQL servers: the worker consumes queues of its own (both kinds'
queues under a prefix of its own, MMIP_QUEUE_PREFIX, mmip/queues.py) on the Redis database named in
REDIS_URL (CI uses db 14; pick your own number), talks to this session's test database, and writes mail
and media under the session's temporary directory. Its queues' keys are
deleted at the end; nothing else on the server is touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from mmip.queues import celery_conf, queue_names

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = os.environ.get("MMIP_REQUIRE_WORKER", "").strip().lower() in {"1", "true", "yes", "on"}


def services_available() -> tuple[bool, str]:
    if not settings.IS_POSTGRES:
        return (
            False,
            "needs PostgreSQL (DATABASE_URL=postgres://...): a worker cannot share an in-memory SQLite test database",
        )
    if not settings.REDIS_URL:
        return False, "needs Redis (REDIS_URL=redis://...) for a real Celery worker"
    import redis

    try:
        with redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        return False, f"Redis at REDIS_URL does not answer ({exc})"
    return True, ""


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"MMIP_REQUIRE_WORKER=1 but the worker tests cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def require_services() -> None:
    """Skip (or, in CI, fail) a test that runs processes of its own when PostgreSQL or Redis is missing."""
    ok, reason = services_available()
    if not ok:
        _unavailable(reason)


class Worker:
    """A ``celery -A mmip worker`` subprocess in its own process group (so its pool dies with it).

    While the file ``gate`` exists, the worker holds every compile_component task before it starts
    (tests/integration/worker_gate.py), leaving a ``held-<task id>`` file beside it."""

    def __init__(self, *, prefix: str, env: dict, log: Path, mail_dir: Path, media_root: Path, gate: Path):
        self.prefix, self.env, self.log = prefix, env, log
        self.queues = list(queue_names(prefix).values())
        self.mail_dir, self.media_root, self.gate = mail_dir, media_root, gate
        self.process: subprocess.Popen | None = None

    def held(self) -> list[Path]:
        """The compile_component tasks the gate has held (and holds, while it exists)."""
        return list(self.gate.parent.glob("held-*"))

    def start(self, timeout: float = 90) -> None:
        start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "mmip",
                    "worker",
                    "-Q",
                    ",".join(self.queues),
                    "-c",
                    "2",
                    "--loglevel=INFO",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "--include",
                    "tests.integration.worker_gate",
                    "-n",
                    f"{self.prefix}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"The Celery worker exited with {self.process.returncode}:\n{self.tail()}")
                with self.log.open() as fh:
                    fh.seek(start)
                    if " ready." in fh.read():
                        return
                time.sleep(0.2)
            raise RuntimeError(f"The Celery worker did not start in {timeout} s:\n{self.tail()}")
        except BaseException:
            self.kill()
            raise

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a crash or an OOM kill would."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """A warm shutdown (SIGTERM); killed if it has not finished in 20 s."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else "(no log)"

    def mails(self) -> str:
        return "".join(p.read_text() for p in sorted(self.mail_dir.glob("*.log")))

    def wait_for(self, condition, timeout: float = 60, what: str = "the condition") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if not self.alive:
                raise AssertionError(f"The worker died while waiting for {what}:\n{self.tail()}")
            time.sleep(0.25)
        raise AssertionError(f"Timed out after {timeout} s waiting for {what}. Worker log:\n{self.tail()}")


def _delete_queue(url: str, queue: str) -> None:
    """Remove this session's queue (and its priority lists and binding) from Redis: nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    keys = [
        queue,
        f"_kombu.binding.{queue}",
        f"_kombu.binding_permanent.{queue}",
        *client.scan_iter(match=f"{queue}\x06\x16*", count=1000),
    ]
    client.delete(*keys)
    client.close()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """Start one worker for the session, on the test database, consuming queues of its own."""
    ok, reason = services_available()
    if not ok:
        _unavailable(reason)
    from django.db import connection

    from mmip.celery import app

    root = tmp_path_factory.mktemp("celery-worker")
    prefix = f"mmip-test-{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict  # after django_db_setup: NAME is the test database's
    worker = Worker(
        prefix=prefix,
        env={
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "MMIP_QUEUE_PREFIX": prefix,
            # A killed worker's unacknowledged task is handed out again after 5 s, not an hour.
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "MEDIA_ROOT": str(root / "media"),
            "MMIP_EXPORT_ROOT": str(root / "media" / "exports"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(root / "mail"),
            "MMIP_TEST_GATE": str(root / "gate" / "closed"),
            "PYTHONUNBUFFERED": "1",
        },
        log=root / "worker.log",
        mail_dir=root / "mail",
        media_root=root / "media",
        gate=root / "gate" / "closed",
    )
    worker.mail_dir.mkdir()
    worker.gate.parent.mkdir()
    # This process publishes to the worker's broker and queues instead of running tasks in-process.
    saved = {
        "broker_url": app.conf.broker_url,
        "task_routes": app.conf.task_routes,
        "task_default_queue": app.conf.task_default_queue,
        "task_always_eager": app.conf.task_always_eager,
    }
    app.conf.update(broker_url=settings.REDIS_URL, **celery_conf(prefix))  # update(): Celery re-reads routes
    try:
        worker.start()
    except RuntimeError as exc:
        app.conf.update(saved)
        pytest.fail(str(exc), pytrace=False)
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.update(saved)
        for queue in worker.queues:
            _delete_queue(settings.REDIS_URL, queue)


@pytest.fixture
def worker(celery_worker_process, live_db, settings):
    """The session's worker, for one test: tasks are published to it, files land where it reads them."""
    from mmip.celery import app

    worker = celery_worker_process
    if not worker.alive:  # a previous test killed it and failed before restarting it
        worker.start()
    settings.MEDIA_ROOT = worker.media_root
    settings.MMIP_EXPORT_ROOT = worker.media_root / "exports"
    for old in [*worker.mail_dir.glob("*.log"), *worker.held()]:
        old.unlink()
    worker.gate.unlink(missing_ok=True)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield worker
    app.conf.task_always_eager = saved
    worker.gate.unlink(missing_ok=True)  # a failed test must not leave the next one's tasks held


def wait_for(condition, timeout: float = 60, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


# --- In CI, a pass in which no worker test ran is a failure, not a quiet success ----------------------

_worker_tests_passed = 0


def pytest_runtest_logreport(report):
    global _worker_tests_passed
    if report.when == "call" and report.passed and "worker" in report.keywords:
        _worker_tests_passed += 1


def pytest_sessionfinish(session, exitstatus):
    collected = [item for item in session.items if item.get_closest_marker("worker")]
    if REQUIRED and collected and _worker_tests_passed == 0 and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line("MMIP_REQUIRE_WORKER=1 but no test with a real Celery worker passed.", red=True)
