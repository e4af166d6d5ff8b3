"""The outbox publishes work after commit, and keeps it when the broker refuses it."""

import datetime as dt

import pytest
from django.utils import timezone

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
    sent, left = outbox.sweep(grace=dt.timedelta(0))
    assert (sent, left) == (1, 0)
    publish.assert_called_once()


def test_a_row_is_never_published_twice_by_racing_dispatchers(mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    row = OutboxTask.objects.create(task_name="evidence.tasks.outbox_sweep")
    assert outbox.dispatch(row.pk) is True
    assert outbox.dispatch(row.pk) is False
    assert publish.call_count == 1


class ProcessDied(BaseException):
    """Stands for SIGKILL or an OOM kill: nothing after the point where it is raised runs, no handler sees it."""


def test_a_row_is_marked_dispatched_only_after_the_broker_has_accepted_it(mocker):
    row = OutboxTask.objects.create(task_name="evidence.tasks.outbox_sweep")
    seen = []

    def publish(**kwargs):
        seen.append(OutboxTask.objects.values("dispatched_at", "claimed_until").get(pk=row.pk))

    mocker.patch("celery.app.task.Task.apply_async", side_effect=publish)
    assert outbox.dispatch(row.pk) is True
    # While publishing: claimed (a lease), not yet dispatched. After: dispatched, the lease released.
    assert seen[0]["dispatched_at"] is None and seen[0]["claimed_until"] is not None
    row.refresh_from_db()
    assert row.dispatched_at is not None and row.claimed_until is None


def test_a_crash_between_claim_and_publish_loses_nothing(mocker, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    row = OutboxTask.objects.create(task_name="evidence.tasks.send_receipt", kwargs={"submission_id": 1, "version": 1})
    mocker.patch("celery.app.task.Task.apply_async", side_effect=ProcessDied)
    with pytest.raises(ProcessDied):
        outbox.dispatch(row.pk)  # the process claimed the row, then died before the broker had the task
    row.refresh_from_db()
    assert row.dispatched_at is None and row.claimed_until > timezone.now()

    publish = mocker.patch("celery.app.task.Task.apply_async")
    # While the dead process's lease lasts, nobody else takes the row (it might still be publishing)...
    time_machine.shift(outbox.LEASE - dt.timedelta(seconds=1))
    assert outbox.sweep(grace=dt.timedelta(0)) == (0, 1)
    assert publish.call_count == 0
    # ...and once it has expired, the sweeper publishes it: exactly once.
    time_machine.shift(dt.timedelta(seconds=2))
    assert outbox.sweep(grace=dt.timedelta(0)) == (1, 0)
    assert outbox.sweep(grace=dt.timedelta(0)) == (0, 0)
    publish.assert_called_once_with(kwargs={"submission_id": 1, "version": 1})
    row.refresh_from_db()
    assert row.dispatched_at is not None and row.claimed_until is None and row.attempts == 2


def test_an_enqueued_row_is_published_after_commit_with_one_statement(
    django_capture_on_commit_callbacks, django_assert_num_queries, mocker
):
    """The row is written already claimed by its process: publishing it needs no claim of its own, only the
    UPDATE that marks it dispatched (a submit queues two rows)."""
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = outbox.enqueue("evidence.tasks.send_receipt", submission_id=1, version=1)
    with django_assert_num_queries(1):
        for callback in callbacks:
            callback()
    publish.assert_called_once_with(kwargs={"submission_id": 1, "version": 1})
    row.refresh_from_db()
    assert row.dispatched_at is not None and row.claimed_until is None and row.attempts == 1


def test_a_sweeper_leaves_a_row_to_the_process_that_enqueued_it(django_capture_on_commit_callbacks, mocker):
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outbox.enqueue("evidence.tasks.outbox_sweep")
    # Committed, its on-commit publish not yet run: a sweeper with no grace at all does not take it...
    assert outbox.sweep(grace=dt.timedelta(0)) == (0, 1)
    assert publish.call_count == 0
    for callback in callbacks:
        callback()
    # ...and the row goes out once.
    assert outbox.sweep(grace=dt.timedelta(0)) == (0, 0)
    assert publish.call_count == 1


def test_a_long_transaction_renews_the_lease_unless_a_sweeper_took_the_row(
    django_capture_on_commit_callbacks, mocker, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as late:
        kept = outbox.enqueue("evidence.tasks.send_receipt", submission_id=1, version=1)
    with django_capture_on_commit_callbacks(execute=False) as too_late:
        taken = outbox.enqueue("evidence.tasks.send_receipt", submission_id=2, version=1)
    # Committed late in the lease: the first is renewed and published by its own process.
    time_machine.shift(outbox.LEASE * 0.75)
    for callback in late:
        callback()
    kept.refresh_from_db()
    assert kept.dispatched_at is not None and publish.call_count == 1
    # The second's lease expired first: the sweeper took it, and its own process does not send it again.
    time_machine.shift(outbox.LEASE * 0.5)
    assert outbox.sweep(grace=dt.timedelta(0)) == (1, 0)
    for callback in too_late:
        callback()
    assert publish.call_count == 2
    taken.refresh_from_db()
    assert taken.attempts == 2  # its process's claim, then the sweeper's


def test_tasks_enqueued_together_are_one_insert_and_one_update_after_commit(
    django_capture_on_commit_callbacks, django_assert_num_queries, mocker
):
    """A submit queues its receipt and its analysis together: one INSERT, and after the commit one UPDATE."""
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_num_queries(1):
            rows = outbox.enqueue_many(
                [
                    ("evidence.tasks.send_receipt", {"submission_id": 1, "version": 1}),
                    ("evidence.tasks.outbox_sweep", {}),
                ]
            )
    assert all(row.pk for row in rows)
    with django_assert_num_queries(1):
        for callback in callbacks:
            callback()
    assert publish.call_count == 2
    assert OutboxTask.objects.filter(dispatched_at__isnull=False, claimed_until=None).count() == 2


def test_a_broker_refusing_one_of_a_batch_leaves_only_that_row_for_the_sweeper(
    django_capture_on_commit_callbacks, mocker
):
    calls = []

    def publish(kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise ConnectionError("Redis is down")

    mocker.patch("celery.app.task.Task.apply_async", side_effect=lambda kwargs: publish(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        refused, sent = outbox.enqueue_many(
            [("evidence.tasks.send_receipt", {"submission_id": 1, "version": 1}), ("evidence.tasks.outbox_sweep", {})]
        )
    refused.refresh_from_db()
    sent.refresh_from_db()
    assert refused.dispatched_at is None and refused.claimed_until is None and "Redis is down" in refused.last_error
    assert sent.dispatched_at is not None
    publish_again = mocker.patch("celery.app.task.Task.apply_async")
    assert outbox.sweep(grace=dt.timedelta(0)) == (1, 0)
    publish_again.assert_called_once_with(kwargs={"submission_id": 1, "version": 1})


def test_a_long_transaction_renews_only_the_leases_of_a_batch_still_its_own(
    django_capture_on_commit_callbacks, mocker, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    publish = mocker.patch("celery.app.task.Task.apply_async")
    with django_capture_on_commit_callbacks(execute=False) as late:
        kept, taken = outbox.enqueue_many(
            [("evidence.tasks.send_receipt", {"submission_id": 1, "version": 1}), ("evidence.tasks.outbox_sweep", {})]
        )
    # The lease expires before the commit; a sweeper takes one row meanwhile (claims it), not the other.
    time_machine.shift(outbox.LEASE * 1.25)
    OutboxTask.objects.filter(pk=taken.pk).update(claimed_until=timezone.now() + outbox.LEASE)
    OutboxTask.objects.filter(pk=kept.pk).update(claimed_until=kept.claimed_until)
    for callback in late:
        callback()
    publish.assert_called_once_with(kwargs={"submission_id": 1, "version": 1})
    kept.refresh_from_db()
    taken.refresh_from_db()
    assert kept.dispatched_at is not None and taken.dispatched_at is None
