"""Triage and review workflows: state transitions, assignment, coding (tags and excerpts), dual review,
disagreements and agreement (Cohen's kappa). Every function is atomic and raises ValidationError with a
message a reviewer can act on; the admin calls these, never writes the rows itself."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import (
    Answer,
    Attachment,
    ComponentTag,
    EcosystemComponent,
    Excerpt,
    ReviewAssignment,
    ReviewRound,
    Stance,
    Submission,
)

State = Submission.ReviewState

# Allowed moves of the review state. Exclusion is possible from anywhere (with a reason); an excluded
# or reviewed response can be reopened for review.
TRANSITIONS: dict[str, set[str]] = {
    State.NEW: {State.IN_REVIEW, State.EXCLUDED},
    State.IN_REVIEW: {State.REVIEWED, State.EXCLUDED, State.NEW},
    State.REVIEWED: {State.IN_REVIEW, State.EXCLUDED},
    State.EXCLUDED: {State.IN_REVIEW},
}


def reviewers():
    """Active users who may review (directly or through a group), for assignment."""
    perm = Permission.objects.get(content_type__app_label="evidence", codename="review_submission")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions=perm) | Q(user_permissions=perm) | Q(is_superuser=True))
        .distinct()
    )


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().get(pk=submission.pk)


def ensure_reviewable(submission: Submission) -> None:
    """Review work (assigning, coding, moving it along) is done on submitted responses only. A withdrawn
    response may still be excluded (review_transition allows that); nothing else."""
    if submission.status == Submission.Status.WITHDRAWN:
        when = f" on {timezone.localtime(submission.withdrawn_at):%d %B %Y}" if submission.withdrawn_at else ""
        raise ValidationError(
            f"{submission} was withdrawn by its submitter{when}, so it is not reviewed: its coding and "
            "assignments can no longer be changed. To close it, exclude it with the reason "
            "“Withdrawn by the submitter”."
        )
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError(f"{submission} is a draft, not submitted: only submitted responses are reviewed.")


@transaction.atomic
def review_transition(*, submission: Submission, to: str, by, reason: str = "") -> Submission:
    submission = _locked(submission)
    if to != State.EXCLUDED:
        ensure_reviewable(submission)
    current = submission.review_state
    if to not in TRANSITIONS.get(current, set()):
        raise ValidationError(f"{submission}: cannot move from “{State(current).label}” to “{State(to).label}”.")
    if to == State.EXCLUDED:
        if reason not in Submission.ExclusionReason.values:
            raise ValidationError(f"{submission}: choose a reason for excluding it.")
        submission.exclusion_reason = reason
    else:
        submission.exclusion_reason = ""
    if to == State.REVIEWED:
        first = submission.assignments.filter(round=ReviewRound.FIRST).first()
        if not submission.tags.filter(round=ReviewRound.FIRST).exists():
            raise ValidationError(f"{submission}: tag at least one component before marking it reviewed.")
        # A dual review is reviewed once both rounds are done and agree (complete_review, or a lead's
        # resolve_disagreement), never because someone chose "Reviewed" while the other round was open.
        second = submission.assignments.filter(round=ReviewRound.SECOND).select_related("reviewer").first()
        if second is not None:
            open_rounds = [a for a in (first, second) if a and a.status != ReviewAssignment.Status.DONE]
            if open_rounds:
                who = ", ".join(f"{a.get_round_display().lower()} ({a.reviewer})" for a in open_rounds)
                raise ValidationError(
                    f"{submission} is under dual review and not every round is done: {who}. Each reviewer "
                    "finishes their own round with “Mark reviewed”; it is reviewed when both are done and agree."
                )
            if submission.has_disagreement:
                raise ValidationError(
                    f"{submission}: the two rounds disagree. A lead resolves the disagreement, which marks it reviewed."
                )
        if first and first.status != ReviewAssignment.Status.DONE:
            first.status = ReviewAssignment.Status.DONE
            first.completed_at = timezone.now()
            first.save(update_fields=["status", "completed_at"])
    submission.review_state = to
    submission._change_reason = f"{State(current).label} → {State(to).label}"
    submission.save(update_fields=["review_state", "exclusion_reason", "updated_at"])
    return submission


@transaction.atomic
def assign(*, submission: Submission, reviewer, round: str = ReviewRound.FIRST, by=None) -> ReviewAssignment:
    submission = _locked(submission)
    ensure_reviewable(submission)
    if not reviewers().filter(pk=reviewer.pk).exists():
        raise ValidationError(f"{reviewer} is not an active reviewer.")
    other = submission.assignments.exclude(round=round).filter(reviewer=reviewer).exists()
    if other:
        raise ValidationError(f"{submission}: the second reviewer must be someone other than the first.")
    assignment = submission.assignments.filter(round=round).first()
    if assignment is None:
        assignment = ReviewAssignment(submission=submission, round=round)
    elif assignment.status == ReviewAssignment.Status.DONE:
        raise ValidationError(f"{submission}: the {assignment.get_round_display().lower()} is already done.")
    assignment.reviewer = reviewer
    assignment.assigned_by = by
    assignment.full_clean()
    assignment.save()
    if submission.review_state == State.NEW:
        submission.review_state = State.IN_REVIEW
        submission.save(update_fields=["review_state", "updated_at"])
    return assignment


def _open_workload() -> Counter:
    rows = (
        ReviewAssignment.objects.filter(status=ReviewAssignment.Status.ASSIGNED)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
    )
    return Counter({row["reviewer_id"]: row["n"] for row in rows})


def _sampled_for_dual_review(submission_id: int, share: float) -> bool:
    # Deterministic: the same response is always in or out of the sample, whoever runs the action.
    digest = hashlib.sha256(f"dual:{submission_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


@transaction.atomic
def auto_assign(*, submissions, by=None, share: float | None = None) -> list[ReviewAssignment]:
    """Share unassigned responses among active reviewers, least-loaded first; sample some for a second,
    independent review by someone else."""
    share = settings.MMIP_DUAL_REVIEW_SHARE if share is None else share
    people = list(reviewers().order_by("pk"))
    if not people:
        raise ValidationError("There are no active reviewers to assign to.")
    load = _open_workload()
    for person in people:
        load.setdefault(person.pk, 0)
    by_pk = {p.pk: p for p in people}
    made = []
    pending = (
        Submission.objects.filter(pk__in=[s.pk for s in submissions], status=Submission.Status.SUBMITTED)
        .exclude(review_state=State.EXCLUDED)
        .filter(assignments__isnull=True)
        .order_by("pk")
    )
    for submission in pending:
        first = min(by_pk, key=lambda pk: (load[pk], pk))
        made.append(assign(submission=submission, reviewer=by_pk[first], round=ReviewRound.FIRST, by=by))
        load[first] += 1
        if len(people) > 1 and _sampled_for_dual_review(submission.pk, share):
            second = min((pk for pk in by_pk if pk != first), key=lambda pk: (load[pk], pk))
            made.append(assign(submission=submission, reviewer=by_pk[second], round=ReviewRound.SECOND, by=by))
            Submission.objects.filter(pk=submission.pk).update(needs_dual_review=True)
            load[second] += 1
    return made


def next_in_queue(*, reviewer, after: Submission | None = None) -> Submission | None:
    """The response a reviewer should open next: their oldest open assignment on a submitted response,
    other than the one they have just saved."""
    queue = Submission.objects.filter(
        status=Submission.Status.SUBMITTED,
        assignments__reviewer=reviewer,
        assignments__status=ReviewAssignment.Status.ASSIGNED,
    )
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.order_by("first_submitted_at", "pk").first()


def round_of(user, submission: Submission) -> str | None:
    """Which round ``user`` reviews this response in (None if not assigned)."""
    return (
        submission.assignments.filter(reviewer=user).values_list("round", flat=True).first()
        if user.is_authenticated
        else None
    )


def can_see_round(user, submission: Submission, round: str) -> bool:
    """Dual review is blind: a reviewer sees the other round's coding only once both rounds are done."""
    mine = round_of(user, submission)
    if mine is None or mine == round:
        return True
    open_rounds = submission.assignments.exclude(status=ReviewAssignment.Status.DONE).exists()
    return not open_rounds


