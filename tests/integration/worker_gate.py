"""Imported into the test worker (``celery worker --include``): while the file named by MMIP_TEST_GATE
exists, each compile_component task waits before it starts, after leaving a ``held-<task id>`` file beside
the gate. A test can then kill the worker at a known point of a compilation instead of racing it."""

import os
import time
from pathlib import Path

from celery import shared_task
from celery.signals import task_prerun

HELD_TASK = "recommendations.tasks.compile_component"


@task_prerun.connect
def hold_while_the_gate_is_closed(sender=None, task_id=None, task=None, **kwargs):
    gate = Path(os.environ.get("MMIP_TEST_GATE", ""))
    if task is None or task.name != HELD_TASK or not gate.name or not gate.exists():
        return
    (gate.parent / f"held-{task_id}").touch()
    while gate.exists():
        time.sleep(0.1)


@shared_task(name="tests.integration.worker_gate.database_backend", ignore_result=False)
def database_backend() -> int:
    """The PostgreSQL server process behind this worker process's connection (a test of connection reuse)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
