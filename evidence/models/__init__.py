"""The evidence domain: catalogues, consultations, organisations, submissions and their review.

Single-row rules live here as model methods; reusable reads as QuerySet methods; workflows that touch
several rows live in ``evidence.services``.

One module per feature; everything is re-exported here, so ``from evidence.models import X`` keeps working
(and migrations keep finding ``evidence.models.attachment_upload_to``).
"""

# The order matters: Django registers models in import order, and content types and permissions are created
# in registration order, so the modules are imported in the order the models were declared when this was one file.
# isort: off
from .catalogues import (
    CatalogueEntry,
    CatalogueQuerySet,
    EcosystemComponent,
    Indicator,
    Modality,
    OrganisationType,
    Region,
    normalise_unit,
)
from .organisations import Membership, Organisation
from .consultations import Consultation, ConsultationQuerySet, Question, default_window
from .submissions import (
    Answer,
    Attachment,
    DataPoint,
    OtherMeasure,
    Submission,
    SubmissionQuerySet,
    SubmissionStateHistory,
    SubmissionVersion,
    attachment_upload_to,
    confidentiality_errors,
    plausible_year_validators,
)
from .review import (
    GRADE_DEFINITIONS,
    Campaign,
    ComponentTag,
    DuplicateFlag,
    Excerpt,
    Grade,
    HistoricalCampaign,
    HistoricalComponentTag,
    HistoricalDuplicateFlag,
    HistoricalExcerpt,
    HistoricalReviewAssignment,
    ExcerptKind,
    PassageBand,
    ReviewAssignment,
    ReviewRound,
    Stance,
    TextFingerprint,
)
from .outbox import OutboxTask
from .suggestions import Suggestion, SuggestionDecision

# isort: on

__all__ = [
    # catalogues
    "CatalogueEntry",
    "CatalogueQuerySet",
    "EcosystemComponent",
    "Indicator",
    "Modality",
    "OrganisationType",
    "Region",
    "normalise_unit",
    # organisations
    "Membership",
    "Organisation",
    # consultations
    "Consultation",
    "ConsultationQuerySet",
    "Question",
    "default_window",
    # submissions
    "Answer",
    "Attachment",
    "DataPoint",
    "OtherMeasure",
    "Submission",
    "SubmissionQuerySet",
    "SubmissionStateHistory",
    "SubmissionVersion",
    "attachment_upload_to",
    "confidentiality_errors",
    "plausible_year_validators",
    # review
    "GRADE_DEFINITIONS",
    "Campaign",
    "ComponentTag",
    "DuplicateFlag",
    "Excerpt",
    "Grade",
    "HistoricalCampaign",
    "HistoricalComponentTag",
    "HistoricalDuplicateFlag",
    "HistoricalExcerpt",
    "HistoricalReviewAssignment",
    "PassageBand",
    "ReviewAssignment",
    "ReviewRound",
    "TextFingerprint",
    "ExcerptKind",
    "Stance",
    # outbox
    "OutboxTask",
    # suggestions
    "Suggestion",
    "SuggestionDecision",
]
