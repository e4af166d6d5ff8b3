"""The reviewers' workbench in the Django admin. Rules live in evidence.review; the admin only calls
them. Querysets are annotated and prefetched so pages cost a constant number of queries.

One module per feature; importing them registers the model admins, and every name is re-exported here so
``from evidence.admin import X`` keeps working.
"""

# The order matters: the model admins are registered in import order, the order they were declared in
# when this was one file.
# isort: off
from .confidentiality import WITHHELD, sees_confidential, withheld
from .catalogues import (
    CatalogueAdmin,
    ConsultationAdmin,
    EcosystemComponentAdmin,
    IndicatorAdmin,
    MembershipInline,
    OrganisationAdmin,
    QuestionInline,
)
from .filters import (
    ComponentFilter,
    DuplicateFilter,
    GradeFilter,
    MyQueueFilter,
    OrganisationTypeFilter,
    RegionFilter,
    ReviewerFilter,
    StateFilter,
)
from .review import (
    AssignmentInline,
    ComponentTagInline,
    ExcerptForm,
    ExcerptInline,
    RoundScopedInline,
    TagForm,
)
from .submissions import ReviewActionForm, ReviewForm, SubmissionAdmin
from .duplicates import CampaignAdmin, DuplicateFlagAdmin
from .measures import OtherMeasureAdmin

# isort: on

__all__ = [
    # confidentiality
    "WITHHELD",
    "sees_confidential",
    "withheld",
    # catalogues, consultations, organisations
    "CatalogueAdmin",
    "ConsultationAdmin",
    "EcosystemComponentAdmin",
    "IndicatorAdmin",
    "MembershipInline",
    "OrganisationAdmin",
    "QuestionInline",
    # the submissions changelist's filters
    "ComponentFilter",
    "DuplicateFilter",
    "GradeFilter",
    "MyQueueFilter",
    "OrganisationTypeFilter",
    "RegionFilter",
    "ReviewerFilter",
    "StateFilter",
    # the reviewers' inlines
    "AssignmentInline",
    "ComponentTagInline",
    "ExcerptForm",
    "ExcerptInline",
    "RoundScopedInline",
    "TagForm",
    # the submission page
    "ReviewActionForm",
    "ReviewForm",
    "SubmissionAdmin",
    # duplicates and campaigns
    "CampaignAdmin",
    "DuplicateFlagAdmin",
    # other measures, mapped to indicators
    "OtherMeasureAdmin",
]
