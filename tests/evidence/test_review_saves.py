"""Saving the reviewers' submission page (issue 14): one save applies the inline rows first, then the state
change, in one transaction, all through the review services; a refusal is a message on the page with
everything typed kept; withdrawn responses are shown as such and refuse review work."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from evidence import review
from evidence.models import Answer, Attachment, ComponentTag, Excerpt, Submission
from tests import factories

pytestmark = pytest.mark.django_db

PASSAGE = "45 unfilled vacancies for process engineers"


@pytest.fixture
def assigned(consultation, reviewer):
    """A response in my queue (so in review), with one answer on skills."""
    submission = factories.SubmittedSubmissionFactory(consultation=consultation)
    Answer.objects.create(
        submission=submission,
        question=consultation.questions.get(component__slug="skills"),
        text=f"We have {PASSAGE} in Speke.",
    )
    review.assign(submission=submission, reviewer=reviewer)
    return submission


@pytest.fixture
def second(assigned):
    """The second (independent) reviewer of the response in my queue: a dual review."""
    rob = factories.UserFactory(username="rob", groups=["Reviewer"])
    review.assign(submission=assigned, reviewer=rob, round="second")
    return rob


def change_url(submission) -> str:
    return reverse("admin:evidence_submission_change", args=[submission.pk])


def form_data(client, submission) -> dict:
    """What the change page posts back untouched: each inline's management form and its rows."""
    page = client.get(change_url(submission))
    data = {}
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(formset.formset.total_form_count())
        data[f"{prefix}-INITIAL_FORMS"] = str(formset.formset.initial_form_count())
        for n, form in enumerate(formset.formset.forms):
            for name, field in form.fields.items():
                value = form.initial.get(name, field.initial)
                if value is not None:
                    data[f"{prefix}-{n}-{name}"] = getattr(value, "pk", value)
    return data


def a_tag(n: int = 0, component: str = "skills", grade: str = "B") -> dict:
    return {
        f"tags-{n}-component": factories.component(component).pk,
        f"tags-{n}-relevance": "primary",
        f"tags-{n}-grade": grade,
        f"tags-{n}-stance": "supports",
    }


def an_excerpt(submission, n: int = 0) -> dict:
    return {
        f"excerpts-{n}-component": factories.component("skills").pk,
        f"excerpts-{n}-kind": "problem",
        f"excerpts-{n}-answer": submission.answers.get().pk,
        f"excerpts-{n}-text": PASSAGE,
        f"excerpts-{n}-note": "A figure we can use",
    }


def test_a_tag_and_reviewed_in_one_save_applies_the_tag_first(client, assigned, reviewer):
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data.update({"tags-TOTAL_FORMS": "1", **a_tag(), "excerpts-TOTAL_FORMS": "1", **an_excerpt(assigned)})
    data["move_to"] = "reviewed"
    response = client.post(change_url(assigned), data)
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.REVIEWED
    assert ComponentTag.objects.filter(submission=assigned, grade="B", stance="supports").count() == 1
    assert Excerpt.objects.get(submission=assigned).text == PASSAGE
    assert assigned.assignments.get().status == "done"


