"""/readyz: 200 while the database, cache, broker, outbox and beat are all well; 503 naming what is not,
without saying how (no host names or error texts); over plain HTTP behind a TLS-terminating proxy."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from evidence.models import OutboxTask
from mmip import readiness

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def beat_ran():
    readiness.beat_heartbeat()
    yield
    cache.delete(readiness.HEARTBEAT_KEY)


def _ready(client, status=200) -> dict:
    response = client.get(reverse("readyz"))
    assert response.status_code == status, response.content
    assert response["Cache-Control"].startswith("max-age=0")
    return response.json()


def test_ready_when_everything_answers(client):
    body = _ready(client)
    assert body["ready"] is True
    assert set(body["checks"]) == {"database", "cache", "broker", "outbox", "beat"}
    assert all(check["ok"] for check in body["checks"].values())


def test_work_the_broker_has_not_taken_for_long_makes_it_unready(client, settings):
    row = OutboxTask.objects.create(task_name="evidence.tasks.send_receipt")
    _ready(client)  # a row just written is still on its way
    OutboxTask.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=settings.MMIP_READY_OUTBOX_MAX_AGE + 1)
    )
    body = _ready(client, 503)
    assert body["checks"]["outbox"] == {
        "ok": False,
        "ms": body["checks"]["outbox"]["ms"],
        "problem": "1 task(s) waiting longer than 600 s",
    }


def test_a_beat_that_stopped_makes_it_unready(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as deployed: beat is expected
    cache.set(readiness.HEARTBEAT_KEY, (timezone.now() - dt.timedelta(minutes=10)).isoformat())
    body = _ready(client, 503)
    assert not body["checks"]["beat"]["ok"] and "s ago" in body["checks"]["beat"]["problem"]
    cache.delete(readiness.HEARTBEAT_KEY)
    assert _ready(client, 503)["checks"]["beat"]["problem"] == "no scheduled run recorded yet"


def test_the_scheduled_sweep_records_the_heartbeat(settings):
    from evidence.tasks import outbox_sweep

    cache.delete(readiness.HEARTBEAT_KEY)
    outbox_sweep()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert readiness.check_beat() is None


def test_a_database_failure_is_named_but_not_described(client, mocker):
    mocker.patch.object(readiness, "check_database", side_effect=OperationalError("host db-7.internal refused"))
    mocker.patch.dict(readiness.CHECKS, {"database": readiness.check_database})
    body = _ready(client, 503)
    assert body["checks"]["database"]["problem"] == "unavailable (OperationalError)"
    assert b"db-7.internal" not in client.get(reverse("readyz")).content


def test_an_unreachable_redis_makes_it_unready(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    body = _ready(client, 503)
    assert body["checks"]["cache"]["problem"] == "unavailable (ConnectionError)"


def test_it_answers_over_plain_http_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    assert client.get(reverse("readyz")).status_code == 200
    assert client.get(reverse("evidence:health")).status_code == 200
    assert client.get("/").status_code == 301  # everything else still goes to HTTPS
