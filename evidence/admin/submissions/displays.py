"""What the submission pages show and nobody edits: the changelist's columns and the change page's read-only
panels (the response, its data points and files, duplicates, dual review, suggestions, the audit trail).

Confidential content is withheld per viewer: ``get_form`` attaches who is looking to the object, and each
panel asks ``withheld_from_viewer(obj)`` before showing a word of it.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from ...models import Campaign, Submission
from ...uploads import clean_file_name
from .. import suggestions as suggestion_panel
from ..confidentiality import WITHHELD, attach_viewer, viewer_of, withheld_from_viewer
from .history import trail


class SubmissionDisplays:
    """Mixed into SubmissionAdmin: every ``@admin.display`` of the changelist and the change page."""

    # -- list columns --
    @admin.display(description="organisation", ordering="organisation__name")
    def organisation_name(self, obj):
        return obj.organisation.name

    @admin.display(description="type", ordering="organisation__organisation_type__order")
    def organisation_type(self, obj):
        return obj.organisation.organisation_type.name

    @admin.display(description="region", ordering="organisation__region__order")
    def region(self, obj):
        return obj.organisation.region.name

    @admin.display(description="state", ordering="review_state")
    def state(self, obj):
        """The review state, unless the submitter withdrew it: then that, whatever state review had reached."""
        if obj.status == Submission.Status.WITHDRAWN:
            return format_html("<strong>{}</strong>", "Withdrawn by the submitter")
        return obj.get_review_state_display()

    @admin.display(description="review state")
    def review_state_notice(self, obj):
        if obj.status == Submission.Status.WITHDRAWN:
            when = f" on {timezone.localtime(obj.withdrawn_at):%d %B %Y}" if obj.withdrawn_at else ""
            return format_html(
                '<strong class="errornote">This response was withdrawn by its submitter{}.</strong> It is not '
                "reviewed: its coding and assignments can no longer be changed (it was “{}”). To close it, move "
                "it to Excluded with the reason “Withdrawn by the submitter”.",
                when,
                obj.get_review_state_display(),
            )
        return obj.get_review_state_display()

    @admin.display(description="confidentiality", ordering="confidentiality")
    def confidentiality_badge(self, obj):
        if obj.is_confidential:
            return format_html("<strong>{}</strong>", "Commercial in confidence")
        return obj.get_confidentiality_display().split(":")[0]

    @admin.display(description="reviewers")
    def reviewers_list(self, obj):
        return (
            ", ".join(
                f"{a.reviewer.email or a.reviewer.username}{' ✓' if a.status == 'done' else ''}"
                for a in obj.assignments.all()
            )
            or "—"
        )

    @admin.display(description="components (grade)")
    def components_list(self, obj):
        if obj.first_round_blind:
            return "(hidden until both reviews are done)"
        return ", ".join(f"{t.component.name} ({t.grade})" for t in obj.first_tags) or "—"

    @admin.display(description="flags")
    def flags(self, obj):
        marks = []
        if obj.is_flagged:
            marks.append(f"{obj.flag_count} similar")
        if obj.has_disagreement:
            marks.append("disagreement")
        return ", ".join(marks) or ""

    # -- change page --
    @admin.display(description="organisation")
    def organisation_details(self, obj):
        org = obj.organisation
        return format_html(
            "{} · {} · {} · {}",
            org.name,
            org.organisation_type.name,
            org.get_size_band_display() or "—",
            org.region.name,
        )

    @admin.display(description="arrived")
    def arrived(self, obj):
        if obj.channel == Submission.Channel.WEB:
            return "Online form"
        source = f", their reference {obj.source_reference}" if obj.source_reference else ""
        return f"{obj.get_channel_display()}, received {obj.received_on:%d %B %Y}{source} (imported by staff)"

    @admin.display(description="confidentiality")
    def confidentiality_notice(self, obj):
        text = obj.get_confidentiality_display()
        if obj.is_confidential:
            return format_html(
                "<strong>Commercial in confidence.</strong> {}{}",
                text,
                "" if withheld_from_viewer(obj) else f" Reason: {obj.confidentiality_reason}",
            )
        return text

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The read-only displays below receive only ``obj``: who is looking travels with this request's
        # object, never on this shared instance (threads share it). A historical version (history pages)
        # is also checked against the row as it is now.
        if obj is not None:
            attach_viewer(obj, request, current=not hasattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME))
        return super().get_form(request, obj, change, **kwargs)

    @admin.display(description="response")
    def response_text(self, obj):
        if withheld_from_viewer(obj):
            return format_html('<p class="errornote">{}</p>', WITHHELD)
        answers = obj.answers.select_related("question__component")
        return format_html(
            "<h4>Summary</h4><p>{}</p>{}<h4>What should change?</h4><p>{}</p><h4>Declared interests</h4><p>{}</p>",
            obj.summary,
            # Each answer is marked codable: select a passage of it to code it as an excerpt (admin-excerpts.js).
            format_html_join(
                "",
                '<h4>{}</h4><p class="codable" data-answer="{}" data-component="{}">{}</p>',
                ((a.question.text, a.pk, a.question.component_id or "", a.text) for a in answers),
            ),
            obj.proposals or "—",
            obj.declared_interests or "None",
        )

    @admin.display(description="data points")
    def data_points_table(self, obj):
        if withheld_from_viewer(obj):
            return WITHHELD
        points = obj.data_points.select_related("indicator", "geography")
        return (
            format_html(
                "<table><tr><th>measure</th><th>value</th><th>period</th><th>where</th><th>source</th></tr>{}</table>",
                format_html_join(
                    "",
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    (
                        (
                            d.indicator_name,
                            d.value_with_unit,
                            d.period_label,
                            d.geography.name,
                            d.source,
                        )
                        for d in points
                    ),
                ),
            )
            if points
            else "None"
        )

    @admin.display(description="attachments")
    def attachments_list(self, obj):
        if withheld_from_viewer(obj):
            return WITHHELD
        files = obj.attachments.without_text()
        return (
            format_html_join(
                "<br>",
                '<a href="{}">{}</a> ({} bytes, text extraction: {})',
                # The name as stored may predate upload cleaning: no right-to-left overrides ("gnp.exe" as "exe.png").
                (
                    (f.get_absolute_url(), clean_file_name(f.original_name), f.size, f.get_extraction_status_display())
                    for f in files
                ),
            )
            or "None"
        )

    @admin.display(description="likely duplicates")
    def duplicate_flags(self, obj):
        lines = []
        for f in obj.duplicate_flags.select_related("similar_to"):
            line = format_html(
                '{} of <a href="{}">{}</a>: similarity {} ({})',
                f.get_kind_display(),
                reverse("admin:evidence_submission_change", args=[f.similar_to_id]),
                f.similar_to.reference,
                f"{f.similarity:.2f}",
                f.get_status_display(),
            )
            if f.campaign_id:
                url = reverse("admin:evidence_campaign_change", args=[f.campaign_id])
                line = format_html('{}, <a href="{}">campaign {}</a>', line, url, f.campaign_key)
            lines.append(line)
        founded = Campaign.objects.filter(founder=obj).values_list("pk", flat=True).first()
        if founded:
            url = reverse("admin:evidence_campaign_change", args=[founded])
            lines.append(format_html('The first response of <a href="{}">a campaign</a>', url))
        return format_html_join("", "{}<br>", ((line,) for line in lines)) if lines else "None"

    @admin.display(description="dual review")
    def dual_review(self, obj):
        if not obj.needs_dual_review:
            return "Single review."
        if obj.has_disagreement:
            url = reverse("admin:evidence_submission_resolve", args=[obj.pk])
            return format_html('The two reviews disagree. <a href="{}">Resolve the disagreement</a> (leads).', url)
        if obj.disagreement_resolved_at:
            when = f"{obj.disagreement_resolved_at:%d %b %Y}"
            return f"Resolved by {obj.disagreement_resolved_by} on {when}: {obj.disagreement_note}"
        return "Sampled for a second, independent review."

    @admin.display(description="suggestions")
    def suggestions_panel(self, obj):
        return suggestion_panel.panel(obj)

    @admin.display(description="who changed what")
    def audit_trail(self, obj):
        viewer = viewer_of(obj)
        if viewer is None:
            return WITHHELD
        return format_html(
            "<table><tr><th>when</th><th>who</th><th>change</th><th>what</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((f"{r.when:%Y-%m-%d %H:%M}", r.who, r.change, r.what) for r in trail(obj, viewer)),
            ),
        )
