"""A friendly page, instead of Django's 400 (or its debug page), when a form sends more than the site accepts."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme

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
