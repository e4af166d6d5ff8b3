"""The outbox publishes work after commit, and keeps it when the broker refuses it."""

import pytest

from evidence import outbox
from evidence.models import OutboxTask

pytestmark = pytest.mark.django_db


def test_enqueue_publishes_only_after_the_transaction_commits(django_capture_on_commit_callbacks, mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = outbox.enqueue("evidence.tasks.outbox_sweep")
    assert publish.call_count == 0
    for callback in callbacks:
        callback()
    publish.assert_called_once_with(kwargs={})
    row.refresh_from_db()
    assert row.dispatched_at is not None
    assert row.attempts == 1


def test_a_broker_error_leaves_the_row_for_the_sweeper(django_capture_on_commit_callbacks, mocker):
    mocker.patch("celery.app.task.Task.apply_async", side_effect=ConnectionError("Redis is down"))
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.enqueue("evidence.tasks.outbox_sweep")
    row.refresh_from_db()
    assert row.dispatched_at is None
    assert "Redis is down" in row.last_error

    publish = mocker.patch("celery.app.task.Task.apply_async")
    sent, left = outbox.sweep(grace=__import__("datetime").timedelta(0))
    assert (sent, left) == (1, 0)
    publish.assert_called_once()


def test_a_row_is_never_published_twice_by_racing_dispatchers(mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    row = OutboxTask.objects.create(task_name="evidence.tasks.outbox_sweep")
    assert outbox.dispatch(row.pk) is True
    assert outbox.dispatch(row.pk) is False
    assert publish.call_count == 1
