"""Likely duplicates and campaign responses, for a reviewer to confirm or reject."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from ..models import DuplicateFlag


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(SimpleHistoryAdmin):
    list_display = ["submission", "similar_to", "similarity", "kind", "campaign_key", "status", "decided_by"]
    list_filter = ["kind", "status"]
    list_select_related = ["submission", "similar_to", "decided_by"]
    search_fields = ["submission__reference", "similar_to__reference", "campaign_key"]
    readonly_fields = [
        "submission",
        "similar_to",
        "similarity",
        "kind",
        "campaign_key",
        "decided_by",
        "decided_at",
    ]
    actions = ["confirm", "reject"]

    def _decide(self, request, queryset, status):
        n = queryset.update(status=status, decided_by=request.user, decided_at=timezone.now())
        self.message_user(request, f"{n} flags marked {status}.")

    @admin.action(description="Confirm the selected flags")
    def confirm(self, request, queryset):
        self._decide(request, queryset, DuplicateFlag.Status.CONFIRMED)

    @admin.action(description="Reject the selected flags")
    def reject(self, request, queryset):
        self._decide(request, queryset, DuplicateFlag.Status.REJECTED)
