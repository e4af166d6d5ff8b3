"""Confidentiality is an explicit choice: nothing is pre-selected, a response cannot be submitted before the
submitter chooses, and contradictory choices are refused with a message that says what to do."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evidence import services
from evidence.models import Submission

pytestmark = pytest.mark.django_db


def url(name, submission):
    return reverse(f"evidence:{name}", kwargs={"public_id": submission.public_id})


@pytest.fixture
def draft(submitter, consultation):
    """A draft with everything but a confidentiality choice."""
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.submission_update(
        submission=draft, by=submitter, data={"summary": "We make vaccines.", "proposals": "Fund skills."}
    )
    return draft


def test_a_new_response_has_no_confidentiality_chosen_and_nothing_is_preselected(submitter_client, draft):
    assert draft.confidentiality == ""
    page = submitter_client.get(url("section_confidentiality", draft)).content.decode()
    assert 'value="publishable"' in page and "checked" not in page
    assert "---------" not in page  # no blank option among the radios


def test_a_response_cannot_be_submitted_before_the_choice_is_made(submitter_client, draft, submitter):
    page = submitter_client.get(url("check_answers", draft)).content.decode()
    assert f'href="{url("section_confidentiality", draft)}">Select how we may use your response.</a>' in page
    assert "Submit response" not in page
    assert "Not chosen yet." in page
    response = submitter_client.post(url("submit", draft), follow=True)
    assert "Select how we may use your response." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Submission.Status.DRAFT and draft.reference == ""
    with pytest.raises(ValidationError, match="Select how we may use your response"):
        services.submission_submit(submission=draft, by=submitter)


def test_saving_the_page_without_choosing_says_what_to_do(submitter_client, draft):
    response = submitter_client.post(url("section_confidentiality", draft), {})
    assert response.status_code == 200
    assert "Select how we may use your response." in response.content.decode()
    assert "This field is required" not in response.content.decode()


def test_attributable_with_consent_to_publish_is_refused_as_contradictory(submitter_client, draft, submitter):
    response = submitter_client.post(
        url("section_confidentiality", draft), {"confidentiality": "attributable", "consent_to_publish": "on"}
    )
    assert response.status_code == 200
    assert "also consented to publication" in response.content.decode()
    draft.refresh_from_db()
    assert draft.confidentiality == "" and not draft.consent_to_publish
    with pytest.raises(ValidationError, match="also consented to publication"):
        services.submission_update(
            submission=draft, by=submitter, data={"confidentiality": "attributable", "consent_to_publish": True}
        )


def test_once_chosen_the_response_submits_and_the_receipt_states_the_choice(submitter_client, draft, mailoutbox):
    response = submitter_client.post(url("section_confidentiality", draft), {"confidentiality": "attributable"})
    assert response.status_code == 302
    assert submitter_client.post(url("submit", draft)).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED and draft.confidentiality == "attributable"


def test_confidential_with_consent_for_the_rest_is_a_coherent_choice(submitter, draft):
    saved = services.submission_update(
        submission=draft,
        by=submitter,
        data={"confidentiality": "confidential", "confidentiality_reason": "Site costs.", "consent_to_publish": True},
    )
    assert services.submission_problems(saved) == []
