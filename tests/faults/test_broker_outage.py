"""Redis down when someone submits: the response is saved and confirmed, and the receipt and follow-up
work wait in the outbox until the broker is back. Uses a private redis-server, never the shared one."""

import kombu.utils.functional
import pytest
import redis.connection
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from evidence import tasks
from evidence.models import OutboxTask, Submission
from tests import factories
from tests.faults.private_redis import PrivateRedis

pytestmark = pytest.mark.redis_server


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
    server.close()
    app.conf.broker_url, app.conf.task_always_eager = saved
    _reset_pools(app)


class RetriedWithoutEnd(BaseException):
    """Raised past any sane number of connection attempts, so a retry-for-ever setting fails, not hangs."""


def test_a_submit_while_redis_is_down_is_saved_confirmed_and_its_work_sent_later(
    submitter_client, submitter, consultation, broker, django_capture_on_commit_callbacks, mocker
):
    from mmip.celery import app

    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=submitter.membership.organisation, created_by=submitter
    )
    url = reverse("evidence:submit", kwargs={"public_id": submission.public_id})
    # A dead broker must not hang the submit. Counted, not timed: each attempt to connect, and each pause
    # the publisher's retry policy asks for between attempts (recorded instead of slept).
    attempts, pauses = [], []
    connect = redis.connection.Connection._connect

    def counting_connect(connection):
        attempts.append(connection.port)
        if len(attempts) > 50:
            raise RetriedWithoutEnd(f"{len(attempts)} attempts to connect to a dead broker")
        return connect(connection)

    mocker.patch.object(redis.connection.Connection, "_connect", counting_connect)
    mocker.patch.object(kombu.utils.functional, "sleep", side_effect=pauses.append)
    with django_capture_on_commit_callbacks(execute=True):
        response = submitter_client.post(url)
    mocker.stopall()
    # One task to publish (it queues the receipt and the analysis from the worker): tried at most 3 times,
    # pausing under 1 s in all.
    assert set(attempts) == {broker.port} and 1 <= len(attempts) <= 3, attempts
    assert sum(pauses) < 1, pauses
    assert response.status_code == 302 and response["Location"].endswith("/confirmation/")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED and submission.reference == "MMIP-0001"
    pending = OutboxTask.objects.filter(dispatched_at__isnull=True)
    assert list(pending.values_list("task_name", flat=True)) == ["evidence.tasks.submitted"]
    for row in pending:  # each publish was tried once, against the dead broker, and the reason kept
        assert row.attempts == 1
        assert f"connecting to 127.0.0.1:{broker.port}" in row.last_error and "Connection refused" in row.last_error

    with pytest.raises(CommandError, match="still waiting"):
        call_command("outbox_flush")

    broker.start()
    _reset_pools(app)
    call_command("outbox_flush")
    assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()
    # To the fast worker, which hands the follow-up to the analysis worker's queue and sends the receipt.
    queues = settings.MMIP_QUEUES
    assert (broker.queue_length(queues["fast"]), broker.queue_length(queues["analysis"])) == (1, 0)
    (row,) = OutboxTask.objects.all()
    assert tasks.submitted.apply(kwargs=row.kwargs).get() is True
    assert (broker.queue_length(queues["fast"]), broker.queue_length(queues["analysis"])) == (1, 1)
