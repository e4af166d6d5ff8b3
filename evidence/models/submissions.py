"""Submissions (responses), their submitted versions, answers, data points and attachments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone

from mmip.history import HistoricalRecords

from ..units import format_value
from .catalogues import EcosystemComponent, Indicator, Region
from .consultations import Consultation, Question
from .organisations import Organisation

# --- Submissions ----------------------------------------------------------------------------------------


class SubmissionQuerySet(models.QuerySet):
    def submitted(self):
        """Responses that reached reviewers: submitted (withdrawn ones are kept but excluded)."""
        return self.filter(status=Submission.Status.SUBMITTED)

    def for_organisation(self, organisation_id: int | None):
        return self.filter(organisation_id=organisation_id)

    def awaiting_triage(self):
        return self.submitted().filter(review_state=Submission.ReviewState.NEW)

    def without_search(self):
        """Without the search document and vector: the row's largest values (a response's attachments' text
        can run to megabytes), which the submitter's pages and saves never use."""
        return self.defer(*SEARCH_FIELDS)


SEARCH_FIELDS = ("search_document", "search_vector")


def confidentiality_errors(*, confidentiality: str, reason: str, consent: bool) -> dict[str, str]:
    """What is wrong with a confidentiality choice, by field (empty when it is a clear choice). The site's
    confidentiality page, the submit check and imports all apply these rules."""
    errors = {}
    if not confidentiality:
        errors["confidentiality"] = "Select how we may use your response."
    elif confidentiality == Submission.Confidentiality.CONFIDENTIAL and not reason.strip():
        errors["confidentiality_reason"] = "Say why the material is commercially confidential."
    elif confidentiality == Submission.Confidentiality.ATTRIBUTABLE and consent:
        errors["consent_to_publish"] = (
            "You chose “Attributable, not for publication” and also consented to publication. Untick the consent "
            "to keep the response unpublished, or choose “Publishable” to let it be published."
        )
    return errors


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

    class Channel(models.TextChoices):
        """How the response reached us: the site's form, or another way (imported by staff)."""

        WEB = "web", "Online form"
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        PLATFORM = "platform", "Another consultation platform"
        OTHER = "other", "Other (meeting, event, telephone)"

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
    # No default: the submitter must choose before submitting (blank while a draft has no choice yet).
    confidentiality = models.CharField(max_length=14, choices=Confidentiality.choices, blank=True, default="")
    confidentiality_reason = models.TextField(blank=True)
    consent_to_publish = models.BooleanField(
        default=False, help_text="Consent to publish what is not marked confidential."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Last (re)submission.")
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Responses that arrived another way are imported by staff (evidence.imports): the day they were
    # received, and their identifier where they came from, so the same one is never imported twice.
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    received_on = models.DateField(null=True, blank=True, help_text="The day a response sent another way arrived.")
    source_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="Its identifier where it came from (another platform's id, a file number).",
    )
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
                condition=Q(status="draft") | ~Q(confidentiality=""),
                name="submission_confidentiality_chosen",
                violation_error_message="Choose how the response may be used before submitting it.",
            ),
            models.CheckConstraint(
                condition=(Q(channel="web") & Q(received_on__isnull=True))
                | (~Q(channel="web") & Q(received_on__isnull=False)),
                name="submission_received_on_for_other_channels",
                violation_error_message="A response that arrived another way needs the day it was received.",
            ),
            models.UniqueConstraint(
                fields=["consultation", "channel", "source_reference"],
                condition=~Q(source_reference=""),
                name="submission_unique_source_reference",
                violation_error_message="A response with this source reference was already imported.",
            ),
            models.CheckConstraint(
                condition=~Q(review_state="excluded") | ~Q(exclusion_reason=""),
                name="submission_exclusion_has_reason",
                violation_error_message="An excluded submission needs an exclusion reason.",
            ),
        ]
        indexes = [
            # The reviewers' changelist: a search for a reference, in any case ("mmip-0042").
            models.Index(Upper("reference"), name="submission_reference_upper_idx"),
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
        # By the column, not the relation: ordering by "submission" sorts by the response's own ordering
        # (-pk, the same order) through a join to the responses' table on every query of these rows. So
        # for each of a response's rows (answers, data points, attachments, review rows).
        ordering = ["-submission_id", "number"]
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
        ordering = ["-submission_id", "question__order"]
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
        ordering = ["-submission_id", "pk"]
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
        return period_label(self.period_start, self.period_end)

    @property
    def value_display(self) -> str:
        value = self.value.normalize() if self.value == self.value.to_integral() else self.value
        return f"{value:f}" if isinstance(value, Decimal) else str(value)

    @property
    def value_with_unit(self) -> str:
        """The value as people write it: "£85 million a year", not "85 £ million a year"."""
        kind = self.indicator.kind if self.indicator_id else Indicator.Kind.LEVEL
        return format_value(self.value, self.unit, kind)


def period_label(start: int, end: int | None) -> str:
    """A data point's period as people write it: "2023", "2019–2023"."""
    if end and end != start:
        return f"{start}–{end}"
    return str(start)


class OtherMeasureQuerySet(models.QuerySet):
    def unmapped(self):
        """Figures named by the respondent that no reviewer has mapped to a catalogue indicator yet."""
        return self.filter(indicator__isnull=True).exclude(other_indicator="")

    def given(self):
        """In submitted responses only (a draft's figures are nobody's business yet)."""
        return self.filter(submission__status=Submission.Status.SUBMITTED)


class OtherMeasure(DataPoint):
    """A data point under "another measure": the admin groups them by a normalised name and maps a group to
    a catalogue indicator (or a new one), after which its figures count towards that indicator's criteria.
    The respondent's own wording stays in ``other_indicator``."""

    objects = OtherMeasureQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "other measure"
        permissions = [("map_othermeasure", "Can map other measures to an indicator, or create one for them")]


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # The stored name is generated: the submitter's file name never reaches the file system.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.kind}"


class AttachmentQuerySet(models.QuerySet):
    def without_text(self):
        """Without the extracted text (the whole file's, megabytes for a long report): for lists of files."""
        return self.defer("extracted_text")


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

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["-submission_id", "pk"]
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
