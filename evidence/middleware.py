"""Middleware of the submitter journey: what a form post that cannot be saved gets instead of a bare error.

- ``RequestTooBigMiddleware``: a form larger than the site accepts gets a page that states the limit.
- ``DatabaseUnavailableMiddleware``: a database connection lost in the middle of a form post (a submit, a
  draft save) gives the submitter a page that says nothing was saved and keeps what they typed, ready to
  send again. Only the submitter journey's posts: the services are atomic, so the failed attempt left
  nothing behind, and a retry on the next request runs on a fresh connection (Django drops an unusable one
  at the end of the request). The page is rendered without touching the database.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.template.response import SimpleTemplateResponse
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme

log = logging.getLogger(__name__)

NOT_KEPT = {"csrfmiddlewaretoken"}


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        match = request.resolver_match
        if (
            not isinstance(exception, OperationalError | InterfaceError)
            or request.method != "POST"
            or match is None
            or match.app_name != "evidence"
        ):
            return None
        log.warning("Database unavailable during %s %s: %s", request.method, request.path, exception)
        typed = [(name, value) for name in request.POST if name not in NOT_KEPT for value in request.POST.getlist(name)]
        from django.middleware.csrf import get_token

        response = SimpleTemplateResponse(
            "evidence/not_saved.html",
            {
                "request": request,
                "csrf_token": get_token(request),
                "is_submit": match.url_name == "submit",
                "typed": typed,
                "long": {name for name, value in typed if len(value) > 80 or "\n" in value},
                "files": [upload.name for upload in request.FILES.values()],
                "action": request.get_full_path(),
            },
            status=503,
        )
        response["Retry-After"] = "30"
        return response.render()


# Read (and drop) at most this much of an oversized body before answering, so the browser receives the page
# instead of a connection reset while it is still sending. Beyond it the connection is simply closed.
DRAIN_LIMIT = 64 * 1024 * 1024


class RequestTooBigMiddleware:
    """Answers an oversized form post with a 413 page that states the limit. Placed before CsrfViewMiddleware,
    which is the first to read the form (and would turn the error into a bare 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 (parses the form: the size limits apply here)
            except (RequestDataTooBig, TooManyFieldsSent):
                return too_big(request)
        return self.get_response(request)


def too_big(request: HttpRequest) -> HttpResponse:
    _drain(request)
    # This runs before the authentication middleware: say who is signed in, as every other page does.
    request.user = SimpleLazyObject(lambda: get_user(request))
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return render(
        request,
        "413.html",
        {
            "limit": filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
            "upload_limit": filesizeformat(settings.MMIP_UPLOAD_MAX_BYTES),
            "back": back,
        },
        status=413,
    )


def _drain(request: HttpRequest) -> None:
    """Read what is left of the body (the request's own stream stops at its Content-Length)."""
    remaining = DRAIN_LIMIT
    try:
        while remaining > 0:
            chunk = request.read(min(remaining, 1 << 16))
            if not chunk:
                break
            remaining -= len(chunk)
    except OSError:
        pass