def visible_rounds(user, submission: Submission) -> list[str]:
    """The review rounds whose coding ``user`` may see on this response (every page that shows coding asks
    this: inlines, audit trail, history, exports of the changelist)."""
    return [r for r in ReviewRound.values if can_see_round(user, submission, r)]


def blind_to_first_round(user) -> Q:
    """A condition, per viewer, on responses: those whose first-round (canonical) coding ``user`` may not see
    yet, because they review the second round and a round is still open (the rule of can_see_round, as SQL
    for lists: filter, exclude, or annotate through ExpressionWrapper)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    mine = ReviewAssignment.objects.filter(submission=OuterRef("pk"), reviewer=user, round=ReviewRound.SECOND)
    still_open = ReviewAssignment.objects.filter(submission=OuterRef("pk")).exclude(status=ReviewAssignment.Status.DONE)
    return Q(Exists(mine)) & Q(Exists(still_open))


def _check_component(submission: Submission, component: EcosystemComponent) -> None:
    if not submission.consultation.components.filter(pk=component.pk).exists():
        raise ValidationError(
            f"“{component}” is not a component of {submission.consultation}; choose one of its components."
        )


@transaction.atomic
def tag_save(
    *,
    submission: Submission,
    component: EcosystemComponent,
    grade: str,
    by,
    relevance: str = "primary",
    round: str | None = None,
    stance: str | None = None,
    tag: ComponentTag | None = None,
) -> ComponentTag:
    """Tag ``submission`` with ``component`` (one tag per component and round: a second save updates it).
    Given an existing ``tag`` (edited on the submission page), that row is changed, its component too."""
    submission = _locked(submission)
    ensure_reviewable(submission)
    _check_component(submission, component)
    if grade not in {"A", "B", "C", "D"}:
        raise ValidationError(f"“{grade}” is not a grade: use A (strong), B (moderate), C (limited) or D (assertion).")
    if tag is not None and tag.pk:
        tag = ComponentTag.objects.get(pk=tag.pk, submission=submission)
        clash = ComponentTag.objects.filter(submission=submission, round=tag.round, component=component)
        if clash.exclude(pk=tag.pk).exists():
            raise ValidationError(f"{submission}: “{component}” is already tagged in this review round.")
        tag.component = component
    else:
        round = round or round_of(by, submission) or ReviewRound.FIRST
        tag = ComponentTag.objects.filter(submission=submission, round=round, component=component).first()
        tag = tag or ComponentTag(submission=submission, round=round, component=component)
    tag.reviewer = by
    tag.grade = grade
    tag.relevance = relevance
    if stance is not None:
        if stance not in Stance.values:
            raise ValidationError(f"“{stance}” is not a stance: use supports, opposes, mixed or none.")
        tag.stance = stance
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_delete(*, tag: ComponentTag, by) -> None:
    """Remove a component tag (the history keeps who removed it and when)."""
    ensure_reviewable(_locked(tag.submission))
    tag.delete()


@transaction.atomic
def excerpt_delete(*, excerpt: Excerpt, by) -> None:
    """Remove an excerpt (the history keeps who removed it and when)."""
    ensure_reviewable(_locked(excerpt.submission))
    excerpt.delete()


@transaction.atomic
def assignment_save(*, assignment: ReviewAssignment, by) -> ReviewAssignment:
    """A lead's edit of an assignment on the submission page: who reviews which round, and whether it is
    done. New reviewers go through ``assign`` (its rules: an active reviewer, two different people)."""
    submission = _locked(assignment.submission)
    ensure_reviewable(submission)
    status = assignment.status
    before = ReviewAssignment.objects.filter(pk=assignment.pk).first() if assignment.pk else None
    if before is None or (before.reviewer_id, before.round) != (assignment.reviewer_id, assignment.round):
        if before is not None and before.round != assignment.round:
            before.delete()
        assignment = assign(submission=submission, reviewer=assignment.reviewer, round=assignment.round, by=by)
    else:
        assignment = before
    if status != assignment.status:
        assignment.status = status
        assignment.completed_at = timezone.now() if status == ReviewAssignment.Status.DONE else None
        assignment.full_clean()
        assignment.save(update_fields=["status", "completed_at"])
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: ReviewAssignment, by) -> None:
    ensure_reviewable(_locked(assignment.submission))
    assignment.delete()


def source_text(*, answer: Answer | None = None, attachment: Attachment | None = None) -> str:
    if answer is not None:
        return answer.text
    if attachment is not None:
        return attachment.extracted_text
    return ""


def check_excerpt(excerpt: Excerpt) -> None:
    """An excerpt quotes its source word for word (white space aside) and belongs to its response."""
    if excerpt.answer_id and excerpt.attachment_id:
        raise ValidationError("Quote either an answer or an attachment, not both.")
    if not excerpt.answer_id and not excerpt.attachment_id:
        raise ValidationError("Choose the answer or attachment the excerpt quotes.")
    source = excerpt.answer if excerpt.answer_id else excerpt.attachment
    if source.submission_id != excerpt.submission_id:
        raise ValidationError("The quoted answer or attachment belongs to another response.")
    wanted = " ".join(excerpt.text.split())
    if not wanted:
        raise ValidationError("The excerpt is empty.")
    haystack = " ".join(source_text(answer=excerpt.answer, attachment=excerpt.attachment).split())
    if wanted.casefold() not in haystack.casefold():
        raise ValidationError("The excerpt does not appear in the text it cites; paste the passage exactly.")


@transaction.atomic
def excerpt_save(*, excerpt: Excerpt, by) -> Excerpt:
    submission = _locked(excerpt.submission)
    ensure_reviewable(submission)
    _check_component(submission, excerpt.component)
    check_excerpt(excerpt)
    excerpt.reviewer = by
    if not excerpt.round:
        excerpt.round = round_of(by, submission) or ReviewRound.FIRST
    excerpt.full_clean()
    excerpt.save()
    return excerpt


def coding(submission_id: int, round: str) -> dict[int, str]:
    return dict(
        ComponentTag.objects.filter(submission_id=submission_id, round=round).values_list("component_id", "grade")
    )


def stance_coding(submission_id: int, round: str) -> dict[int, str]:
    return dict(
        ComponentTag.objects.filter(submission_id=submission_id, round=round).values_list("component_id", "stance")
    )


def _excerpt_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def excerpt_pairs(submission_ids) -> list[tuple[int, str, str, str]]:
    """Excerpts both rounds coded (same response, component and passage, one quoting the other):
    (submission id, text, first round's kind, second round's kind)."""
    rows: dict[tuple[int, str], list[tuple[int, str, str]]] = defaultdict(list)
    for sub_id, round, component_id, text, kind in Excerpt.objects.filter(submission_id__in=submission_ids).values_list(
        "submission_id", "round", "component_id", "text", "kind"
    ):
        rows[(sub_id, round)].append((component_id, _excerpt_key(text), kind))
    pairs = []
    for (sub_id, round), firsts in rows.items():
        if round != ReviewRound.FIRST:
            continue
        seconds = rows.get((sub_id, ReviewRound.SECOND), [])
        for component_id, text, kind in firsts:
            match = next((k for c, t, k in seconds if c == component_id and (t in text or text in t)), None)
            if match is not None:
                pairs.append((sub_id, text, kind, match))
    return pairs


def disagrees(submission_id: int) -> bool:
    """The two rounds differ on a component, its grade or stance, or the kind of an excerpt both coded."""
    if coding(submission_id, ReviewRound.FIRST) != coding(submission_id, ReviewRound.SECOND):
        return True
    if stance_coding(submission_id, ReviewRound.FIRST) != stance_coding(submission_id, ReviewRound.SECOND):
        return True
    return any(first != second for _, _, first, second in excerpt_pairs([submission_id]))


@transaction.atomic
def complete_review(*, submission: Submission, by) -> ReviewAssignment:
    """A reviewer finishes their round; when both rounds of a dual review are done, compare them."""
    submission = _locked(submission)
    ensure_reviewable(submission)
    assignment = submission.assignments.filter(reviewer=by).first()
    if assignment is None:
        raise ValidationError(f"You are not assigned to {submission}.")
    if not submission.tags.filter(round=assignment.round).exists():
        raise ValidationError(f"{submission}: tag at least one component before finishing your review.")
    assignment.status = ReviewAssignment.Status.DONE
    assignment.completed_at = timezone.now()
    assignment.save(update_fields=["status", "completed_at"])
    rounds = dict(submission.assignments.values_list("round", "status"))
    if all(status == ReviewAssignment.Status.DONE for status in rounds.values()):
        if ReviewRound.SECOND in rounds:
            submission.has_disagreement = disagrees(submission.pk)
            submission.save(update_fields=["has_disagreement", "updated_at"])
        if not submission.has_disagreement and submission.review_state == State.IN_REVIEW:
            review_transition(submission=submission, to=State.REVIEWED, by=by)
    return assignment


@transaction.atomic
def resolve_disagreement(
    *, submission: Submission, by, final: dict[int, str], note: str, stances: dict[int, str] | None = None
) -> Submission:
    """A lead settles a dual-review disagreement: ``final`` maps component id → grade (and ``stances``
    component id → stance) and becomes the first round's (canonical) coding."""
    submission = _locked(submission)
    if not by.has_perm("evidence.lead_consultation"):
        raise ValidationError("Only a lead can resolve disagreements.")
    if not submission.has_disagreement:
        raise ValidationError(f"{submission} has no open disagreement.")
    if not final:
        raise ValidationError("Choose at least one component for the final coding.")
    if not note.strip():
        raise ValidationError("Say why you resolved it this way.")
    components = {c.pk: c for c in EcosystemComponent.objects.filter(pk__in=final)}
    for component_id, grade in final.items():
        tag_save(
            submission=submission,
            component=components[component_id],
            grade=grade,
            by=by,
            round=ReviewRound.FIRST,
            stance=(stances or {}).get(component_id),
        )
    ComponentTag.objects.filter(submission=submission, round=ReviewRound.FIRST).exclude(component_id__in=final).delete()
    submission.has_disagreement = False
    submission.disagreement_resolved_by = by
    submission.disagreement_resolved_at = timezone.now()
    submission.disagreement_note = note.strip()
    submission.save()
    if submission.review_state != State.REVIEWED:
        review_transition(submission=submission, to=State.REVIEWED, by=by)
    return submission