def test_a_refused_state_change_is_a_message_and_keeps_everything_typed(client, assigned, reviewer):
    client.force_login(reviewer)
    data = form_data(client, assigned)
    # An excerpt, but no component tag: "Reviewed" needs a tag, so the whole save is refused.
    data.update({"excerpts-TOTAL_FORMS": "1", **an_excerpt(assigned), "move_to": "reviewed"})
    response = client.post(change_url(assigned), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "tag at least one component before finishing your review" in page  # the assigned reviewer's round
    assert PASSAGE in page and "A figure we can use" in page  # the typed excerpt is still in the form
    assert response.context["adminform"].form["move_to"].value() == "reviewed"
    assert not Excerpt.objects.filter(submission=assigned).exists()  # one transaction: nothing half-saved
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.IN_REVIEW


def test_changing_a_tags_component_changes_that_tag(client, assigned, reviewer):
    review.tag_save(submission=assigned, component=factories.component("skills"), grade="C", by=reviewer)
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data.update({"tags-0-component": factories.component("market").pk, "tags-0-grade": "A"})
    assert client.post(change_url(assigned), data).status_code == 302
    tags = ComponentTag.objects.filter(submission=assigned)
    assert [(t.component.slug, t.grade) for t in tags] == [("market", "A")]


def test_removing_a_tag_goes_through_the_service_and_the_history_names_who(client, assigned, reviewer):
    review.tag_save(submission=assigned, component=factories.component("skills"), grade="C", by=reviewer)
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data["tags-0-DELETE"] = "on"
    assert client.post(change_url(assigned), data).status_code == 302
    assert not ComponentTag.objects.filter(submission=assigned).exists()
    removed = ComponentTag.history.filter(submission_id=assigned.pk, history_type="-").get()
    assert removed.history_user == reviewer


def test_a_lead_cannot_assign_someone_who_is_not_a_reviewer_on_the_page(client, assigned, lead, submitter):
    client.force_login(lead)
    data = form_data(client, assigned)
    data.update(
        {
            "assignments-TOTAL_FORMS": "2",
            "assignments-1-round": "second",
            "assignments-1-reviewer": submitter.pk,
            "assignments-1-status": "assigned",
        }
    )
    response = client.post(change_url(assigned), data)
    assert response.status_code == 200
    assert "is not an active reviewer" in response.content.decode()
    assert assigned.assignments.count() == 1


# --- Withdrawn responses -----------------------------------------------------------------------------------


@pytest.fixture
def withdrawn(assigned):
    Submission.objects.filter(pk=assigned.pk).update(status=Submission.Status.WITHDRAWN, withdrawn_at=timezone.now())
    assigned.refresh_from_db()
    return assigned


def test_review_work_on_a_withdrawn_response_is_refused_with_the_reason(withdrawn, reviewer):
    skills = factories.component("skills")
    with pytest.raises(ValidationError, match="withdrawn by its submitter"):
        review.tag_save(submission=withdrawn, component=skills, grade="B", by=reviewer)
    with pytest.raises(ValidationError, match="withdrawn by its submitter"):
        review.excerpt_save(
            excerpt=Excerpt(
                submission=withdrawn,
                component=skills,
                answer=withdrawn.answers.get(),
                text=PASSAGE,
                kind="problem",
            ),
            by=reviewer,
        )
    with pytest.raises(ValidationError, match="withdrawn by its submitter"):
        review.review_transition(submission=withdrawn, to="reviewed", by=reviewer)
    # Closing it is the one thing left to do.
    review.review_transition(submission=withdrawn, to="excluded", by=reviewer, reason="withdrawn")


def test_the_changelist_shows_and_filters_withdrawn_responses(client, withdrawn, consultation, reviewer):
    live = factories.SubmittedSubmissionFactory(consultation=consultation)
    client.force_login(reviewer)
    url = reverse("admin:evidence_submission_changelist")
    page = client.get(url).content.decode()
    assert "Withdrawn by the submitter" in page
    listed = client.get(url, {"state": "withdrawn"}).context["cl"].result_list
    assert list(listed) == [withdrawn]
    listed = client.get(url, {"state": "new"}).context["cl"].result_list
    assert list(listed) == [live]
    # My open assignments leave it out: there is nothing to do on it.
    assert list(client.get(url, {"queue": "mine"}).context["cl"].result_list) == []


def test_the_page_of_a_withdrawn_response_says_so_and_offers_no_coding(client, withdrawn, reviewer):
    client.force_login(reviewer)
    response = client.get(change_url(withdrawn))
    page = response.content.decode()
    assert "was withdrawn by its submitter" in page
    tags = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "tags")
    assert not tags.has_add_permission and not tags.has_change_permission


