"""Exports open and read correctly, keep confidential evidence out by default, and say so when it is in;
the public "you said, we did" page."""

import io
import json
from pathlib import Path

import docx
import jsonschema
import openpyxl
import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from evidence.models import Answer, ComponentTag, ReviewAssignment
from recommendations import services
from recommendations.exports.jobs import export_make, export_request
from recommendations.models import CompilationRun, Export, Recommendation
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "Our unpublished margin on sterile lines is 4.2 percent"


@pytest.fixture
def run(consultation, reviewer, lead, django_capture_on_commit_callbacks):
    question = consultation.questions.get(component__slug="skills")
    for n in range(8):
        s = factories.SubmittedSubmissionFactory(
            consultation=consultation,
            review_state="reviewed",
            consent_to_publish=True,
            proposals="Fund a national sterile manufacturing training centre.",
        )
        Answer.objects.create(
            submission=s, question=question, text=f"We have {30 + n} vacancies for process engineers at Speke."
        )
        ComponentTag.objects.create(submission=s, component=question.component, reviewer=reviewer, grade="B")
        factories.DataPointFactory(submission=s, value=100 + n)
    secret = factories.SubmittedSubmissionFactory(
        consultation=consultation,
        review_state="reviewed",
        confidentiality="confidential",
        summary=SECRET,
        confidentiality_reason="margins",
        organisation__name="Hidden Margins plc",
    )
    ComponentTag.objects.create(submission=secret, component=question.component, reviewer=reviewer, grade="A")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=consultation, by=lead)
    run.refresh_from_db()
    assert run.state == "succeeded"
    return run


def _docx_text(path) -> str:
    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    parts += [s.header.paragraphs[0].text for s in document.sections]
    return "\n".join(parts)


def test_the_docx_pack_has_every_section_and_no_confidential_text(run, tmp_path):
    out = tmp_path / "pack.docx"
    call_command("export_pack", run=run.pk, format="docx", out=str(out))
    text = _docx_text(out)
    for component in run.consultation.components.all():
        assert component.name in text
    assert "Contents" in text and "Annex: evidence cited" in text and "Success criteria" in text
    assert "Fund a national sterile manufacturing training centre" in text
    assert "needs lead input" in text
    assert SECRET not in text and "Hidden Margins plc" not in text
    assert "COMMERCIAL IN CONFIDENCE" not in text


def test_a_confidential_pack_says_so_on_every_page(run, tmp_path):
    out = tmp_path / "pack.pdf"
    call_command("export_pack", run=run.pk, format="pdf", out=str(out), include_confidential=True)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) > 3
    for page in reader.pages:
        assert "COMMERCIAL IN CONFIDENCE" in page.extract_text()
    assert any(SECRET[:30] in page.extract_text() for page in reader.pages)


def test_the_pdf_pack_reads_without_confidential_text_by_default(run, tmp_path):
    out = tmp_path / "pack.pdf"
    call_command("export_pack", run=run.pk, format="pdf", out=str(out))
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert "Skills and talent" in text and "Recommendation" in text
    assert SECRET[:30] not in text


def test_the_json_pack_matches_its_documented_schema(run, tmp_path):
    schema = json.loads(Path("recommendations/exports/pack.schema.json").read_text())
    for include in (False, True):
        out = tmp_path / f"pack-{include}.json"
        call_command("export_pack", run=run.pk, format="json", out=str(out), include_confidential=include)
        data = json.loads(out.read_text())
        jsonschema.validate(data, schema)
        assert data["confidential"] is include
    assert Path("docs/pack-schema.md").exists()


def test_the_markdown_pack_numbers_its_references(run, tmp_path):
    out = tmp_path / "pack.md"
    call_command("export_pack", run=run.pk, format="md", out=str(out))
    text = out.read_text()
    assert "## Annex: evidence cited" in text and "[1] MMIP-" in text


def test_the_xlsx_register_has_a_row_per_response_and_per_data_point(run, tmp_path):
    out = tmp_path / "register.xlsx"
    call_command("export_register", consultation=run.consultation.slug, format="xlsx", out=str(out))
    workbook = openpyxl.load_workbook(out, read_only=True)
    submissions = list(workbook["Submissions"].iter_rows(values_only=True))
    points = list(workbook["Data points"].iter_rows(values_only=True))
    assert submissions[0][0] == "reference" and len(submissions) == 1 + 9
    assert len(points) == 1 + 8
    flat = str(submissions)
    assert SECRET not in flat and "Hidden Margins plc" not in flat and "withheld" in flat


