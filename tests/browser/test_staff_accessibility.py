"""Issue 18 in a real browser: the pages reviewers and leads spend their days on.

axe-core (WCAG 2.2 A and AA) finds no serious or critical violation on any of them at 1280 and 390 px; a
region that scrolls can be reached by keyboard and has a name; no page scrolls sideways. By keyboard alone a
reviewer reaches the first row of My queue in under 20 Tabs, and a lead starts a compilation, edits a draft,
sends it to review and approves it, with focus landing on the message (or the error summary) after each.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from evidence import demo, review
from evidence.models import ComponentTag, Excerpt, Submission
from recommendations import services
from recommendations.exports.jobs import export_request
from recommendations.models import CompilationRun, Recommendation
from tests.browser.conftest import axe_violations, shot

pytestmark = pytest.mark.browser

WIDTHS = [1280, 390]
SERIOUS = {"serious", "critical"}


def sign_in(page, live_server, username: str) -> None:
    """By session cookie: the sign-in forms have their own browser tests."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.clear_cookies()
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


@pytest.fixture
def staff_call(live_db):
    """The demo call with 40 responses (60% reviewed), open assignments in the reviewer's queue and a
    disagreement on a response with tags and excerpts."""
    demo.seed(submissions=40, seed=3, reviewed=0.6)
    consultation = demo.ensure_consultation()
    reviewer = get_user_model().objects.get(username="reviewer@demo.mmip")
    for submission in Submission.objects.filter(
        consultation=consultation,
        status=Submission.Status.SUBMITTED,
        review_state=Submission.ReviewState.NEW,
        assignments__isnull=True,
    ).order_by("pk")[:3]:
        review.assign(submission=submission, reviewer=reviewer)
    tagged = (
        Submission.objects.filter(
            consultation=consultation,
            confidentiality=Submission.Confidentiality.PUBLISHABLE,
            pk__in=ComponentTag.objects.values("submission"),
        )
        .filter(pk__in=Excerpt.objects.values("submission"))
        .order_by("pk")
        .first()
    )
    Submission.objects.filter(pk=tagged.pk).update(has_disagreement=True)
    return {"consultation": consultation, "tagged": tagged}


@pytest.fixture
def compiled(staff_call):
    """A finished compilation with a draft edited once (two versions to compare) and approved where it can
    be, an export, and a second run still running."""
    consultation = staff_call["consultation"]
    lead = get_user_model().objects.get(username="lead@demo.mmip")
    run = services.compilation_start(consultation=consultation, by=lead)  # Celery runs eagerly here
    export_request(kind="register", fmt="csv", consultation=consultation, by=lead)
    draft = Recommendation.objects.filter(run=run, unexplained=[]).order_by("pk").first()
    draft = services.recommendation_edit(
        recommendation=draft, by=lead, lock_version=draft.lock_version, data={"actor": "DBT and DHSC"}
    )
    for state in (Recommendation.Status.IN_REVIEW, Recommendation.Status.APPROVED):
        services.recommendation_transition(recommendation=draft, to=state, by=lead)
    running = CompilationRun.objects.create(
        consultation=consultation, started_by=lead, state=CompilationRun.State.RUNNING, components_total=8
    )
    CompilationRun.objects.filter(pk=running.pk).update(components_done=3)
    return {**staff_call, "run": run, "running": running, "draft": draft, "lead": lead}


def changelist_pages(data) -> list[tuple[str, str]]:
    changelist = reverse("admin:evidence_submission_changelist")
    tagged = data["tagged"]
    return [
        ("admin index", reverse("admin:index")),
        ("changelist with filters", f"{changelist}?review_state__exact=reviewed&confidentiality__exact=publishable"),
        ("my queue", f"{changelist}?queue=mine"),
        ("disagreements", f"{changelist}?has_disagreement__exact=1"),
        ("agreement", reverse("admin:evidence_submission_agreement")),
        ("history", reverse("admin:evidence_submission_history", args=[tagged.pk])),
    ]


def submission_pages(data) -> list[tuple[str, str]]:
    tagged = data["tagged"]
    return [("submission with tags and excerpts", reverse("admin:evidence_submission_change", args=[tagged.pk]))]


