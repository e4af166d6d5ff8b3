"""A real Celery worker for the integration tests, started by the test session.

It runs only against PostgreSQL and Redis (DATABASE_URL=postgres://…, REDIS_URL=redis://…): a worker is
another process, and an in-memory SQLite test database cannot be shared with it. The worker consumes a
queue of its own, so parallel test sessions on one Redis never take each other's tasks.
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

ROOT = Path(__file__).resolve().parents[2]


def services_available() -> tuple[bool, str]:
    if not settings.IS_POSTGRES:
        return (
            False,
            "needs PostgreSQL (DATABASE_URL=postgres://...): a worker cannot share an in-memory SQLite test database",
        )
    if not settings.REDIS_URL:
        return False, "needs Redis (REDIS_URL=redis://...)"
    return True, ""


class Worker:
    def __init__(self, *, queue: str, env: dict, log: Path):
        self.queue, self.env, self.log = queue, env, log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mmip",
                "worker",
                "-Q",
                self.queue,
                "-c",
                "2",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"{self.queue}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        start = self.log.stat().st_size if self.log.exists() else 0
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"The Celery worker exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}"
                )
            with self.log.open() as fh:
                fh.seek(start)
                if " ready." in fh.read():
                    return
            time.sleep(0.2)
        raise RuntimeError(f"The Celery worker did not start in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(live_db, settings, tmp_path):
    """Start a worker on the test database with its own queue; publish to it from this process."""
    ok, reason = services_available()
    if not ok:
        pytest.skip(reason)
    from mmip.celery import app

    queue = f"mmip-test-{uuid.uuid4().hex[:10]}"
    mail_dir = tmp_path / "mail"
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "5",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MMIP_EXPORT_ROOT": str(settings.MMIP_EXPORT_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "PYTHONUNBUFFERED": "1",
    }
    saved = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    process = Worker(queue=queue, env=env, log=tmp_path / "worker.log")
    process.mail_dir = mail_dir
    process.start()
    yield process
    process.stop()
    app.conf.task_default_queue, app.conf.task_always_eager = saved


def wait_for(condition, timeout: float = 60, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")
