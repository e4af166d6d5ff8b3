"""In a real browser: the submitter journey, keyboard-only use, and axe-core on every public and
submitter page (no WCAG 2.2 A/AA violation)."""

import pytest
from django.urls import reverse

from evidence.models import Submission
from tests import factories
from tests.browser.conftest import axe_violations, describe, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def member(live_db):
    consultation = factories.ConsultationFactory(slug="mmip-2026", title="MMIP call for evidence 2026")
    user = factories.MembershipFactory(user__username="sam", organisation__name="Northern Biologics Ltd").user
    return user, consultation


def sign_in(page, email: str) -> None:
    page.goto(reverse("account_login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/responses/")


def test_a_member_submits_evidence_with_a_file_and_sees_the_reference(page, member, tmp_path):
    user, consultation = member
    page.goto("/")
    shot(page, "01-landing")
    sign_in(page, user.email)
    shot(page, "02-my-submissions")
    page.goto("/")
    page.get_by_role("button", name="Start your response").click()
    page.get_by_label("Summary of your evidence").fill("We make sterile injectables and cannot hire engineers.")
    shot(page, "03-about")
    page.get_by_role("button", name="Save and continue").click()
    question = consultation.questions.first()
    page.locator(f"#id_q{question.pk}").fill("We have 45 unfilled vacancies for process engineers.")
    page.get_by_label("What should change?").fill("Fund apprenticeships in sterile manufacturing.")
    shot(page, "04-answers")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("link", name="Continue to attachments").click()
    evidence = tmp_path / "survey.csv"
    evidence.write_text("role,vacancies\nprocess engineer,45\n")
    page.locator("#id_file").set_input_files(str(evidence))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("The file is attached.").wait_for()
    shot(page, "05-attachments")
    page.get_by_role("link", name="Continue to confidentiality").click()
    page.get_by_label("Publishable: may be published with attribution").check()
    page.get_by_role("button", name="Save and continue").click()
    page.goto(reverse("evidence:check_answers", kwargs={"public_id": Submission.objects.get().public_id}))
    shot(page, "06-check-answers")
    page.get_by_role("button", name="Submit response").click()
    page.get_by_text("Your reference is").wait_for()
    shot(page, "07-confirmation")
    assert "MMIP-0001" in page.content()
    assert Submission.objects.get().reference == "MMIP-0001"


def test_the_sign_in_form_works_with_the_keyboard_alone(page, member):
    user, _ = member
    page.goto(reverse("account_login"))
    page.get_by_label("Email").focus()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/responses/")


def test_error_summaries_link_to_their_fields(page, member):
    user, consultation = member
    sign_in(page, user.email)
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=user.membership.organisation, created_by=user
    )
    page.goto(reverse("evidence:section_data_points", kwargs={"public_id": submission.public_id}))
    page.get_by_role("button", name="Add data point").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    link = summary.get_by_role("link").first
    target = link.get_attribute("href")
    link.click()
    assert page.evaluate("document.activeElement.id") == target.lstrip("#")


def test_public_and_submitter_pages_have_no_wcag_violations(page, member):
    user, consultation = member
    submission = factories.SubmissionFactory(
        consultation=consultation, organisation=user.membership.organisation, created_by=user, summary="Draft"
    )
    public = ["/", reverse("account_login"), reverse("account_signup"), reverse("account_reset_password")]
    private = [reverse("evidence:my_submissions"), reverse("evidence:organisation")] + [
        reverse(f"evidence:{name}", kwargs={"public_id": submission.public_id})
        for name in [
            "submission_detail",
            "section_about",
            "section_answers",
            "section_data_points",
            "section_attachments",
            "section_confidentiality",
            "check_answers",
            "withdraw",
        ]
    ]
    failures = {}
    for url in public:
        page.goto(url)
        if violations := axe_violations(page):
            failures[url] = describe(violations)
    sign_in(page, user.email)
    for url in private:
        page.goto(url)
        if violations := axe_violations(page):
            failures[url] = describe(violations)
    assert not failures, "\n".join(f"{url}:\n{text}" for url, text in failures.items())
