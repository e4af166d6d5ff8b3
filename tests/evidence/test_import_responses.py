"""Responses that arrived another way: `import_responses` reads CSV or JSON Lines, refuses a file with a bad row
(naming its line and every reason) and imports nothing, unless --skip-invalid; imported responses get
references, keep their channel and received date, and go through the same review."""

import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from evidence import review
from evidence.models import Consultation, DataPoint, Organisation, OutboxTask, Submission, SubmissionVersion
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def call(db):
    """An open call (1 March to 31 August 2026) with questions on investment, skills and regulation."""
    return factories.ConsultationFactory(
        slug="mmip-2026",
        opens_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
        closes_at=dt.datetime(2026, 8, 31, 17, tzinfo=dt.UTC),
    )


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="stella", groups=["Reviewer"])


def letter(**overrides) -> dict:
    row = {
        "organisation": "Tees Valley Chemicals",
        "organisation_type": "cdmo",
        "size_band": "medium",
        "region": "north-east",
        "summary": "Grid connection delays hold up our new API plant.",
        "what_should_change": "Prioritise grid connections for medicines manufacturing sites.",
        "answers": {"skills": "We cannot hire electrical engineers for the substation."},
        "data_points": [
            {
                "indicator": "capital-investment",
                "value": 85,
                "unit": "£ million a year",
                "period_start": 2024,
                "geography": "north-east",
                "source": "Board minutes",
            }
        ],
        "confidentiality": "publishable",
        "consent_to_publish": "yes",
        "channel": "letter",
        "received_date": "2026-03-14",
        "source_reference": "L-0042",
    }
    row.update(overrides)
    return {k: v for k, v in row.items() if v is not None}


def jsonl(tmp_path, *rows, name="responses.jsonl"):
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def run(path, *args, by="stella@example.org"):
    out, err = StringIO(), StringIO()
    options = ["--by", by] if by else []
    call_command("import_responses", str(path), "--consultation", "mmip-2026", *options, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path, *args, by="stella@example.org") -> tuple[str, str]:
    err = StringIO()
    options = ["--by", by] if by else []
    with pytest.raises(CommandError) as raised:
        call_command("import_responses", str(path), "--consultation", "mmip-2026", *options, *args, stderr=err)
    return str(raised.value), err.getvalue()


