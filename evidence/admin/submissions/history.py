"""The response's history pages (django-simple-history): the same rows and the same rules as the change page."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.http import Http404


class SubmissionHistory:
    """Mixed into SubmissionAdmin (before SimpleHistoryAdmin, whose views it narrows)."""

    def history_view(self, request, object_id, extra_context=None):
        # Drafts and unknown ids are a 404 here as on the change page (get_queryset leaves drafts out).
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such response.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdigit() or self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such response or version.")
        return super().history_form_view(request, object_id, version_id, extra_context)
