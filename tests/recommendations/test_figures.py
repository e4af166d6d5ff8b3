"""Every figure right and traceable (issue 13): baselines by period, units, the catalogue, other measures,
targets from evidence, the leads' part of each criterion, confidential figures and the figures audit.

The pure rules are pinned with hand-computed fixtures; the rest is tried through the services, the leads'
pages and the exports, the way a lead or an auditor would."""

import json
import re
import zipfile
from datetime import date
from decimal import Decimal

import docx
import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from evidence.models import Answer, ComponentTag, DataPoint, EcosystemComponent, Indicator, OtherMeasure
from evidence.units import conversion_factor, format_value
from recommendations import services
from recommendations.compile.audit import Part, audit, numbers_in
from recommendations.compile.data import DataPointItem, EvidenceItem, Figure, IndicatorInfo, Origin, Text
from recommendations.compile.figures import baseline, other_measures, proposed_targets, run_baselines
from recommendations.exports.pack import build_pack
from recommendations.models import Recommendation, SuccessCriterion
from tests import factories

FDI = IndicatorInfo(
    "inward-fdi",
    "Inward life-sciences foreign direct investment",
    "£ million a year",
    "higher",
    Decimal("795"),
    "2023",
    "ABPI/PwC, 2024",
    "£1.9bn in 2021, £795m in 2023.",
    kind="level",
)
RANK = IndicatorInfo(
    "trade-balance-rank",
    "Rank in overall pharmaceutical trade balance",
    "rank among countries",
    "lower",
    None,
    "",
    "",
    "",
    kind="rank",
)
TRADE = IndicatorInfo(
    "trade-balance", "Pharmaceutical trade balance", "US$ billion a year", "higher", None, "", "", "", kind="level"
)


def point(ref, value, unit="£ million a year", year=2023, indicator="inward-fdi", end=None, name=""):
    return DataPointItem(ref, indicator, Decimal(str(value)), unit, year, "source", year_end=end, name=name)


# --- Baselines: periods, medians, ranks, units (hand-computed) ------------------------------------------------


def test_the_median_of_two_responses_figures_for_one_period_with_range_and_count_in_words():
    result = baseline(FDI, [point("R1", 600), point("R2", 990), point("R3", 1900, year=2021)])
    assert result.value == Decimal("795")  # (600 + 990) / 2, 2023 only
    assert result.text == "£795 million a year in 2023"
    assert result.method == "the median of 2 figures from 2 responses; range £600 to £990 million a year"
    assert result.trend == "£1,900 million a year in 2021 → £795 million a year in 2023"  # first → latest, not averaged
    assert result.published == "£795 million a year in 2023 (ABPI/PwC, 2024)"


def test_one_responses_series_gives_its_latest_value_never_a_median_across_years():
    ranks = baseline(
        RANK,
        [
            point("R1", 4, "rank among countries", 2010, "trade-balance-rank"),
            point("R1", 98, "rank among countries", 2023, "trade-balance-rank"),
        ],
    )
    assert ranks.value == Decimal("98") and ranks.period == "2023"  # the median, 51, is a rank the UK never held
    assert ranks.text == "98th in 2023" and ranks.trend == "4th in 2010 → 98th in 2023"
    levels = baseline(FDI, [point("R1", 1900, year=2021), point("R1", 795, year=2023)])
    assert levels.value == Decimal("795") and "1,347.5" not in levels.method + levels.text


def test_a_rank_is_never_averaged_when_responses_disagree():
    result = baseline(
        RANK,
        [
            point("R1", 7, "rank among countries", indicator="trade-balance-rank"),
            point("R2", 9, "rank among countries", indicator="trade-balance-rank"),
        ],
    )
    assert result.value is None  # 8th would be invented
    assert result.status == "responses differ for 2023: 7th (R1), 9th (R2)"
    agreeing = baseline(
        RANK,
        [
            point("R1", 7, "rank among countries", indicator="trade-balance-rank"),
            point("R2", 7, "rank among countries", indicator="trade-balance-rank"),
        ],
    )
    assert agreeing.value == Decimal("7") and agreeing.text == "7th in 2023"


