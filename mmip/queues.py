"""Celery queues by kind of work: a receipt never waits behind a long analysis task.

Two queues, each served by its own worker process (Procfile): ``fast`` for work a person is waiting on or
that must run on time (receipts, the outbox sweep, the watchdogs), ``analysis`` for work that may take
minutes (duplicate detection, text extraction, compilation, exports, imports, erasure). Every task is named
here; a test fails when a task is added without a kind. Anything unnamed (Celery's own tasks) goes to the
analysis queue, the default.

Queue names carry a prefix (``mmip.fast``, ``mmip.analysis``), so test sessions and benchmarks sharing one
Redis database keep their queues apart (``MMIP_QUEUE_PREFIX``). This module imports nothing from Django: the
settings read it.
"""

KINDS = ("fast", "analysis")
DEFAULT_PREFIX = "mmip"

TASK_KINDS = {
    "evidence.tasks.submitted": "fast",
    "evidence.tasks.send_receipt": "fast",
    "evidence.tasks.outbox_sweep": "fast",
    "recommendations.tasks.recover_stalled_runs": "fast",
    "evidence.tasks.submission_submitted": "analysis",
    "evidence.tasks.responses_imported": "analysis",
    "evidence.tasks.extract_attachment_text": "analysis",
    "evidence.tasks.erase_due_personal_data": "analysis",
    "evidence.tasks.clear_expired_sessions": "analysis",
    "recommendations.tasks.run_compilation": "analysis",
    "recommendations.tasks.compile_component": "analysis",
    "recommendations.tasks.assemble_run": "analysis",
    "recommendations.tasks.make_export": "analysis",
    "recommendations.tasks.refresh_dashboards": "analysis",
    "recommendations.tasks.refresh_dashboard": "analysis",
}


def queue_names(prefix: str = DEFAULT_PREFIX) -> dict[str, str]:
    """The queue of each kind of work: ``{"fast": "mmip.fast", "analysis": "mmip.analysis"}``."""
    return {kind: f"{prefix}.{kind}" for kind in KINDS}


def task_routes(prefix: str = DEFAULT_PREFIX) -> dict[str, dict[str, str]]:
    """Celery's ``task_routes``: each task's queue."""
    names = queue_names(prefix)
    return {task: {"queue": names[kind]} for task, kind in TASK_KINDS.items()}


def celery_conf(prefix: str = DEFAULT_PREFIX) -> dict:
    """The Celery settings that name queues, for ``app.conf.update()`` (a test worker's own prefix)."""
    return {"task_routes": task_routes(prefix), "task_default_queue": queue_names(prefix)["analysis"]}