def test_saving_coding_on_a_withdrawn_response_is_refused_on_the_page(client, withdrawn, reviewer):
    client.force_login(reviewer)
    data = form_data(client, withdrawn)
    data.update({"tags-TOTAL_FORMS": "1", **a_tag(), "move_to": "reviewed"})
    response = client.post(change_url(withdrawn), data)
    assert response.status_code == 200
    assert "withdrawn by its submitter" in response.content.decode()
    assert not ComponentTag.objects.filter(submission=withdrawn).exists()


# --- History ------------------------------------------------------------------------------------------------


def test_the_history_page_shows_tag_and_excerpt_changes(client, assigned, reviewer):
    skills = factories.component("skills")
    tag = review.tag_save(submission=assigned, component=skills, grade="C", by=reviewer)
    review.tag_save(submission=assigned, component=skills, grade="B", by=reviewer, stance="supports")
    review.excerpt_save(
        excerpt=Excerpt(
            submission=assigned, component=skills, answer=assigned.answers.get(), text=PASSAGE, kind="problem"
        ),
        by=reviewer,
    )
    review.tag_delete(tag=ComponentTag.objects.get(pk=tag.pk), by=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_submission_history", args=[assigned.pk])).content.decode()
    assert "Coding: component tags and excerpts" in page
    assert "tag Skills and talent: grade C" in page
    assert "grade C → B; stance none → supports" in page
    assert f"excerpt “{PASSAGE}” [Problem or impact]" in page
    assert "Deleted" in page


def test_the_history_never_shows_a_confidential_quote_to_a_reviewer_without_the_permission(
    client, assigned, reviewer, lead
):
    Submission.objects.filter(pk=assigned.pk).update(confidentiality=Submission.Confidentiality.CONFIDENTIAL)
    assigned.refresh_from_db()
    review.excerpt_save(
        excerpt=Excerpt(
            submission=assigned,
            component=factories.component("skills"),
            answer=assigned.answers.get(),
            text=PASSAGE,
            kind="data",
        ),
        by=lead,
    )
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_submission_history", args=[assigned.pk])).content.decode()
    assert "excerpt [Data] for Skills and talent" in page
    assert PASSAGE not in page


def test_a_past_version_is_shown_but_never_reverted(client, assigned, reviewer):
    version = assigned.history.earliest("history_date")
    review.review_transition(submission=assigned, to="excluded", by=reviewer, reason="out_of_scope")
    client.force_login(reviewer)
    url = reverse("admin:evidence_submission_simple_history", args=[assigned.pk, version.history_id])
    page = client.get(url).content.decode()
    assert "Revert" not in page
    data = form_data(client, assigned)
    assert client.post(url, data).status_code == 405
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.EXCLUDED


# --- Through the queue ----------------------------------------------------------------------------------------


def test_save_and_next_opens_the_next_response_in_my_queue(client, assigned, consultation, reviewer):
    following = factories.SubmittedSubmissionFactory(consultation=consultation)
    review.assign(submission=following, reviewer=reviewer)
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data["_savenext"] = "Save and next in my queue"
    response = client.post(change_url(assigned), data, follow=True)
    assert response.redirect_chain[-1][0] == change_url(following)
    assert f"Next in your queue: {following.reference}" in response.content.decode()


def test_mark_reviewed_save_and_next_marks_it_and_says_when_the_queue_is_empty(client, assigned, reviewer):
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data.update({"tags-TOTAL_FORMS": "1", **a_tag(), "_reviewednext": "Mark reviewed, save and next"})
    response = client.post(change_url(assigned), data, follow=True)
    assert response.redirect_chain[-1][0].endswith("?queue=mine")
    assert "Your queue is empty" in response.content.decode()
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.REVIEWED


def test_mark_reviewed_without_a_tag_stays_on_the_page_with_the_reason(client, assigned, reviewer):
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data["_reviewednext"] = "Mark reviewed, save and next"
    response = client.post(change_url(assigned), data)
    assert response.status_code == 200
    assert "tag at least one component before finishing your review" in response.content.decode()


def test_mark_reviewed_in_a_dual_review_finishes_my_round_only(client, assigned, reviewer, consultation, second):
    client.force_login(reviewer)
    data = form_data(client, assigned)
    data.update({"tags-TOTAL_FORMS": "1", **a_tag(), "_reviewednext": "Mark reviewed, save and next"})
    assert client.post(change_url(assigned), data).status_code == 302
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.IN_REVIEW  # the second round is still open
    rounds = dict(assigned.assignments.values_list("round", "status"))
    assert rounds == {"first": "done", "second": "assigned"}


def test_the_second_reviewer_choosing_reviewed_finishes_their_round_only(client, assigned, reviewer, second):
    # Choosing "Reviewed" in the state list used to mark the *first* round done and the response reviewed,
    # while the first reviewer had not finished: the blind comparison of the two rounds never happened.
    client.force_login(second)
    data = form_data(client, assigned)
    data.update({"tags-TOTAL_FORMS": "1", **a_tag(), "move_to": "reviewed"})
    assert client.post(change_url(assigned), data).status_code == 302
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.IN_REVIEW
    assert dict(assigned.assignments.values_list("round", "status")) == {"first": "assigned", "second": "done"}


def test_a_dual_review_is_not_marked_reviewed_while_a_round_is_open(client, assigned, reviewer, lead, second):
    review.tag_save(submission=assigned, component=factories.component("skills"), grade="B", by=reviewer)
    with pytest.raises(ValidationError, match=r"dual review.*second \(independent\) review \(rob\)"):
        review.review_transition(submission=assigned, to="reviewed", by=lead)
    # The same through the changelist's bulk action: refused with the reason, nothing changed.
    client.force_login(lead)
    response = client.post(
        reverse("admin:evidence_submission_changelist"),
        {"action": "change_state", "state": "reviewed", "_selected_action": [assigned.pk]},
        follow=True,
    )
    assert "not every round is done" in response.content.decode()
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.IN_REVIEW
    assert set(assigned.assignments.values_list("status", flat=True)) == {"assigned"}


def test_a_disagreement_is_resolved_by_a_lead_not_by_choosing_reviewed(assigned, reviewer, lead, second):
    review.tag_save(submission=assigned, component=factories.component("skills"), grade="B", by=reviewer)
    review.tag_save(submission=assigned, component=factories.component("skills"), grade="D", by=second, round="second")
    review.complete_review(submission=assigned, by=reviewer)
    review.complete_review(submission=assigned, by=second)
    assigned.refresh_from_db()
    assert assigned.has_disagreement and assigned.review_state == Submission.ReviewState.IN_REVIEW
    with pytest.raises(ValidationError, match="the two rounds disagree"):
        review.review_transition(submission=assigned, to="reviewed", by=lead)
    review.resolve_disagreement(
        submission=assigned, by=lead, final={factories.component("skills").pk: "B"}, note="The figures hold."
    )
    assigned.refresh_from_db()
    assert assigned.review_state == Submission.ReviewState.REVIEWED


def test_the_answers_are_marked_for_select_to_excerpt(client, assigned, reviewer):
    client.force_login(reviewer)
    page = client.get(change_url(assigned)).content.decode()
    answer = assigned.answers.get()
    assert f'class="codable" data-answer="{answer.pk}" data-component="{answer.question.component_id}"' in page
    assert "js/admin-excerpts.js" in page


def test_a_file_name_with_a_right_to_left_override_is_shown_neutralised(client, assigned, reviewer):
    # A name stored before uploads were cleaned: "photo<RLO>gnp.exe" would show as "photoexe.png".
    Attachment.objects.create(
        submission=assigned,
        file="evidence/photo.exe",
        original_name="photo\u202egnp.exe",
        kind="csv",
        content_type="text/csv",
        size=10,
        sha256="0" * 64,
        uploaded_by=assigned.created_by,
    )
    client.force_login(reviewer)
    page = client.get(change_url(assigned)).content.decode()
    assert "\u202e" not in page and "photognp.exe" in page