def test_million_and_billion_of_one_indicator_are_converted_before_the_median():
    result = baseline(FDI, [point("R1", "0.6", "£ billion a year"), point("R2", 990, "£ million a year")])
    assert result.value == Decimal("795")  # 600 and 990 million
    assert "converted from £ billion a year (1)" in result.method
    assert conversion_factor("£bn", "£ million") == Decimal(1000)


def test_currencies_are_never_converted_and_values_that_cannot_be_are_listed_side_by_side():
    assert conversion_factor("£ billion a year", "US$ billion a year") is None
    result = baseline(
        TRADE,
        [
            point("R1", -1, "US$ billion a year", 2020, "trade-balance"),
            point("R2", -0.8, "£ billion a year", 2020, "trade-balance"),
        ],
    )
    assert result.value == Decimal("-1") and result.references == ["R1"]
    assert result.side_by_side == ["-£0.8 billion a year (2020, R2)"]


def test_figures_in_several_units_that_do_not_convert_give_no_number_and_say_so():
    result = baseline(
        TRADE,
        [point("R1", 1, "tonnes", indicator="trade-balance"), point("R2", 2, "crates", indicator="trade-balance")],
    )
    assert result.value is None and result.status.startswith("units differ: crates, tonnes")
    assert result.side_by_side == ["1 tonnes (2023, R1)", "2 crates (2023, R2)"]


def test_a_change_reads_as_a_change_over_its_period():
    change = IndicatorInfo(
        "production-volume",
        "Production volume",
        "% change",
        "higher",
        Decimal("-29"),
        "2009–2021",
        "Life Sciences Vision",
        "",
        kind="change_percent",
    )
    assert baseline(change, []).text == "-29% change over 2009–2021"
    jobs = IndicatorInfo(
        "manufacturing-jobs", "Jobs", "jobs", "higher", Decimal("-7000"), "2009–2021", "LSV", "", kind="change_units"
    )
    assert baseline(jobs, []).text == "-7,000 jobs over 2009–2021"  # a loss, not a headcount
    assert (
        format_value(Decimal("4"), "% of global medicines manufacturing", "share")
        == "4% of global medicines manufacturing"
    )


def test_one_baseline_per_indicator_for_the_whole_run():
    points = (
        point("R1", 600),
        point("R2", 990),
        point("R3", 5, "rank among countries", indicator="trade-balance-rank"),
    )
    baselines = run_baselines((FDI, RANK, TRADE), points, {"inward-fdi": 2})
    assert baselines["inward-fdi"].value == Decimal("795") and baselines["inward-fdi"].withheld == 2
    assert baselines["trade-balance-rank"].value == Decimal("5")
    assert baselines["trade-balance"].status == "needs lead input"


# --- Other measures and targets --------------------------------------------------------------------------------


def test_other_measures_are_grouped_by_a_normalised_name_with_their_references():
    groups = other_measures(
        (
            point("R1", 23, "%", 2024, indicator="", name="Rebate rate"),
            point("R2", 21, "%", 2024, indicator="", name="rebate  rates"),
            point("R3", 22, "%", 2024, indicator="", name="Rebate rate."),
            point("R4", 9, "months", 2024, indicator="", name="Time to hire a QP"),
        )
    )
    assert [(g.name, g.responses, g.references) for g in groups] == [
        ("Rebate rate", 3, ["R1", "R2", "R3"]),
        ("Time to hire a QP", 1, ["R4"]),
    ]
    assert groups[0].values[0] == "23% (2024, R1)"


def _item(ref, text, confidential=False):
    return EvidenceItem(
        ref, int(ref[1:]), "CDMO", "Wales", "B", "primary", True, confidential, (Text(ref, "answer", text),), ()
    )


