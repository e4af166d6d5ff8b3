"""The app's suggestions on the submission page: one-click accept or reject in the reviewer's own round,
blind between rounds, withheld on commercially confidential responses without the permission."""

import pytest
from django.urls import reverse

from evidence import review, suggestions
from evidence.models import Answer, ComponentTag, Excerpt, Suggestion
from tests import factories

pytestmark = pytest.mark.django_db

ASK = "We call on DfE to reform the apprenticeship levy by 2027."


@pytest.fixture
def second_reviewer(db):
    return factories.UserFactory(username="rob", groups=["Reviewer"])


def _response(consultation, confidentiality="publishable"):
    submission = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        confidentiality=confidentiality,
        confidentiality_reason="Unpublished costs." if confidentiality == "confidential" else "",
    )
    question = consultation.questions.get(component__slug="skills")
    Answer.objects.create(
        submission=submission,
        question=question,
        text=f"We have 45 unfilled vacancies. {ASK} We do not support a new training centre.",
    )
    suggestions.suggestions_refresh(submission_id=submission.pk)
    return submission


def _url(submission, suggestion, action):
    return reverse("admin:evidence_submission_suggestion", args=[submission.pk, suggestion.pk, action])


def test_suggestions_are_made_from_the_answers_and_count_only_once_accepted(client, consultation, reviewer):
    submission = _response(consultation)
    ask = submission.suggestions.get(kind=Suggestion.Kind.ASK)
    stance = submission.suggestions.get(kind=Suggestion.Kind.STANCE)
    assert ask.text == ASK and stance.stance == "mixed"
    review.assign(submission=submission, reviewer=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_submission_change", args=[submission.pk])).content.decode()
    assert ASK in page and "Accept" in page
    assert not Excerpt.objects.exists()
    # A stance can only be accepted onto a component tag.
    client.post(_url(submission, stance, "accept"))
    assert not ComponentTag.objects.exists()
    review.tag_save(submission=submission, component=factories.component("skills"), grade="C", by=reviewer)
    client.post(_url(submission, stance, "accept"))
    assert ComponentTag.objects.get().stance == "mixed"
    client.post(_url(submission, ask, "accept"))
    excerpt = Excerpt.objects.get()
    assert (excerpt.kind, excerpt.text, excerpt.round) == ("ask", ASK, "first")


def test_a_second_reviewer_does_not_see_the_first_rounds_decisions(client, consultation, reviewer, second_reviewer):
    submission = _response(consultation)
    review.assign(submission=submission, reviewer=reviewer)
    review.assign(submission=submission, reviewer=second_reviewer, round="second")
    ask = submission.suggestions.get(kind=Suggestion.Kind.ASK)
    suggestions.suggestion_decide(suggestion=ask, by=reviewer, accept=False)
    client.force_login(second_reviewer)
    page = client.get(reverse("admin:evidence_submission_change", args=[submission.pk])).content.decode()
    assert "Rejected" not in page and "Accept" in page
    client.post(_url(submission, ask, "accept"))
    assert Excerpt.objects.get().round == "second"
    assert ask.decisions.get(round="first").decision == "rejected"


def test_a_confidential_responses_suggestions_are_withheld_without_the_permission(client, consultation, reviewer, lead):
    submission = _response(consultation, confidentiality="confidential")
    review.assign(submission=submission, reviewer=reviewer)
    ask = submission.suggestions.get(kind=Suggestion.Kind.ASK)
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_submission_change", args=[submission.pk])).content.decode()
    assert ASK not in page
    assert client.post(_url(submission, ask, "accept")).status_code == 403
    assert not Excerpt.objects.exists()
    client.force_login(lead)  # holds the confidential-evidence permission
    assert ASK in client.get(reverse("admin:evidence_submission_change", args=[submission.pk])).content.decode()
