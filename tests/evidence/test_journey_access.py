"""A submitter sees and downloads only their own organisation's responses and files: any other id is 404."""

import uuid

import pytest
from django.urls import reverse

from evidence import services
from evidence.models import Submission
from tests import factories
from tests.downloads import downloaded
from tests.evidence import journey_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs(submitter, consultation):
    """Northern Biologics' submitted response with a data point and a file."""
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.submission_update(
        submission=draft, by=submitter, data={"summary": "Ours", "proposals": "p", "confidentiality": "publishable"}
    )
    point = factories.DataPointFactory(submission=draft)
    attachment = services.attachment_add(
        submission=draft, upload=files.upload("secret.pdf", files.pdf_bytes()), by=submitter
    )
    submission = services.submission_submit(submission=draft, by=submitter)
    return submission, point, attachment


def submission_urls(submission, point, attachment):
    sid = submission.public_id
    return [
        reverse("evidence:submission_detail", args=[sid]),
        reverse("evidence:section_about", args=[sid]),
        reverse("evidence:section_answers", args=[sid]),
        reverse("evidence:section_data_points", args=[sid]),
        reverse("evidence:data_point_edit", args=[sid, point.pk]),
        reverse("evidence:data_point_delete", args=[sid, point.pk]),
        reverse("evidence:section_attachments", args=[sid]),
        reverse("evidence:attachment_delete", args=[sid, attachment.public_id]),
        reverse("evidence:section_confidentiality", args=[sid]),
        reverse("evidence:check_answers", args=[sid]),
        reverse("evidence:submit", args=[sid]),
        reverse("evidence:confirmation", args=[sid]),
        reverse("evidence:withdraw", args=[sid]),
        reverse("evidence:version_detail", args=[sid, 1]),
        reverse("evidence:attachment_download", args=[attachment.public_id]),
    ]


def POST_ONLY(submission, point, attachment):
    sid = submission.public_id
    return {
        reverse("evidence:data_point_delete", args=[sid, point.pk]),
        reverse("evidence:attachment_delete", args=[sid, attachment.public_id]),
        reverse("evidence:submit", args=[sid]),
    }


def test_an_outsider_gets_404_on_every_url_of_another_organisations_response(client, outsider, theirs):
    client.force_login(outsider)
    for url in submission_urls(*theirs):
        # Actions that only accept POST answer a GET with 405 before looking at the id: nothing leaks.
        assert client.get(url).status_code in ({405} if url in POST_ONLY(*theirs) else {404}), url
        assert client.post(url, {"summary": "hijack", "confirm": "on"}).status_code == 404, url
    submission, point, attachment = theirs
    submission.refresh_from_db()
    assert submission.summary == "Ours" and submission.status == Submission.Status.SUBMITTED
    assert submission.data_points.exists() and submission.attachments.exists()


def test_an_outsider_cannot_download_another_organisations_file(client, outsider, theirs):
    attachment = theirs[2]
    assert attachment.file.storage.exists(attachment.file.name)  # so the 404 below is a refusal, not a gap
    client.force_login(outsider)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_a_member_without_an_organisation_gets_404(client, theirs):
    client.force_login(factories.UserFactory(username="loner"))
    for url in submission_urls(*theirs):
        assert client.post(url).status_code == 404, url


def test_an_anonymous_visitor_is_sent_to_sign_in(client, theirs):
    for url in submission_urls(*theirs):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("account_login")), url


def test_unknown_ids_are_404(submitter_client):
    for name in ("submission_detail", "attachment_download"):
        assert submitter_client.get(reverse(f"evidence:{name}", args=[uuid.uuid4()])).status_code == 404


def test_a_colleague_in_the_same_organisation_sees_the_response(client, submitter, theirs):
    colleague = factories.MembershipFactory(organisation=submitter.membership.organisation).user
    client.force_login(colleague)
    assert client.get(theirs[0].get_absolute_url()).status_code == 200


