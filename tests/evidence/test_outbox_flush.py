"""``manage.py outbox_flush``: publishes the work the broker refused, says what it sent and what is left,
and fails while the broker is still down."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from evidence import outbox
from evidence.models import OutboxTask

pytestmark = pytest.mark.django_db


def pending(task_name="evidence.tasks.send_receipt", age=dt.timedelta(minutes=5), **kwargs) -> OutboxTask:
    row = OutboxTask.objects.create(task_name=task_name, kwargs=kwargs, last_error="Error 111 connecting")
    OutboxTask.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def flush(*args) -> str:
    out = StringIO()
    call_command("outbox_flush", *args, stdout=out)
    return out.getvalue()


def test_it_publishes_pending_work_and_lists_it(mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    pending(submission_id=4, version=1)
    pending("evidence.tasks.extract_attachment_text", attachment_id=9)

    output = flush()
    assert "Published 2 task(s):" in output
    assert "evidence.tasks.send_receipt(submission_id=4, version=1)" in output
    assert "evidence.tasks.extract_attachment_text(attachment_id=9)" in output
    assert "0 left" in output
    assert publish.call_count == 2
    assert not OutboxTask.objects.filter(dispatched_at__isnull=True).exists()


def test_it_fails_and_says_what_is_left_while_the_broker_is_down(mocker):
    mocker.patch("celery.app.task.Task.apply_async", side_effect=ConnectionRefusedError("Error 111 connecting"))
    pending(submission_id=4, version=1)
    pending(submission_id=5, version=1)
    pending("evidence.tasks.extract_attachment_text", attachment_id=9)

    out = StringIO()
    with pytest.raises(CommandError, match=r"3 task\(s\) are still waiting: is the broker \(REDIS_URL\) reachable"):
        call_command("outbox_flush", stdout=out)
    output = out.getvalue()
    assert "Published nothing." in output
    assert "2 × evidence.tasks.send_receipt" in output and "1 × evidence.tasks.extract_attachment_text" in output
    assert OutboxTask.objects.filter(dispatched_at__isnull=True).count() == 3


def test_the_process_exits_non_zero_while_work_is_left(mocker):
    mocker.patch("celery.app.task.Task.apply_async", side_effect=ConnectionRefusedError("down"))
    pending(submission_id=4, version=1)
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "outbox_flush"]).execute()
    assert exit_.value.code == 1


def test_an_empty_outbox_is_reported_as_such():
    assert flush() == "Nothing to publish: the outbox is empty.\n"


def test_grace_leaves_fresh_rows_to_their_own_publish(mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    pending(submission_id=4, version=1)
    fresh = outbox.OutboxTask.objects.create(task_name="evidence.tasks.send_receipt", kwargs={"submission_id": 5})

    output = flush("--grace", "60")
    assert "Published 1 task(s):" in output and "1 younger than 60 s" in output
    assert publish.call_count == 1
    fresh.refresh_from_db()
    assert fresh.dispatched_at is None
