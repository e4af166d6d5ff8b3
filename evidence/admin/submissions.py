"""The submission page and changelist: review-state changes, bulk actions, CSV export and the
dual-review pages (agreement, resolving a disagreement)."""

from __future__ import annotations

import csv
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME

from .. import review, search
from ..models import (
    Campaign,
    ComponentTag,
    Consultation,
    DuplicateFlag,
    EcosystemComponent,
    Excerpt,
    ReviewAssignment,
    ReviewRound,
    Stance,
    Submission,
)
from ..spreadsheets import spreadsheet_row
from ..suggestions import quality as suggestion_quality
from . import suggestions as suggestion_panel
from .confidentiality import WITHHELD, attach_viewer, sees_confidential, viewer_of, withheld_from_viewer
from .filters import (
    ComponentFilter,
    DuplicateFilter,
    GradeFilter,
    MyQueueFilter,
    OrganisationTypeFilter,
    RegionFilter,
    ReviewerFilter,
)
from .review import AssignmentInline, ComponentTagInline, ExcerptInline, RoundScopedInline

REFERENCE = re.compile(r"[A-Za-z][A-Za-z0-9]*-\d+")

# --- The submission page --------------------------------------------------------------------------------

# Text fields that may be filtered on by anyone: a reference is not confidential content.
_OPEN_TEXT_FIELDS = {"reference"}


def _is_text_lookup(model, lookup: str) -> bool:
    """Does this changelist lookup read free text (a text field, or a relation's)?"""
    from django.contrib.postgres.search import SearchVectorField
    from django.core.exceptions import FieldDoesNotExist

    opts = model._meta
    for part in lookup.split("__"):
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
            continue
        if isinstance(field, (models.CharField, models.TextField, models.JSONField, SearchVectorField)):
            return not field.choices and not (opts.model is model and field.name in _OPEN_TEXT_FIELDS)
        return False
    return False


class ReviewForm(forms.ModelForm):
    """The change form: the review state moves only through review.review_transition."""

    move_to = forms.ChoiceField(
        label="Move review state to",
        required=False,
        choices=[("", "— keep —"), *Submission.ReviewState.choices],
    )
    reason = forms.ChoiceField(
        label="Exclusion reason", required=False, choices=[("", "—"), *Submission.ExclusionReason.choices]
    )

    class Meta:
        model = Submission
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        to = data.get("move_to")
        if to and to != self.instance.review_state:
            if to not in review.TRANSITIONS.get(self.instance.review_state, set()):
                self.add_error(
                    "move_to",
                    f"Cannot move from “{self.instance.get_review_state_display()}” to "
                    f"“{Submission.ReviewState(to).label}”.",
                )
            if to == Submission.ReviewState.EXCLUDED and not data.get("reason"):
                self.add_error("reason", "Choose a reason for excluding it.")
        return data


