"""Suggestions before a reviewer codes: candidate ask sentences and a candidate stance per component, read
by the cues in evidence.language. They never count as coding: a reviewer accepts (which makes the ask
excerpt, or sets the stance on their component tag) or rejects each, in their own round. The agreement page
reports how good they are against what reviewers decided (precision and recall).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from . import language, review
from .models import (
    Attachment,
    ComponentTag,
    Excerpt,
    ReviewAssignment,
    ReviewRound,
    Stance,
    Submission,
    Suggestion,
    SuggestionDecision,
)

Decision = SuggestionDecision.Decision


def build_rows(*, submission_id: int, version: int, answers, attachments=()) -> list[Suggestion]:
    """Unsaved suggestions from answers ((answer id, component id, text)) and attachments ((attachment
    id, text)): ask sentences, and one stance per component answered."""
    made = []
    by_component: dict[int, list[tuple[int, str]]] = {}
    common = {"submission_id": submission_id, "version": version}
    for answer_id, component_id, text in answers:
        for cue in language.ask_sentences(text):
            made.append(
                Suggestion(
                    kind=Suggestion.Kind.ASK,
                    component_id=component_id,
                    answer_id=answer_id,
                    text=cue.sentence,
                    cues=cue.cue[:300],
                    **common,
                )
            )
        if component_id:
            by_component.setdefault(component_id, []).append((answer_id, text))
    for attachment_id, text in attachments:
        for cue in language.ask_sentences(text)[:50]:
            made.append(
                Suggestion(
                    kind=Suggestion.Kind.ASK,
                    attachment_id=attachment_id,
                    text=cue.sentence,
                    cues=cue.cue[:300],
                    **common,
                )
            )
    for component_id, parts in by_component.items():
        text = " ".join(t for _, t in parts)
        reading = language.read_stance(text)
        made.append(
            Suggestion(
                kind=Suggestion.Kind.STANCE,
                component_id=component_id,
                answer_id=parts[0][0],
                text=text[:2000],
                stance=reading.stance,
                cues=reading.cues,
                **common,
            )
        )
    return made


def _build(submission: Submission, answers, attachments) -> list[Suggestion]:
    return build_rows(
        submission_id=submission.pk,
        version=submission.version,
        answers=[(a.pk, a.question.component_id, a.text) for a in answers],
        attachments=[(a.pk, a.extracted_text) for a in attachments],
    )


@transaction.atomic
def suggestions_refresh(*, submission_id: int) -> int:
    """Make the suggestions for a response's current version (once; an amended response gets new ones,
    and the decisions on the old ones go with them)."""
    submission = Submission.objects.select_for_update().filter(pk=submission_id).first()
    if submission is None or submission.status != Submission.Status.SUBMITTED:
        return 0
    current = submission.suggestions.filter(version=submission.version)
    if current.exists() and not submission.suggestions.exclude(version=submission.version).exists():
        # Attachments extracted since: add their asks only.
        done = set(current.exclude(attachment=None).values_list("attachment_id", flat=True))
        fresh = submission.attachments.filter(extraction_status=Attachment.Extraction.DONE).exclude(pk__in=done)
        made = _build(submission, [], fresh)
        Suggestion.objects.bulk_create(made)
        return len(made)
    submission.suggestions.all().delete()
    answers = submission.answers.select_related("question")
    attachments = submission.attachments.filter(extraction_status=Attachment.Extraction.DONE)
    made = _build(submission, answers, attachments)
    Suggestion.objects.bulk_create(made)
    return len(made)


def visible(user, submission: Submission) -> list[tuple[Suggestion, SuggestionDecision | None]]:
    """The suggestions with the decision of the user's own round (blind: never the other round's)."""
    round = review.round_of(user, submission) or ReviewRound.FIRST
    suggestions = list(submission.suggestions.select_related("component", "answer__question").order_by("kind", "pk"))
    decided = {
        d.suggestion_id: d for d in SuggestionDecision.objects.filter(suggestion__submission=submission, round=round)
    }
    return [(s, decided.get(s.pk)) for s in suggestions]


@transaction.atomic
def suggestion_decide(*, suggestion: Suggestion, by, accept: bool, component=None) -> SuggestionDecision:
    """Accept (make the coding) or reject a suggestion in the reviewer's own round."""
    submission = Submission.objects.select_for_update().get(pk=suggestion.submission_id)
    round = review.round_of(by, submission)
    if round is None and not by.has_perm("evidence.lead_consultation"):
        raise ValidationError(f"You are not assigned to {submission}.")
    round = round or ReviewRound.FIRST
    if submission.assignments.filter(round=round, status=ReviewAssignment.Status.DONE).exists():
        raise ValidationError(f"{submission}: your review round is finished; reopen it to change the coding.")
    if accept and suggestion.kind == Suggestion.Kind.ASK:
        component = component or suggestion.component
        if component is None:
            first = submission.tags.filter(round=round).order_by("-relevance", "pk").first()
            if first is None:
                raise ValidationError("Tag a component first: the ask needs the component it is about.")
            component = first.component
        exists = Excerpt.objects.filter(
            submission=submission, round=round, component=component, text=suggestion.text
        ).exists()
        if not exists:
            review.excerpt_save(
                excerpt=Excerpt(
                    submission=submission,
                    component=component,
                    round=round,
                    answer=suggestion.answer,
                    attachment=suggestion.attachment,
                    text=suggestion.text,
                    kind=Excerpt.Kind.ASK,
                    note="Accepted suggestion.",
                ),
                by=by,
            )
    elif accept:
        tag = ComponentTag.objects.filter(submission=submission, round=round, component=suggestion.component).first()
        if tag is None:
            raise ValidationError(
                f"Tag {suggestion.component} first (with a grade): the stance is recorded on the component tag."
            )
        review.tag_save(
            submission=submission,
            component=tag.component,
            grade=tag.grade,
            by=by,
            relevance=tag.relevance,
            round=round,
            stance=suggestion.stance,
        )
    decision, _ = SuggestionDecision.objects.update_or_create(
        suggestion=suggestion,
        round=round,
        defaults={"decision": Decision.ACCEPTED if accept else Decision.REJECTED, "decided_by": by},
    )
    return decision