def lead_pages(data) -> list[tuple[str, str]]:
    run, draft = data["run"], data["draft"]
    other = Recommendation.objects.filter(run=run).exclude(pk=draft.pk).order_by("pk").first()
    return [
        ("dashboard", reverse("recommendations:dashboard", args=[data["consultation"].slug])),
        ("compilations", reverse("recommendations:runs")),
        ("a run while running", reverse("recommendations:run_detail", args=[data["running"].pk])),
        ("a finished run", reverse("recommendations:run_detail", args=[run.pk])),
        ("a draft", reverse("recommendations:draft_detail", args=[other.pk])),
        ("its edit form", reverse("recommendations:draft_edit", args=[other.pk])),
        ("an approved draft", reverse("recommendations:draft_detail", args=[draft.pk])),
        ("compare", reverse("recommendations:draft_compare", args=[draft.pk])),
        ("exports", reverse("recommendations:exports")),
        ("the public page", reverse("you_said_we_did", args=[data["consultation"].slug])),
    ]


# Every element that scrolls (its content is larger than its box, and its overflow lets it scroll) must be
# reachable by keyboard (in the Tab order) and say what it is (a name a screen reader reads on focus). Form
# fields scroll their own text and have their labels.
SCROLL_REGIONS = """() => {
    const problems = [];
    for (const el of document.querySelectorAll("body *:not(textarea):not(select):not(input)")) {
        const style = getComputedStyle(el);
        const scrollsX = /(auto|scroll)/.test(style.overflowX) && el.scrollWidth > el.clientWidth + 1;
        const scrollsY = /(auto|scroll)/.test(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
        if (!(scrollsX || scrollsY) || el.clientHeight === 0) continue;
        const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
        if (el.tabIndex < 0 || !named) {
            const id = el.id ? "#" + el.id : "";
            problems.push(`${el.tagName.toLowerCase()}${id}.${[...el.classList].join(".")}: ` +
                `${el.tabIndex < 0 ? "not focusable" : "focusable"}, ${named ? "named" : "no name"}`);
        }
    }
    return problems;
}"""


def check_page(page, width: int) -> tuple[list[dict], list[str]]:
    """axe's serious and critical violations, and the page's own problems (scrolling)."""
    violations = [v for v in axe_violations(page) if v["impact"] in SERIOUS]
    problems = page.evaluate(SCROLL_REGIONS)
    sideways = page.evaluate("document.documentElement.scrollWidth")
    if sideways > width:
        problems.append(f"the page scrolls sideways: {sideways} px wide at {width} px")
    return violations, problems


GROUPS = {
    # group: (who signs in, the fixture with the data, the pages)
    "changelists": ("reviewer@demo.mmip", "staff_call", changelist_pages),
    "submission page": ("reviewer@demo.mmip", "staff_call", submission_pages),
    "leads' area": ("lead@demo.mmip", "compiled", lead_pages),
}
NOT_YET: dict[str, str] = {}


def group_params():
    for group in GROUPS:
        for width in WIDTHS:
            marks = [pytest.mark.xfail(reason=NOT_YET[group], strict=True)] if group in NOT_YET else []
            yield pytest.param(group, width, marks=marks, id=f"{group.split()[0].rstrip(chr(39))}-{width}")


