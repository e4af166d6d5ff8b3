"""A new member's first steps: branded e-mails with whole links, confirming signs in, "Start your response"
works first time, receipts link to where the site is, and errors say what to do (never only "This field is
required")."""

import io
import re

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from evidence import services
from evidence.mail import ConsoleEmailBackend
from evidence.models import Submission
from tests import factories

pytestmark = pytest.mark.django_db


def sign_up(client, email="ana@northern.example"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"},
    )


def test_the_confirmation_email_is_branded_and_confirming_signs_the_new_member_in(client, consultation):
    sign_up(client)
    message = mail.outbox[-1]
    assert message.subject == "[MMIP Evidence] Confirm your e-mail address"
    assert "Medicines Manufacturing Industry Partnership" in message.body and "Hello from" not in message.body
    link = re.search(r"^(https?://\S+/accounts/confirm-email/\S+)$", message.body, re.MULTILINE).group(1)
    response = client.post(link.split("testserver", 1)[-1])
    assert response.status_code == 302
    assert client.get(reverse("evidence:my_submissions")).status_code == 200  # signed in, not sent to sign in


def test_the_development_console_prints_links_whole(consultation):
    stream = io.StringIO()
    long_link = "http://127.0.0.1:8101/accounts/confirm-email/" + "k" * 90 + "/"
    message = mail.EmailMultiAlternatives("Confirm", f"Café — open:\n\n{long_link}\n", to=["a@example.org"])
    message.attach_alternative("<p>Café</p>", "text/html")
    ConsoleEmailBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert long_link in printed.splitlines() and "Café —" in printed
    assert "(also in the message: text/html)" in printed and "=\n" not in printed


def test_start_your_response_works_the_first_time_for_someone_without_an_organisation(client, consultation):
    user = factories.UserFactory(username="newcomer")
    client.force_login(user)
    response = client.post(reverse("evidence:start", kwargs={"slug": consultation.slug}))
    organisation_page = response["Location"]
    assert organisation_page == f"{reverse('evidence:organisation')}?start={consultation.slug}"
    page = client.get(organisation_page).content.decode()
    assert "Save and start your response" in page
    response = client.post(
        organisation_page,
        {
            "name": "Tees Valley Chemicals",
            "organisation_type": factories.organisation_type("cdmo").pk,
            "size_band": "medium",
            "region": factories.region("north-east").pk,
            "start": consultation.slug,
        },
    )
    submission = Submission.objects.get()
    assert response["Location"] == reverse("evidence:section_about", kwargs={"public_id": submission.public_id})


@override_settings(MMIP_SITE_URL="")
def test_in_development_the_receipt_links_to_the_address_the_submitter_used(
    submitter_client, submitter, consultation, django_capture_on_commit_callbacks
):
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.submission_update(
        submission=draft,
        by=submitter,
        data={"summary": "We make vaccines.", "proposals": "Fund skills.", "confidentiality": "publishable"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        submitter_client.post(
            reverse("evidence:submit", kwargs={"public_id": draft.public_id}), HTTP_HOST="localhost:8101"
        )
    assert f"http://localhost:8101{draft.get_absolute_url()}" in mail.outbox[-1].body


@override_settings(MMIP_SITE_URL="https://evidence.mmip.example")
def test_a_configured_site_url_wins_over_the_request(
    submitter_client, submitter, consultation, django_capture_on_commit_callbacks
):
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.submission_update(
        submission=draft, by=submitter, data={"summary": "S.", "proposals": "P.", "confidentiality": "publishable"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        submitter_client.post(reverse("evidence:submit", kwargs={"public_id": draft.public_id}), HTTP_HOST="localhost")
    assert f"https://evidence.mmip.example{draft.get_absolute_url()}" in mail.outbox[-1].body


def _pages_with_empty_forms(submitter, consultation):
    draft = services.submission_start(consultation=consultation, user=submitter)
    point = factories.DataPointFactory(submission=draft)
    submitted = factories.SubmittedSubmissionFactory(
        consultation=factories.ConsultationFactory(), organisation=submitter.membership.organisation
    )
    return [
        reverse("evidence:organisation"),
        reverse("evidence:section_about", kwargs={"public_id": draft.public_id}),
        reverse("evidence:section_data_points", kwargs={"public_id": draft.public_id}),
        reverse("evidence:data_point_edit", kwargs={"public_id": draft.public_id, "pk": point.pk}),
        reverse("evidence:section_attachments", kwargs={"public_id": draft.public_id}),
        reverse("evidence:section_confidentiality", kwargs={"public_id": draft.public_id}),
        reverse("evidence:withdraw", kwargs={"public_id": submitted.public_id}),
    ]


def test_no_form_answers_an_empty_post_with_this_field_is_required(submitter_client, submitter, consultation):
    for page in _pages_with_empty_forms(submitter, consultation):
        html = submitter_client.post(page, {}).content.decode()
        assert "There is a problem" in html, page
        assert "This field is required" not in html, page
    anonymous = Client()
    for name in ["account_login", "account_signup", "account_reset_password"]:
        html = anonymous.post(reverse(name), {}).content.decode()
        assert "This field is required" not in html, name
        assert "Enter your e-mail address." in html, name


def test_a_data_point_with_nothing_filled_in_says_what_each_field_needs(submitter_client, submitter, consultation):
    draft = services.submission_start(consultation=consultation, user=submitter)
    html = submitter_client.post(
        reverse("evidence:section_data_points", kwargs={"public_id": draft.public_id}), {"period_start": "twenty"}
    ).content.decode()
    for message in [
        "Enter the value, for example 1,200 or 3.5.",
        "Enter the unit, for example £ million a year or jobs.",
        "Enter the year as four digits, for example 2023.",
        "Select where the figure applies",
        "Enter where the figure comes from",
    ]:
        assert message in html
