"""History pages that answer "not found" to an address naming no object (``…/70/change/history/``, a version
id that is not a number) instead of failing with a server error."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such object.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdigit() or self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such object or version.")
        return super().history_form_view(request, object_id, version_id, extra_context)
