"""A database connection lost in the middle of a form post (a submit, a draft save) gives the submitter a
page that says nothing was saved and keeps what they typed, ready to send again, instead of a bare error.

Only the submitter journey's posts: the services are atomic, so the failed attempt left nothing behind,
and a retry on the next request runs on a fresh connection (Django drops an unusable one at the end of
the request). The page is rendered without touching the database.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse

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