def test_a_letter_becomes_a_submitted_response_with_a_reference_channel_and_received_date(
    tmp_path, call, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run(jsonl(tmp_path, letter()))
    imported = Submission.objects.get()
    assert "line 1: MMIP-0001, Tees Valley Chemicals (letter, received 14 March 2026)" in out
    assert imported.reference == "MMIP-0001" and imported.status == Submission.Status.SUBMITTED
    assert imported.channel == Submission.Channel.LETTER and imported.received_on == dt.date(2026, 3, 14)
    assert imported.source_reference == "L-0042" and imported.created_by == staff
    assert timezone.localdate(imported.first_submitted_at) == dt.date(2026, 3, 14)
    assert imported.review_state == Submission.ReviewState.NEW
    assert imported.answers.get().question.component.slug == "skills"
    point = DataPoint.objects.get(submission=imported)
    assert (point.value, point.unit, point.indicator.slug) == (85, "£ million a year", "capital-investment")
    assert SubmissionVersion.objects.get(submission=imported).snapshot["proposals"].startswith("Prioritise")
    assert imported.organisation.members.count() == 0  # nobody on the site can open it as their own
    assert "grid connections" in Submission.objects.get().search_document  # indexed for reviewers
    tasks = set(OutboxTask.objects.values_list("task_name", flat=True))
    assert tasks == {"evidence.tasks.responses_imported"}  # no receipt: they are answered the way they wrote


def test_imported_responses_are_numbered_after_web_responses(tmp_path, call, staff, submitter):
    factories.SubmittedSubmissionFactory(consultation=call, reference_number=1, reference="MMIP-0001")
    Consultation.objects.filter(pk=call.pk).update(last_reference_number=1)
    second = letter(organisation="Solent Sterile Ltd", source_reference="L-0043")
    run(jsonl(tmp_path, letter(), second))
    assert list(
        Submission.objects.filter(channel="letter").order_by("reference").values_list("reference", flat=True)
    ) == [
        "MMIP-0002",
        "MMIP-0003",
    ]


def test_one_bad_row_refuses_the_whole_file_naming_its_line_and_reasons(tmp_path, call, staff):
    path = jsonl(
        tmp_path,
        letter(),
        letter(region="Northumbria", source_reference="L-2"),
        "not json at all",
        letter(confidentiality="confidential", source_reference="L-4"),
    )
    message, err = refused(path)
    assert "Nothing was imported: 3 of 4 row(s) have problems" in message
    assert "line 2: region “Northumbria” is not a UK nation or region; use one of:" in err
    assert "line 3: not valid JSON" in err
    assert "line 4: confidentiality_reason: Say why the material is commercially confidential." in err
    assert "line 1" not in err
    assert Submission.objects.count() == 0 and Organisation.objects.count() == 0
    call.refresh_from_db()
    assert call.last_reference_number == 0


def test_every_reason_of_a_row_is_reported_not_only_the_first(tmp_path, call, staff):
    path = jsonl(tmp_path, {"organisation": "Probe Ltd", "colour": "blue", "answers": 42})
    _, err = refused(path)
    assert "unknown field “colour”" in err
    assert "missing organisation_type, region, summary, confidentiality, channel, received_date" in err
    assert "answers must map component slugs to text" in err


def test_skip_invalid_imports_the_good_rows_and_lists_those_skipped(tmp_path, call, staff):
    path = jsonl(tmp_path, letter(), letter(channel="fax", source_reference="L-2"), letter(source_reference="L-3"))
    out, err = run(path, "--skip-invalid")
    assert Submission.objects.count() == 2
    assert "skipped line 2: channel “fax” is not one of: email (e-mail), letter (letter)" in err
    assert "Imported 2 response(s) into mmip-2026; skipped 1 row(s), listed above." in out


def test_a_csv_file_with_answer_columns_data_points_and_a_multi_line_cell(tmp_path, call, staff):
    points = json.dumps(
        [
            {
                "other_indicator": "Apprentices trained",
                "value": "1,200",
                "unit": "people",
                "period_start": 2023,
                "geography": "scotland",
                "source": "Our records",
            }
        ]
    )
    quoted_points = '"' + points.replace('"', '""') + '"'  # a JSON list in one CSV cell
    path = tmp_path / "letters.csv"
    path.write_text(
        "organisation,organisation_type,region,summary,answer:skills,answer:regulation,data_points,"
        "confidentiality,consent_to_publish,channel,received_date,source_reference\n"
        'Dr A. Patel,Individual,Scotland,"Two paragraphs:\nfirst, then\nsecond.",Trainees leave.,,'
        f"{quoted_points},"
        "attributable,no,email,14/03/2026,E-31\n"
        "Solent Sterile Ltd,cdmo,south-east,Energy costs.,,,,publishable,maybe,platform,2026-03-15,CS-1\n",
        encoding="utf-8-sig",  # as Excel saves "CSV UTF-8"
    )
    _, err = refused(path)
    assert err.strip() == "line 5: consent_to_publish must be yes or no; give at least one answer or what_should_change"
    path.write_text(
        path.read_text(encoding="utf-8-sig")
        .replace("maybe", "yes")
        .replace("Energy costs.,,", "Energy costs.,Costly power.,")
    )
    run(path)
    patel = Submission.objects.get(source_reference="E-31")
    assert patel.summary == "Two paragraphs:\nfirst, then\nsecond." and patel.organisation.size_band == ""
    assert patel.channel == "email" and patel.received_on == dt.date(2026, 3, 14)
    assert patel.data_points.get().value == 1200
    assert Submission.objects.get(source_reference="CS-1").channel == Submission.Channel.PLATFORM


def test_an_unknown_csv_column_is_reported_on_line_one(tmp_path, call, staff):
    path = tmp_path / "bad.csv"
    path.write_text("organisation,regoin\nA,london\n")
    _, err = refused(path)
    assert err.startswith("line 1: unknown column “regoin”")


def test_a_file_that_is_not_utf8_names_the_line(tmp_path, call, staff):
    path = tmp_path / "latin1.csv"
    path.write_bytes("organisation,region\nA,london\nCafé Ltd,london\n".encode("latin-1"))
    _, err = refused(path)
    assert "line 3: the file is not UTF-8 text" in err


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"confidentiality": "attributable", "consent_to_publish": "yes"}, "also consented to publication"),
        ({"received_date": "2026-04-01"}, "received_date 2026-04-01 is in the future"),
        ({"received_date": "2026-02-27"}, "is before the call opened on 1 March 2026"),
        ({"received_date": "March 14th"}, "“March 14th” is not a date; write it as 2026-03-14 or 14/03/2026"),
        ({"channel": "web"}, "channel “web” is not one of"),
        ({"answers": {"sustainability": "Solar panels."}}, "this call has no question on “sustainability”"),
        ({"answers": {"baking": "Cakes."}}, "“baking” is not a component of this call"),
        (
            {
                "data_points": [
                    {
                        "indicator": "capital-investment",
                        "value": "lots",
                        "unit": "£m",
                        "period_start": 2024,
                        "geography": "london",
                        "source": "x",
                    }
                ]
            },
            "data point 1, value: Enter the value as a number",
        ),
        ({"organisation_type": "bakery"}, "organisation_type “bakery” is not an organisation type"),
        ({"size_band": "huge"}, "size_band “huge” is not a size band"),
    ],
)
def test_each_rule_is_explained(tmp_path, call, staff, overrides, reason):
    _, err = refused(jsonl(tmp_path, letter(**overrides)))
    assert reason in err


