import os

from celery import Celery, signals

from mmip import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mmip.settings")

app = Celery("mmip")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id of the web request that caused a task follows it into the worker's logs (mmip/logs.py).
signals.before_task_publish.connect(logs.add_to_message, weak=False)
signals.task_prerun.connect(logs.restore_in_task, weak=False)
signals.task_postrun.connect(logs.clear_after_task, weak=False)
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    signals.after_setup_logger.connect(logs.use_json_for_celery, weak=False)
    signals.after_setup_task_logger.connect(logs.use_json_for_celery, weak=False)


@signals.beat_init.connect(weak=False)
def sweep_when_beat_starts(sender=None, **kwargs) -> None:
    """Beat's first outbox sweep runs as it starts, not a minute later: outbox rows left by a crash are
    published at once, and /readyz sees a scheduled run as soon as the deployment is up."""
    app.send_task("evidence.tasks.outbox_sweep")
