"""LOG_FORMAT=json writes JSON lines, and one request id follows a request into the Celery tasks it causes."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from mmip import logs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_each_response_names_its_request_id(client):
    given = client.get(reverse("evidence:health"), HTTP_X_REQUEST_ID="proxy-id-1234")
    assert given["X-Request-ID"] == "proxy-id-1234"  # the proxy's id, when sane
    for hostile in ("", "short", "x" * 65, "bad id\nInjected: yes"):
        made = client.get(reverse("evidence:health"), HTTP_X_REQUEST_ID=hostile)
        assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != hostile


def test_log_lines_are_json_with_the_request_id():
    record = logging.LogRecord(
        "evidence.receipts", logging.WARNING, __file__, 1, "Receipt for %s", ("MMIP-0001",), None
    )
    token = logs._request_id.set("abc123def456")
    try:
        line = json.loads(logs.JsonFormatter().format(record))
    finally:
        logs._request_id.reset(token)
    assert line["message"] == "Receipt for MMIP-0001" and line["level"] == "WARNING"
    assert line["request_id"] == "abc123def456" and line["logger"] == "evidence.receipts"
    assert "request_id" not in json.loads(logs.JsonFormatter().format(record))  # outside a request


def test_the_request_id_travels_in_the_task_message_and_back_into_the_worker():
    headers = {}
    token = logs._request_id.set("req-0000abcd")
    try:
        logs.add_to_message(headers=headers)  # the web process publishes
    finally:
        logs._request_id.reset(token)
    assert headers == {logs.HEADER: "req-0000abcd"}
    # The worker: the message's headers are on task.request while the task runs.
    task = SimpleNamespace(request=SimpleNamespace(**headers))
    logs.restore_in_task(task_id="t1", task=task)
    assert logs.current() == "req-0000abcd"
    published = {}
    logs.add_to_message(headers=published)  # tasks it publishes carry it on
    assert published == {logs.HEADER: "req-0000abcd"}
    logs.clear_after_task(task_id="t1")
    assert logs.current() == ""


@pytest.mark.django_db
def test_a_log_line_written_during_a_request_has_its_id(client, caplog):
    seen = []

    class Capture(logging.Handler):
        def emit(self, record):
            seen.append(logs.JsonFormatter().format(record))

    handler = Capture()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="trace-me-42")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert any(json.loads(line).get("request_id") == "trace-me-42" for line in seen), seen


def test_log_format_json_configures_every_handler_and_refuses_unknown_formats():
    def run(fmt):
        code = "import django, logging; django.setup(); print(type(logging.getLogger().handlers[0].formatter).__name__)"
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "mmip.settings", "LOG_FORMAT": fmt},
            capture_output=True,
            text=True,
        )

    assert run("json").stdout.strip() == "JsonFormatter"
    refused = run("xml")
    assert refused.returncode != 0 and "LOG_FORMAT='xml'" in refused.stderr
