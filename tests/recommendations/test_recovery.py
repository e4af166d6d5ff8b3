"""A compilation whose worker died does not stay "running" for the broker's visibility timeout: a run with
no progress for MMIP_COMPILATION_STALL_MINUTES is queued again, then failed with a message a lead can act on."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from evidence.models import OutboxTask
from recommendations import services
from recommendations.models import CompilationRun, ComponentResult
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def stuck(consultation, settings):
    """A run that a worker claimed and then lost (killed mid-compilation), one component done."""
    settings.MMIP_COMPILATION_STALL_MINUTES = 15
    settings.MMIP_COMPILATION_ATTEMPTS = 2
    run = CompilationRun.objects.create(consultation=consultation, components_total=9)
    services.run_claim(run_id=run.pk)
    ComponentResult.objects.create(run=run, component=factories.component("skills"), state="done", data={})
    CompilationRun.objects.filter(pk=run.pk).update(components_done=1)
    OutboxTask.objects.all().delete()
    return run


def test_a_run_with_recent_progress_is_left_alone(stuck):
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=14)):
        assert services.runs_recover_stalled() == (0, 0)
    stuck.refresh_from_db()
    assert stuck.state == "running" and not OutboxTask.objects.exists()


def test_a_stalled_run_is_queued_again_and_keeps_what_was_compiled(stuck, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        with django_capture_on_commit_callbacks(execute=False):
            assert services.runs_recover_stalled() == (1, 0)
    stuck.refresh_from_db()
    assert (stuck.state, stuck.attempts) == ("queued", 2)
    assert OutboxTask.objects.get().task_name == "recommendations.tasks.run_compilation"
    # The worker that picks it up again skips the component already compiled.
    assert services.component_compile(run_id=stuck.pk, component_id=factories.component("skills").pk).data == {}


def test_a_run_that_stalls_again_fails_with_a_message_a_lead_can_act_on(stuck):
    later = timezone.now() + dt.timedelta(minutes=16)
    with time_machine.travel(later):
        services.runs_recover_stalled()
    with time_machine.travel(later + dt.timedelta(minutes=16)):
        assert services.runs_recover_stalled() == (0, 1)
    stuck.refresh_from_db()
    assert stuck.state == "failed" and stuck.finished_at is not None
    assert "stopped making progress" in stuck.error and "1 of 9 components" in stuck.error
    assert "Start the compilation again" in stuck.error
    with time_machine.travel(later + dt.timedelta(hours=2)):
        assert services.runs_recover_stalled() == (0, 0)  # finished runs are not touched


def test_the_watchdog_runs_every_minute(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["compilation-watchdog"]
    assert schedule["task"] == "recommendations.tasks.recover_stalled_runs" and schedule["schedule"] <= 60