SHARE = IndicatorInfo(
    "global-share",
    "UK share of global medicines manufacturing",
    "% of global medicines manufacturing",
    "higher",
    None,
    "",
    "",
    "",
    kind="share",
)
EXPORTS = IndicatorInfo(
    "exports",
    "Exports of medicines and medical technology",
    "£ billion a year",
    "higher",
    Decimal("30"),
    "2022",
    "MMIP",
    "",
    kind="level",
)


def test_a_target_a_response_proposes_is_offered_with_its_reference():
    items = (
        _item("R1", "The UK should raise its share of global medicines manufacturing to 5% by 2030."),
        _item("R2", "We want exports of medicines to grow to £40 billion by 2030. Our share is small."),
        _item("R3", "Raise the share of global manufacturing to 5% by 2030, as others say."),
        _item("R4", "Our secret plan: global share to 9% by 2028.", confidential=True),
    )
    targets = proposed_targets(items, (SHARE, EXPORTS))
    assert targets["global-share"].value == Decimal("5") and targets["global-share"].year == 2030
    assert targets["global-share"].references == ["R1", "R3"]
    assert targets["exports"].value == Decimal("40") and targets["exports"].references == ["R2"]
    assert proposed_targets((_item("R5", "We want more investment."),), (SHARE, EXPORTS)) == {}


# --- The figures audit (pure) ----------------------------------------------------------------------------------


def test_numbers_are_read_as_written_and_references_are_not_numbers():
    assert [raw for raw, _ in numbers_in("MMIP-0012 says 1,234.5 and 98th and -29% in 2009–2021, CO2")] == [
        "1,234.5",
        "98",
        "-29",
        "2009",
        "2021",
    ]


def test_an_unexplained_number_is_reported_with_where_it_is():
    figures = [Figure(Decimal("795"), "£795 million a year", Origin.DATA_POINT, "R1")]
    parts = [
        Part("rationale 1", "Investment was £795 million a year, 12 sites said.", ("R2",)),
        Part("rationale 2", "The UK's rank is 51st.", ()),
    ]
    used, unexplained = audit(parts, figures, {"R2": ["We have 12 sites in the UK."]})
    assert unexplained == ["51 (rationale 2)"]
    assert {(f.text, f.origin) for f in used} == {("£795 million a year", Origin.DATA_POINT), ("12", Origin.PASSAGE)}


# --- The catalogue -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_component_has_two_indicators_with_a_published_cited_baseline():
    for component in EcosystemComponent.objects.all():
        published = component.indicators.filter(baseline_value__isnull=False).exclude(baseline_source="")
        assert published.count() >= 2, component.slug
    kinds = dict(Indicator.objects.values_list("slug", "kind"))
    assert kinds["production-volume"] == "change_percent" and kinds["manufacturing-jobs"] == "change_units"
    assert kinds["trade-balance-rank"] == "rank" and kinds["global-share"] == "share"
    for slug in ("industrial-electricity-price", "nhs-medicines-emissions-share", "cgt-gmp-facilities"):
        assert Indicator.objects.get(slug=slug).baseline_url.startswith("https://")


@pytest.mark.django_db
def test_an_indicator_refuses_a_conversion_across_currencies():
    indicator = Indicator.objects.get(slug="trade-balance")
    indicator.alternative_units = ["£ billion a year"]
    indicator.unit_factors = {"£ billion a year": "1.27"}
    with pytest.raises(ValidationError, match="never converted without a stated exchange rate"):
        indicator.full_clean()


# --- Through the services, the pages and the exports --------------------------------------------------------------

SECRET_VALUE = Decimal("4321.77")


def respond(consultation, reviewer, slug, *, text, proposals="Cut the cost of exporting medicines from the UK.", **kw):
    component = EcosystemComponent.objects.get(slug=slug)
    question, _ = consultation.questions.get_or_create(
        component=component, defaults={"order": component.order, "text": f"What about {component.name}?"}
    )
    submission = factories.SubmittedSubmissionFactory(
        consultation=consultation, review_state="reviewed", proposals=proposals, consent_to_publish=True, **kw
    )
    Answer.objects.create(submission=submission, question=question, text=text)
    ComponentTag.objects.create(submission=submission, component=question.component, reviewer=reviewer, grade="B")
    return submission


