"""Issue 14 in a real browser: responses imported from elsewhere reach the reviewers' workbench; a bad row
imports nothing; a tag and "Reviewed" in one save; withdrawn responses; the submitters' journey. axe-core
stays clean on every page these tests touch."""

import datetime as dt
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evidence import review
from evidence.models import Answer, Submission
from tests import factories
from tests.browser.conftest import axe_violations, describe, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def signed_in(page, live_server):
    """Sign a user in by session cookie (the sign-in forms have their own tests)."""

    def sign_in(user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return sign_in


def assert_axe_clean(page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{describe(violations)}"


@pytest.fixture
def call(live_db):
    return factories.ConsultationFactory(slug="mmip-2026", title="MMIP call for evidence 2026")


@pytest.fixture
def reviewer(live_db):
    return factories.UserFactory(username="rita", groups=["Reviewer"])


def test_an_import_with_a_bad_row_imports_nothing_then_the_good_rows_reach_reviewers(
    page, signed_in, call, reviewer, tmp_path
):
    today = timezone.localdate()
    good = {
        "organisation": "Tees Valley Chemicals",
        "organisation_type": "cdmo",
        "region": "north-east",
        "summary": "Grid connection delays hold up our new API plant.",
        "what_should_change": "Prioritise grid connections for medicines manufacturing sites.",
        "confidentiality": "publishable",
        "channel": "letter",
        "received_date": f"{today - dt.timedelta(days=2):%Y-%m-%d}",
        "source_reference": "L-0042",
    }
    bad = {**good, "region": "Northumbria", "source_reference": "L-0043"}
    path = tmp_path / "post.jsonl"
    path.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n")
    with pytest.raises(CommandError, match="Nothing was imported: 1 of 2"):
        call_command("import_responses", str(path), "--consultation", call.slug, "--by", reviewer.email)
    assert not Submission.objects.exists()
    call_command("import_responses", str(path), "--consultation", call.slug, "--by", reviewer.email, "--skip-invalid")

    signed_in(reviewer)
    page.goto(reverse("admin:evidence_submission_changelist") + "?channel__exact=letter")
    shot(page, "14-import-changelist")
    assert page.get_by_role("link", name="MMIP-0001").is_visible()
    assert "Northumbria" not in page.content()
    assert_axe_clean(page, "changelist filtered by channel")
    page.get_by_role("link", name="MMIP-0001").click()
    page.get_by_text("Letter, received").wait_for()
    shot(page, "14-import-change")
    assert "their reference L-0042" in page.content()
    assert_axe_clean(page, "an imported response's page")


# --- Reviewers -------------------------------------------------------------------------------------------

PASSAGE = "45 unfilled vacancies for process engineers"


@pytest.fixture
def in_my_queue(call, reviewer):
    """A response assigned to the reviewer (so in review), with one answer on skills."""
    submission = factories.SubmittedSubmissionFactory(consultation=call)
    Answer.objects.create(
        submission=submission,
        question=call.questions.get(component__slug="skills"),
        text=f"We have {PASSAGE} in Speke.",
    )
    review.assign(submission=submission, reviewer=reviewer)
    return submission


def test_a_tag_and_reviewed_in_one_save_then_a_refusal_keeps_what_was_typed(page, signed_in, reviewer, in_my_queue):
    signed_in(reviewer)
    page.goto(reverse("admin:evidence_submission_change", args=[in_my_queue.pk]))
    skills = str(factories.component("skills").pk)
    # First without a tag: "Reviewed" is refused on the page, and the excerpt typed is still there.
    page.locator("#excerpts-group .add-row a").click()
    page.locator("#id_excerpts-0-component").select_option(skills)
    page.locator("#id_excerpts-0-kind").select_option("problem")
    page.locator("#id_excerpts-0-answer").select_option(str(in_my_queue.answers.get().pk))
    page.locator("#id_excerpts-0-text").fill(PASSAGE)
    page.locator("#id_move_to").select_option("reviewed")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("tag at least one component before finishing your review").wait_for()
    shot(page, "14-reviewed-refused")
    assert page.locator("#id_excerpts-0-text").input_value() == PASSAGE
    assert page.locator("#id_move_to").input_value() == "reviewed"
    assert_axe_clean(page, "the change page with a refused state change")
    # Then add the tag and save once more: tag first, then the state change, in one save.
    page.locator("#tags-group .add-row a").click()
    page.locator("#id_tags-0-component").select_option(skills)
    page.locator("#id_tags-0-grade").select_option("B")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was changed successfully").wait_for()
    done = Submission.objects.get(pk=in_my_queue.pk)
    assert done.review_state == Submission.ReviewState.REVIEWED
    assert done.tags.get().grade == "B" and done.excerpts.get().text == PASSAGE


def test_a_withdrawn_response_shows_as_withdrawn_and_cannot_be_coded(page, signed_in, reviewer, in_my_queue, call):
    Submission.objects.filter(pk=in_my_queue.pk).update(status=Submission.Status.WITHDRAWN, withdrawn_at=timezone.now())
    factories.SubmittedSubmissionFactory(consultation=call)
    signed_in(reviewer)
    page.goto(reverse("admin:evidence_submission_changelist"))
    row = page.locator("#result_list tr", has=page.get_by_role("link", name=in_my_queue.reference, exact=True))
    assert "Withdrawn by the submitter" in row.inner_text()
    page.locator("#changelist-filter").get_by_role("link", name="Withdrawn by the submitter").click()
    page.wait_for_url("**state=withdrawn**")
    assert page.locator("#result_list tbody tr").count() == 1
    shot(page, "14-withdrawn-changelist")
    assert_axe_clean(page, "the changelist filtered on withdrawn responses")
    page.get_by_role("link", name=in_my_queue.reference, exact=True).click()
    page.get_by_text("This response was withdrawn by its submitter").wait_for()
    assert page.locator("#tags-group .add-row").count() == 0  # no coding offered
    page.locator("#id_move_to").select_option("reviewed")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("so it is not reviewed").first.wait_for()
    shot(page, "14-withdrawn-refused")
    assert_axe_clean(page, "a withdrawn response's page with a refusal")
    assert Submission.objects.get(pk=in_my_queue.pk).review_state == Submission.ReviewState.IN_REVIEW


# --- Submitters ------------------------------------------------------------------------------------------


@pytest.fixture
def member(live_db, call):
    return factories.MembershipFactory(user__username="sam", organisation__name="Northern Biologics Ltd").user


@pytest.fixture
def draft(member, call):
    return Submission.objects.create(consultation=call, organisation=member.membership.organisation, created_by=member)


def test_two_tabs_editing_one_draft_lose_neither_answer(page, signed_in, member, draft, call):
    signed_in(member)
    question = call.questions.first()
    answers = reverse("evidence:section_answers", kwargs={"public_id": draft.public_id})
    other = page.context.new_page()
    page.goto(answers)
    other.goto(answers)
    page.locator(f"#id_q{question.pk}").fill("Tab one: 45 unfilled vacancies for process engineers.")
    other.locator(f"#id_q{question.pk}").fill("Tab two: fund apprenticeships in sterile manufacturing.")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Your answers are saved as a draft.").wait_for()
    other.get_by_role("button", name="Save and continue").click()
    other.get_by_text("This was changed somewhere else after you opened this page").wait_for()
    shot(other, "14-two-tabs-conflict")
    panel = other.locator("#edit-conflict")
    assert "Tab one: 45 unfilled vacancies" in panel.inner_text()  # the saved version, shown
    assert other.locator(f"#id_q{question.pk}").input_value().startswith("Tab two:")  # yours, kept
    assert draft.answers.get().text.startswith("Tab one:")
    assert_axe_clean(other, "the answers page with a conflict")
    other.get_by_role("button", name="Save and continue").click()  # keep mine, deliberately
    other.get_by_text("Your answers are saved as a draft.").wait_for()
    assert draft.answers.get().text.startswith("Tab two:")


def test_submitting_without_choosing_confidentiality_is_stopped_and_explained(page, signed_in, member, call):
    draft = Submission.objects.create(
        consultation=call,
        organisation=member.membership.organisation,
        created_by=member,
        summary="We make sterile injectables and cannot hire engineers.",
        proposals="Fund apprenticeships in sterile manufacturing.",
    )
    signed_in(member)
    page.goto(reverse("evidence:check_answers", kwargs={"public_id": draft.public_id}))
    summary = page.locator("#error-summary")
    assert "Select how we may use your response." in summary.inner_text()
    assert page.get_by_role("button", name="Submit response").count() == 0
    assert_axe_clean(page, "check answers with no confidentiality choice")
    summary.get_by_role("link", name="Select how we may use your response.").click()
    page.wait_for_url("**/confidentiality/")
    assert page.locator("input[name=confidentiality]:checked").count() == 0  # nothing chosen for them
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#error-summary").get_by_text("Select how we may use your response.").wait_for()
    page.get_by_label("Attributable, not for publication").check()
    page.get_by_label("I consent to publication").check()
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#error-summary").get_by_text("also consented to publication").wait_for()
    shot(page, "14-confidentiality-contradiction")
    assert_axe_clean(page, "the confidentiality page refusing a contradiction")
    page.get_by_label("I consent to publication").uncheck()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url("**/check/")
    page.get_by_role("button", name="Submit response").click()
    page.get_by_text("Your reference is").wait_for()
    draft.refresh_from_db()
    assert draft.confidentiality == "attributable" and not draft.consent_to_publish


def test_an_oversized_answer_is_caught_before_sending_and_nothing_typed_is_lost(
    page, browser, live_server, signed_in, member, draft, call, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 20_000  # the live server runs in this process: a small limit
    signed_in(member)
    question = call.questions.first()
    answers = reverse("evidence:section_answers", kwargs={"public_id": draft.public_id})
    page.goto(answers)
    box = page.locator(f"#id_q{question.pk}")
    box.fill("Process engineers are scarce. " * 10)
    assert page.locator(f"#id_q{question.pk}-count").inner_text() == "You have 160 words remaining"
    long_text = "Vacancies " * 2_500  # 25,000 characters, 2,500 words
    box.fill(long_text)
    assert "2300 words too many" in page.locator(f"#id_q{question.pk}-count").inner_text()
    page.get_by_role("button", name="Save and continue").click()
    alert = page.locator("#too-big")
    alert.wait_for()
    assert "about 25 KB, and the most that can be sent at once is 20 KB" in alert.inner_text()
    assert "Nothing you typed has been lost" in alert.inner_text()
    assert page.url.endswith(answers) and box.input_value() == long_text
    shot(page, "14-oversized-caught")
    assert_axe_clean(page, "the answers page with an oversized answer")

    # Without the script (or with a browser that skips it) the server answers with a page that says why.
    bare = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    client = Client()
    client.force_login(member)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    bare.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    plain = bare.new_page()
    plain.goto(answers)
    plain.locator(f"#id_q{question.pk}").fill(long_text)
    plain.get_by_role("button", name="Save and continue").click()
    plain.get_by_role("heading", name="Too much to send at once").wait_for()
    assert "larger than the 19.5\xa0KB this site accepts" in plain.locator("main").inner_text()
    shot(plain, "14-oversized-413")
    plain.get_by_role("link", name="Go back to the page").wait_for()
    plain.go_back()
    assert plain.locator(f"#id_q{question.pk}").input_value() == long_text  # still in the browser
    bare.close()
    assert not draft.answers.exists()


def test_small_things_a_submitter_and_a_lead_notice(page, signed_in, member, draft, call, tmp_path):
    """Remove asks first; a long file name wraps instead of widening the page; the leads' navigation fits one
    line at 1280 px; every page has an icon."""
    signed_in(member)
    factories.DataPointFactory(submission=draft, value=85, unit="jobs")
    page.goto(reverse("evidence:section_data_points", kwargs={"public_id": draft.public_id}))
    assert page.locator("link[rel=icon]").count() == 1
    page.get_by_role("link", name="Remove Medicines manufacturing jobs").click()
    page.get_by_role("heading", name="Remove this data point?").wait_for()
    assert_axe_clean(page, "the confirmation before removing a data point")
    page.get_by_role("link", name="No, keep it").click()
    assert draft.data_points.count() == 1
    page.get_by_role("link", name="Remove Medicines manufacturing jobs").click()
    page.get_by_role("button", name="Yes, remove it").click()
    page.get_by_text("The data point was removed.").wait_for()
    assert draft.data_points.count() == 0

    long_name = tmp_path / ("Quarterly-capital-investment-survey-of-UK-medicines-manufacturing-sites-" * 3 + ".csv")
    long_name.write_text("site,investment\nSpeke,85\n")
    page.goto(reverse("evidence:section_attachments", kwargs={"public_id": draft.public_id}))
    page.locator("#id_file").set_input_files(str(long_name))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("The file is attached.").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "14-long-file-name")

    lead = factories.UserFactory(username="leo", groups=["Lead", "Confidential evidence"])
    page.context.clear_cookies()
    signed_in(lead)
    page.goto(reverse("recommendations:dashboard_home"))
    shot(page, "14-lead-navigation")
    tops = page.eval_on_selector_all(".site-nav .nav-item", "items => items.map(i => i.getBoundingClientRect().top)")
    assert len(tops) >= 7 and max(tops) - min(tops) < 10, f"the navigation wraps: {tops}"
    height = page.evaluate("document.querySelector('.site-nav').getBoundingClientRect().height")
    assert height < 64, f"the navigation is {height} px high: a label wraps"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
