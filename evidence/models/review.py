"""Review (triage): assignments, component tags with grades, excerpts and duplicate flags."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from mmip.history import HistoricalRecords

from .catalogues import EcosystemComponent
from .consultations import Consultation
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
        ordering = ["-submission_id", "round"]  # the column: no join (see SubmissionVersion.Meta)
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
        ordering = ["-submission_id", "round", "component__order"]
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
        ordering = ["-submission_id", "pk"]
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


class Campaign(models.Model):
    """Responses from different senders that share one text (a template letter): reviewers see them as one
    group, and a lead decides whether the coverage counts the campaign once or once per sender."""

    class Counting(models.TextChoices):
        ONCE = "once", "Once, as one campaign"
        PER_SENDER = "per_sender", "Once per sender"

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="campaigns")
    # The earliest response of the group that was found; the others are linked by their flags.
    founder = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="campaign_founded")
    shared_text = models.TextField(blank=True, help_text="The founder's passages that the others share.")
    founder_added = models.TextField(blank=True, help_text="What the founder wrote beyond the shared text.")
    # Senders are counted ("part of a campaign: counted, assessed once") unless a lead decides otherwise.
    counting = models.CharField(max_length=12, choices=Counting.choices, default=Counting.PER_SENDER)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who changed the counting and when; the quoted text stays out of the history (it may be confidential).
    history = HistoricalRecords(excluded_fields=["shared_text", "founder_added"])

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"Campaign {self.founder}"


class DuplicateFlag(models.Model):
    """A likely duplicate, campaign response or shared passage, found by text similarity
    (``evidence.duplicates``), for a reviewer to confirm or reject."""

    class Kind(models.TextChoices):
        DUPLICATE = "duplicate", "Likely duplicate"
        CAMPAIGN = "campaign", "Likely campaign response"
        PASSAGE = "passage", "Shares a passage"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="duplicate_flags")
    similar_to = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    # The share of this response's words (in passages of ten words or more) found in ``similar_to``; for a
    # shared passage, the similarity of the closest pair of passages.
    similarity = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    kind = models.CharField(max_length=10, choices=Kind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="flags")
    # Responses sharing a campaign text share a key: the campaign founder's reference.
    campaign_key = models.CharField(max_length=24, blank=True)
    # What this response has beyond the text it shares (a campaign sender's own words), or the passage
    # it shares with ``similar_to``.
    added_text = models.TextField(blank=True)
    shared_text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Decisions are audited; the quoted text stays out of the history (it may be confidential).
    history = HistoricalRecords(excluded_fields=["added_text", "shared_text"])

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
            models.CheckConstraint(
                condition=Q(campaign__isnull=True) | Q(kind="campaign"),
                name="duplicateflag_campaign_only_for_campaigns",
                violation_error_message="Only a campaign flag belongs to a campaign.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission} ~ {self.similar_to} ({self.similarity:.2f})"


class TextFingerprint(models.Model):
    """A submitted response's passages and their MinHash signatures (``evidence.fingerprints``), kept so a
    new response is compared with its candidates without re-reading or re-hashing their text."""

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, primary_key=True, related_name="fingerprint"
    )
    # The organisation's name reduced to what identifies it: the same sender twice is a duplicate, different
    # senders with the same text a campaign.
    sender_key = models.CharField(max_length=200, blank=True)
    passage_words = models.JSONField(default=list)
    passage_spans = models.JSONField(default=list)  # [start, end] in the search document when indexed
    signatures = models.BinaryField()  # passages × fingerprints.NUM_PERM little-endian uint32
    version = models.PositiveIntegerField(default=0)  # the submitted version indexed
    indexed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Fingerprint of {self.submission_id}"


class PassageBand(models.Model):
    """One band of one passage's signature: the locality-sensitive hash index. Responses whose passages
    share a key are candidates for comparison. A key holds at most ``duplicates.BUCKET_CAP`` rows, so a
    look-up costs the same whatever the size of the call (a 10,000-letter campaign fills its keys once)."""

    key = models.BigIntegerField()
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    passage = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            # duplicates.detect_for_submission: the rows of a new response's band keys.
            models.Index(fields=["key"], name="passageband_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.submission_id}#{self.passage}"
