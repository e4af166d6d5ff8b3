"""What the app suggests before a reviewer codes: candidate ask sentences and a stance per component.

A suggestion is the machine's output and never counts as coding. A reviewer accepts or rejects it in their
own review round (a ``SuggestionDecision``); accepting makes the real coding (an ask excerpt, the stance on
the component tag) through ``evidence.review``. Decisions are per round, so dual review stays blind.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .catalogues import EcosystemComponent
from .review import ReviewRound, Stance
from .submissions import Answer, Attachment, Submission


class Suggestion(models.Model):
    class Kind(models.TextChoices):
        ASK = "ask", "Ask sentence"
        STANCE = "stance", "Stance"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # The component an ask sentence or stance is about (an answer's question's component). Null for an ask
    # found in an attachment: the reviewer chooses the component when accepting it.
    component = models.ForeignKey(EcosystemComponent, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    text = models.TextField(help_text="The ask sentence, or the passage the stance was read from.")
    stance = models.CharField(max_length=10, choices=Stance.choices, blank=True)
    cues = models.CharField(max_length=300, blank=True, help_text="Why: the words that triggered it.")
    # The submitted version it was made from: an amended response gets fresh suggestions.
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="stance") | ~Q(stance=""),
                name="suggestion_stance_has_value",
                violation_error_message="A stance suggestion must say which stance.",
            ),
            models.CheckConstraint(
                condition=~(Q(answer__isnull=False) & Q(attachment__isnull=False)),
                name="suggestion_one_source",
                violation_error_message="A suggestion comes from an answer or an attachment, not both.",
            ),
        ]
        indexes = [
            # The agreement page reads suggestions with their decisions by kind.
            models.Index(fields=["kind", "submission"], name="suggestion_kind_idx"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.STANCE:
            return f"{self.component}: {self.get_stance_display()}"
        return self.text[:80]


class SuggestionDecision(models.Model):
    """A reviewer's one-click accept or reject of a suggestion, in their own review round."""

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="decisions")
    round = models.CharField(max_length=8, choices=ReviewRound.choices, default=ReviewRound.FIRST)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["suggestion", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "round"],
                name="suggestiondecision_one_per_round",
                violation_error_message="This suggestion is already decided in this review round.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggestion}: {self.get_decision_display()} ({self.round})"
