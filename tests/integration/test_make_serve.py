"""`make serve`, as an operator starts it, driven over HTTP as two respondents would use it.

The Makefile's own target brings up the Procfile's processes under honcho (gunicorn, the fast worker, the
analysis worker and one beat) with DEBUG=0 on a PostgreSQL database of this test's own, and on the test
session's Redis database with queues and cached keys under a prefix of its own. Two members sign up, say who
they respond for and submit the same template letter. Each gets a reference and an e-mailed receipt sent by
the fast worker; the analysis worker's duplicate check flags the second letter as a campaign response; the
log lines of the submit request, its receipt and its analysis are JSON and share one request id; /readyz is
green. Needs PostgreSQL and Redis, like the other worker tests.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection

from mmip.queues import queue_names
from tests.integration.conftest import _delete_queue, require_services

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-and-unusual-passphrase-42"
LETTER = (
    "We write as part of the UK medicines manufacturing community to ask government to act on skills. "
    "Employers across the North West report that recruiting qualified process engineers now takes nine "
    "months or more, and that experienced technicians leave for Ireland and Singapore where incentives for "
    "manufacturing investment are stronger. Government should fund one thousand apprenticeships in advanced "
    "therapy manufacturing each year from 2027, matched by industry, and should publish a skills plan for "
    "medicines manufacturing with targets that the partnership reviews every year."
)


class Form(HTMLParser):
    """The fields of the page's forms: their current values and each select's options."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._select: str | None = None
        self._option: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "checkbox", "radio"}:
            self.values.setdefault(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            self._option = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.values.setdefault(name, "")

    def handle_data(self, data):
        if self._select and self._option:
            self.options[self._select].append((self._option, data.strip()))
            self._option = None

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def option(self, field: str, text: str) -> str:
        return next(value for value, label in self.options[field] if text.lower() in label.lower())


class Served:
    """`make serve` in its own process group, its output (honcho's, every process prefixed) in a file."""

    def __init__(self, args: list[str], env: dict, log: Path, base_url: str):
        self.log, self.base_url = log, base_url
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "serve", *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def lines(self, process: str) -> list[str]:
        """What one Procfile process wrote (honcho prefixes each line with the time and 'name.1 | ')."""
        found = []
        for line in self.text().splitlines():
            match = re.match(r"^\S+ (\w+)\.\d+\s+\| (.*)$", line)
            if match and match.group(1) == process:
                found.append(match.group(2))
        return found

    def records(self, process: str) -> list[dict]:
        """Its JSON log records."""
        records = []
        for line in self.lines(process):
            if line.startswith("{"):
                records.append(json.loads(line))  # a line that starts as JSON and is not: a failure
        return records

    def wait_for(self, condition, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            if self.process.poll() is not None:
                raise AssertionError(f"make serve exited ({self.process.returncode}) before {what}:\n{self.tail()}")
            time.sleep(0.5)
        raise AssertionError(f"Timed out after {timeout} s waiting for {what}:\n{self.tail()}")

    def tail(self, chars: int = 6000) -> str:
        return self.text()[-chars:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # honcho stops every process, as on Ctrl-C
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # anything left of the group
        except ProcessLookupError:
            pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(served: Served):
    try:
        response = requests.get(f"{served.base_url}/readyz", timeout=5)
    except requests.ConnectionError:
        return None
    return response if response.status_code == 200 else None


def _mails(mail_dir: Path, to: str = "") -> str:
    """The decoded text of the e-mails written so far (to one address), one after another."""
    texts = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        for raw in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.lstrip("\n"), policy=email.policy.default)
            if to and to not in str(message["To"]):
                continue
            part = message.get_body(preferencelist=("plain",)) or message
            texts.append(f"To: {message['To']}\nSubject: {message['Subject']}\n\n{part.get_content()}")
    return "\n".join(texts)


def _post(session: requests.Session, url: str, data: dict, *, on: str = "") -> requests.Response:
    """POST a form as a browser does: GET the page it is on (``on``, else ``url``), send its CSRF token back."""
    page = session.get(on or url, timeout=30)
    assert page.status_code == 200, (on or url, page.status_code, page.text[:2000])
    fields = Form(page.text).values
    response = session.post(
        url,
        data={"csrfmiddlewaretoken": fields["csrfmiddlewaretoken"], **data},
        timeout=60,
        allow_redirects=False,
    )
    assert response.status_code == 302, (url, response.status_code, response.text[:3000])
    return response


def _submit_as(base: str, mail_dir: Path, address: str, organisation: str, letter: str) -> tuple[str, str]:
    """Sign up, confirm, say who you respond for, fill in the response and submit it: (reference, request id)."""
    session = requests.Session()
    _post(session, f"{base}/accounts/signup/", {"email": address, "password1": PASSWORD, "password2": PASSWORD})
    mails = _mails(mail_dir, to=address)
    link = re.findall(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mails)
    assert link, f"no confirmation link for {address} in:\n{_mails(mail_dir)[-3000:]}"
    _post(session, base + link[-1], {})
    session.cookies.clear()
    response = _post(session, f"{base}/accounts/login/", {"login": address, "password": PASSWORD})
    assert response.headers["Location"].endswith("/responses/"), response.headers["Location"]

    form = Form(session.get(f"{base}/organisation/", timeout=30).text)
    _post(
        session,
        f"{base}/organisation/",
        {
            "organisation_type": form.option("organisation_type", "CDMO"),
            "name": organisation,
            "job_title": "Head of operations",
            "size_band": form.option("size_band", "Medium"),
            "region": form.option("region", "North West"),
        },
    )
    home = session.get(base + "/", timeout=30).text
    start = re.search(r'action="(/calls/[^/"]+/start/)"', home)
    assert start, home[:3000]
    response = _post(session, base + start.group(1), {}, on=base + "/")
    about = base + response.headers["Location"]
    response_url = about.rsplit("/about/", 1)[0]
    _post(session, about, {"summary": f"{organisation}: skills for medicines manufacturing.", "declared_interests": ""})
    answers = Form(session.get(f"{response_url}/answers/", timeout=30).text).values
    question = next(name for name in answers if re.fullmatch(r"q\d+", name))
    _post(session, f"{response_url}/answers/", {question: letter, "proposals": ""})
    _post(
        session,
        f"{response_url}/confidentiality/",
        {"confidentiality": "publishable", "consent_to_publish": "on"},
    )
    check = session.get(f"{response_url}/check/", timeout=30)
    assert check.status_code == 200 and "nine" in check.text, check.text[:3000]
    response = _post(session, f"{response_url}/submit/", {}, on=f"{response_url}/check/")
    assert response.headers["Location"].endswith("/confirmation/"), response.headers["Location"]
    request_id = response.headers["X-Request-ID"]
    confirmation = session.get(base + response.headers["Location"], timeout=30).text
    reference = re.search(r"\bMMIP-\d{4,}\b", confirmation)
    assert reference, confirmation[:3000]
    return reference.group(0), request_id


def _started(served: Served, process: str) -> bool:
    return any(re.search(r"@\S+ ready\.", line) for line in served.lines(process))


def _task_record(served: Served, process: str, task: str, request_id: str):
    return next(
        (
            r
            for r in served.records(process)
            if r.get("request_id") == request_id and re.search(rf"{re.escape(task)}\[[^]]+\] succeeded", r["message"])
        ),
        None,
    )


@pytest.mark.worker
@pytest.mark.slow
def test_make_serve_takes_a_submission_through_every_process(live_db, tmp_path):
    require_services()

    db = connection.settings_dict
    server = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    database = f"mmip_serve_{uuid.uuid4().hex[:10]}"
    redis_url = settings.REDIS_URL
    prefix = f"mmip-serve-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    mail_dir = tmp_path / "mail"
    env = {
        key: value
        for key, value in os.environ.items()
        # Not this test session's: the browser tests' escape hatch, pytest's settings and databases.
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}
    }
    env.update(
        {
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            "MMIP_QUEUE_PREFIX": prefix,
            "CACHE_KEY_PREFIX": prefix,  # the beat heartbeat /readyz reads is this run's alone
            "MEDIA_ROOT": str(tmp_path / "media"),
            "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
            "PYTHONUNBUFFERED": "1",
            "WEB_CONCURRENCY": "1",
            "FAST_CONCURRENCY": "1",
            "ANALYSIS_CONCURRENCY": "1",
        }
    )
    served = Served(
        [
            f"SERVE_DATABASE_URL={server}/{database}",
            f"SERVE_REDIS_URL={redis_url}",
            f"PORT={port}",
            f"SERVE_MAIL_DIR={mail_dir}",
        ],
        env,
        tmp_path / "serve.log",
        f"http://127.0.0.1:{port}",
    )
    try:
        # Migrations on an empty database, static files, then every process: ready when /readyz says so.
        for process in ("fast", "analysis"):
            served.wait_for(lambda p=process: _started(served, p), 240, f"{process} to start")
        ready = served.wait_for(lambda: _ready(served), 120, "/readyz to answer 200")
        assert all(check["ok"] for check in ready.json()["checks"].values()), ready.text
        for process in ("web", "fast", "analysis", "beat"):
            assert served.lines(process), f"no output from {process}:\n{served.tail()}"
        missing = requests.get(f"{served.base_url}/no-such-page/", timeout=10)
        assert missing.status_code == 404 and "URLconf" not in missing.text  # DEBUG=0: no debug page

        # The operator opens the call (in production through the admin; here the demo call, no demo accounts).
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", "from evidence import demo; demo.ensure_consultation()"],
            cwd=ROOT,
            env={**env, "DATABASE_URL": f"{server}/{database}", "REDIS_URL": redis_url},
            check=True,
            capture_output=True,
            timeout=120,
        )

        base = served.base_url
        first, first_request = _submit_as(base, mail_dir, "ops@pennine.example", "Pennine CDMO Ltd", LETTER)
        second_letter = "Dear MMIP,\n\n" + LETTER + "\n\nWith best wishes, the Mersey Biologics team."
        second, second_request = _submit_as(base, mail_dir, "ops@mersey.example", "Mersey Biologics", second_letter)
        assert first != second

        # Each receipt is e-mailed by the fast worker, logged under the submit's request id.
        for reference, request_id in ((first, first_request), (second, second_request)):
            served.wait_for(lambda r=reference: r in _mails(mail_dir), 60, f"the receipt for {reference}")
            served.wait_for(
                lambda r=request_id: _task_record(served, "fast", "evidence.tasks.submitted", r),
                30,
                f"the fast worker's log of the receipt for {reference}",
            )
        assert not any("evidence.tasks.submitted[" in line for line in served.lines("analysis"))

        # The analysis worker checks the second letter against the first: a campaign response.
        served.wait_for(
            lambda: _task_record(served, "analysis", "evidence.tasks.submission_submitted", second_request),
            120,
            "the analysis worker's duplicate check",
        )
        assert not any("evidence.tasks.submission_submitted[" in line for line in served.lines("fast"))
        with psycopg.connect(f"{server.replace('postgres://', 'postgresql://')}/{database}") as conn:
            flags = conn.execute(
                """SELECT s.reference, o.reference, f.kind FROM evidence_duplicateflag f
                   JOIN evidence_submission s ON s.id = f.submission_id
                   JOIN evidence_submission o ON o.id = f.similar_to_id"""
            ).fetchall()
        assert (second, first, "campaign") in flags, flags

        # One request id across web and workers: the access log line of the submit, the receipt, the analysis.
        submits = [r for r in served.records("web") if r.get("request_id") == second_request]
        assert any("/submit/" in r.get("request", "") and r.get("status") == "302" for r in submits), submits
        assert _task_record(served, "fast", "evidence.tasks.submitted", second_request)
        assert _task_record(served, "analysis", "evidence.tasks.submission_submitted", second_request)
        # Log lines are JSON (Celery's start-up banner aside): every web line is one object.
        web = [line for line in served.lines("web") if line.strip()]
        assert web and all(line.startswith("{") for line in web), web[:20]

        final = requests.get(f"{base}/readyz", timeout=10)
        assert final.status_code == 200, final.text
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
    finally:
        served.stop()
        for queue in queue_names(prefix).values():
            _delete_queue(redis_url, queue)
        with psycopg.connect(f"{server.replace('postgres://', 'postgresql://')}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')  # nosec B608: our own generated name
