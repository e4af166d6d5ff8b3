"""Error reporting to Sentry when SENTRY_DSN is set (``pip install ".[sentry]"``; the image has it).

Personal data stays here: no user details, cookies, request bodies or local variables are sent, and
e-mail addresses are blanked wherever they appear in an event (messages, exception texts, breadcrumbs,
tags). Errors from web requests and Celery tasks are reported, with the request id (mmip/logs.py) as a tag.
"""

from __future__ import annotations

import re
from typing import Any

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
REDACTED = "[email]"
# Whole parts of an event that may hold what people typed or who they are.
DROPPED = ("user", "request")


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL.sub(REDACTED, value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def before_send(event: dict, hint: dict | None = None) -> dict:
    """Sentry's hook: the event as sent, without personal data."""
    request = event.get("request") or {}
    kept = {key: request[key] for key in ("method", "url") if key in request}  # where, not who or what
    event = {key: value for key, value in event.items() if key not in DROPPED}
    if kept:
        event["request"] = {**kept, "url": kept.get("url", "").split("?")[0]}
    from mmip import logs

    if request_id := logs.current():
        event.setdefault("tags", {})["request_id"] = request_id
    return scrub(event)


def init(dsn: str, *, environment: str, release: str | None = None) -> None:
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        before_send=before_send,
        before_breadcrumb=lambda crumb, hint: scrub(crumb),
        traces_sample_rate=0.0,
    )
