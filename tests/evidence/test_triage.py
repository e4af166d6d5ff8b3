"""Triage rules: transitions, assignment, coding, dual review, agreement, duplicates, search, and the
admin workbench (permissions, confidentiality, query counts)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import review, search
from evidence.models import (
    Answer,
    ComponentTag,
    EcosystemComponent,
    Excerpt,
    ReviewAssignment,
    Submission,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_reviewer(db):
    return factories.UserFactory(username="rob", groups=["Reviewer"])


@pytest.fixture
def submitted(consultation):
    submission = factories.SubmittedSubmissionFactory(consultation=consultation)
    question = consultation.questions.first()
    Answer.objects.create(
        submission=submission, question=question, text="We have 45 unfilled vacancies for process engineers."
    )
    return submission


def test_a_response_moves_only_along_the_allowed_transitions(submitted, reviewer):
    with pytest.raises(ValidationError, match="cannot move from “New” to “Reviewed”"):
        review.review_transition(submission=submitted, to="reviewed", by=reviewer)
    review.review_transition(submission=submitted, to="in_review", by=reviewer)
    with pytest.raises(ValidationError, match="tag at least one component"):
        review.review_transition(submission=submitted, to="reviewed", by=reviewer)
    review.tag_save(submission=submitted, component=factories.component("skills"), grade="B", by=reviewer)
    review.review_transition(submission=submitted, to="reviewed", by=reviewer)
    submitted.refresh_from_db()
    assert submitted.review_state == "reviewed"


def test_exclusion_needs_a_reason_from_the_list(submitted, reviewer):
    with pytest.raises(ValidationError, match="choose a reason"):
        review.review_transition(submission=submitted, to="excluded", by=reviewer, reason="")
    review.review_transition(submission=submitted, to="excluded", by=reviewer, reason="duplicate")
    submitted.refresh_from_db()
    assert (submitted.review_state, submitted.exclusion_reason) == ("excluded", "duplicate")


def test_drafts_are_never_reviewed(consultation, reviewer):
    draft = factories.SubmissionFactory(consultation=consultation)
    with pytest.raises(ValidationError, match="only submitted responses"):
        review.review_transition(submission=draft, to="in_review", by=reviewer)
    with pytest.raises(ValidationError, match="not submitted"):
        review.assign(submission=draft, reviewer=reviewer)


def test_fair_assignment_goes_to_the_least_loaded_reviewer(consultation, reviewer, second_reviewer):
    busy = [factories.SubmittedSubmissionFactory(consultation=consultation) for _ in range(3)]
    for s in busy:
        review.assign(submission=s, reviewer=reviewer)
    fresh = [factories.SubmittedSubmissionFactory(consultation=consultation) for _ in range(4)]
    review.auto_assign(submissions=fresh, share=0)
    load = {
        r.pk: ReviewAssignment.objects.filter(reviewer=r, status="assigned").count()
        for r in (reviewer, second_reviewer)
    }
    # Rob had none, Rita three: Rob takes the first three, then they alternate.
    assert load == {reviewer.pk: 3 + 1, second_reviewer.pk: 3}


def test_dual_review_sampling_assigns_a_different_second_reviewer(consultation, reviewer, second_reviewer):
    batch = [factories.SubmittedSubmissionFactory(consultation=consultation) for _ in range(5)]
    review.auto_assign(submissions=batch, share=1.0)
    for submission in batch:
        rounds = dict(submission.assignments.values_list("round", "reviewer_id"))
        assert set(rounds) == {"first", "second"} and rounds["first"] != rounds["second"]
    assert Submission.objects.filter(needs_dual_review=True).count() == 5


def test_the_second_reviewer_cannot_see_the_first_reviewers_tags_until_both_are_done(
    submitted, reviewer, second_reviewer
):
    review.assign(submission=submitted, reviewer=reviewer, round="first")
    review.assign(submission=submitted, reviewer=second_reviewer, round="second")
    review.tag_save(submission=submitted, component=factories.component("skills"), grade="A", by=reviewer)
    assert not review.can_see_round(second_reviewer, submitted, "first")
    review.complete_review(submission=submitted, by=reviewer)
    assert not review.can_see_round(second_reviewer, submitted, "first")
    review.tag_save(submission=submitted, component=factories.component("skills"), grade="C", by=second_reviewer)
    review.complete_review(submission=submitted, by=second_reviewer)
    assert review.can_see_round(second_reviewer, submitted, "first")
    submitted.refresh_from_db()
    assert submitted.has_disagreement


def _inline(page: str, prefix: str) -> str:
    """The HTML of one inline of the admin change page: its management form and rows, nothing else."""
    start = page.index(f'id="{prefix}-group"')
    following = page.find('class="js-inline-admin-formset inline-group"', start)
    return page[start : following if following != -1 else page.index("</form>", start)]


def test_the_change_page_shows_a_second_reviewer_only_their_own_rounds_tags_and_excerpts(
    client, submitted, reviewer, second_reviewer
):
    """Blind dual review on the page reviewers use: the tag and excerpt inlines hold the other round's coding
    back until both rounds are done."""
    answer = submitted.answers.get()
    regulation, skills = factories.component("regulation"), factories.component("skills")
    review.assign(submission=submitted, reviewer=reviewer, round="first")
    review.assign(submission=submitted, reviewer=second_reviewer, round="second")
    review.tag_save(submission=submitted, component=regulation, grade="A", by=reviewer)
    review.excerpt_save(
        excerpt=Excerpt(
            submission=submitted,
            component=regulation,
            answer=answer,
            text="45 unfilled vacancies",
            note="Rita's note",
            round="first",
        ),
        by=reviewer,
    )
    review.tag_save(submission=submitted, component=skills, grade="C", by=second_reviewer)
    review.excerpt_save(
        excerpt=Excerpt(
            submission=submitted,
            component=skills,
            answer=answer,
            text="process engineers",
            note="Rob's note",
            round="second",
        ),
        by=second_reviewer,
    )
    url = reverse("admin:evidence_submission_change", args=[submitted.pk])
    client.force_login(second_reviewer)

    page = client.get(url).content.decode()
    tags, excerpts = _inline(page, "tags"), _inline(page, "excerpts")
    # Rob's own round is shown: one tag (skills, grade C) and one excerpt ...
    assert 'name="tags-INITIAL_FORMS" value="1"' in tags and 'name="excerpts-INITIAL_FORMS" value="1"' in excerpts
    assert f'<option value="{skills.pk}" selected>' in tags and '<option value="C" selected>' in tags
    assert "process engineers</textarea>" in excerpts and "Rob&#x27;s note" in excerpts
    # ... and nothing of Rita's first round: not its component, grade, quotation or note, in the inlines or
    # anywhere else on the page (the audit trail shows Rob's own tag, not hers).
    assert f'<option value="{regulation.pk}" selected>' not in tags and '<option value="A" selected>' not in tags
    assert "45 unfilled vacancies</textarea>" not in page and "Rita&#x27;s note" not in page
    assert "grade C, primary (second round)" in page and "grade A" not in page

    # Both rounds done: now each reviewer sees the other's coding.
    review.complete_review(submission=submitted, by=reviewer)
    review.complete_review(submission=submitted, by=second_reviewer)
    page = client.get(url).content.decode()
    tags, excerpts = _inline(page, "tags"), _inline(page, "excerpts")
    assert 'name="tags-INITIAL_FORMS" value="2"' in tags and 'name="excerpts-INITIAL_FORMS" value="2"' in excerpts
    assert f'<option value="{regulation.pk}" selected>' in tags and '<option value="A" selected>' in tags
    assert "45 unfilled vacancies</textarea>" in excerpts and "Rita&#x27;s note" in excerpts
    assert "grade A, primary (first round)" in page


def test_a_lead_resolves_a_disagreement_and_the_first_round_becomes_final(submitted, reviewer, second_reviewer, lead):
    skills, regulation = factories.component("skills"), factories.component("regulation")
    review.assign(submission=submitted, reviewer=reviewer, round="first")
    review.assign(submission=submitted, reviewer=second_reviewer, round="second")
    review.tag_save(submission=submitted, component=skills, grade="A", by=reviewer)
    review.tag_save(submission=submitted, component=regulation, grade="C", by=second_reviewer)
    review.complete_review(submission=submitted, by=reviewer)
    review.complete_review(submission=submitted, by=second_reviewer)
    with pytest.raises(ValidationError, match="Only a lead"):
        review.resolve_disagreement(submission=submitted, by=reviewer, final={skills.pk: "B"}, note="x")
    with pytest.raises(ValidationError, match="Say why"):
        review.resolve_disagreement(submission=submitted, by=lead, final={skills.pk: "B"}, note=" ")
    review.resolve_disagreement(submission=submitted, by=lead, final={skills.pk: "B"}, note="Figures are one firm's")
    submitted.refresh_from_db()
    assert not submitted.has_disagreement and submitted.review_state == "reviewed"
    assert review.coding(submitted.pk, "first") == {skills.pk: "B"}


def test_cohens_kappa_matches_a_hand_computed_example(consultation, reviewer, second_reviewer):
    # Four dual-reviewed responses on "skills": first says [T, T, F, F], second [T, F, F, F].
    # Observed agreement 3/4; chance p_e = (2/4)(1/4) + (2/4)(3/4) = 0.5; kappa = (0.75-0.5)/0.5 = 0.5.
    skills, other = factories.component("skills"), factories.component("market")
    pattern = [(True, True), (True, False), (False, False), (False, False)]
    for first, second in pattern:
        s = factories.SubmittedSubmissionFactory(consultation=consultation)
        ReviewAssignment.objects.create(submission=s, reviewer=reviewer, round="first", status="done")
        ReviewAssignment.objects.create(submission=s, reviewer=second_reviewer, round="second", status="done")
        for rnd, flag, who in (("first", first, reviewer), ("second", second, second_reviewer)):
            ComponentTag.objects.create(
                submission=s, round=rnd, reviewer=who, component=skills if flag else other, grade="B"
            )
    overall, per_component = review.agreement(consultation.pk)
    by_name = {a.label: a for a in per_component}
    assert by_name["Skills and talent"].pairs == 4
    assert by_name["Skills and talent"].agreed == 3
    assert by_name["Skills and talent"].kappa == pytest.approx(0.5)
    assert overall.pairs == 4 * EcosystemComponent.objects.active().count()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("45 unfilled vacancies", None),
        ("45 unfilled   vacancies for", None),
        ("no such passage", "does not appear"),
    ],
)
def test_an_excerpt_must_quote_its_source(submitted, reviewer, text, message):
    answer = submitted.answers.get()
    excerpt = Excerpt(submission=submitted, component=factories.component("skills"), answer=answer, text=text)
    if message:
        with pytest.raises(ValidationError, match=message):
            review.excerpt_save(excerpt=excerpt, by=reviewer)
        assert not Excerpt.objects.exists()
    else:
        review.excerpt_save(excerpt=excerpt, by=reviewer)
        assert Excerpt.objects.count() == 1


def test_a_tag_to_another_consultations_component_or_a_bad_grade_is_refused(submitted, reviewer):
    retired = EcosystemComponent.objects.create(slug="retired", name="Retired", description="x")
    with pytest.raises(ValidationError, match="is not a component of"):
        review.tag_save(submission=submitted, component=retired, grade="A", by=reviewer)
    with pytest.raises(ValidationError, match="is not a grade"):
        review.tag_save(submission=submitted, component=factories.component("skills"), grade="E", by=reviewer)
    assert not ComponentTag.objects.exists()


def test_search_finds_words_in_answers_and_attachment_text(submitted, consultation):
    other = factories.SubmittedSubmissionFactory(consultation=consultation, summary="Grid connections in Scotland.")
    search.refresh([submitted.pk, other.pk])
    found = search.search(Submission.objects.all(), "vacancies engineers")
    assert list(found) == [submitted]


# --- The admin ------------------------------------------------------------------------------------------


def test_a_reviewer_without_the_permission_never_sees_confidential_text(client, consultation, reviewer, lead):
    secret = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        confidentiality="confidential",
        summary="Our secret margin is 4.2 percent.",
        confidentiality_reason="Pricing",
    )
    search.refresh([secret.pk])
    url = reverse("admin:evidence_submission_change", args=[secret.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "secret margin" not in page and "Commercial in confidence" in page
    listing = client.get(reverse("admin:evidence_submission_changelist") + "?q=margin").content.decode()
    assert secret.reference not in listing
    csv = b"".join(
        client.post(
            reverse("admin:evidence_submission_changelist"),
            {"action": "export_csv", "_selected_action": [secret.pk]},
        ).streaming_content
    ).decode()
    assert "secret margin" not in csv and "withheld" in csv
    client.force_login(lead)
    assert "secret margin" in client.get(url).content.decode()


def test_a_reference_finds_its_response_in_any_case_but_text_never_finds_a_confidential_one(
    client, consultation, reviewer
):
    secret = factories.SubmittedSubmissionFactory(
        consultation=consultation, confidentiality="confidential", summary="Margins at Speke.", reference="MMIP-0042"
    )
    search.refresh([secret.pk])
    client.force_login(reviewer)
    changelist = reverse("admin:evidence_submission_changelist")
    assert "MMIP-0042" in client.get(changelist + "?q=mmip-0042").content.decode()
    assert "MMIP-0042" not in client.get(changelist + "?q=Speke").content.decode()


def test_a_broad_search_ranks_the_newest_matches_and_says_so(client, consultation, reviewer, monkeypatch):
    from evidence.admin import submissions

    monkeypatch.setattr(submissions, "SEARCH_RANK_WITHIN", 3)
    found = [
        factories.SubmittedSubmissionFactory(consultation=consultation, summary=f"Energy prices, site {n}.")
        for n in range(5)
    ]
    other = factories.SubmittedSubmissionFactory(consultation=consultation, summary="Skills shortages.")
    search.refresh([s.pk for s in [*found, other]])
    client.force_login(reviewer)
    changelist = reverse("admin:evidence_submission_changelist")
    page = client.get(changelist + "?q=energy").content.decode()
    # The newest three matches, and a note that more match.
    assert [s.reference in page for s in found] == [False, False, True, True, True]
    assert "At least 3 responses match" in page and other.reference not in page
    page = client.get(changelist + "?q=skills").content.decode()
    assert other.reference in page and "At least" not in page


def test_the_type_and_region_filters_offer_the_catalogue_without_reading_the_responses(client, submitted, reviewer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:evidence_submission_changelist")).content.decode()
    assert "?organisation_type=" in page and "?region=" in page
    choices = [
        q["sql"]
        for q in queries
        if 'FROM "evidence_organisationtype"' in q["sql"] or 'FROM "evidence_region"' in q["sql"]
    ]
    assert len(choices) == 2 and not any("evidence_submission" in sql for sql in choices)
    north_west = factories.region("north-west")
    assert (
        submitted.reference
        in client.get(f"{reverse('admin:evidence_submission_changelist')}?region={north_west.pk}").content.decode()
    )
    assert (
        submitted.reference
        not in client.get(
            f"{reverse('admin:evidence_submission_changelist')}?region={north_west.pk + 1}"
        ).content.decode()
    )


def test_reviewers_never_see_drafts_in_the_admin(client, consultation, reviewer):
    draft = factories.SubmissionFactory(consultation=consultation, organisation__name="Halfway Drafts Ltd")
    finished = factories.SubmittedSubmissionFactory(
        consultation=consultation, organisation__name="Finished Evidence plc"
    )
    client.force_login(reviewer)
    response = client.get(reverse("admin:evidence_submission_change", args=[draft.pk]))
    # The admin answers an object outside its queryset by sending the reviewer back to the index.
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    listing = client.get(reverse("admin:evidence_submission_changelist"))
    page = listing.content.decode()
    assert "Finished Evidence plc" in page  # the submitted response is listed, with its organisation
    assert "Halfway Drafts Ltd" not in page
    assert list(listing.context["cl"].result_list) == [finished]


def test_an_illegal_transition_in_the_admin_form_is_refused_with_a_message(client, submitted, reviewer):
    client.force_login(reviewer)
    url = reverse("admin:evidence_submission_change", args=[submitted.pk])
    page = client.get(url)
    data = _inline_management(page)
    data.update({"move_to": "reviewed"})
    response = client.post(url, data)
    assert "Cannot move from “New” to “Reviewed”" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.review_state == "new"


def test_a_reviewer_tags_and_quotes_in_the_admin_and_the_history_shows_it(client, submitted, reviewer):
    review.assign(submission=submitted, reviewer=reviewer)
    client.force_login(reviewer)
    url = reverse("admin:evidence_submission_change", args=[submitted.pk])
    data = _inline_management(client.get(url))
    answer = submitted.answers.get()
    skills = factories.component("skills")
    data.update(
        {
            "tags-TOTAL_FORMS": "1",
            "tags-0-component": skills.pk,
            "tags-0-relevance": "primary",
            "tags-0-grade": "B",
            "tags-0-stance": "supports",
            "excerpts-TOTAL_FORMS": "1",
            "excerpts-0-kind": "data",
            "excerpts-0-component": skills.pk,
            "excerpts-0-answer": answer.pk,
            "excerpts-0-text": "45 unfilled vacancies",
            "excerpts-0-note": "Clear figure",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    tag = ComponentTag.objects.get()
    assert (tag.reviewer, tag.round, tag.grade, tag.stance) == (reviewer, "first", "B", "supports")
    assert (Excerpt.objects.get().reviewer, Excerpt.objects.get().kind) == (reviewer, "data")
    page = client.get(url).content.decode()
    assert "tag Skills and talent: grade B" in page and "excerpt “45 unfilled vacancies”" in page


def _inline_management(page) -> dict:
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


@pytest.mark.parametrize("rows", [10, 200])
def test_the_changelist_costs_the_same_queries_whatever_the_rows_and_tags(
    client, consultation, reviewer, rows, django_assert_num_queries
):
    for _ in range(rows):
        s = factories.SubmittedSubmissionFactory(consultation=consultation)
        ComponentTag.objects.create(submission=s, component=factories.component("skills"), reviewer=reviewer, grade="B")
        ComponentTag.objects.create(submission=s, component=factories.component("market"), reviewer=reviewer, grade="C")
        ReviewAssignment.objects.create(submission=s, reviewer=reviewer)
    from django.db import connection

    client.force_login(reviewer)
    # session, user, permissions (user's and groups' in one; on PostgreSQL read with the user), filter choices
    # (consultations, components, types, regions, the review permission and reviewers), the filtered count
    # (no full count: it would scan the whole table), the review permission again, the page of rows, its
    # first-round tags, its assignments, the action form's reviewers and components: 16 (15 on PostgreSQL)
    # whatever the number of rows and tags.
    with django_assert_num_queries(15 if connection.vendor == "postgresql" else 16):
        assert client.get(reverse("admin:evidence_submission_changelist")).status_code == 200


def test_the_agreement_page_shows_kappa(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_submission_agreement")).content.decode()
    assert "Cohen's kappa" in page and "All components" in page


def test_a_submitter_cannot_open_the_admin(client, submitter):
    client.force_login(submitter)
    assert client.get(reverse("admin:evidence_submission_changelist")).status_code == 302


def test_reindex_search_rebuilds_the_search_text(submitted):
    from django.core.management import call_command

    Submission.objects.filter(pk=submitted.pk).update(search_document="")
    call_command("reindex_search")
    submitted.refresh_from_db()
    assert "vacancies for process engineers" in submitted.search_document
