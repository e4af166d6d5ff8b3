"""Celery tasks of the compilation: a chord of one task per component, then one that assembles the run.

Thin adapters over recommendations.services; the run's state lives on its database row. Retries with
backoff on database and broker errors; any other failure is recorded on the run with a readable message.
"""

from celery import Task, chord, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError
from kombu.exceptions import OperationalError as BrokerError

from . import services

RETRY = {
    "autoretry_for": (DatabaseError, BrokerError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


class RecordsFailure(Task):
    """Writes a task's final failure onto its run, so the run never stays 'running' for ever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = kwargs.get("run_id", args[0] if args else None)
        if run_id is not None:
            if isinstance(exc, SoftTimeLimitExceeded):
                message = f"{self.name} took longer than its time limit and was stopped."
            else:
                message = f"{self.name} failed: {type(exc).__name__}: {exc}"
            services.run_fail(run_id=run_id, message=message)


@shared_task(name="recommendations.tasks.run_compilation", base=RecordsFailure, **RETRY)
def run_compilation(run_id: int) -> None:
    component_ids = services.run_claim(run_id=run_id)
    if component_ids is None:
        return  # finished already (a second delivery)
    header = group(compile_component.si(run_id=run_id, component_id=pk) for pk in component_ids)
    chord(header)(assemble_run.si(run_id=run_id))


@shared_task(
    name="recommendations.tasks.compile_component",
    base=RecordsFailure,
    ignore_result=False,  # the chord counts its header's results
    soft_time_limit=600,
    time_limit=660,
    **RETRY,
)
def compile_component(run_id: int, component_id: int) -> int:
    services.component_compile(run_id=run_id, component_id=component_id)
    return component_id


@shared_task(
    name="recommendations.tasks.assemble_run",
    base=RecordsFailure,
    soft_time_limit=300,
    time_limit=360,
    **RETRY,
)
def assemble_run(run_id: int) -> None:
    services.run_assemble(run_id=run_id)


@shared_task(name="recommendations.tasks.recover_stalled_runs", ignore_result=True)
def recover_stalled_runs() -> tuple[int, int]:
    """Queue again (or fail, with a message) compilation runs whose worker stopped (Celery beat)."""
    return services.runs_recover_stalled()


class RecordsExportFailure(Task):
    """When an export's task gives up (retries exhausted, time limit), the Export row says so."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        from .exports.jobs import export_fail

        export_id = kwargs.get("export_id", args[0] if args else None)
        if export_id is not None:
            if isinstance(exc, SoftTimeLimitExceeded):
                message = "The export took longer than its time limit and was stopped."
            else:
                message = f"The export failed: {type(exc).__name__}: {exc}"
            export_fail(export_id=export_id, message=message)


@shared_task(
    name="recommendations.tasks.make_export",
    base=RecordsExportFailure,
    soft_time_limit=1800,
    time_limit=1900,
    **RETRY,
)
def make_export(export_id: int) -> None:
    from .exports.jobs import export_make

    export_make(export_id=export_id)


@shared_task(name="recommendations.tasks.refresh_dashboards", ignore_result=True, soft_time_limit=300, time_limit=360)
def refresh_dashboards() -> int:
    """Recompute the leads' dashboards of the consultations open now (Celery beat)."""
    from . import dashboard

    return dashboard.refresh_open()


@shared_task(name="recommendations.tasks.refresh_dashboard", ignore_result=True, soft_time_limit=120, time_limit=150)
def refresh_dashboard(consultation_id: int) -> None:
    """Recompute one consultation's dashboard (a lead opened a stale page)."""
    from evidence.models import Consultation

    from . import dashboard

    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is not None:
        dashboard.refresh(consultation)