@pytest.fixture
def run(db, consultation, reviewer, lead, django_capture_on_commit_callbacks):
    """Exports (an indicator of two components) reported by responses on market and on collaboration, one
    with a target; a commercially confidential response with a distinctive figure; an "other measure"."""
    exports = Indicator.objects.get(slug="exports")
    for n, slug in enumerate(["market", "market", "market", "collaboration", "collaboration", "collaboration"]):
        s = respond(
            consultation,
            reviewer,
            slug,
            text=f"Our exports of medicines and medical technology reached {30 + n} billion pounds last year.",
            proposals="Grow exports of medicines and medical technology to £40 billion by 2030."
            if n == 0
            else "Cut the cost of exporting medicines from the UK.",
        )
        value, unit = (Decimal("31000"), "£ million a year") if n == 1 else (Decimal(29 + n), "£ billion a year")
        DataPoint.objects.create(
            submission=s,
            indicator=exports,
            value=value,
            unit=unit,
            period_start=2024 if n < 3 else 2022,
            geography=factories.region(),
            source="HMRC trade statistics",
        )
        if n < 3:
            DataPoint.objects.create(
                submission=s,
                other_indicator="Rebate rate",
                value=Decimal(20 + n),
                unit="%",
                period_start=2024,
                geography=factories.region(),
                source="Own records",
            )
    secret = respond(
        consultation,
        reviewer,
        "market",
        text="Our export margins are private and large this year indeed.",
        confidentiality="confidential",
        confidentiality_reason="prices",
    )
    DataPoint.objects.create(
        submission=secret,
        indicator=exports,
        value=SECRET_VALUE,
        unit="£ billion a year",
        period_start=2025,
        geography=factories.region(),
        source="Internal margin model",
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=consultation, by=lead)
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    return run


@pytest.mark.django_db
def test_one_baseline_per_indicator_in_the_pack_computed_once_for_the_run(run):
    criteria = SuccessCriterion.objects.filter(recommendation__run=run, indicator__slug="exports")
    assert {c.recommendation.component.slug for c in criteria} == {"market", "collaboration"}
    # 2024 is the latest period: £30bn, £31,000m (= £31bn) and £31bn → the median £31 billion, from 3 responses.
    assert {(c.baseline_value, c.baseline_text) for c in criteria} == {(Decimal("31"), "£31 billion a year in 2024")}
    assert run.figures["baselines"]["exports"]["value"] == "31"
    pack = build_pack(run).to_json()
    shown = {
        c["baseline"]
        for comp in pack["components"]
        for r in comp["recommendations"]
        for c in r["criteria"]
        if c["indicator"] == "Exports of medicines and medical technology"
    }
    assert len(shown) == 1 and "£31 billion a year in 2024" in shown.pop()


@pytest.mark.django_db
def test_a_confidential_figure_is_counted_but_in_no_draft_and_no_default_export(run, lead, tmp_path):
    criterion = SuccessCriterion.objects.filter(recommendation__run=run, indicator__slug="exports").first()
    assert any("1 commercially confidential response also gave a figure" in n for n in criterion.baseline_notes)
    pattern = re.compile(r"4,?321\.77")
    for rec in Recommendation.objects.filter(run=run):
        assert not pattern.search(json.dumps([rec.title, rec.objective, rec.rationale, rec.dissent, rec.figures]))
    files = {}
    for fmt in ("json", "md", "docx", "pdf"):
        files[fmt] = tmp_path / f"pack.{fmt}"
        call_command("export_pack", run=run.pk, format=fmt, out=str(files[fmt]))
    for fmt in ("csv", "xlsx"):
        files[fmt] = tmp_path / f"register.{fmt}"
        call_command("export_register", consultation=run.consultation.slug, format=fmt, out=str(files[fmt]))
    leaks = [fmt for fmt, path in files.items() if pattern.search(_every_text(path))]
    assert leaks == []
    # With the permission and the explicit ask, the figure is there, marked.
    out = tmp_path / "confidential.md"
    call_command("export_pack", run=run.pk, format="md", out=str(out), include_confidential=True, by=lead.email)
    assert pattern.search(out.read_text()) and "COMMERCIAL IN CONFIDENCE" in out.read_text()


