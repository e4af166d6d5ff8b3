"""Likely duplicates, campaigns and shared passages, for a reviewer to confirm or reject; campaigns shown
as one group (how many senders, the shared text, what each sender added), counted as a lead decides."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from ..models import Campaign, DuplicateFlag
from .confidentiality import WITHHELD, attach_viewer, viewer_of, withheld_from_viewer
from .history import HistoryAdmin


@admin.register(DuplicateFlag)
class DuplicateFlagAdmin(HistoryAdmin):
    list_display = ["submission", "similar_to", "similarity", "kind", "campaign_link", "status", "decided_by"]
    list_filter = ["kind", "status"]
    list_select_related = ["submission", "similar_to", "decided_by", "campaign"]
    search_fields = ["submission__reference", "similar_to__reference", "campaign_key"]
    fields = ["submission", "similar_to", "similarity", "kind", "campaign_link", "status", "shared", "added"]
    readonly_fields = ["submission", "similar_to", "similarity", "kind", "campaign_link", "shared", "added"]
    actions = ["confirm", "reject"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The displays receive only the flag: who is looking travels with this request's object (the flag's
        # response as it is now), never on this shared instance.
        if obj is not None:
            attach_viewer(obj.submission, request, current=True)
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description="campaign")
    def campaign_link(self, obj):
        if not obj.campaign_id:
            return "–"
        url = reverse("admin:evidence_campaign_change", args=[obj.campaign_id])
        return format_html('<a href="{}">{}</a>', url, obj.campaign_key or obj.campaign_id)

    @admin.display(description="shared passage")
    def shared(self, obj):
        # Quoted from this response: withheld from reviewers without the confidential-evidence permission.
        if not obj.shared_text:
            return "–"
        return WITHHELD if withheld_from_viewer(obj.submission) else obj.shared_text

    @admin.display(description="what this response adds to the shared text")
    def added(self, obj):
        if not obj.added_text:
            return "–"
        return WITHHELD if withheld_from_viewer(obj.submission) else obj.added_text

    def _decide(self, request, queryset, status):
        n = queryset.update(status=status, decided_by=request.user, decided_at=timezone.now())
        self.message_user(request, f"{n} flags marked {status}.")

    @admin.action(description="Confirm the selected flags")
    def confirm(self, request, queryset):
        self._decide(request, queryset, DuplicateFlag.Status.CONFIRMED)

    @admin.action(description="Reject the selected flags")
    def reject(self, request, queryset):
        self._decide(request, queryset, DuplicateFlag.Status.REJECTED)


@admin.register(Campaign)
class CampaignAdmin(HistoryAdmin):
    """One row per campaign: a reviewer assesses the text once; a lead decides how the coverage counts it."""

    list_display = ["founder", "consultation", "senders", "counting", "created_at"]
    list_filter = ["consultation", "counting"]
    list_select_related = ["founder", "consultation"]
    search_fields = ["founder__reference"]
    fields = ["founder", "consultation", "senders", "counting", "shared", "founder_adds", "members"]
    readonly_fields = ["founder", "consultation", "senders", "shared", "founder_adds", "members"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # Who is looking travels with this request's object (on its founder), never on this shared instance.
        if obj is not None:
            attach_viewer(obj.founder, request, current=True)
        return super().get_form(request, obj, change, **kwargs)

    def get_queryset(self, request):
        # Senders: the founder and each response flagged into the campaign that a reviewer has not rejected.
        return (
            super()
            .get_queryset(request)
            .annotate(
                members_count=Count(
                    "flags__submission", filter=~Q(flags__status=DuplicateFlag.Status.REJECTED), distinct=True
                )
            )
            .order_by("-pk")  # a GROUP BY query drops Meta.ordering
        )

    def has_add_permission(self, request):
        return False  # campaigns are found, not made by hand

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        # How the coverage counts a campaign is a lead's decision.
        if request.user.has_perm("evidence.lead_consultation"):
            return self.readonly_fields
        return [*self.readonly_fields, "counting"]

    @admin.display(description="senders", ordering="members_count")
    def senders(self, obj):
        return obj.members_count + 1

    @admin.display(description="shared text")
    def shared(self, obj):
        return WITHHELD if withheld_from_viewer(obj.founder) else obj.shared_text

    @admin.display(description="what the founder adds")
    def founder_adds(self, obj):
        if withheld_from_viewer(obj.founder):
            return WITHHELD
        return obj.founder_added or "Nothing: the shared text only."

    @admin.display(description="senders and what each added")
    def members(self, obj):
        viewer = viewer_of(obj.founder)
        sees = viewer is not None and viewer.sees_confidential  # no viewer: withhold (fail closed)
        flags = (
            obj.flags.exclude(status=DuplicateFlag.Status.REJECTED)
            .select_related("submission__organisation")
            .order_by("submission__reference_number")
        )
        rows = [
            (
                reverse("admin:evidence_submission_change", args=[f.submission_id]),
                f.submission.reference,
                f.submission.organisation.name,
                f"{f.similarity:.0%}",
                f.get_status_display(),
                WITHHELD
                if f.submission.is_confidential and not sees
                else (f.added_text or "Nothing beyond the shared text."),
            )
            for f in flags
        ]
        if not rows:
            return "No other senders (all rejected)."
        return format_html(
            "<table><tr><th>response</th><th>sender</th><th>shared</th><th>flag</th><th>added</th></tr>{}</table>",
            format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
                rows,
            ),
        )
