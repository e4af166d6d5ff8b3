"""The deployable artefacts agree with the Procfile: the image's default command is its web process, and
compose.yaml runs each of its processes with the same command. Docker does not run on the project's
machines, so this (and hadolint in `make lint`) is what CI checks of them."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from mmip import probe

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: command for name, _, command in (line.partition(": ") for line in lines if line)}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _dockerfile() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_compose_runs_every_procfile_process_with_the_same_command():
    services = _compose()["services"]
    for name, command in _procfile().items():
        assert shlex.split(services[name]["command"]) == shlex.split(command), name
    beats = [name for name, svc in services.items() if " beat" in str(svc.get("command", ""))]
    assert beats == ["beat"]


def test_compose_has_the_databases_and_volumes_for_data_and_media():
    compose = _compose()
    services = compose["services"]
    assert {"postgres", "redis", "migrate"} <= set(services)
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    for name in ("web", "fast", "analysis"):  # web and workers see the same uploads and exports
        assert "media:/data/media" in services[name]["volumes"], name
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert {"pgdata", "media"} <= set(compose["volumes"])
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "-m", "mmip.probe", "/readyz"]


def test_the_image_is_multi_stage_non_root_with_static_files_collected_at_build():
    instructions = _dockerfile()
    stages = [line for line in instructions if line.startswith("FROM ")]
    assert len(stages) >= 2
    final = instructions[instructions.index(stages[-1]) :]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert any("collectstatic" in line for line in instructions if line.startswith("RUN "))
    cmd = [line for line in final if line.startswith("CMD ")][-1]
    assert json.loads(cmd[4:]) == shlex.split(_procfile()["web"])


def test_the_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "node_modules", "var", ".env"} <= set(ignored)


def test_the_probe_asks_gunicorn_with_an_allowed_host():
    url, host = probe.target("/readyz", {"GUNICORN_BIND": "0.0.0.0:8000", "ALLOWED_HOSTS": ".example.org,b.org"})
    assert (url, host) == ("http://127.0.0.1:8000/readyz", "example.org")
    assert probe.target("/healthz", {"PORT": "9001"}) == ("http://127.0.0.1:9001/healthz", "localhost")


def test_production_serves_the_health_pages_over_plain_http():
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mmip.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "evidence.example.org",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    redirect, exempt = json.loads(out.stdout)
    assert redirect is True
    for path in ("healthz", "readyz"):  # SecurityMiddleware matches the path without its leading slash
        assert any(re.search(pattern, path) for pattern in exempt), path
    assert not any(re.search(pattern, "accounts/login/") for pattern in exempt)