def _every_text(path) -> str:
    """All the text an auditor could find in a file: every XML part of a zip, every page of a PDF."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as z:
            return " ".join(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8", "ignore")) for n in z.namelist())
    if path.suffix == ".pdf":
        return " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return path.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_a_proposed_target_and_the_other_measures_reach_the_draft_and_the_pack(run):
    criterion = SuccessCriterion.objects.filter(recommendation__run=run, indicator__slug="exports").first()
    assert criterion.target_value == Decimal("40") and criterion.deadline == date(2030, 12, 31)
    assert criterion.target_references and "£40 billion by 2030" in criterion.target_note
    assert criterion.target_display() == "Increase to £40 billion a year"
    pack = build_pack(run).to_json()
    market = next(c for c in pack["components"] if c["name"] == "Market and NHS uptake")
    assert [m["name"] for m in market["other_measures"]] == ["Rebate rate"]
    assert market["other_measures"][0]["values"][0].startswith("20% (2024, MMIP-")
    assert pack["figures"] and {"figure", "used_in", "origin", "reference"} <= set(pack["figures"][0])


@pytest.mark.django_db
def test_a_mapped_other_measure_counts_towards_the_indicator_next_time(
    run, reviewer, lead, django_capture_on_commit_callbacks, client
):
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_othermeasure_changelist")).content.decode()
    assert "Rebate rate" in page and "3 responses" in page
    indicator = Indicator.objects.create(
        slug="rebate-rate", name="Statutory scheme rebate rate", unit="%", better="lower", kind="share"
    )
    indicator.components.add(EcosystemComponent.objects.get(slug="market"))
    response = client.post(
        reverse("admin:evidence_othermeasure_changelist"),
        {
            "group": "rebate rate",
            "action": "map",
            "m-rebate-rate-key": "rebate rate",
            "m-rebate-rate-indicator": indicator.pk,
        },
    )
    assert response.status_code == 302
    assert OtherMeasure.objects.unmapped().count() == 0
    assert DataPoint.objects.filter(indicator=indicator, other_indicator="Rebate rate").count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        second = services.compilation_start(consultation=run.consultation, by=lead)
    criterion = SuccessCriterion.objects.filter(recommendation__run=second, indicator=indicator).first()
    assert criterion.baseline_value == Decimal("21")  # 20, 21 and 22% in 2024


@pytest.mark.django_db
def test_the_other_measures_page_withholds_a_confidential_responses_figures(consultation, reviewer, client):
    public = respond(consultation, reviewer, "market", text="Rebates are far too high for us this year.")
    secret = respond(
        consultation,
        reviewer,
        "market",
        text="Rebates are private.",
        confidentiality="confidential",
        confidentiality_reason="x",
    )
    for s, value in ((public, 17), (secret, 93)):
        DataPoint.objects.create(
            submission=s,
            other_indicator="Clawback rate",
            value=value,
            unit="%",
            period_start=2024,
            geography=factories.region(),
            source="x",
        )
    DataPoint.objects.create(
        submission=secret,
        other_indicator="Zebra margin",
        value=1,
        unit="%",
        period_start=2024,
        geography=factories.region(),
        source="x",
    )
    client.force_login(reviewer)
    page = client.get(reverse("admin:evidence_othermeasure_changelist")).content.decode()
    assert "17%" in page and "93%" not in page and "Zebra margin" not in page
    assert "1 commercially confidential, withheld" in page


# --- The lead's part of a criterion, on the draft's page ---------------------------------------------------------


@pytest.mark.django_db
def test_a_lead_fills_in_a_criterion_on_the_drafts_page_and_it_shows_as_complete_in_the_docx(
    run, lead, client, tmp_path
):
    rec = Recommendation.objects.filter(run=run, component__slug="market").first()
    criteria = list(rec.criteria.order_by("pk"))
    client.force_login(lead)
    page = client.get(rec.get_absolute_url())
    assert page.status_code == 200 and "Save the success criteria" in page.content.decode()
    data = {"form-TOTAL_FORMS": len(criteria), "form-INITIAL_FORMS": len(criteria), "lock_version": rec.lock_version}
    for n, c in enumerate(criteria):
        data[f"form-{n}-id"] = c.pk
        for field in SuccessCriterion.LEAD_FIELDS:
            value = getattr(c, field)
            data[f"form-{n}-{field}"] = "" if value is None else value
    exports = next(n for n, c in enumerate(criteria) if c.indicator.slug == "exports")
    data |= {
        f"form-{exports}-target_value": "42",
        f"form-{exports}-deadline": "2031-03-31",
        f"form-{exports}-owner": "DBT Office for Life Sciences",
        f"form-{exports}-data_source": "HMRC overseas trade statistics",
        f"form-{exports}-frequency": "Annually",
    }
    response = client.post(reverse("recommendations:draft_criteria", args=[rec.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    criterion = SuccessCriterion.objects.get(pk=criteria[exports].pk)
    assert criterion.is_complete and criterion.target_value == Decimal("42")
    assert criterion.target_references == []  # the lead's own target, no longer the proposed one
    rec.refresh_from_db()
    assert rec.lock_version == 2
    out = tmp_path / "pack.docx"
    call_command("export_pack", run=run.pk, format="docx", out=str(out))
    tables = [t for t in docx.Document(out).tables if t.rows[0].cells[0].text == "Indicator"]
    rows = [[cell.text for cell in row.cells] for t in tables for row in t.rows]
    row = next(
        r
        for r in rows
        if r[0] == "Exports of medicines and medical technology" and r[4] == "DBT Office for Life Sciences"
    )
    assert row[2] == "Increase to £42 billion a year" and row[3] == "31 March 2031" and row[7] == "Yes"
    # A stale form (another lead saved in between) is refused, and nothing is lost.
    data[f"form-{exports}-owner"] = "Someone else"
    stale = client.post(reverse("recommendations:draft_criteria", args=[rec.pk]), data)
    assert stale.status_code == 409 and "Someone else saved this draft" in stale.content.decode()
    assert SuccessCriterion.objects.get(pk=criteria[exports].pk).owner == "DBT Office for Life Sciences"


@pytest.mark.django_db
def test_bad_criteria_input_gets_a_clear_message_and_changes_nothing(run, lead, client):
    rec = Recommendation.objects.filter(run=run, component__slug="market").first()
    c = rec.criteria.order_by("pk").first()
    client.force_login(lead)
    data = {
        "form-TOTAL_FORMS": 1,
        "form-INITIAL_FORMS": 1,
        "lock_version": rec.lock_version,
        "form-0-id": c.pk,
        "form-0-target_value": "lots",
        "form-0-deadline": "2001-01-01",
        "form-0-owner": "x",
        "form-0-data_source": "",
        "form-0-frequency": "",
    }
    response = client.post(reverse("recommendations:draft_criteria", args=[rec.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter the target as a number" in body and "The deadline must be in the future" in body
    assert SuccessCriterion.objects.get(pk=c.pk).owner == ""


@pytest.mark.django_db
def test_another_drafts_criterion_cannot_be_edited_through_this_draft(run, lead):
    first, second = Recommendation.objects.filter(run=run)[:2]
    other = second.criteria.first()
    with pytest.raises(ValidationError, match="belongs to another recommendation"):
        services.recommendation_edit(
            recommendation=first, by=lead, lock_version=first.lock_version, data={}, criteria={other.pk: {"owner": "x"}}
        )


# --- The figures audit refuses to publish -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unexplained_number_stops_a_draft_from_being_approved(run, lead, client):
    rec = Recommendation.objects.filter(run=run).first()
    assert rec.unexplained == [] and rec.figures  # as compiled: every number explained
    services.recommendation_transition(recommendation=rec, to="in_review", by=lead)
    rec.refresh_from_db()
    services.recommendation_edit(
        recommendation=rec,
        by=lead,
        lock_version=rec.lock_version,
        data={"objective": rec.objective + " The UK ranked 51st."},
    )
    rec.refresh_from_db()
    with pytest.raises(
        ValidationError, match=r"no figure or cited evidence explains this number in its text: 51 \(objective\)"
    ):
        services.recommendation_transition(recommendation=rec, to="approved", by=lead)
    rec.refresh_from_db()
    assert rec.status == "in_review" and rec.unexplained == ["51 (objective)"]
    client.force_login(lead)
    page = client.get(rec.get_absolute_url()).content.decode()
    assert "Figures audit:</strong> no figure or cited evidence explains 51 (objective)" in page
    services.recommendation_edit(
        recommendation=rec,
        by=lead,
        lock_version=rec.lock_version,
        data={"objective": rec.objective.replace(" The UK ranked 51st.", "")},
    )
    services.recommendation_transition(recommendation=rec, to="approved", by=lead)
    rec.refresh_from_db()
    assert rec.status == "approved"


@pytest.mark.django_db
def test_the_pack_ends_with_the_table_of_figures_in_every_format(run, tmp_path):
    for fmt in ("md", "docx", "pdf"):
        call_command("export_pack", run=run.pk, format=fmt, out=str(tmp_path / f"pack.{fmt}"))
    md = (tmp_path / "pack.md").read_text()
    assert md.index("## Annex: figures") > md.index("## Annex: evidence cited")
    assert "| Figure | Used in | Where it comes from | Reference |" in md
    assert "£31 billion a year | Recommendation" in md and "submitted data point" in md
    document = docx.Document(tmp_path / "pack.docx")
    assert document.tables[-1].rows[0].cells[0].text == "Figure"
    pdf = pypdf.PdfReader(tmp_path / "pack.pdf")
    assert "Annex: figures" in pdf.pages[-1].extract_text() or "Annex: figures" in pdf.pages[-2].extract_text()


@pytest.mark.django_db
def test_a_reviewer_creates_an_indicator_for_an_other_measure_from_the_admin(run, reviewer, outsider, client):
    url = reverse("admin:evidence_othermeasure_changelist")
    form = {
        "group": "rebate rate",
        "action": "create",
        "m-rebate-rate-key": "rebate rate",
        "m-rebate-rate-name": "Statutory scheme rebate rate",
        "m-rebate-rate-unit": "%",
        "m-rebate-rate-kind": "share",
        "m-rebate-rate-better": "lower",
        "m-rebate-rate-components": [EcosystemComponent.objects.get(slug="market").pk],
    }
    client.force_login(reviewer)
    bad = client.post(url, {**form, "m-rebate-rate-kind": "average"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    assert not Indicator.objects.filter(slug="statutory-scheme-rebate-rate").exists()
    assert client.post(url, form).status_code == 302
    created = Indicator.objects.get(slug="statutory-scheme-rebate-rate")
    assert created.kind == "share" and list(created.components.values_list("slug", flat=True)) == ["market"]
    assert DataPoint.objects.filter(indicator=created).count() == 3
    client.force_login(outsider)  # not staff: sent to sign in, nothing mapped
    assert (
        client.post(url, form).status_code == 302
        and Indicator.objects.filter(name__startswith="Statutory").count() == 1
    )
