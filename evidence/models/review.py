"""Review (triage): assignments, component tags with grades, excerpts and duplicate flags."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .catalogues import EcosystemComponent
from .submissions import Answer, Attachment, Submission

# --- Review (triage) ------------------------------------------------------------------------------------


class ReviewRound(models.TextChoices):
    # The FIRST round's tags are the submission's canonical coding; a lead resolving a dual-review
    # disagreement edits the first round's tags.
    FIRST = "first", "First review"
    SECOND = "second", "Second (independent) review"


class ReviewAssignment(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        DONE = "done", "Done"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    round = models.CharField(max_length=8, choices=ReviewRound.choices, default=ReviewRound.FIRST)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "round"],
                name="assignment_one_reviewer_per_round",
                violation_error_message="This submission already has a reviewer for this round.",
            ),
            models.UniqueConstraint(
                fields=["submission", "reviewer"],
                name="assignment_distinct_reviewers",
                violation_error_message="The second reviewer must be someone other than the first.",
            ),
        ]
        indexes = [
            # "My queue": a reviewer's open assignments.
            models.Index(fields=["reviewer", "status"], name="assignment_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.submission} → {self.reviewer} ({self.get_round_display()})"


class Grade(models.TextChoices):
    A = "A", "A: strong"
    B = "B", "B: moderate"
    C = "C", "C: limited"
    D = "D", "D: assertion"


GRADE_DEFINITIONS = {
    Grade.A: "Quantitative evidence from audited, official or peer-reviewed sources, or several independent "
    "organisations reporting consistent figures.",
    Grade.B: "Quantitative evidence from one organisation or a sector survey, with the method stated.",
    Grade.C: "A specific case study or expert account with concrete examples, not quantified.",
    Grade.D: "Opinion or proposal without supporting detail.",
}


class Stance(models.TextChoices):
    """A response's position on change in one component, as a reviewer codes it on the component tag."""

    SUPPORTS = "supports", "Supports change"
    OPPOSES = "opposes", "Opposes or cautions"
    MIXED = "mixed", "Mixed"
    NONE = "none", "No position"


class ComponentTag(models.Model):
    """A reviewer's coding of a submission to an ecosystem component: relevance, grade and stance."""

    class Relevance(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="tags")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="tags")
    round = models.CharField(max_length=8, choices=ReviewRound.choices, default=ReviewRound.FIRST)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    relevance = models.CharField(max_length=10, choices=Relevance.choices, default=Relevance.PRIMARY)
    grade = models.CharField(max_length=1, choices=Grade.choices)
    stance = models.CharField(
        max_length=10,
        choices=Stance.choices,
        default=Stance.NONE,
        help_text="The response's position on change in this component. Opposition is never counted as support.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "round", "component__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "round", "component"],
                name="tag_unique_component_per_round",
                violation_error_message="This component is already tagged in this review round.",
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["A", "B", "C", "D"]),
                name="tag_grade_in_range",
                violation_error_message="The grade must be A, B, C or D.",
            ),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values),
                name="tag_stance_valid",
                violation_error_message="The stance must be supports, opposes or cautions, mixed or no position.",
            ),
        ]
        indexes = [
            # Compilation and the coverage matrix read tags by component.
            models.Index(fields=["component", "round"], name="tag_component_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.component} ({self.grade})"


class ExcerptKind(models.TextChoices):
    """What an excerpt is, as a reviewer codes it."""

    ASK = "ask", "Ask: what should change"
    PROBLEM = "problem", "Problem or impact"
    DATA = "data", "Data"
    COUNTER = "counter", "Counter-argument"
    EXAMPLE = "example", "Example or case study"


class Excerpt(models.Model):
    """A passage quoted from an answer or attachment, coded to a component and a kind, with a note."""

    Kind = ExcerptKind

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="excerpts")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="excerpts")
    round = models.CharField(max_length=8, choices=ReviewRound.choices, default=ReviewRound.FIRST)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="excerpts")
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, null=True, blank=True, related_name="excerpts")
    text = models.TextField()
    # Blank only on excerpts coded before kinds existed; the reviewers' form requires one.
    kind = models.CharField(max_length=10, choices=Kind.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=[*ExcerptKind.values, ""]),
                name="excerpt_kind_valid",
                violation_error_message="The kind must be ask, problem or impact, data, counter-argument or example.",
            ),
            models.CheckConstraint(
                condition=~(Q(answer__isnull=False) & Q(attachment__isnull=False)),
                name="excerpt_one_source",
                violation_error_message="Quote either an answer or an attachment, not both.",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class DuplicateFlag(models.Model):
    """A likely duplicate or campaign response, found by text similarity, for a reviewer to confirm."""

    class Kind(models.TextChoices):
        DUPLICATE = "duplicate", "Likely duplicate"
        CAMPAIGN = "campaign", "Likely campaign response"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="duplicate_flags")
    similar_to = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Responses sharing a campaign text share a key: the earliest response's reference.
    campaign_key = models.CharField(max_length=24, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-similarity"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "similar_to"],
                name="duplicateflag_unique_pair",
                violation_error_message="This pair is already flagged.",
            ),
            models.CheckConstraint(
                condition=~Q(submission=models.F("similar_to")),
                name="duplicateflag_not_itself",
                violation_error_message="A response cannot duplicate itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission} ~ {self.similar_to} ({self.similarity:.2f})"
