"""How much a typical review costs a reviewer, in clicks and keystrokes, measured in a real browser: the classic
way (22 clicks and 4 keystrokes) and issue 14's (select to excerpt, "Mark reviewed, save and next").

A typical review: from the submissions list, open the next response in my queue, code one passage of an
answer as an excerpt (component and kind), tag its component (grade and stance), mark it reviewed. Every
action goes through ``Effort``, which counts what a person would do: a click is a click; choosing from a
drop-down list is two (open it, choose); selecting a passage with the mouse is one; copying and pasting it
is two keystrokes each (Ctrl+C, Ctrl+V; the browser's clipboard is not driven headless, so the paste is
done by filling the field, and counted as the keys a person would press); typed text counts a keystroke
per character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from evidence import review
from evidence.models import Answer, ComponentTag, Excerpt, Submission
from tests import factories
from tests.browser.conftest import axe_violations, describe, shot

pytestmark = pytest.mark.browser

PASSAGE = "45 unfilled vacancies for process engineers"
CLASSIC = (22, 4)  # clicks, keystrokes: test_a_typical_review_the_classic_way


@dataclass
class Effort:
    page: object
    clicks: int = 0
    keystrokes: int = 0
    log: list[str] = field(default_factory=list)

    def click(self, locator, why: str) -> None:
        locator.click()
        self.clicks += 1
        self.log.append(f"click: {why}")

    def choose(self, locator, value: str, why: str) -> None:
        locator.select_option(value)
        self.clicks += 2
        self.log.append(f"choose ({why}): {value}")

    def select_text(self, container, text: str, why: str) -> None:
        """Drag over ``text`` inside ``container`` (one press of the mouse)."""
        container.evaluate(
            """(root, wanted) => {
                const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                    const node = walker.currentNode, at = node.data.indexOf(wanted);
                    if (at >= 0) {
                        const range = document.createRange();
                        range.setStart(node, at);
                        range.setEnd(node, at + wanted.length);
                        const selection = window.getSelection();
                        selection.removeAllRanges();
                        selection.addRange(range);
                        root.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
                        return;
                    }
                }
                throw new Error("text not found: " + wanted);
            }""",
            text,
        )
        self.clicks += 1
        self.log.append(f"select text ({why})")

    def copy_paste(self, target, text: str, why: str) -> None:
        target.fill(text)
        self.keystrokes += 4
        self.log.append(f"copy and paste ({why})")

    def __str__(self) -> str:
        return f"{self.clicks} clicks and {self.keystrokes} keystrokes"


@pytest.fixture
def queue(live_db, page, live_server):
    """A reviewer with two responses assigned, each with one answer on skills, signed in on the list."""
    consultation = factories.ConsultationFactory(slug="mmip-2026")
    reviewer = factories.UserFactory(username="rita", groups=["Reviewer"])
    question = consultation.questions.get(component__slug="skills")
    responses = []
    for n in range(2):
        submission = factories.SubmittedSubmissionFactory(consultation=consultation)
        Answer.objects.create(
            submission=submission, question=question, text=f"Response {n}: we have {PASSAGE} in Speke."
        )
        review.assign(submission=submission, reviewer=reviewer)
        responses.append(submission)
    client = Client()
    client.force_login(reviewer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.goto(reverse("admin:evidence_submission_changelist"))
    return reviewer, responses


def classic_review(page, effort: Effort, submission: Submission) -> None:
    """The way the admin offered before issue 14: inline rows, a pasted quote, two saves (a tag and the
    state change in one save failed)."""
    effort.click(page.get_by_role("link", name="My queue"), "open my queue")
    effort.click(page.get_by_role("link", name=submission.reference, exact=True), "open the response")
    skills = str(factories.component("skills").pk)
    effort.click(page.locator("#tags-group .add-row a"), "add a component tag")
    effort.choose(page.locator("#id_tags-0-component"), skills, "component")
    effort.choose(page.locator("#id_tags-0-grade"), "B", "grade")
    effort.choose(page.locator("#id_tags-0-stance"), "supports", "stance")
    effort.click(page.locator("#excerpts-group .add-row a"), "add an excerpt")
    effort.choose(page.locator("#id_excerpts-0-component"), skills, "component")
    effort.choose(page.locator("#id_excerpts-0-kind"), "problem", "kind")
    answer = str(submission.answers.get().pk)
    effort.choose(page.locator("#id_excerpts-0-answer"), answer, "the answer quoted")
    effort.select_text(page.locator(".field-response_text"), PASSAGE, "the passage")
    effort.click(page.locator("#id_excerpts-0-text"), "the quote's box")
    effort.copy_paste(page.locator("#id_excerpts-0-text"), PASSAGE, "the passage")
    effort.click(page.get_by_role("button", name="Save and continue editing"), "save the coding")
    page.get_by_text("was changed successfully").wait_for()
    effort.choose(page.locator("#id_move_to"), "reviewed", "move to Reviewed")
    effort.click(page.get_by_role("button", name="Save", exact=True), "save the state")
    page.get_by_text("was changed successfully").wait_for()


def test_a_typical_review_the_classic_way(page, queue):
    reviewer, responses = queue
    effort = Effort(page)
    classic_review(page, effort, responses[0])
    shot(page, "14-review-classic")
    done = Submission.objects.get(pk=responses[0].pk)
    assert done.review_state == Submission.ReviewState.REVIEWED
    assert ComponentTag.objects.filter(submission=done, grade="B", stance="supports").exists()
    assert Excerpt.objects.get(submission=done).text == PASSAGE
    print(f"\nA typical review, the classic way: {effort}\n  " + "\n  ".join(effort.log))
    assert (effort.clicks, effort.keystrokes) == CLASSIC


SCROLLING_SIDEWAYS = """Array.from(document.querySelectorAll("#content-main *"))
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && ["auto", "scroll"].includes(getComputedStyle(e).overflowX))
    .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}: ${e.scrollWidth} px in ${e.clientWidth} px`)"""


def select_to_excerpt_review(page, effort: Effort, submission: Submission) -> None:
    """Issue 14's way: select the passage and press its kind (the component is the answer's, and a tag row
    for it comes too), choose grade and stance, then "Mark reviewed, save and next": one save."""
    effort.click(page.get_by_role("link", name="My queue"), "open my queue")
    effort.click(page.get_by_role("link", name=submission.reference, exact=True), "open the response")
    answer = submission.answers.get().pk
    effort.select_text(page.locator(f'.codable[data-answer="{answer}"]'), PASSAGE, "the passage")
    bar = page.get_by_role("region", name="Code the selected passage as an excerpt")
    bar.wait_for()
    violations = axe_violations(page)  # with the bar open
    assert not violations, describe(violations)
    effort.click(bar.get_by_role("button", name="Problem or impact"), "code it as a problem")
    effort.choose(page.locator("#id_tags-0-grade"), "B", "grade")
    effort.choose(page.locator("#id_tags-0-stance"), "supports", "stance")
    # Everything fits the 1280 px window: no sideways scrolling, of the page or of a box in it (Django's
    # tables of inline rows scroll inside themselves), to reach the quote or the note.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page is {width} px wide"
    assert page.evaluate(SCROLLING_SIDEWAYS) == []
    assert page.locator("#id_excerpts-0-text").input_value() == PASSAGE
    shot(page, "14-review-select-to-excerpt")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    effort.click(page.get_by_role("button", name="Mark reviewed, save and next"), "mark reviewed, save, next")
    page.get_by_text(f"{submission.reference} saved.").wait_for()


def test_a_typical_review_with_select_to_excerpt_costs_under_half(page, queue):
    reviewer, responses = queue
    effort = Effort(page)
    select_to_excerpt_review(page, effort, responses[0])
    # "Save and next" opened the next response in the queue.
    page.get_by_text(f"Next in your queue: {responses[1].reference}").wait_for()
    shot(page, "14-review-next-in-queue")
    done = Submission.objects.get(pk=responses[0].pk)
    assert done.review_state == Submission.ReviewState.REVIEWED
    assert ComponentTag.objects.filter(submission=done, grade="B", stance="supports").exists()
    excerpt = Excerpt.objects.get(submission=done)
    assert (excerpt.text, excerpt.kind, excerpt.component.slug) == (PASSAGE, "problem", "skills")
    print(f"\nA typical review with select to excerpt: {effort}\n  " + "\n  ".join(effort.log))
    classic_clicks, classic_keystrokes = CLASSIC
    assert effort.clicks + effort.keystrokes < (classic_clicks + classic_keystrokes) / 2
    assert effort.clicks < classic_clicks / 2
    assert (effort.clicks, effort.keystrokes) == (9, 0)