def test_a_confidential_register_is_marked_on_every_sheet(run, tmp_path):
    out = tmp_path / "register.xlsx"
    call_command(
        "export_register", consultation=run.consultation.slug, format="xlsx", out=str(out), include_confidential=True
    )
    workbook = openpyxl.load_workbook(out, read_only=True)
    for sheet in workbook.worksheets:
        assert next(sheet.iter_rows(values_only=True))[0] == "COMMERCIAL IN CONFIDENCE"
    assert SECRET in str(list(workbook["Submissions"].iter_rows(values_only=True)))


def test_the_csv_register_writes_responses_and_data_points(run, tmp_path):
    out = tmp_path / "register.csv"
    call_command("export_register", consultation=run.consultation.slug, format="csv", out=str(out))
    assert out.read_text().count("MMIP-") == 9
    assert (tmp_path / "register-data-points.csv").read_text().count("\n") == 1 + 8


def test_bad_export_requests_get_clear_messages_and_no_file(run, consultation, tmp_path):
    failed = CompilationRun.objects.create(consultation=consultation, state="failed", error="boom")
    with pytest.raises(CommandError, match="only a succeeded run can be exported"):
        call_command("export_pack", run=failed.pk, format="docx", out=str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="Unknown format 'rtf'"):
        call_command("export_pack", run=run.pk, format="rtf", out=str(tmp_path / "x.rtf"))
    with pytest.raises(CommandError, match="There is no compilation run 999"):
        call_command("export_pack", run=999, format="docx", out=str(tmp_path / "x.docx"))
    empty = factories.ConsultationFactory()
    with pytest.raises(CommandError, match="no submitted evidence yet"):
        call_command("export_register", consultation=empty.slug, format="xlsx", out=str(tmp_path / "r.xlsx"))
    assert list(tmp_path.iterdir()) == []


def test_an_export_job_is_logged_made_and_downloadable_by_leads_only(
    client, run, lead, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(kind="pack", fmt="docx", consultation=run.consultation, run=run, by=lead)
    export.refresh_from_db()
    assert (export.state, export.requested_by, export.include_confidential) == ("done", lead, False)
    client.force_login(lead)
    response = client.get(reverse("recommendations:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert "Skills and talent" in _docx_text(io.BytesIO(b"".join(response.streaming_content)))
    client.force_login(reviewer)
    assert client.get(reverse("recommendations:export_download", args=[export.pk])).status_code == 403


def test_confidential_exports_need_the_permission(run, consultation):
    no_permission = factories.UserFactory(username="lena", groups=["Lead"])
    with pytest.raises(Exception, match="do not have permission"):
        export_request(
            kind="register", fmt="xlsx", consultation=consultation, by=no_permission, include_confidential=True
        )
    assert not Export.objects.exists()


def test_the_register_export_page_starts_a_job(client, run, lead, django_capture_on_commit_callbacks):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("recommendations:export_start"),
            {"kind": "register", "format": "xlsx", "consultation": run.consultation.pk},
        )
    export = Export.objects.get()
    assert export.state == "done" and export.size > 0
    page = client.get(reverse("recommendations:exports")).content.decode()
    assert export.filename in page


def test_an_export_of_a_failed_run_records_the_failure(run, lead):
    export = Export.objects.create(
        kind="pack", format="docx", consultation=run.consultation, run=run, requested_by=lead
    )
    CompilationRun.objects.filter(pk=run.pk).update(state="failed", error="worker lost")
    export_make(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == "failed" and "failed" in export.error and not export.file


def test_only_leads_see_the_exports(client, submitter, reviewer):
    url = reverse("recommendations:exports")
    assert client.get(url).status_code == 302
    for user in (submitter, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(reverse("recommendations:export_start"), {"kind": "register"}).status_code == 403
    assert not Export.objects.exists()


# --- You said, we did -----------------------------------------------------------------------------------


def test_you_said_we_did_shows_only_approved_recommendations_and_public_quotes(client, run, lead):
    url = reverse("you_said_we_did", args=[run.consultation.slug])
    assert "No recommendations have been approved yet" in client.get(url).content.decode()
    rec = Recommendation.objects.filter(run=run).first()
    services.recommendation_transition(recommendation=rec, to="in_review", by=lead)
    services.recommendation_transition(recommendation=rec, to="approved", by=lead)
    page = client.get(url).content.decode()
    assert rec.title in page
    assert SECRET not in page and "Hidden Margins plc" not in page
    other = Recommendation.objects.filter(run=run).exclude(pk=rec.pk).first()
    if other:
        assert other.title not in page or other.title == rec.title


def test_assignments_do_not_break_the_register(run, reviewer, tmp_path):
    submission = run.consultation.submissions.first()
    ReviewAssignment.objects.create(submission=submission, reviewer=reviewer, round="second")
    call_command("export_register", consultation=run.consultation.slug, format="csv", out=str(tmp_path / "r.csv"))
    assert (tmp_path / "r.csv").exists()
