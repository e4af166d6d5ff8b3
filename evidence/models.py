"""The evidence domain: catalogues, consultations, organisations, submissions and their review.

Single-row rules live here as model methods; reusable reads as QuerySet methods; workflows that touch
several rows live in ``evidence.services``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

# --- Catalogues (seeded by data migrations from DOMAIN.md, editable in the admin) ---------------------


class CatalogueQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class CatalogueEntry(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Retired entries stay on old evidence.")

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class EcosystemComponent(CatalogueEntry):
    """A component of the 'world-leading ecosystem': the taxonomy evidence is tagged to."""

    description = models.TextField(help_text="What evidence under this component is about.")

    class Meta(CatalogueEntry.Meta):
        verbose_name = "ecosystem component"


class Indicator(CatalogueEntry):
    """A measurable quantity for data points and success criteria, with its published baseline."""

    class Better(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    unit = models.CharField(max_length=80, help_text="The canonical unit, e.g. '£ million a year'.")
    alternative_units = models.JSONField(
        default=list, blank=True, help_text="Other units a submitter may report this indicator in."
    )
    better = models.CharField(max_length=10, choices=Better.choices)
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_period = models.CharField(max_length=60, blank=True)
    baseline_source = models.CharField(max_length=300, blank=True)
    baseline_note = models.TextField(blank=True, help_text="The published baseline in words.")
    components = models.ManyToManyField(EcosystemComponent, blank=True, related_name="indicators")

    class Meta(CatalogueEntry.Meta):
        pass

    def accepted_units(self) -> list[str]:
        return [self.unit, *[u for u in self.alternative_units if u != self.unit]]

    def fits_unit(self, unit: str) -> bool:
        wanted = normalise_unit(unit)
        return any(normalise_unit(u) == wanted for u in self.accepted_units())


def normalise_unit(unit: str) -> str:
    return " ".join(unit.lower().replace("£", "gbp ").replace("$", "usd ").split())


class OrganisationType(CatalogueEntry):
    is_individual = models.BooleanField(default=False, help_text="Someone responding for themselves.")


class Region(CatalogueEntry):
    """UK nations and ITL1 regions, plus 'UK-wide' and 'outside the UK'."""


class Modality(CatalogueEntry):
    """Manufacturing modality (sub-sector)."""

    class Meta(CatalogueEntry.Meta):
        verbose_name_plural = "modalities"


# --- Organisations and people -------------------------------------------------------------------------


class Organisation(models.Model):
    class SizeBand(models.TextChoices):
        MICRO = "micro", "Micro (under 10 employees)"
        SMALL = "small", "Small (10–49)"
        MEDIUM = "medium", "Medium (50–249)"
        LARGE = "large", "Large (250+)"

    name = models.CharField(max_length=200)
    organisation_type = models.ForeignKey(OrganisationType, on_delete=models.PROTECT, related_name="+")
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    sub_sectors = models.ManyToManyField(Modality, blank=True, related_name="organisations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Ties a user account to the organisation it responds for (one organisation per account)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    job_title = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


# --- Consultations --------------------------------------------------------------------------------------


def default_window(start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The default six-month window: from ``start`` to the same day six months later."""
    month = start.month + 6
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(start.day, 28)
    return start, start.replace(year=year, month=month, day=day)


class ConsultationQuerySet(models.QuerySet):
    def open_now(self, now: dt.datetime | None = None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)