# --- Agreement ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    label: str
    pairs: int
    agreed: int
    kappa: float | None

    @property
    def observed(self) -> float | None:
        return self.agreed / self.pairs if self.pairs else None


def _kappa(first: list, second: list) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if not first:
        return None
    if len(set(first) | set(second)) == 1:
        return 1.0  # perfect agreement on a single category: kappa is undefined, agreement is total
    return float(cohen_kappa_score(first, second))


def agreement(consultation_id: int | None = None, now: dt.datetime | None = None) -> tuple[Agreement, list[Agreement]]:
    """Cohen's kappa between the two rounds of completed dual reviews: per component (tagged or not) and
    overall (over every component × response decision)."""
    done = ReviewAssignment.objects.filter(round=ReviewRound.SECOND, status=ReviewAssignment.Status.DONE)
    if consultation_id:
        done = done.filter(submission__consultation_id=consultation_id)
    submission_ids = list(done.values_list("submission_id", flat=True))
    tags = defaultdict(dict)
    for sub_id, round, component_id in ComponentTag.objects.filter(submission_id__in=submission_ids).values_list(
        "submission_id", "round", "component_id"
    ):
        tags[(sub_id, round)][component_id] = True
    components = list(EcosystemComponent.objects.active())
    per_component, all_first, all_second = [], [], []
    for component in components:
        first = [tags[(s, ReviewRound.FIRST)].get(component.pk, False) for s in submission_ids]
        second = [tags[(s, ReviewRound.SECOND)].get(component.pk, False) for s in submission_ids]
        all_first += first
        all_second += second
        per_component.append(
            Agreement(
                component.name,
                len(first),
                sum(a == b for a, b in zip(first, second, strict=True)),
                _kappa(first, second),
            )
        )
    overall = Agreement(
        "All components",
        len(all_first),
        sum(a == b for a, b in zip(all_first, all_second, strict=True)),
        _kappa(all_first, all_second),
    )
    return overall, per_component