def test_a_data_point_in_the_wrong_unit_says_which_units_fit(tmp_path, call, staff):
    point = {
        "indicator": "capital-investment",
        "value": 85,
        "unit": "£m",
        "period_start": 2024,
        "geography": "london",
        "source": "x",
    }
    _, err = refused(jsonl(tmp_path, letter(data_points=[point])))
    assert "data point 1, unit: “£m” does not fit" in err and "“£ million a year”" in err


def test_the_same_source_reference_is_never_imported_twice(tmp_path, call, staff):
    run(jsonl(tmp_path, letter()))
    _, err = refused(jsonl(tmp_path, letter(), name="again.jsonl"))
    assert "source_reference “L-0042” was already imported as MMIP-0001" in err
    _, err = refused(jsonl(tmp_path, letter(source_reference="X"), letter(source_reference="X"), name="twice.jsonl"))
    assert "line 2: source_reference “X” is also on line 1" in err


def test_a_dry_run_checks_and_writes_nothing(tmp_path, call, staff):
    out, _ = run(jsonl(tmp_path, letter()), "--dry-run", by=None)
    assert "Dry run: 1 response(s) would be imported." in out
    assert Submission.objects.count() == 0


def test_importing_needs_an_active_staff_account_but_checking_does_not(tmp_path, call, staff, submitter):
    path = jsonl(tmp_path, letter(region="Atlantis"))
    _, err = refused(path, by=None)
    assert "line 1: region “Atlantis”" in err  # the file's problems first, so one run reports them all
    message, _ = refused(jsonl(tmp_path, letter(), name="ok.jsonl"), by=None)
    assert "add --by EMAIL" in message
    message, _ = refused(jsonl(tmp_path, letter(), name="ok.jsonl"), by=submitter.email)
    assert "is not an active staff account" in message
    assert Submission.objects.count() == 0


def test_an_unknown_consultation_or_extension_is_a_clear_error(tmp_path, call, staff):
    with pytest.raises(CommandError, match="No consultation with the slug 'nope' .there are: mmip-2026"):
        call_command("import_responses", str(jsonl(tmp_path, letter())), "--consultation", "nope")
    other = tmp_path / "responses.txt"
    other.write_text("{}")
    with pytest.raises(CommandError, match="name it .csv or .jsonl, or add --format"):
        call_command("import_responses", str(other), "--consultation", "mmip-2026")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_responses", str(tmp_path / "missing.jsonl"), "--consultation", "mmip-2026")


def test_an_imported_response_goes_through_the_same_review(tmp_path, call, staff):
    run(jsonl(tmp_path, letter()))
    imported = Submission.objects.get()
    review.assign(submission=imported, reviewer=staff, by=staff)
    review.tag_save(submission=imported, component=factories.component("infrastructure"), grade="B", by=staff)
    review.review_transition(submission=imported, to=Submission.ReviewState.REVIEWED, by=staff)
    assert Submission.objects.get().review_state == Submission.ReviewState.REVIEWED


def test_duplicate_detection_runs_once_for_the_whole_import(
    tmp_path, call, staff, mocker, django_capture_on_commit_callbacks
):
    detect = mocker.patch("evidence.duplicates.detect", return_value=0)
    rows = [letter(source_reference=f"L-{n}") for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        run(jsonl(tmp_path, *rows))
    assert detect.call_count == 1
    assert sorted(detect.call_args.kwargs["submission_ids"]) == sorted(Submission.objects.values_list("pk", flat=True))
