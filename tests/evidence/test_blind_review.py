"""Blind dual review everywhere coding is shown (issue 17): while the second round is open, the second
reviewer sees none of the first round's tags, grades or excerpts: not in the audit trail, the history
pages, the changelist's components column, the component and grade filters, or the CSV export. Once both
rounds are done, all of it shows. (The inlines are tested in test_triage.)"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from evidence import review
from evidence.models import Answer, Excerpt, Submission
from tests import factories

pytestmark = pytest.mark.django_db

FIRST_QUOTE = "45 unfilled vacancies"


@pytest.fixture
def dual(consultation, reviewer):
    """A response in dual review: Rita (first round) has coded Agile regulation, grade A, with an excerpt;
    Rob (second round) has coded Skills, grade C. Both rounds are open."""
    second = factories.UserFactory(username="rob", groups=["Reviewer"])
    submission = factories.SubmittedSubmissionFactory(consultation=consultation)
    answer = Answer.objects.create(
        submission=submission,
        question=consultation.questions.first(),
        text=f"We have {FIRST_QUOTE} for process engineers.",
    )
    review.assign(submission=submission, reviewer=reviewer, round="first")
    review.assign(submission=submission, reviewer=second, round="second")
    regulation, skills = factories.component("regulation"), factories.component("skills")
    review.tag_save(submission=submission, component=regulation, grade="A", by=reviewer)
    review.excerpt_save(
        excerpt=Excerpt(submission=submission, component=regulation, answer=answer, text=FIRST_QUOTE, round="first"),
        by=reviewer,
    )
    review.tag_save(submission=submission, component=skills, grade="C", by=second)
    return submission, second


def _trail(page: str) -> str:
    """The audit trail part of a change or history page."""
    return page[page.lower().index("who changed what") :]


def _both_done(submission, reviewer, second):
    review.complete_review(submission=submission, by=reviewer)
    review.complete_review(submission=submission, by=second)


def test_the_audit_trail_hides_the_first_round_from_the_open_second_round(client, dual, reviewer):
    submission, second = dual
    url = reverse("admin:evidence_submission_change", args=[submission.pk])
    client.force_login(second)
    page = client.get(url).content.decode()
    trail = _trail(page)
    assert "tag Skills and talent: grade C" in trail  # their own round is in the trail
    assert "tag Agile regulation: grade A" not in trail and FIRST_QUOTE not in trail
    # The first reviewer sees their own coding, and not the open second round's.
    client.force_login(reviewer)
    trail = _trail(client.get(url).content.decode())
    assert "tag Agile regulation: grade A" in trail and "tag Skills and talent: grade C" not in trail

    _both_done(submission, reviewer, second)
    client.force_login(second)
    trail = _trail(client.get(url).content.decode())
    assert "tag Agile regulation: grade A" in trail and "tag Skills and talent: grade C" in trail


def test_history_versions_follow_the_same_rule(client, dual, reviewer):
    submission, second = dual
    client.force_login(second)
    for history_id in Submission.history.filter(id=submission.pk).values_list("history_id", flat=True):
        url = reverse("admin:evidence_submission_simple_history", args=[submission.pk, history_id])
        page = client.get(url).content.decode()
        assert "tag Skills and talent: grade C" in page
        assert "tag Agile regulation: grade A" not in page and FIRST_QUOTE not in _trail(page)


def test_the_changelist_column_and_filters_do_not_reveal_the_first_round(client, dual, reviewer):
    submission, second = dual
    changelist = reverse("admin:evidence_submission_changelist")
    regulation = factories.component("regulation")
    client.force_login(second)
    page = client.get(changelist).content.decode()
    assert submission.reference in page and "Agile regulation (A)" not in page
    assert "hidden until both reviews are done" in page
    # Filtering on the first round's component or grade must not single the response out.
    for query in (f"?component={regulation.pk}", "?grade=A"):
        assert submission.reference not in client.get(changelist + query).content.decode(), query
    # The first reviewer, and anyone not in the second round, sees the coding and can filter on it.
    client.force_login(reviewer)
    assert "Agile regulation (A)" in client.get(changelist).content.decode()
    assert submission.reference in client.get(f"{changelist}?component={regulation.pk}").content.decode()

    _both_done(submission, reviewer, second)
    client.force_login(second)
    assert "Agile regulation (A)" in client.get(changelist).content.decode()
    assert submission.reference in client.get(f"{changelist}?grade=A").content.decode()


def test_the_csv_export_leaves_out_the_first_round_for_the_open_second_round(client, dual, reviewer):
    submission, second = dual

    def export(user):
        client.force_login(user)
        response = client.post(
            reverse("admin:evidence_submission_changelist"),
            {"action": "export_csv", "_selected_action": [submission.pk]},
        )
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        return rows[0]

    row = export(second)
    assert (row["components"], row["grades"]) == ("(hidden until both reviews are done)",) * 2
    row = export(reviewer)
    assert (row["components"], row["grades"]) == ("Agile regulation", "A")
    _both_done(submission, reviewer, second)
    row = export(second)
    assert (row["components"], row["grades"]) == ("Agile regulation", "A")


def test_the_disagreement_page_is_for_leads_only(client, dual, reviewer, lead):
    submission, second = dual
    url = reverse("admin:evidence_submission_resolve", args=[submission.pk])
    client.force_login(second)
    assert client.get(url).status_code == 403
    client.force_login(lead)
    assert client.get(url).status_code == 200