def test_a_data_point_of_another_response_cannot_be_reached_through_ones_own(
    submitter_client, theirs, outsider, consultation
):
    mine = services.submission_start(consultation=consultation, user=outsider)
    submitter_client.force_login(outsider)
    point = theirs[1]
    url = reverse("evidence:data_point_edit", args=[mine.public_id, point.pk])
    assert submitter_client.get(url).status_code == 404


def test_the_owner_downloads_the_file_as_an_attachment(submitter_client, theirs):
    response = submitter_client.get(theirs[2].get_absolute_url())
    assert downloaded(response, filename="secret.pdf", content_type="application/pdf") == files.pdf_bytes()


def test_a_reviewer_may_download_files_of_non_confidential_responses(client, reviewer, theirs):
    client.force_login(reviewer)
    response = client.get(theirs[2].get_absolute_url())
    assert downloaded(response, filename="secret.pdf", content_type="application/pdf") == files.pdf_bytes()


def test_a_reviewer_cannot_download_the_file_of_a_draft(client, reviewer, submitter, consultation):
    """Drafts are the submitter's own until submitted: a reviewer's download is a 404, though the file is there."""
    draft = services.submission_start(consultation=consultation, user=submitter)
    attachment = services.attachment_add(
        submission=draft, upload=files.upload("plans.pdf", files.pdf_bytes("Unfinished plans")), by=submitter
    )
    assert attachment.file.storage.exists(attachment.file.name)
    client.force_login(reviewer)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    # The same file, once the response is submitted: the reviewer gets it.
    services.submission_update(
        submission=draft, by=submitter, data={"summary": "Ours", "proposals": "p", "confidentiality": "publishable"}
    )
    services.submission_submit(submission=draft, by=submitter)
    response = client.get(attachment.get_absolute_url())
    assert downloaded(response, filename="plans.pdf", content_type="application/pdf") == files.pdf_bytes(
        "Unfinished plans"
    )


def test_confidential_files_need_the_confidential_permission(client, reviewer, lead, submitter, theirs):
    submission = theirs[0]
    services.submission_update(
        submission=submission,
        by=submitter,
        data={"confidentiality": "confidential", "confidentiality_reason": "Site costs"},
    )
    client.force_login(reviewer)
    assert client.get(theirs[2].get_absolute_url()).status_code == 404
    client.force_login(lead)  # holds "Confidential evidence"
    response = client.get(theirs[2].get_absolute_url())
    assert downloaded(response, filename="secret.pdf", content_type="application/pdf") == files.pdf_bytes()


def test_my_submissions_lists_only_my_organisations_responses(client, outsider, theirs, consultation):
    other = services.submission_start(consultation=consultation, user=outsider)
    client.force_login(outsider)
    page = client.get(reverse("evidence:my_submissions")).content.decode()
    assert str(other.public_id) in page
    assert str(theirs[0].public_id) not in page and "MMIP-0001" not in page


def test_my_submissions_stays_within_its_query_budget(
    submitter_client, submitter, consultation, django_assert_max_num_queries
):
    organisation = submitter.membership.organisation
    for n in range(15):
        factories.SubmittedSubmissionFactory(
            consultation=consultation, organisation=organisation, reference_number=100 + n
        )
    other = factories.ConsultationFactory()
    factories.SubmissionFactory(consultation=other, organisation=organisation)
    # session, user, membership, the submissions with their consultations, the open consultations,
    # and the navigation's permission check (the user's and the groups' permissions): 7, whatever the
    # number of responses.
    with django_assert_max_num_queries(7):
        response = submitter_client.get(reverse("evidence:my_submissions"))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"MMIP-{100 + n:04d}" in page for n in range(15))


def test_a_file_missing_from_storage_is_a_404_not_an_error(submitter_client, theirs):
    attachment = theirs[2]
    attachment.file.storage.delete(attachment.file.name)
    assert submitter_client.get(attachment.get_absolute_url()).status_code == 404