@pytest.mark.slow
@pytest.mark.parametrize(("group", "width"), list(group_params()))
def test_staff_pages_have_no_serious_wcag_violation(request, page, live_server, group, width):
    username, fixture, pages = GROUPS[group]
    data = request.getfixturevalue(fixture)
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 844})
    sign_in(page, live_server, username)
    failures: list[str] = []
    counts: dict[str, int] = {}
    for name, url in pages(data):
        response = page.goto(url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        violations, problems = check_page(page, width)
        counts[name] = sum(len(v["nodes"]) for v in violations)
        if violations or problems:
            shot(page, f"18-{width}-{name.replace(' ', '-')}")
            lines = [f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']}" for v in violations]
            lines += [f"    {n['target']}" for v in violations for n in v["nodes"][:3]]
            failures.append(f"{name} ({url}):\n  " + "\n  ".join(lines + problems))
    print(f"\nSerious and critical axe violations (nodes), {group} at {width} px: {counts}")
    assert not failures, f"{group} at {width} px:\n" + "\n".join(failures)


# --- By keyboard ------------------------------------------------------------------------------------------

FOCUSED = """() => {
    const a = document.activeElement;
    return {tag: a.tagName.toLowerCase(), id: a.id, role: a.getAttribute("role"),
            text: (a.innerText || a.value || "").trim().slice(0, 200), label: a.getAttribute("aria-label")};
}"""


def tab_to(page, predicate: str, limit: int = 80, follow_skip: str | None = None) -> int:
    """Press Tab until ``predicate`` (a JavaScript function) is true of the focused element; the number of
    Tabs. A link reading ``follow_skip`` is followed (Enter) on the way, as a keyboard user would."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if follow_skip and page.evaluate("(t) => document.activeElement.innerText.trim() === t", follow_skip):
            page.keyboard.press("Enter")
        if page.evaluate(predicate):
            return n
    raise AssertionError(f"not reached in {limit} Tabs; focus is on {page.evaluate(FOCUSED)}")


def by_text(text: str) -> str:
    return f"() => (document.activeElement.innerText || document.activeElement.value || '').trim() === {text!r}"


def assert_focus_on_message(page, role: str, text: str) -> None:
    focused = page.evaluate(FOCUSED)
    assert focused["role"] == role and text in focused["text"], f"focus is on {focused}, not the {role} “{text}”"


def submit(page, timeout: float = 15000) -> None:
    """Press Enter on the focused button and wait for the page it leads to."""
    with page.expect_navigation(timeout=timeout):
        page.keyboard.press("Enter")


FIRST_ROW = "() => !!document.querySelector('#result_list tbody tr')?.contains(document.activeElement)"


def test_my_queue_reaches_its_first_row_in_under_20_tabs(page, live_server, staff_call):
    sign_in(page, live_server, "reviewer@demo.mmip")
    page.goto(reverse("admin:evidence_submission_changelist") + "?queue=mine")
    tabs_alone = tab_to(page, FIRST_ROW, limit=250)
    page.reload()
    tabs = tab_to(page, FIRST_ROW, limit=250, follow_skip="Skip to the results")
    print(f"\nMy queue: the first row after {tabs} Tabs using the skip link, {tabs_alone} without it")
    assert tabs < 20
    shot(page, "18-my-queue")
    # The filters show beside the results, after them in the page's order, with targets of 24 px or more.
    results, filters = (page.locator(s).bounding_box() for s in ("#changelist .results", "#changelist-filter"))
    assert filters["x"] >= results["x"] + results["width"]
    heights = page.eval_on_selector_all("#changelist-filter li a", "links => links.map(a => a.offsetHeight)")
    assert len(heights) > 20 and min(heights) >= 24, heights
    assert page.evaluate(FOCUSED)["text"].startswith("MMIP-") or page.evaluate(FOCUSED)["tag"] == "input"


def test_a_lead_starts_edits_and_approves_a_draft_by_keyboard(page, live_server, compiled):
    sign_in(page, live_server, "lead@demo.mmip")
    page.goto(reverse("recommendations:runs"))
    tab_to(page, "() => document.activeElement.id === 'id_consultation'")
    page.keyboard.press("ArrowDown")
    tab_to(page, by_text("Start a compilation"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/compilations/*/", timeout=90000)  # the compilation runs eagerly, in the request
    assert_focus_on_message(page, "status", "started")

    draft = Recommendation.objects.filter(run=compiled["run"], status="draft", unexplained=[]).order_by("pk").first()
    page.goto(reverse("recommendations:draft_detail", args=[draft.pk]))
    tab_to(page, by_text("Edit"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/edit/")
    tab_to(page, "() => document.activeElement.id === 'id_title'")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    tab_to(page, by_text("Save"))
    submit(page)
    assert_focus_on_message(page, "alert", "There is a problem")
    shot(page, "18-keyboard-edit-error")
    tab_to(page, "() => document.activeElement.id === 'id_title'")
    page.keyboard.type("Fund apprenticeships in sterile manufacturing")
    tab_to(page, by_text("Save"))
    submit(page)
    assert page.url.endswith(draft.get_absolute_url())
    assert_focus_on_message(page, "status", "Your changes are saved.")

    tab_to(page, by_text("Send to review"))
    submit(page)
    assert_focus_on_message(page, "status", "The status is changed.")
    tab_to(page, by_text("Approve"))
    submit(page)
    assert_focus_on_message(page, "status", "The status is changed.")
    shot(page, "18-keyboard-approved")
    draft.refresh_from_db()
    assert draft.status == Recommendation.Status.APPROVED and draft.title.startswith("Fund apprenticeships")


def test_run_progress_changes_only_when_the_run_does_and_keeps_focus_at_the_end(page, live_server, staff_call):
    consultation = staff_call["consultation"]
    lead = get_user_model().objects.get(username="lead@demo.mmip")
    run = CompilationRun.objects.create(
        consultation=consultation, started_by=lead, state=CompilationRun.State.RUNNING, components_total=8
    )
    sign_in(page, live_server, "lead@demo.mmip")
    page.goto(run.get_absolute_url())
    page.evaluate("""() => {
        window.stillThisPage = true;
        window.progressChanges = 0;
        const region = document.querySelector("[aria-live]");
        // What a screen reader reads again: content replaced or changed (htmx's request classes are not).
        new MutationObserver(() => window.progressChanges++).observe(region, {childList: true, subtree: true,
            characterData: true});
    }""")
    tab_to(page, by_text("All compilations"))
    page.wait_for_timeout(3500)  # three polls or more
    assert page.evaluate("window.progressChanges") == 0, "the progress region changed while the run did not"
    CompilationRun.objects.filter(pk=run.pk).update(components_done=5)
    page.get_by_text("5 of 8 components compiled").wait_for()
    assert page.evaluate("window.progressChanges") > 0
    CompilationRun.objects.filter(pk=run.pk).update(
        components_done=8, state=CompilationRun.State.SUCCEEDED, summary="8 drafts from 8 components."
    )
    page.get_by_text("8 drafts from 8 components.").wait_for()
    page.wait_for_timeout(1500)
    assert page.evaluate("window.stillThisPage === true"), "the page reloaded when the run ended"
    assert page.evaluate(FOCUSED)["text"] == "All compilations", "focus moved when the run ended"
    assert "Succeeded: 8 of 8" in page.locator("[aria-live]").inner_text()


CONTRAST = """([fg, bg]) => {
    const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
    const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    const lum = (c) => { const [r, g, b] = rgb(c).slice(0, 3).map(channel);
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""
INDICATOR = """() => {
    const s = getComputedStyle(document.activeElement);
    return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor};
}"""


def test_focus_is_clearly_visible_on_the_navigation_bar_and_form_fields(page, live_server, staff_call):
    sign_in(page, live_server, "lead@demo.mmip")
    page.goto(reverse("recommendations:exports"))
    navy = page.evaluate("getComputedStyle(document.querySelector('.site-nav')).backgroundColor")
    tab_to(page, by_text("Dashboard"))
    ring = page.evaluate(INDICATOR)
    assert ring["style"] != "none" and ring["width"] >= 2, f"navigation link: {ring}"
    assert page.evaluate(CONTRAST, [ring["color"], navy]) >= 3, f"navigation link: {ring} on {navy}"
    tab_to(page, "() => document.activeElement.id === 'pack-run'")
    ring = page.evaluate(INDICATOR)
    assert ring["style"] != "none" and ring["width"] >= 2, f"form field: {ring}"
    assert page.evaluate(CONTRAST, [ring["color"], "rgb(255, 255, 255)"]) >= 3, f"form field: {ring}"


def test_a_reviewer_adds_a_tag_and_an_excerpt_and_saves_by_keyboard(page, live_server, staff_call):
    consultation = staff_call["consultation"]
    submission = (
        Submission.objects.filter(consultation=consultation, status=Submission.Status.SUBMITTED)
        .filter(confidentiality=Submission.Confidentiality.PUBLISHABLE, tags__isnull=True, answers__isnull=False)
        .order_by("pk")
        .first()
    )
    sign_in(page, live_server, "reviewer@demo.mmip")
    page.goto(reverse("admin:evidence_submission_change", args=[submission.pk]))
    # The grade definitions are on the page, and describe the grade field.
    page.locator("#tags-group .add-row a").focus()  # the row the keyboard adds is the one checked
    page.keyboard.press("Enter")
    focused = page.evaluate(FOCUSED)
    assert focused["id"] == "id_tags-0-component" and focused["label"] == "Component", focused
    page.locator("#inline-status").get_by_text("Component tags: row 1 added; focus is on its Component.").wait_for()
    described = page.locator("#id_tags-0-grade").get_attribute("aria-describedby")
    assert "A: " in page.locator(f"#{described}").inner_text(), described
    page.keyboard.press("ArrowDown")  # the first component
    tab_to(page, "() => document.activeElement.id === 'id_tags-0-grade'")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # B
    assert page.locator("#id_tags-0-grade").input_value() == "B"

    page.locator("#excerpts-group .add-row a").focus()
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED)["id"] == "id_excerpts-0-component"
    page.keyboard.press("ArrowDown")
    tab_to(page, "() => document.activeElement.id === 'id_excerpts-0-kind'")
    page.keyboard.press("ArrowDown")
    tab_to(page, "() => document.activeElement.id === 'id_excerpts-0-answer'")
    page.keyboard.press("ArrowDown")
    tab_to(page, "() => document.activeElement.id === 'id_excerpts-0-text'")
    answer = submission.answers.get(pk=page.locator("#id_excerpts-0-answer").input_value())
    passage = " ".join(answer.text.split()[:6])
    page.keyboard.type(passage)
    tab_to(page, "() => document.activeElement.value === 'Save and continue editing'", limit=200)
    submit(page)
    assert_focus_on_message(page, "status", "was changed successfully")
    shot(page, "18-keyboard-tag-and-excerpt")
    assert submission.tags.filter(grade="B").count() == 1
    assert submission.excerpts.get().text == passage
