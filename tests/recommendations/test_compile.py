"""Compilation: the pure compile step against hand-computed fixtures, the run's services and tasks
(idempotent, deterministic), the command, and the leads' pages."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from evidence.models import Answer, ComponentTag, DataPoint, Submission
from recommendations import services
from recommendations.compile import compile_component
from recommendations.compile.asks import group_asks, item_asks
from recommendations.compile.core import confidence, evidence_base
from recommendations.compile.data import (
    NOT_ENOUGH,
    ComponentInput,
    DataPointItem,
    EvidenceItem,
    IndicatorInfo,
    Text,
)
from recommendations.compile.figures import baseline
from recommendations.models import CompilationRun, ComponentResult, Recommendation, SuccessCriterion
from tests import factories

JOBS = IndicatorInfo(
    "jobs",
    "Medicines manufacturing jobs",
    "people employed",
    "higher",
    Decimal("-7000"),
    "2009–2021",
    "Life Sciences Vision",
    "About 7,000 jobs lost since 2009.",
)


def item(ref, org, grade="B", org_type="CDMO", region="Wales", text="", ask="", **kw):
    return EvidenceItem(
        reference=ref,
        organisation_id=org,
        organisation_type=org_type,
        region=region,
        grade=grade,
        relevance="primary",
        publishable=kw.get("publishable", True),
        confidential=kw.get("confidential", False),
        texts=(Text(ref, "answer", text),) if text else (),
        proposals=(Text(ref, "proposal", ask),) if ask else (),
    )


# --- Pure functions --------------------------------------------------------------------------------------


def test_evidence_base_counts_responses_distinct_organisations_and_grades():
    items = (
        item("R1", 1, "A", "CDMO", "Wales"),
        item("R2", 1, "B", "CDMO", "Wales"),  # same organisation, second response
        item("R3", 2, "C", "SME", "Scotland"),
        item("R4", 3, "D", "SME", "Wales"),
    )
    base = evidence_base(items)
    assert (base.submissions, base.organisations) == (4, 3)
    assert base.by_organisation_type == {"SME": 2, "CDMO": 1}
    assert base.by_region == {"Wales": 2, "Scotland": 1}
    assert base.grades == {"A": 1, "B": 1, "C": 1, "D": 1}
    # 2 of 4 A/B = 50%, but only 3 organisations: not "high" (needs 5), "moderate" (>= 30% and >= 3)
    assert base.confidence == "moderate"


@pytest.mark.parametrize(
    ("grades", "organisations", "rating"),
    [
        ({"A": 2, "B": 1, "C": 1}, 5, "high"),  # A present, 75% A/B, 5 organisations
        ({"A": 2, "B": 1, "C": 1}, 4, "moderate"),  # too few organisations for high
        ({"B": 1, "C": 3}, 3, "low"),  # 25% A/B
        ({"D": 2}, 2, "very low"),
        ({}, 0, "none"),
    ],
)
def test_confidence_rule(grades, organisations, rating):
    from collections import Counter

    assert confidence(Counter(grades), organisations)[0] == rating


def test_baseline_is_the_latest_periods_median_with_range_count_and_trend():
    points = [
        DataPointItem("R1", "jobs", Decimal("100"), "people employed", 2022, "report"),
        DataPointItem("R2", "jobs", Decimal("300"), "people employed", 2023, "survey"),
        DataPointItem("R3", "jobs", Decimal("200"), "people employed", 2023, "records"),
        DataPointItem("R4", "jobs", Decimal("1000"), "people employed", 2021, "records"),
    ]
    result = baseline(JOBS, points)
    assert result.value == Decimal("250")  # 2023 only: the median of 200 and 300; 2021 and 2022 are the trend
    assert result.period == "2023"
    assert result.text == "250 people employed in 2023"
    assert result.method == "the median of 2 figures from 2 responses; range 200 to 300 people employed"
    assert result.trend == "1,000 people employed in 2021 → 250 people employed in 2023"
    assert result.references == ["R1", "R2", "R3", "R4"]


def test_values_in_units_that_do_not_convert_are_listed_side_by_side_never_combined():
    points = [
        DataPointItem("R1", "jobs", Decimal("100"), "people employed", 2022, "x"),
        DataPointItem("R2", "jobs", Decimal("1"), "jobs", 2022, "x"),
    ]
    result = baseline(JOBS, points)
    assert result.value == Decimal("100") and result.references == ["R1"]
    assert result.side_by_side == ["1 jobs (2022, R2)"]


def test_without_data_the_published_baseline_is_cited_or_lead_input_is_asked_for():
    assert baseline(JOBS, []).value == Decimal("-7000")
    assert baseline(JOBS, []).source == "Life Sciences Vision"
    unknown = IndicatorInfo("share", "UK share", "percent", "higher", None, "", "", "needs a source")
    assert baseline(unknown, []).status == "needs lead input"


def test_proposals_are_grouped_and_ranked_by_distinct_organisations():
    items = (
        item("R1", 1, "C", ask="Fund a national sterile manufacturing training centre."),
        item("R2", 2, "A", ask="Fund a national training centre for sterile manufacturing."),
        item("R3", 3, "B", ask="Reform the apprenticeship levy for modular courses."),
        item("R4", 1, "B", ask="Fund a national sterile manufacturing training centre."),
    )
    groups = group_asks([a for i in items for a in item_asks(i)])
    assert groups[0].organisations == 2 and groups[0].best_grade == "A"
    assert groups[0].references == ["R1", "R2", "R4"]
    assert groups[1].organisations == 1


def test_empty_and_one_word_answers_are_not_enough_evidence():
    component = ComponentInput(
        "skills", "Skills", (item("R1", 1, text="Agree."), item("R2", 2, text="", ask="Yes")), (), (JOBS,)
    )
    result = compile_component(component)
    assert result.status == NOT_ENOUGH and result.drafts == []
    assert "not enough evidence" in result.message


def _rich_component(n=12) -> ComponentInput:
    items = tuple(
        item(
            f"R{i:02d}",
            i,
            "AB"[i % 2],
            text=f"We have {20 + i} unfilled vacancies for process engineers and validation staff here.",
            ask="Fund a national sterile manufacturing training centre."
            if i % 3
            else "Reform the apprenticeship levy.",
            confidential=(i == 5),
        )
        for i in range(1, n + 1)
    )
    points = tuple(
        DataPointItem(f"R{i:02d}", "jobs", Decimal(100 * i), "people employed", 2023, "x") for i in (1, 2, 3)
    )
    return ComponentInput("skills", "Skills and talent", items, points, (JOBS,))


def test_a_component_with_evidence_gets_cited_drafts_and_never_quotes_confidential_text():
    result = compile_component(_rich_component())
    assert result.status == "ok"
    draft = result.drafts[0]
    assert draft.title.startswith("Fund a national sterile manufacturing training centre")
    assert all(statement.references for statement in draft.rationale)
    criterion = draft.criteria[0]
    assert criterion.baseline.value == Decimal("200") and criterion.target_value is None
    assert "target value" in criterion.needs_input and criterion.owner is None
    quoted = {q.reference for t in result.themes for q in t.quotes}
    assert "R05" not in quoted


def test_the_same_evidence_gives_the_same_result():
    assert compile_component(_rich_component()).to_json() == compile_component(_rich_component()).to_json()


def test_dissent_is_listed():
    component = _rich_component()
    dissenting = item("R99", 99, "C", text="We do not support a training centre; it would not help small firms at all.")
    component = ComponentInput(component.slug, component.name, (*component.items, dissenting), (), (JOBS,))
    result = compile_component(component)
    assert any("R99" in s.references for s in result.drafts[0].dissent)


# --- Runs through the services, the tasks (eager) and the command --------------------------------------


@pytest.fixture
def reviewed(db, consultation, reviewer):
    """Eight reviewed responses tagged to skills, two with data points; one draft that must not count."""
    question = consultation.questions.get(component__slug="skills")
    for n in range(8):
        s = factories.SubmittedSubmissionFactory(
            consultation=consultation,
            review_state="reviewed",
            proposals="Fund a national sterile manufacturing training centre.",
        )
        Answer.objects.create(
            submission=s,
            question=question,
            text=f"We have {30 + n} unfilled vacancies for process engineers at our Speke site this year.",
        )
        ComponentTag.objects.create(submission=s, component=question.component, reviewer=reviewer, grade="AB"[n % 2])
        if n < 2:
            factories.DataPointFactory(submission=s, value=Decimal(100 + 100 * n))
    draft = factories.SubmissionFactory(consultation=consultation, summary="draft only")
    ComponentTag.objects.create(submission=draft, component=question.component, reviewer=reviewer, grade="A")
    return consultation


@pytest.mark.django_db
def test_a_compilation_run_drafts_recommendations_with_success_criteria(
    reviewed, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=reviewed, by=lead)
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    assert run.components_done == run.components_total == 9
    skills = ComponentResult.objects.get(run=run, component__slug="skills")
    assert skills.state == "done"
    assert skills.data["evidence_base"]["submissions"] == 8  # the draft is not counted
    assert ComponentResult.objects.get(run=run, component__slug="market").state == "not_enough"
    rec = Recommendation.objects.get(run=run, component__slug="skills")
    criterion = rec.criteria.get(indicator__slug="manufacturing-jobs")
    assert criterion.baseline_value == Decimal("150")  # median of 100 and 200
    assert criterion.target_value is None and "target value" in criterion.needs_input
    assert "Not enough evidence for" in run.summary


@pytest.mark.django_db
def test_delivering_the_tasks_twice_makes_one_set_of_drafts(reviewed, lead, django_capture_on_commit_callbacks):
    from recommendations import tasks

    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=reviewed, by=lead)
    first = Recommendation.objects.filter(run=run).count()
    skills = reviewed.components.get(slug="skills")
    tasks.compile_component.apply(kwargs={"run_id": run.pk, "component_id": skills.pk})
    tasks.assemble_run.apply(kwargs={"run_id": run.pk})
    tasks.run_compilation.apply(kwargs={"run_id": run.pk})
    assert Recommendation.objects.filter(run=run).count() == first
    assert ComponentResult.objects.filter(run=run).count() == 9


@pytest.mark.django_db
def test_a_failing_component_fails_the_run_with_a_readable_message(
    reviewed, lead, mocker, django_capture_on_commit_callbacks
):
    mocker.patch("recommendations.services.compile_component", side_effect=ValueError("the model would not fit"))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=reviewed, by=lead)
    run.refresh_from_db()
    assert run.state == "failed"
    assert "the model would not fit" in run.error
    assert not Recommendation.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_a_new_run_never_overwrites_a_leads_edit(reviewed, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.compilation_start(consultation=reviewed, by=lead)
    rec = Recommendation.objects.filter(run=first).first()
    services.recommendation_edit(
        recommendation=rec, by=lead, lock_version=rec.lock_version, data={"title": "Lead's title"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.compilation_start(consultation=reviewed, by=lead)
    rec.refresh_from_db()
    assert rec.title == "Lead's title"
    assert Recommendation.objects.count() == 2 * Recommendation.objects.filter(run=first).count()


@pytest.mark.django_db
def test_optimistic_locking_refuses_a_stale_edit(reviewed, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=reviewed, by=lead)
    rec = Recommendation.objects.filter(run=run).first()
    opened = rec.lock_version
    services.recommendation_edit(recommendation=rec, by=lead, lock_version=opened, data={"title": "First lead"})
    with pytest.raises(services.EditConflict) as clash:
        services.recommendation_edit(recommendation=rec, by=lead, lock_version=opened, data={"title": "Second lead"})
    assert clash.value.current.title == "First lead"


def test_the_command_prints_the_run_id_first_and_a_summary(live_db, reviewed, capsys):  # enqueued on commit
    call_command("compile_recommendations", consultation=reviewed.slug, wait=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"run {CompilationRun.objects.get().pk}"
    assert lines[1].startswith("Succeeded in")


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_consultation(consultation):
    with pytest.raises(CommandError, match="No consultation with the slug 'nope'"):
        call_command("compile_recommendations", consultation="nope")


def test_a_consultation_with_no_reviewed_evidence_compiles_to_not_enough_evidence(live_db, consultation, capsys):
    factories.SubmittedSubmissionFactory(consultation=consultation)
    call_command("compile_recommendations", consultation=consultation.slug, wait=True)
    out = capsys.readouterr().out
    assert "0 draft recommendation(s)" in out and "not enough evidence" in out.lower()
    assert not SuccessCriterion.objects.exists()


# --- The leads' pages ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_starts_a_compilation_follows_it_edits_and_approves_a_draft(
    client, reviewed, lead, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("recommendations:start"), {"consultation": reviewed.pk})
    run = CompilationRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Succeeded" in page and "Draft recommendations" in page
    rec = Recommendation.objects.filter(run=run, component__slug="skills").first()
    detail = client.get(rec.get_absolute_url()).content.decode()
    cited = Submission.objects.get(reference=rec.rationale[0]["references"][0])
    assert reverse("admin:evidence_submission_change", args=[cited.pk]) in detail
    client.post(
        reverse("recommendations:draft_edit", args=[rec.pk]),
        {"title": "Fund sterile skills", "objective": "So that", "lock_version": rec.lock_version},
    )
    client.post(reverse("recommendations:draft_transition", args=[rec.pk]), {"to": "in_review"})
    client.post(reverse("recommendations:draft_transition", args=[rec.pk]), {"to": "approved"})
    rec.refresh_from_db()
    assert (rec.title, rec.status) == ("Fund sterile skills", "approved")
    compare = client.get(reverse("recommendations:draft_compare", args=[rec.pk])).content.decode()
    assert "Fund sterile skills" in compare


@pytest.mark.django_db
def test_two_leads_editing_at_once_see_a_conflict_and_lose_nothing(
    client, reviewed, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=reviewed, by=lead)
    rec = Recommendation.objects.filter(run=run).first()
    url = reverse("recommendations:draft_edit", args=[rec.pk])
    client.force_login(lead)
    opened = rec.lock_version
    client.post(url, {"title": "Version from lead one", "objective": "A", "lock_version": opened})
    page = client.post(
        url, {"title": "Version from lead two", "objective": "B", "lock_version": opened}
    ).content.decode()
    assert "Someone else saved this recommendation" in page
    assert "Version from lead one" in page and "Version from lead two" in page
    rec.refresh_from_db()
    assert rec.title == "Version from lead one"


@pytest.mark.django_db
def test_only_leads_reach_the_lead_area(client, submitter, reviewer, consultation):
    url = reverse("recommendations:runs")
    assert client.get(url).status_code == 302  # anonymous: to sign in
    client.force_login(submitter)
    assert client.get(url).status_code == 403
    client.force_login(reviewer)
    assert client.get(url).status_code == 403
    assert client.post(reverse("recommendations:start"), {"consultation": consultation.pk}).status_code == 403
    assert not CompilationRun.objects.exists()


@pytest.mark.django_db
def test_the_progress_poll_returns_a_fragment_while_running(client, lead, consultation):
    run = CompilationRun.objects.create(
        consultation=consultation, state="running", components_total=9, components_done=3
    )
    client.force_login(lead)
    fragment = client.get(run.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'value="3" max="9"' in fragment and "<html" not in fragment


@pytest.mark.django_db
def test_the_progress_poll_says_nothing_until_the_run_moves_and_sends_the_outcome_when_it_ends(
    client, lead, consultation
):
    """Issue 18: a poll that finds the run as the page shows it answers 204 (nothing swapped, nothing read
    out again); the end sends the progress and the outcome (no reload, so focus stays where it was)."""
    run = CompilationRun.objects.create(
        consultation=consultation, state="running", components_total=9, components_done=3
    )
    client.force_login(lead)
    poll = {"headers": {"HX-Request": "true"}}
    page = client.get(run.get_absolute_url()).content.decode()
    assert f"{run.get_absolute_url()}?seen=running-3" in page
    assert client.get(f"{run.get_absolute_url()}?seen=running-3", **poll).status_code == 204
    CompilationRun.objects.filter(pk=run.pk).update(components_done=4)
    moved = client.get(f"{run.get_absolute_url()}?seen=running-3", **poll)
    assert moved.status_code == 200 and "?seen=running-4" in moved.content.decode()
    assert 'id="run-outcome"' not in moved.content.decode()
    CompilationRun.objects.filter(pk=run.pk).update(components_done=9, state="succeeded", summary="9 drafts.")
    ended = client.get(f"{run.get_absolute_url()}?seen=running-4", **poll)
    body = ended.content.decode()
    assert ended.status_code == 200 and "HX-Refresh" not in ended.headers
    assert "hx-get" not in body  # the poll stops
    assert '<div id="run-outcome" hx-swap-oob="true">' in body and "9 drafts." in body


def test_data_point_in_a_unit_that_does_not_convert_reaches_the_criterion_side_by_side(
    db, reviewed, lead, django_capture_on_commit_callbacks
):
    DataPoint.objects.filter(pk=DataPoint.objects.order_by("pk").first().pk).update(unit="people employed")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=reviewed, by=lead)
    criterion = SuccessCriterion.objects.get(
        recommendation__run=run,
        recommendation__component__slug="skills",
        indicator__slug="manufacturing-jobs",
        recommendation__number=1,
    )
    assert criterion.baseline_value == Decimal("200")  # the other response's figure, in the indicator's unit
    assert any("100 people employed (2023, MMIP-" in note for note in criterion.baseline_notes)
