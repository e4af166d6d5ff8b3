"""The whole journey through the test client: sign up, verify the e-mail, say who you respond for,
fill in each section, check your answers, submit and get a reference."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from evidence.models import Membership, Modality, OutboxTask, Submission, SubmissionVersion
from tests import factories
from tests.evidence import journey_files as files

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


def test_a_new_member_signs_up_and_submits_evidence(client, consultation, django_capture_on_commit_callbacks):
    # The landing page says what is asked, by when, and how to sign in.
    landing = client.get(reverse("evidence:home")).content.decode()
    assert consultation.title in landing
    assert f'href="{reverse("account_login")}' in landing
    assert "How confidentiality works" in landing
    assert "Skills and talent" in landing

    # Sign up, then follow the link in the e-mail.
    response = client.post(
        reverse("account_signup"),
        {"email": "nina@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert client.get(response.url).status_code == 200
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body).group(1)
    assert "nina@example.org" in client.get(link).content.decode()
    client.post(link)

    # Sign in: members land on "My submissions".
    client.logout()
    response = client.post(reverse("account_login"), {"login": "nina@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("evidence:my_submissions")
    assert "tell us who you are responding for" in client.get(response.url).content.decode().lower()

    # Organisation details.
    response = client.post(
        reverse("evidence:organisation"),
        {
            "organisation_type": factories.organisation_type("sme-biopharma").pk,
            "name": "Pennine Cell Therapies",
            "job_title": "Head of manufacturing",
            "size_band": "small",
            "region": factories.region("yorkshire-humber").pk,
            "sub_sectors": [Modality.objects.get(slug="cell-gene").pk],
        },
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nina@example.org")
    assert membership.organisation.name == "Pennine Cell Therapies"

    # Start a response; each section saves a draft and moves on.
    response = client.post(reverse("evidence:start", args=[consultation.slug]))
    submission = Submission.objects.get(organisation=membership.organisation)
    assert response.url == reverse("evidence:section_about", args=[submission.public_id])
    response = client.post(
        response.url,
        {"summary": "Recruiting process engineers takes us nine months.", "declared_interests": "None"},
    )
    assert response.status_code == 302
    question = consultation.questions.first()
    response = client.post(
        reverse("evidence:section_answers", args=[submission.public_id]),
        {f"q{question.pk}": "We lost two hires to Ireland.", "proposals": "Fund ATMP apprenticeships."},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("evidence:section_data_points", args=[submission.public_id]),
        {
            "indicator": factories.indicator("manufacturing-jobs").pk,
            "value": "1,200",
            "unit": "jobs",
            "period_start": "2023",
            "geography": factories.region("yorkshire-humber").pk,
            "source": "Our annual report 2023",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("evidence:section_attachments", args=[submission.public_id]),
        {"file": files.upload("annual-report.pdf", files.pdf_bytes())},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("evidence:section_confidentiality", args=[submission.public_id]),
        {"confidentiality": "publishable", "consent_to_publish": "on"},
    )
    assert response.status_code == 302

    # Check your answers shows everything, with a change link per section.
    check = client.get(reverse("evidence:check_answers", args=[submission.public_id])).content.decode()
    for text in ["nine months", "two hires", "1,200 jobs", "annual-report.pdf", "Publishable"]:
        assert text in check
    assert check.count(">Change<") == 5

    # Submit: a reference, a version, a receipt queued after commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evidence:submit", args=[submission.public_id]))
    assert response.url == reverse("evidence:confirmation", args=[submission.public_id])
    confirmation = client.get(response.url).content.decode()
    assert "MMIP-0001" in confirmation
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SUBMITTED
    assert submission.reference == "MMIP-0001"
    assert SubmissionVersion.objects.get(submission=submission).number == 1
    receipt = OutboxTask.objects.get(task_name="evidence.tasks.submitted")  # then the receipt and the analysis
    assert receipt.kwargs == {"submission_id": submission.pk, "version": 1, "site_url": "http://testserver"}

    # It is listed under "My submissions".
    listing = client.get(reverse("evidence:my_submissions")).content.decode()
    assert "MMIP-0001" in listing


def test_an_individual_responds_without_a_size_band(submitter_client, submitter):
    Membership.objects.filter(user=submitter).delete()
    response = submitter_client.post(
        reverse("evidence:organisation"),
        {
            "organisation_type": factories.organisation_type("individual").pk,
            "name": "Dr Ada Lovelace",
            "region": factories.region("london").pk,
        },
    )
    assert response.status_code == 302
    organisation = Membership.objects.get(user=submitter).organisation
    assert organisation.name == "Dr Ada Lovelace"
    assert organisation.size_band == ""


def test_an_organisation_needs_its_size_band(submitter_client):
    response = submitter_client.post(
        reverse("evidence:organisation"),
        {
            "organisation_type": factories.organisation_type("cdmo").pk,
            "name": "Acme CDMO",
            "region": factories.region("london").pk,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert 'href="#id_size_band"' in page and 'id="id_size_band"' in page
    assert "Select the size of your organisation (number of employees)." in page


def test_starting_twice_continues_the_same_draft(submitter_client, consultation):
    url = reverse("evidence:start", args=[consultation.slug])
    first = submitter_client.post(url)
    second = submitter_client.post(url)
    assert first.url == second.url
    assert Submission.objects.count() == 1


def test_a_member_without_organisation_details_is_asked_for_them_first(client, consultation):
    user = factories.UserFactory(username="newbie")
    client.force_login(user)
    response = client.post(reverse("evidence:start", args=[consultation.slug]))
    assert response.url.startswith(reverse("evidence:organisation"))
    assert not Submission.objects.exists()


def test_signed_in_members_are_offered_to_start_or_continue(submitter_client, consultation):
    page = submitter_client.get(reverse("evidence:home")).content.decode()
    assert "Start your response" in page
    submitter_client.post(reverse("evidence:start", args=[consultation.slug]))
    page = submitter_client.get(reverse("evidence:home")).content.decode()
    assert "Continue your response" in page


@pytest.mark.parametrize(
    "name",
    [
        "account_login",
        "account_signup",
        "account_reset_password",
        "account_reset_password_done",
        "account_email_verification_sent",
    ],
)
def test_account_pages_use_the_site_layout(client, name):
    page = client.get(reverse(name)).content.decode()
    assert "Skip to main content" in page
    assert "vendor/bootstrap/css/bootstrap.min.css" in page


def test_password_reset_sends_a_working_link(client, submitter):
    client.post(reverse("account_reset_password"), {"email": submitter.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/[^\s]+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert 'name="password1"' in response.content.decode()


def test_organisation_details_can_be_changed(submitter_client, submitter):
    organisation = submitter.membership.organisation
    page = submitter_client.get(reverse("evidence:organisation")).content.decode()
    assert 'value="Northern Biologics Ltd"' in page
    response = submitter_client.post(
        reverse("evidence:organisation"),
        {
            "organisation_type": organisation.organisation_type.pk,
            "name": "Northern Biologics Group",
            "size_band": "medium",
            "region": factories.region("wales").pk,
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name, organisation.size_band) == ("Northern Biologics Group", "medium")
    assert Membership.objects.filter(user=submitter).count() == 1


def test_the_landing_page_before_the_call_opens(client, consultation):
    consultation.opens_at = consultation.closes_at - dt.timedelta(days=10)
    consultation.save()
    page = client.get(consultation.get_absolute_url()).content.decode()
    assert "This call for evidence opens on" in page