def coding_agreement(consultation_id: int | None = None) -> list[Agreement]:
    """Cohen's kappa for the stance on components both rounds tagged, and for the kind of excerpts both
    rounds coded, over completed dual reviews."""
    done = ReviewAssignment.objects.filter(round=ReviewRound.SECOND, status=ReviewAssignment.Status.DONE)
    if consultation_id:
        done = done.filter(submission__consultation_id=consultation_id)
    submission_ids = list(done.values_list("submission_id", flat=True))
    stances: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)
    for sub_id, round, component_id, stance in ComponentTag.objects.filter(
        submission_id__in=submission_ids
    ).values_list("submission_id", "round", "component_id", "stance"):
        stances[(sub_id, component_id)][round] = stance
    pairs = [v for v in stances.values() if len(v) == 2]
    first = [v[ReviewRound.FIRST] for v in pairs]
    second = [v[ReviewRound.SECOND] for v in pairs]
    kinds = excerpt_pairs(submission_ids)
    kind_first = [k1 or "unclassified" for _, _, k1, _ in kinds]
    kind_second = [k2 or "unclassified" for _, _, _, k2 in kinds]
    return [
        Agreement(
            "Stance on components both reviews tagged",
            len(first),
            sum(a == b for a, b in zip(first, second, strict=True)),
            _kappa(first, second),
        ),
        Agreement(
            "Kind of excerpts both reviews coded",
            len(kind_first),
            sum(a == b for a, b in zip(kind_first, kind_second, strict=True)),
            _kappa(kind_first, kind_second),
        ),
    ]