# --- How good the suggestions are --------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionQuality:
    label: str
    suggested: int
    accepted: int
    coded: int  # what reviewers coded (ask excerpts, or stances), suggested or not
    found: int  # of those, how many had been suggested

    @property
    def precision(self) -> float | None:
        return self.accepted / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.found / self.coded if self.coded else None


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def quality(consultation_id: int | None = None) -> list[SuggestionQuality]:
    """Suggestions against reviewers' decisions on responses whose first round is done. Ask sentences:
    precision = accepted share of those suggested; recall = share of coded ask excerpts that had been
    suggested. Stance: precision = share of suggested stances that equal the reviewer's coded stance;
    recall = share of coded positions (supports, opposes, mixed) that the suggestion had read."""
    done = ReviewAssignment.objects.filter(round=ReviewRound.FIRST, status=ReviewAssignment.Status.DONE)
    if consultation_id:
        done = done.filter(submission__consultation_id=consultation_id)
    ids = list(done.values_list("submission_id", flat=True))
    suggestions = Suggestion.objects.filter(submission_id__in=ids)
    asks = list(suggestions.filter(kind=Suggestion.Kind.ASK).values_list("submission_id", "text"))
    coded = list(
        Excerpt.objects.filter(submission_id__in=ids, round=ReviewRound.FIRST, kind=Excerpt.Kind.ASK).values_list(
            "submission_id", "text"
        )
    )
    coded_keys = {(s, _key(t)) for s, t in coded}
    suggested_keys = {(s, _key(t)) for s, t in asks}
    accepted = sum(
        1 for s, t in suggested_keys if any(k[0] == s and (_key(t) in k[1] or k[1] in _key(t)) for k in coded_keys)
    )
    found = sum(1 for s, t in coded_keys if any(k[0] == s and (t in k[1] or k[1] in t) for k in suggested_keys))
    stance_of = {
        (s, c): st
        for s, c, st in ComponentTag.objects.filter(submission_id__in=ids, round=ReviewRound.FIRST).values_list(
            "submission_id", "component_id", "stance"
        )
    }
    suggested = {
        (s, c): st
        for s, c, st in suggestions.filter(kind=Suggestion.Kind.STANCE).values_list(
            "submission_id", "component_id", "stance"
        )
    }
    both = [(suggested[k], stance_of[k]) for k in suggested if k in stance_of]
    positions = [(suggested.get(k), v) for k, v in stance_of.items() if v != Stance.NONE and k in suggested]
    return [
        SuggestionQuality("Ask sentences", len(suggested_keys), accepted, len(coded_keys), found),
        SuggestionQuality(
            "Stance per component",
            len(both),
            sum(a == b for a, b in both),
            len(positions),
            sum(a == b for a, b in positions),
        ),
    ]