class Consultation(models.Model):
    """A call for evidence, open between ``opens_at`` and ``closes_at``."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField(help_text="What is asked, in a paragraph.")
    guidance = models.TextField(blank=True, help_text="Guidance shown to respondents.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    components = models.ManyToManyField(EcosystemComponent, related_name="consultations")
    reference_prefix = models.CharField(max_length=12, default="MMIP")
    # The last reference number handed out. Incremented under a row lock when a response is submitted,
    # so references are unique and gap-free even with many concurrent submits.
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When respondents' personal data was erased."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
                violation_error_message="The closing date must be after the opening date.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evidence:consultation", kwargs={"slug": self.slug})

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    def format_reference(self, number: int) -> str:
        return f"{self.reference_prefix}-{number:04d}"


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    component = models.ForeignKey(
        EcosystemComponent, on_delete=models.PROTECT, null=True, blank=True, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    guidance = models.TextField(blank=True)
    word_limit = models.PositiveIntegerField(default=500, validators=[MinValueValidator(10)])

    class Meta:
        ordering = ["consultation", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "order"],
                name="question_unique_order_per_consultation",
                violation_error_message="Another question of this consultation has this position.",
            )
        ]

    def __str__(self) -> str:
        return self.text


# --- Submissions ----------------------------------------------------------------------------------------


class SubmissionQuerySet(models.QuerySet):
    def submitted(self):
        """Responses that reached reviewers: submitted (withdrawn ones are kept but excluded)."""
        return self.filter(status=Submission.Status.SUBMITTED)

    def for_organisation(self, organisation_id: int | None):
        return self.filter(organisation_id=organisation_id)

    def awaiting_triage(self):
        return self.submitted().filter(review_state=Submission.ReviewState.NEW)


class Submission(models.Model):
    """One organisation's (or individual's) response to a consultation."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Confidentiality(models.TextChoices):
        PUBLISHABLE = "publishable", "Publishable: may be published with attribution"
        ATTRIBUTABLE = "attributable", "Attributable, not for publication"
        CONFIDENTIAL = "confidential", "Commercially confidential"

    class ReviewState(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        REVIEWED = "reviewed", "Reviewed"
        EXCLUDED = "excluded", "Excluded"

    class ExclusionReason(models.TextChoices):
        OUT_OF_SCOPE = "out_of_scope", "Out of scope"
        DUPLICATE = "duplicate", "Duplicate of another submission"
        CAMPAIGN = "campaign", "Part of a campaign (counted, assessed once)"
        NO_CONTENT = "no_content", "No substantive content"
        WITHDRAWN = "withdrawn", "Withdrawn by the submitter"
        UNLAWFUL = "unlawful", "Unlawful or abusive content"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="submissions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="submissions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions_created"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    reference = models.CharField(max_length=24, blank=True, default="")
    reference_number = models.PositiveIntegerField(null=True, blank=True)

    summary = models.TextField("Summary of your evidence", blank=True)
    proposals = models.TextField("What should change?", blank=True)
    declared_interests = models.TextField(blank=True)
    confidentiality = models.CharField(
        max_length=14, choices=Confidentiality.choices, default=Confidentiality.PUBLISHABLE
    )
    confidentiality_reason = models.TextField(blank=True)
    consent_to_publish = models.BooleanField(
        default=False, help_text="Consent to publish what is not marked confidential."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Last (re)submission.")
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Number of submitted versions (0 while a draft); SubmissionVersion keeps each one.
    version = models.PositiveIntegerField(default=0)
    has_unsubmitted_changes = models.BooleanField(default=False)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # The submitted version whose receipt was sent: a task delivered twice sends one e-mail.
    receipt_version = models.PositiveIntegerField(default=0)

    # Review (triage) state, owned by reviewers.
    review_state = models.CharField(max_length=12, choices=ReviewState.choices, default=ReviewState.NEW)
    exclusion_reason = models.CharField(max_length=16, choices=ExclusionReason.choices, blank=True)
    needs_dual_review = models.BooleanField(default=False)

    # Dual review: set when both rounds are done and their coding differs; cleared by a lead's resolution.
    has_disagreement = models.BooleanField(default=False)
    disagreement_resolved_at = models.DateTimeField(null=True, blank=True)
    disagreement_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disagreement_note = models.TextField(blank=True)

    # Full-text search: the text of the summary, answers, proposals and attachments, rebuilt in the write
    # path by evidence.search.refresh(); the vector (and its GIN index) is used on PostgreSQL only.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = SubmissionQuerySet.as_manager()
    # The audit of status and review changes (who, when, what). The text fields are kept by
    # SubmissionVersion instead, so they are left out here.
    history = HistoricalRecords(
        custom_model_name="SubmissionStateHistory",
        excluded_fields=[
            "summary",
            "proposals",
            "declared_interests",
            "confidentiality_reason",
            "updated_at",
            "search_document",
            "search_vector",
        ],
    )

    class Meta:
        ordering = ["-pk"]
        permissions = [
            ("view_confidential", "Can see commercially confidential evidence"),
            ("review_submission", "Can triage and review submissions"),
            ("lead_consultation", "Can lead a consultation: resolve, compile, approve, export"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "reference"],
                condition=~Q(reference=""),
                name="submission_unique_reference_per_consultation",
                violation_error_message="This reference is already used in this consultation.",
            ),
            models.UniqueConstraint(
                fields=["consultation", "reference_number"],
                name="submission_unique_reference_number_per_consultation",
                violation_error_message="This reference number is already used in this consultation.",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | ~Q(reference=""),
                name="submission_reference_once_submitted",
                violation_error_message="A submitted or withdrawn response must have a reference.",
            ),
            models.CheckConstraint(
                condition=~Q(review_state="excluded") | ~Q(exclusion_reason=""),
                name="submission_exclusion_has_reason",
                violation_error_message="An excluded submission needs an exclusion reason.",
            ),
        ]
        indexes = [
            # The submitter's "My submissions" list.
            models.Index(fields=["organisation", "consultation"], name="submission_org_consult_idx"),
            # Reviewers' changelist: submitted responses by review state, newest first.
            models.Index(fields=["consultation", "status", "review_state"], name="submission_triage_idx"),
            # Dashboard: submissions per day.
            models.Index(fields=["consultation", "first_submitted_at"], name="submission_submitted_idx"),
            # The leads' dashboard at 100,000 responses: per day, review states, breakdowns and the coverage
            # matrix read only these columns, so PostgreSQL answers them with index-only scans instead of
            # reading the wide rows (answers and summaries) of the whole table. (Key columns rather than
            # INCLUDE, which SQLite does not support.)
            models.Index(
                fields=["consultation", "status", "review_state", "first_submitted_at", "organisation", "id"],
                name="submission_dashboard_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"Draft {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("evidence:submission_detail", kwargs={"public_id": self.public_id})

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality == self.Confidentiality.CONFIDENTIAL

    def can_be_edited(self, now: dt.datetime | None = None) -> bool:
        """Drafts and submitted responses can be changed while the consultation is open."""
        return self.status != self.Status.WITHDRAWN and self.consultation.is_open(now)

    def can_be_submitted(self, now: dt.datetime | None = None) -> bool:
        if not self.consultation.is_open(now):
            return False
        return self.status == self.Status.DRAFT or (
            self.status == self.Status.SUBMITTED and self.has_unsubmitted_changes
        )

    def can_be_withdrawn(self, now: dt.datetime | None = None) -> bool:
        return self.status == self.Status.SUBMITTED and self.consultation.is_open(now)


class SubmissionVersion(models.Model):
    """A frozen copy of a response as it was each time it was submitted (amendments keep the old ones)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The receipt e-mailed for this version: recorded in the transaction that sends it, so a task
    # delivered twice (Celery's at-least-once delivery, an outbox re-send) finds it and sends nothing.
    receipt_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "number"],
                name="submissionversion_unique_number",
                violation_error_message="This version number already exists for the submission.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission} v{self.number}"


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submission", "question__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"],
                name="answer_unique_per_question",
                violation_error_message="This question already has an answer in this response.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.submission}: {self.question}"

    def word_count(self) -> int:
        return len(self.text.split())


def plausible_year_validators() -> list:
    return [MinValueValidator(1950), MaxValueValidator(2100)]


class DataPoint(models.Model):
    """A quantitative piece of evidence: a value of an indicator, for a period and place, with its source."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="data_points")
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, null=True, blank=True, related_name="data_points"
    )
    other_indicator = models.CharField(
        max_length=200, blank=True, help_text="Name of the measure when it is not in the catalogue."
    )
    component = models.ForeignKey(
        EcosystemComponent, on_delete=models.PROTECT, null=True, blank=True, related_name="data_points"
    )
    value = models.DecimalField(max_digits=20, decimal_places=4)
    unit = models.CharField(max_length=80)
    period_start = models.PositiveSmallIntegerField("From (year)", validators=plausible_year_validators())
    period_end = models.PositiveSmallIntegerField(
        "To (year)", null=True, blank=True, validators=plausible_year_validators()
    )
    geography = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=300, help_text="Where the figure comes from.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["submission", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator__isnull=False) | ~Q(other_indicator=""),
                name="datapoint_names_an_indicator",
                violation_error_message="Choose an indicator or name the measure.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="datapoint_period_in_order",
                violation_error_message="The period cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_name}: {self.value} {self.unit} ({self.period_label})"

    @property
    def indicator_name(self) -> str:
        return self.indicator.name if self.indicator_id else self.other_indicator

    @property
    def period_label(self) -> str:
        if self.period_end and self.period_end != self.period_start:
            return f"{self.period_start}–{self.period_end}"
        return str(self.period_start)

    @property
    def value_display(self) -> str:
        value = self.value.normalize() if self.value == self.value.to_integral() else self.value
        return f"{value:f}" if isinstance(value, Decimal) else str(value)


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # The stored name is generated: the submitter's file name never reaches the file system.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        XLSX = "xlsx", "Excel (XLSX)"
        CSV = "csv", "CSV"
        TXT = "txt", "Plain text"

    class Extraction(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=200)
    original_name = models.CharField(max_length=255)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    extraction_status = models.CharField(max_length=8, choices=Extraction.choices, default=Extraction.PENDING)
    extraction_error = models.CharField(max_length=500, blank=True)
    extracted_text = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "sha256"],
                name="attachment_unique_file_per_submission",
                violation_error_message="This file is already attached to the response.",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("evidence:attachment_download", kwargs={"public_id": self.public_id})


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


class ComponentTag(models.Model):
    """A reviewer's coding of a submission to an ecosystem component, with relevance and grade."""

    class Relevance(models.TextChoices):
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="tags")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="tags")
    round = models.CharField(max_length=8, choices=ReviewRound.choices, default=ReviewRound.FIRST)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    relevance = models.CharField(max_length=10, choices=Relevance.choices, default=Relevance.PRIMARY)
    grade = models.CharField(max_length=1, choices=Grade.choices)
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
        ]
        indexes = [
            # Compilation and the coverage matrix read tags by component.
            models.Index(fields=["component", "round"], name="tag_component_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.component} ({self.grade})"


class Excerpt(models.Model):
    """A passage quoted from an answer or attachment, coded to a component, with a reviewer's note."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="excerpts")
    component = models.ForeignKey(EcosystemComponent, on_delete=models.PROTECT, related_name="excerpts")
    round = models.CharField(max_length=8, choices=ReviewRound.choices, default=ReviewRound.FIRST)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="excerpts")
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, null=True, blank=True, related_name="excerpts")
    text = models.TextField()
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["submission", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(answer__isnull=False) & Q(attachment__isnull=False)),
                name="excerpt_one_source",
                violation_error_message="Quote either an answer or an attachment, not both.",
            )
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


# --- Outbox: work to hand to Celery, recorded in the same transaction as the change that needs it ------


class OutboxTask(models.Model):
    """A Celery task to send once the transaction commits, kept until the broker has accepted it.

    If the broker is down the row stays undispatched and ``outbox_sweep`` (Celery beat, or the
    ``outbox_flush`` command) sends it later. Tasks sent this way must be idempotent: a row may be
    sent twice if a process dies between publishing and marking it dispatched.
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            # The sweeper's scan for work not yet handed to the broker.
            models.Index(fields=["dispatched_at", "created_at"], name="outbox_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}({self.kwargs})"
