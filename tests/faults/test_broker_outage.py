"""Redis down when someone submits: the response is saved and confirmed, and the receipt and follow-up
work wait in the outbox until the broker is back. Uses a private redis-server, never the shared one."""

import socket
import subprocess
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from evidence.models import OutboxTask, Submission
from tests import factories

pytestmark = pytest.mark.redis_server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    def __init__(self):
        self.port = _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queue_length(self, queue: str) -> int:
        import redis

        return redis.Redis.from_url(self.url).llen(queue)


def _reset_pools(app) -> None:
    """Forget pooled broker connections, so the next publish connects afresh."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker():
    """Point Celery at a private Redis (not eager), for this test only."""
    from mmip.celery import app

    server = PrivateRedis()
    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = server.url
    app.conf.task_always_eager = False
    _reset_pools(app)
    yield server
    server.stop()
    app.conf.broker_url, app.conf.task_always_eager = saved
    _reset_pools(app)


def test_a_submit_while_redis_is_down_is_saved_confirmed_and_its_work_sent_later(
    submitter_client, submitter, consultation, broker, django_capture_on_commit_callbacks
):
    from mmip.celery import app

    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, created_by=submitter
    )
    url = reverse("evidence:submit", kwargs={"public_id": submission.public_id})
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = submitter_client.post(url)
    assert time.monotonic() - started < 10, "a dead broker must not hang the submit"
    assert response.status_code == 302 and response["Location"].endswith("/confirmation/")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and submission.reference == "MMIP-0001"
    pending = OutboxTask.objects.filter(dispatched_at__isnull=True)
    assert set(pending.values_list("task_name", flat=True)) == {
        "evidence.tasks.send_receipt",
        "evidence.tasks.submission_submitted",
    }
    for row in pending:  # each publish was tried once, against the dead broker, and the reason kept
        assert row.attempts == 1
        assert f"connecting to 127.0.0.1:{broker.port}" in row.last_error and "Connection refused" in row.last_error

    with pytest.raises(CommandError, match="still waiting"):
        call_command("outbox_flush")

    broker.start()
    _reset_pools(app)
    call_command("outbox_flush")
    assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()
    assert broker.queue_length(app.conf.task_default_queue) == 2
