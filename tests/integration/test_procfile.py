"""The Procfile's two workers, started with its own commands: receipts go to the fast worker, analysis to
the other, and a dead analysis worker does not delay receipts (its work waits in its queue until it is back).
Needs PostgreSQL and Redis, like the other worker tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from evidence import services
from evidence.models import SubmissionVersion
from mmip.queues import celery_conf, queue_names
from tests import factories
from tests.integration.conftest import _delete_queue, require_services

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: command for name, _, command in (line.partition(": ") for line in lines if line)}


class ProcfileProcess:
    """One Procfile line run as honcho runs it (a shell); its queues are this test's own through the
    environment's MMIP_QUEUE_PREFIX, as the Procfile's commands read it."""

    def __init__(self, name: str, prefix: str, env: dict, log: Path):
        command = _procfile()[name].replace("@%h", f"-{prefix}@%h")
        assert "-Q ${MMIP_QUEUE_PREFIX:-mmip}." in command and env["MMIP_QUEUE_PREFIX"] == prefix, command
        self.name, self.command, self.env, self.log = name, command, env, log
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {self.command}"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.wait_for(lambda text: " ready." in text[offset:], timeout, "start")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.text()):
                return
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited while waiting for {what}:\n{self.text()[-3000:]}")
            time.sleep(0.25)
        raise AssertionError(f"{self.name}: timed out waiting for {what}:\n{self.text()[-3000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.mark.worker
@pytest.mark.slow
def test_receipts_do_not_wait_for_a_dead_analysis_worker(live_db, tmp_path):
    require_services()
    from mmip.celery import app

    prefix = f"mmip-procfile-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "MMIP_QUEUE_PREFIX": prefix,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        "FAST_CONCURRENCY": "1",
        "ANALYSIS_CONCURRENCY": "1",
    }
    fast = ProcfileProcess("fast", prefix, env, tmp_path / "fast.log")
    analysis = ProcfileProcess("analysis", prefix, env, tmp_path / "analysis.log")
    saved = {key: app.conf[key] for key in ("broker_url", "task_routes", "task_default_queue", "task_always_eager")}
    app.conf.update(broker_url=settings.REDIS_URL, task_always_eager=False, **celery_conf(prefix))
    try:
        fast.start()
        analysis.start()
        analysis.kill()  # as an OOM kill or a crashed host would

        membership = factories.MembershipFactory()
        draft = factories.SubmissionFactory(
            consultation=factories.ConsultationFactory(),
            organisation=membership.organisation,
            created_by=membership.user,
        )
        submitted = time.monotonic()
        submission = services.submission_submit(submission=draft, by=membership.user)  # publishes on commit
        version = SubmissionVersion.objects.get(submission=submission, number=1)
        fast.wait_for(
            lambda _: SubmissionVersion.objects.get(pk=version.pk).receipt_sent_at is not None, 60, "the receipt"
        )
        receipt_seconds = time.monotonic() - submitted
        assert receipt_seconds < 30, receipt_seconds
        assert "evidence.tasks.submitted[" in fast.text()  # it sends the receipt
        assert "evidence.tasks.submission_submitted[" not in fast.text()  # analysis never runs on the fast worker

        # The analysis waited in its own queue; the worker, back, runs it.
        analysis.start()
        # At a lower CPU priority than the fast worker (MMIP_ANALYSIS_NICE), its pool's processes too.
        base = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, fast.process.pid) == base
        lowered = min(19, base + settings.MMIP_ANALYSIS_NICE)
        children = Path(f"/proc/{analysis.process.pid}/task/{analysis.process.pid}/children").read_text().split()
        assert children and all(os.getpriority(os.PRIO_PROCESS, int(pid)) == lowered for pid in children)
        assert os.getpriority(os.PRIO_PROCESS, analysis.process.pid) == lowered
        analysis.wait_for(
            lambda text: re.search(r"evidence\.tasks\.submission_submitted\[[^]]+\] succeeded", text),
            90,
            "the follow-up analysis",
        )
        # JSON lines from both workers (each line one object).
        assert all(line.startswith("{") for line in fast.text().splitlines() if '"logger"' in line)
    finally:
        fast.kill()
        analysis.kill()
        app.conf.update(saved)
        for queue in queue_names(prefix).values():
            _delete_queue(settings.REDIS_URL, queue)
