"""The process contract: every Celery task has a queue of its kind, and the Procfile starts a worker for each
queue, exactly one beat and gunicorn with its config file."""

import re
import shlex
from pathlib import Path

from django.conf import settings

from mmip import queues
from mmip.celery import app

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: shlex.split(command) for name, _, command in (line.partition(": ") for line in lines if line)}


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def _current_queues() -> dict[str, str]:
    """The app's queues as configured now: the settings' names, or a worker test's own prefix when the
    PostgreSQL pass has started one earlier in the session (tests/integration/conftest.py)."""
    prefix = app.conf.task_default_queue.rsplit(".", 1)[0]
    return queues.queue_names(prefix)


def test_every_task_is_routed_to_a_known_queue():
    app.autodiscover_tasks(force=True)  # every app's tasks module, as a worker imports them
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    # Each of the project's tasks has a kind (a new task without one fails here), and no kind names a
    # task that no longer exists.
    assert ours == set(queues.TASK_KINDS), ours ^ set(queues.TASK_KINDS)
    assert queues.queue_names() == {"fast": "mmip.fast", "analysis": "mmip.analysis"}
    assert settings.MMIP_QUEUES == queues.queue_names(settings.MMIP_QUEUE_PREFIX)
    known = set(_current_queues().values())
    for name in app.tasks:  # Celery's own tasks too (chord bookkeeping): the default, the analysis queue
        assert _queue_of(name) in known, name


def test_receipts_and_analysis_are_on_different_queues():
    fast, analysis = _current_queues()["fast"], _current_queues()["analysis"]
    assert _queue_of("evidence.tasks.send_receipt") == fast
    assert _queue_of("evidence.tasks.submitted") == fast  # it queues the receipt and the analysis
    assert _queue_of("evidence.tasks.outbox_sweep") == fast
    for name in (
        "evidence.tasks.submission_submitted",
        "evidence.tasks.extract_attachment_text",
        "recommendations.tasks.compile_component",
        "recommendations.tasks.make_export",
    ):
        assert _queue_of(name) == analysis, name


def test_a_queue_prefix_renames_every_queue():
    conf = queues.celery_conf("bench-1")
    assert conf["task_default_queue"] == "bench-1.analysis"
    assert {route["queue"] for route in conf["task_routes"].values()} == {"bench-1.fast", "bench-1.analysis"}


def test_the_procfile_starts_gunicorn_a_worker_per_queue_and_one_beat():
    procs = _procfile()
    assert procs["web"][:3] == ["gunicorn", "--config", "mmip/gunicorn.conf.py"]
    assert (ROOT / "mmip" / "gunicorn.conf.py").exists()
    beats = [name for name, argv in procs.items() if "beat" in argv or "-B" in argv]
    assert beats == ["beat"]
    served = {}
    for name, argv in procs.items():
        if "worker" not in argv:
            continue
        # The queue's prefix comes from the environment, as the app's routes do (MMIP_QUEUE_PREFIX).
        assert argv[argv.index("-Q") + 1] == f"${{MMIP_QUEUE_PREFIX:-mmip}}.{name}", argv
        queue = argv[argv.index("-Q") + 1].replace("${MMIP_QUEUE_PREFIX:-mmip}", settings.MMIP_QUEUE_PREFIX)
        # The worker's kind (its visibility timeout, its own unacknowledged set) matches its queue.
        assert f"MMIP_WORKER_KIND={name}" in argv and queue == settings.MMIP_QUEUES[name], argv
        served[name] = queue
    assert served == settings.MMIP_QUEUES


def test_gunicorn_config_reads_its_settings_from_the_environment(monkeypatch):
    namespace: dict = {}
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    exec(compile((ROOT / "mmip" / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    assert namespace["bind"] == ["0.0.0.0:9000"] and namespace["workers"] == 3
    assert namespace["accesslog"] == "-" and namespace["timeout"] > 0 and namespace["threads"] >= 1
    assert re.fullmatch(r"\w+", namespace["worker_class"])


def test_beat_sweeps_the_outbox_as_it_starts(monkeypatch):
    """Not a minute later: rows a crash left are published at once, and /readyz sees beat's run early."""
    from celery import signals

    sent = []
    monkeypatch.setattr(app, "send_task", lambda name, *args, **kwargs: sent.append(name))
    signals.beat_init.send(sender=None)
    assert sent == ["evidence.tasks.outbox_sweep"]
