import os

from celery import Celery, signals
from django.db import close_old_connections

from mmip import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmip.settings")

app = Celery("mmip")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id of the web request that caused a task follows it into the worker's logs (mmip/logs.py).
signals.before_task_publish.connect(logs.add_to_message, weak=False)
signals.task_prerun.connect(logs.restore_in_task, weak=False)
signals.task_postrun.connect(logs.clear_after_task, weak=False)


def _close_old_connections(task=None, **kwargs) -> None:
    """Around each task, as Django does around each request: close a database connection that errored or is
    older than CONN_MAX_AGE, keep the others (CELERY_DB_REUSE_MAX in the settings). Not for a task run eagerly
    inside a request, whose connection is the request's."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()


signals.task_prerun.connect(_close_old_connections, weak=False)
signals.task_postrun.connect(_close_old_connections, weak=False)
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    signals.after_setup_logger.connect(logs.use_json_for_celery, weak=False)
    signals.after_setup_task_logger.connect(logs.use_json_for_celery, weak=False)


@signals.worker_init.connect(weak=False)
def lower_analysis_priority(sender=None, **kwargs) -> None:
    """An analysis worker (MMIP_WORKER_KIND=analysis, the Procfile's) lowers its CPU priority by
    MMIP_ANALYSIS_NICE before it starts its pool, whose processes inherit it: see the setting."""
    from django.conf import settings

    if settings.MMIP_WORKER_KIND == "analysis" and settings.MMIP_ANALYSIS_NICE:
        os.nice(settings.MMIP_ANALYSIS_NICE)


@signals.beat_init.connect(weak=False)
def sweep_when_beat_starts(sender=None, **kwargs) -> None:
    """Beat's first outbox sweep runs as it starts, not a minute later: outbox rows left by a crash are
    published at once, and /readyz sees a scheduled run as soon as the deployment is up."""
    app.send_task("evidence.tasks.outbox_sweep")