class ReviewActionForm(ActionForm):
    reviewer = forms.ModelChoiceField(queryset=None, required=False, label="reviewer")
    state = forms.ChoiceField(required=False, choices=[("", "state…"), *Submission.ReviewState.choices])
    reason = forms.ChoiceField(required=False, choices=[("", "exclusion reason…"), *Submission.ExclusionReason.choices])
    component = forms.ModelChoiceField(queryset=EcosystemComponent.objects.active(), required=False)
    grade = forms.ChoiceField(required=False, choices=[("", "grade…"), *ComponentTag._meta.get_field("grade").choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = review.reviewers()


@admin.register(Submission)
class SubmissionAdmin(SimpleHistoryAdmin):
    form = ReviewForm
    action_form = ReviewActionForm
    list_display = [
        "reference",
        "organisation_name",
        "organisation_type",
        "region",
        "review_state",
        "confidentiality_badge",
        "reviewers_list",
        "components_list",
        "flags",
        "first_submitted_at",
    ]
    list_display_links = ["reference"]
    list_filter = [
        MyQueueFilter,
        "consultation",
        "review_state",
        ComponentFilter,
        GradeFilter,
        OrganisationTypeFilter,
        RegionFilter,
        "confidentiality",
        "channel",
        ReviewerFilter,
        DuplicateFilter,
        "has_disagreement",
        "needs_dual_review",
    ]
    search_fields = ["reference"]
    search_help_text = "Full text of summaries, answers, proposals and attachments; or a reference."
    list_per_page = 50
    # "N of 100,000" needs a second COUNT(*) over the whole table on every page; the filtered count is enough.
    show_full_result_count = False
    inlines = [AssignmentInline, ComponentTagInline, ExcerptInline]
    actions = ["assign_fairly", "assign_to", "change_state", "tag_component", "export_csv"]
    readonly_fields = [
        "reference",
        "status",
        "review_state",
        "exclusion_reason",
        "organisation_details",
        "arrived",
        "confidentiality_notice",
        "response_text",
        "data_points_table",
        "attachments_list",
        "duplicate_flags",
        "dual_review",
        "suggestions_panel",
        "audit_trail",
    ]
    fieldsets = [
        (None, {"fields": ["reference", "status", "organisation_details", "arrived", "confidentiality_notice"]}),
        ("Review", {"fields": ["review_state", "exclusion_reason", "move_to", "reason", "dual_review"]}),
        ("Response", {"fields": ["response_text", "data_points_table", "attachments_list"]}),
        ("Suggestions (asks and stance)", {"fields": ["suggestions_panel"]}),
        ("Duplicates and campaigns", {"fields": ["duplicate_flags"]}),
        ("Audit trail", {"classes": ["collapse"], "fields": ["audit_trail"]}),
    ]

    # -- querysets: constant queries whatever the number of rows and tags --
    def get_queryset(self, request):
        flags = DuplicateFlag.objects.filter(submission=OuterRef("pk")).exclude(status=DuplicateFlag.Status.REJECTED)
        return (
            super()
            .get_queryset(request)
            .exclude(status=Submission.Status.DRAFT)
            .select_related("consultation", "organisation__organisation_type", "organisation__region")
            .prefetch_related(
                Prefetch(
                    "tags",
                    queryset=ComponentTag.objects.filter(round=ReviewRound.FIRST).select_related("component"),
                    to_attr="first_tags",
                ),
                Prefetch("assignments", queryset=ReviewAssignment.objects.select_related("reviewer")),
            )
            # Subqueries, not a JOIN with GROUP BY: the page's LIMIT then applies before any counting, and
            # the changelist's COUNT(*) can drop them (both matter at 100,000 rows).
            .annotate(
                flag_count=Coalesce(
                    Subquery(flags.order_by().values("submission").annotate(n=Count("pk")).values("n")[:1]), 0
                ),
                is_flagged=Exists(flags),
                first_round_blind=ExpressionWrapper(
                    review.blind_to_first_round(request.user), output_field=BooleanField()
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # A reference ("MMIP-0042", "mmip-0042") is looked up by itself, through the index on
        # UPPER(reference); any other text goes to the full-text search only.
        if REFERENCE.fullmatch(term):
            by_reference = queryset.filter(reference__iexact=term)
            if by_reference.exists():
                return by_reference, False
        searchable = (
            queryset
            if sees_confidential(request)
            else queryset.exclude(confidentiality=Submission.Confidentiality.CONFIDENTIAL)
        )
        return search.search(searchable, term), False

    def has_add_permission(self, request):
        return False  # responses come from submitters

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

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
            format_html_join("", "<h4>{}</h4><p>{}</p>", ((a.question.text, a.text) for a in answers)),
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
        files = obj.attachments.all()
        return (
            format_html_join(
                "<br>",
                '<a href="{}">{}</a> ({} bytes, text extraction: {})',
                ((f.get_absolute_url(), f.original_name, f.size, f.get_extraction_status_display()) for f in files),
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
        # Blind dual review: the other round's tags and excerpts stay out of the trail until both are done.
        rounds = review.visible_rounds(viewer.user, obj)
        names = dict(EcosystemComponent.objects.values_list("pk", "name"))

        def excerpt(r):
            quote = "" if viewer.withheld else f" “{r.text[:60]}”"
            return f"excerpt{quote} for {names.get(r.component_id)} ({r.round} round)"

        describe = {
            ComponentTag: lambda r: (
                f"tag {names.get(r.component_id)}: grade {r.grade}, {r.relevance} ({r.round} round)"
            ),
            Excerpt: excerpt,
            ReviewAssignment: lambda r: f"assignment: {r.round} round, {r.status}",
            DuplicateFlag: lambda r: f"{r.kind} flag ({r.similarity:.2f}): {r.status}",
        }
        rows = []
        for model, what in describe.items():
            records = model.history.filter(submission_id=obj.pk).select_related("history_user")
            if model in (ComponentTag, Excerpt):
                records = records.filter(round__in=rounds)
            for record in records:
                rows.append(
                    (
                        record.history_date,
                        record.history_user or "system",
                        record.get_history_type_display(),
                        what(record),
                    )
                )
        for record in obj.history.all().select_related("history_user"):
            reason = f" ({record.exclusion_reason})" if record.exclusion_reason else ""
            rows.append(
                (
                    record.history_date,
                    record.history_user or "system",
                    record.get_history_type_display(),
                    f"response: status {record.status}, review {record.review_state}{reason}",
                )
            )
        rows.sort(key=lambda r: r[0], reverse=True)
        return format_html(
            "<table><tr><th>when</th><th>who</th><th>change</th><th>what</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((f"{when:%Y-%m-%d %H:%M}", who, change, what) for when, who, change, what in rows),
            ),
        )

    # -- history pages: the same rows and the same rules as the change page --
    def history_view(self, request, object_id, extra_context=None):
        # Drafts and unknown ids are a 404 here as on the change page (get_queryset leaves drafts out).
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such response.")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not str(version_id).isdigit() or self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such response or version.")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def lookup_allowed(self, lookup, value, request):
        # Filtering the changelist on a text field (?summary__icontains=…) would tell a reviewer without the
        # confidential-evidence permission what a confidential response says, one guess at a time. The
        # search box applies the rule itself (get_search_results); URL lookups on text are refused.
        if not sees_confidential(request) and _is_text_lookup(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    # -- saving through the domain rules --
    def save_model(self, request, obj, form, change):
        to = form.cleaned_data.get("move_to")
        if to and to != obj.review_state:
            review.review_transition(submission=obj, to=to, by=request.user, reason=form.cleaned_data.get("reason", ""))

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        submission = form.instance
        mine = review.round_of(request.user, submission) or ReviewRound.FIRST
        for instance in instances:
            if isinstance(instance, ComponentTag):
                review.tag_save(
                    submission=submission,
                    component=instance.component,
                    grade=instance.grade,
                    by=request.user,
                    relevance=instance.relevance,
                    stance=instance.stance,
                    round=instance.round if instance.pk else mine,
                )
            elif isinstance(instance, Excerpt):
                if not instance.pk:
                    instance.round = mine
                review.excerpt_save(excerpt=instance, by=request.user)
            else:
                instance.assigned_by = instance.assigned_by or request.user
                instance.save()
        formset.save_m2m()

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, RoundScopedInline) and obj is not None:
            # Blind dual review: the other round's rows only once both rounds are done. Decided here, per
            # request: inline instances are made per request, but nothing is stored on them either.
            rounds = review.visible_rounds(request.user, obj)
            kwargs["queryset"] = inline.get_queryset(request).filter(submission=obj, round__in=rounds)
        return kwargs

    # -- bulk actions --
    @admin.action(description="Assign fairly among reviewers (least workload first; sample dual reviews)")
    def assign_fairly(self, request, queryset):
        try:
            made = review.auto_assign(submissions=list(queryset), by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(request, f"Made {len(made)} assignments (already-assigned responses were left as they were).")

    @admin.action(description="Assign to the chosen reviewer (first round)")
    def assign_to(self, request, queryset):
        reviewer_id = request.POST.get("reviewer")
        if not reviewer_id:
            self.message_user(request, "Choose a reviewer in the action bar first.", messages.ERROR)
            return
        reviewer = review.reviewers().filter(pk=reviewer_id).first()
        self._each(
            request,
            queryset,
            lambda s: review.assign(submission=s, reviewer=reviewer, by=request.user),
            "assigned",
        )

    @admin.action(description="Move to the chosen review state")
    def change_state(self, request, queryset):
        state = request.POST.get("state")
        if not state:
            self.message_user(request, "Choose a state in the action bar first.", messages.ERROR)
            return
        reason = request.POST.get("reason", "")
        self._each(
            request,
            queryset,
            lambda s: review.review_transition(submission=s, to=state, by=request.user, reason=reason),
            "moved",
        )

    @admin.action(description="Tag with the chosen component and grade")
    def tag_component(self, request, queryset):
        component_id, grade = request.POST.get("component"), request.POST.get("grade")
        if not component_id or not grade:
            self.message_user(request, "Choose a component and a grade in the action bar first.", messages.ERROR)
            return
        component = get_object_or_404(EcosystemComponent, pk=component_id)
        self._each(
            request,
            queryset,
            lambda s: review.tag_save(submission=s, component=component, grade=grade, by=request.user),
            "tagged",
        )

    def _each(self, request, queryset, apply, verb):
        done, refused = 0, []
        for submission in queryset:
            try:
                apply(submission)
                done += 1
            except ValidationError as error:
                refused += error.messages
        self.message_user(request, f"{done} responses {verb}.")
        for message in refused[:20]:
            self.message_user(request, message, messages.WARNING)
        if len(refused) > 20:
            self.message_user(request, f"… and {len(refused) - 20} more refused.", messages.WARNING)

    @admin.action(description="Export the selection as CSV")
    def export_csv(self, request, queryset):
        confidential_ok = sees_confidential(request)

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())

        def rows():
            yield writer.writerow(
                [
                    "reference",
                    "organisation",
                    "type",
                    "region",
                    "review state",
                    "confidentiality",
                    "components",
                    "grades",
                    "summary",
                ]
            )
            for s in queryset.iterator(chunk_size=500):
                summary = WITHHELD if (s.is_confidential and not confidential_ok) else s.summary
                tags = [] if s.first_round_blind else s.first_tags
                blind = "(hidden until both reviews are done)" if s.first_round_blind else ""
                yield writer.writerow(
                    spreadsheet_row(
                        [
                            s.reference,
                            s.organisation.name,
                            s.organisation.organisation_type.name,
                            s.organisation.region.name,
                            s.get_review_state_display(),
                            s.get_confidentiality_display(),
                            "; ".join(t.component.name for t in tags) or blind,
                            "; ".join(t.grade for t in tags) or blind,
                            summary,
                        ]
                    )
                )

        response = StreamingHttpResponse(rows(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="responses-{timezone.now():%Y%m%d-%H%M}.csv"'
        return response

    # -- extra pages --
    def get_urls(self):
        return [
            path(
                "agreement/",
                self.admin_site.admin_view(self.agreement_view),
                name="evidence_submission_agreement",
            ),
            path(
                "<int:pk>/suggestions/<int:sid>/<str:action>/",
                self.admin_site.admin_view(lambda request, **kw: suggestion_panel.decide_view(self, request, **kw)),
                name="evidence_submission_suggestion",
            ),
            path(
                "<int:pk>/resolve/",
                self.admin_site.admin_view(self.resolve_view),
                name="evidence_submission_resolve",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["my_queue_url"] = f"{reverse('admin:evidence_submission_changelist')}?queue=mine"
        extra_context["agreement_url"] = reverse("admin:evidence_submission_agreement")
        return super().changelist_view(request, extra_context)

    def agreement_view(self, request):
        if not request.user.has_perm("evidence.review_submission"):
            raise PermissionDenied
        consultation_id = request.GET.get("consultation") or None
        overall, per_component = review.agreement(int(consultation_id) if consultation_id else None)
        coding = review.coding_agreement(int(consultation_id) if consultation_id else None)
        suggested = suggestion_quality(int(consultation_id) if consultation_id else None)
        disagreements = (
            Submission.objects.filter(has_disagreement=True)
            .select_related("organisation")
            .order_by("reference_number")[:200]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Dual-review agreement",
            "overall": overall,
            "per_component": per_component,
            "coding": coding,
            "suggestions": suggested,
            "disagreements": disagreements,
            "consultations": Consultation.objects.all(),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/evidence/agreement.html", context)

    def resolve_view(self, request, pk):
        if not request.user.has_perm("evidence.lead_consultation"):
            raise PermissionDenied
        submission = get_object_or_404(self.get_queryset(request), pk=pk)
        first = review.coding(submission.pk, ReviewRound.FIRST)
        second = review.coding(submission.pk, ReviewRound.SECOND)
        first_stance = review.stance_coding(submission.pk, ReviewRound.FIRST)
        second_stance = review.stance_coding(submission.pk, ReviewRound.SECOND)
        components = submission.consultation.components.all()
        error = None
        if request.method == "POST":
            final = {
                c.pk: request.POST.get(f"grade_{c.pk}")
                for c in components
                if request.POST.get(f"grade_{c.pk}") in {"A", "B", "C", "D"}
            }
            stances = {
                c.pk: request.POST.get(f"stance_{c.pk}")
                for c in components
                if request.POST.get(f"stance_{c.pk}") in Stance.values
            }
            try:
                review.resolve_disagreement(
                    submission=submission,
                    by=request.user,
                    final=final,
                    note=request.POST.get("note", ""),
                    stances=stances,
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                self.message_user(request, f"Disagreement on {submission.reference} resolved.")
                return redirect("admin:evidence_submission_change", submission.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Resolve the disagreement on {submission.reference}",
            "submission": submission,
            "rows": [
                (c, first.get(c.pk), second.get(c.pk), first_stance.get(c.pk), second_stance.get(c.pk))
                for c in components
            ],
            "stances": Stance.choices,
            "kind_pairs": [p for p in review.excerpt_pairs([submission.pk]) if p[2] != p[3]],
            "error": error,
            "opts": self.model._meta,
            "grades": ["A", "B", "C", "D"],
        }
        return TemplateResponse(request, "admin/evidence/resolve.html", context)
