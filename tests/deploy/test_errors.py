"""Error reports go to Sentry only when SENTRY_DSN is set, and never carry personal data."""

import json
import os
import subprocess
import sys
from pathlib import Path

from mmip import errors, logs

ROOT = Path(__file__).resolve().parents[2]


def test_an_event_loses_who_and_what_was_typed_but_keeps_where():
    event = {
        "message": "Receipt to jane.doe@pharma.example.co.uk failed",
        "exception": {"values": [{"type": "SMTPRecipientsRefused", "value": "{'jane.doe@pharma.example.co.uk': 550}"}]},
        "user": {"email": "jane.doe@pharma.example.co.uk", "ip_address": "203.0.113.9"},
        "request": {
            "method": "POST",
            "url": "https://evidence.example.org/responses/1/submit/?email=jane.doe@pharma.example.co.uk",
            "data": {"summary": "Our margin is 4.2 percent"},
            "cookies": {"sessionid": "abc"},
            "headers": {"Cookie": "sessionid=abc"},
        },
        "breadcrumbs": {"values": [{"message": "signed in as jane.doe@pharma.example.co.uk"}]},
    }
    token = logs._request_id.set("req-12345678")
    try:
        sent = errors.before_send(event, {})
    finally:
        logs._request_id.reset(token)
    text = json.dumps(sent)
    assert (
        "jane.doe" not in text and "203.0.113.9" not in text and "4.2 percent" not in text and "sessionid" not in text
    )
    assert sent["request"] == {"method": "POST", "url": "https://evidence.example.org/responses/1/submit/"}
    assert sent["message"] == "Receipt to [email] failed" and sent["tags"]["request_id"] == "req-12345678"
    assert sent["exception"]["values"][0]["type"] == "SMTPRecipientsRefused"


def test_sentry_is_set_up_only_with_a_dsn_and_never_sends_default_personal_data():
    code = (
        "import json, django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
        "print(json.dumps([c.is_active(), c.options.get('send_default_pii'), c.options.get('max_request_body_size'),"
        " c.options.get('include_local_variables')]))"
    )

    def run(**env):
        clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**clean, "DJANGO_SETTINGS_MODULE": "mmip.settings", **env},
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    assert run()[0] is False
    assert run(SENTRY_DSN="https://key@errors.example.org/1") == [True, False, "never", False]
