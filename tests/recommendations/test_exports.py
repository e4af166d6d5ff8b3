"""Exports open and read correctly (python-docx, openpyxl, pypdf), keep commercially confidential evidence
out unless the exporter holds the permission and asks, say "Commercial in confidence" on every page or
sheet when it is in, are logged, and refuse bad input without leaving a file behind."""

import io
import json
import re
from pathlib import Path

import docx
import jsonschema
import openpyxl
import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse

from evidence.models import Answer, ComponentTag, ReviewAssignment
from recommendations import services
from recommendations.exports import register
from recommendations.exports.jobs import export_make, export_request
from recommendations.models import CompilationRun, Export, Recommendation, SuccessCriterion
from recommendations.tasks import make_export
from tests import factories
from tests.downloads import DOCX, XLSX, downloaded, kept

pytestmark = pytest.mark.django_db

SECRET = "Our unpublished margin on sterile lines is 4.2 percent"
SECRET_ORG = "Hidden Margins plc"
MARK = "COMMERCIAL IN CONFIDENCE"


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
        organisation__name=SECRET_ORG,
    )
    ComponentTag.objects.create(submission=secret, component=question.component, reviewer=reviewer, grade="A")
    factories.DataPointFactory(submission=secret, value=999, source="Internal margin model")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=consultation, by=lead)
    run.refresh_from_db()
    assert run.state == "succeeded"
    return run


@pytest.fixture
def lead_without_confidential(db):
    return factories.UserFactory(username="lena", groups=["Lead"])


def _docx_text(path) -> str:
    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


# --- The pack -------------------------------------------------------------------------------------------


def test_the_docx_pack_has_every_section_and_no_confidential_text(run, tmp_path):
    out = tmp_path / "pack.docx"
    call_command("export_pack", run=run.pk, format="docx", out=str(out))
    document = docx.Document(out)
    text = _docx_text(out)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    for n, component in enumerate(run.consultation.components.order_by("order"), start=1):
        assert f"{n}. {component.name}" in headings
    assert headings[0].startswith("Recommendations to government")  # the title page
    assert {"Contents", "Evidence base", "Themes", "Success criteria", "Annex: evidence cited"} <= set(headings)
    assert "Fund a national sterile manufacturing training centre" in text
    # The success-criteria table: a header row, then one row per criterion, with fields left for the lead.
    criteria_tables = [t for t in document.tables if t.rows[0].cells[0].text == "Indicator"]
    assert criteria_tables and len(criteria_tables[0].rows) > 1
    assert "needs lead input" in text
    # Numbered references in the text, each listed in the annex.
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    annex = text.split("Annex: evidence cited")[-1]
    assert cited and all(f"[{n}] MMIP-" in annex for n in cited)
    assert SECRET not in text and SECRET_ORG not in text
    assert all(MARK not in (s.header.paragraphs[0].text + s.footer.paragraphs[0].text) for s in document.sections)


def test_a_confidential_docx_pack_needs_the_permission_and_is_marked_on_every_page(run, lead, tmp_path):
    out = tmp_path / "pack.docx"
    call_command("export_pack", run=run.pk, format="docx", out=str(out), include_confidential=True, by=lead.email)
    document = docx.Document(out)
    assert SECRET in _docx_text(out)
    for section in document.sections:
        assert section.header.paragraphs[0].text == MARK
        assert section.footer.paragraphs[0].text == MARK


def test_a_confidential_pdf_pack_says_so_on_every_page(run, lead, tmp_path):
    out = tmp_path / "pack.pdf"
    call_command("export_pack", run=run.pk, format="pdf", out=str(out), include_confidential=True, by=lead.email)
    pages = _pdf_pages(out)
    assert len(pages) > 3
    for page in pages:
        assert MARK in page
    assert any(SECRET[:30] in page for page in pages)


def test_the_pdf_pack_reads_without_confidential_text_by_default(run, tmp_path):
    out = tmp_path / "pack.pdf"
    call_command("export_pack", run=run.pk, format="pdf", out=str(out))
    reader = pypdf.PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Skills and talent" in text and "Recommendation 2.1" in text and "Success criteria" in text
    assert "Contents" in reader.pages[1].extract_text()
    assert [item.title for item in reader.outline if not isinstance(item, list)][0].startswith("1. ")
    assert SECRET[:30] not in text and SECRET_ORG not in text and MARK not in text
    # Unicode survives (curly quotes, dashes), thanks to the embedded TrueType font.
    assert "“" in text and "–" in text


def test_the_pdf_pack_has_no_blank_page(run, tmp_path):
    out = tmp_path / "pack.pdf"
    call_command("export_pack", run=run.pk, format="pdf", out=str(out))
    pages = _pdf_pages(out)
    # A page whose only text is its footer ("Page 3") is blank: the contents once left one behind.
    blank = [n for n, text in enumerate(pages, start=1) if not re.sub(r"Page \d+", "", text).strip()]
    assert blank == []
    assert "Contents" in pages[1] and pages[2].startswith("1. ")


def test_every_format_renders_the_same_document(run, tmp_path):
    """DOCX, PDF and Markdown render one document model: the same headings in the same order."""
    from recommendations.exports.document import Heading, pack_document
    from recommendations.exports.pack import build_pack

    headings = [b.text for b in pack_document(build_pack(run)).blocks if isinstance(b, Heading)]
    for fmt in ("md", "docx", "pdf"):
        call_command("export_pack", run=run.pk, format=fmt, out=str(tmp_path / f"pack.{fmt}"))
    md = (tmp_path / "pack.md").read_text()
    assert [line.lstrip("#").strip() for line in md.splitlines() if line.startswith("#")] == headings
    document = docx.Document(tmp_path / "pack.docx")
    assert [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))] == headings
    pdf = " ".join(_pdf_pages(tmp_path / "pack.pdf"))
    assert all(h.split(":")[0] in pdf for h in headings)


def test_a_baseline_resting_on_hundreds_of_responses_still_fits_the_pdf_table(run, tmp_path):
    criterion = SuccessCriterion.objects.filter(recommendation__run=run).first()
    criterion.baseline_references = [f"MMIP-{n:04d}" for n in range(1, 401)]
    criterion.save()
    out = tmp_path / "pack.pdf"
    call_command("export_pack", run=run.pk, format="pdf", out=str(out))
    assert "more" in "\n".join(_pdf_pages(out))


def test_the_json_pack_matches_its_documented_schema(run, lead, tmp_path):
    schema = json.loads(Path("recommendations/exports/pack.schema.json").read_text())
    for include in (False, True):
        out = tmp_path / f"pack-{include}.json"
        options = {"include_confidential": True, "by": lead.email} if include else {}
        call_command("export_pack", run=run.pk, format="json", out=str(out), **options)
        data = json.loads(out.read_text())
        jsonschema.validate(data, schema)
        assert data["confidential"] is include
        assert (SECRET in out.read_text()) is include
    assert "pack.schema.json" in Path("docs/pack-schema.md").read_text()
    # The schema is strict enough to catch a broken pack.
    del data["components"][0]["recommendations"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_the_markdown_pack_numbers_its_references(run, tmp_path):
    out = tmp_path / "pack.md"
    call_command("export_pack", run=run.pk, format="md", out=str(out))
    text = out.read_text()
    assert "## Annex: evidence cited" in text and "[1] MMIP-" in text
    assert "| Indicator | Baseline |" in text and SECRET not in text


# --- The register ---------------------------------------------------------------------------------------


def test_the_xlsx_register_has_a_row_per_response_and_per_data_point(run, tmp_path):
    out = tmp_path / "register.xlsx"
    call_command("export_register", consultation=run.consultation.slug, format="xlsx", out=str(out))
    workbook = openpyxl.load_workbook(out, read_only=True)
    submissions = list(workbook["Submissions"].iter_rows(values_only=True))
    points = list(workbook["Data points"].iter_rows(values_only=True))
    assert submissions[0] == tuple(register.SUBMISSION_HEADERS) and len(submissions) == 1 + 9
    row = dict(zip(submissions[0], submissions[1], strict=True))
    assert row["components"] == "Skills and talent" and row["grades"] == "skills:B"
    assert row["review state"] == "Reviewed" and row["confidentiality"] == "Publishable"
    # The confidential response is listed (it counts) but its name and text are withheld, and its data
    # points are left out.
    assert len(points) == 1 + 8
    flat = str(submissions) + str(points)
    assert SECRET not in flat and SECRET_ORG not in flat and "withheld" in flat and "Internal margin" not in flat
    assert all(MARK not in str(sheet.cell(1, 1).value) for sheet in workbook.worksheets)


def test_a_confidential_register_is_marked_on_every_sheet(run, lead, tmp_path):
    out = tmp_path / "register.xlsx"
    call_command(
        "export_register",
        consultation=run.consultation.slug,
        format="xlsx",
        out=str(out),
        include_confidential=True,
        by=lead.email,
    )
    for sheet in openpyxl.load_workbook(out, read_only=True).worksheets:
        assert next(sheet.iter_rows(values_only=True))[0] == MARK
    # Printed pages carry the mark in their header and footer too.
    for sheet in openpyxl.load_workbook(out).worksheets:
        assert sheet.oddHeader.center.text == MARK and sheet.oddFooter.center.text == MARK
    workbook = openpyxl.load_workbook(out, read_only=True)
    assert SECRET in str(list(workbook["Submissions"].iter_rows(values_only=True)))
    assert "Internal margin model" in str(list(workbook["Data points"].iter_rows(values_only=True)))


def test_the_csv_register_writes_responses_and_data_points(run, lead, tmp_path):
    out = tmp_path / "register.csv"
    call_command("export_register", consultation=run.consultation.slug, format="csv", out=str(out))
    assert out.read_text().count("MMIP-") == 9 and SECRET not in out.read_text()
    assert (tmp_path / "register-data-points.csv").read_text().count("\n") == 1 + 8
    call_command(
        "export_register",
        consultation=run.consultation.slug,
        format="csv",
        out=str(out),
        include_confidential=True,
        by=lead.email,
    )
    for path in (out, tmp_path / "register-data-points.csv"):
        assert path.read_text().splitlines()[0] == MARK
    assert SECRET in out.read_text()


# --- Bad input ------------------------------------------------------------------------------------------


def test_bad_export_requests_get_clear_messages_and_no_file(run, consultation, tmp_path):
    failed = CompilationRun.objects.create(consultation=consultation, state="failed", error="boom")
    running = CompilationRun.objects.create(consultation=consultation, state="running")
    with pytest.raises(CommandError, match=f"Run {failed.pk} is failed: only a succeeded run can be exported"):
        call_command("export_pack", run=failed.pk, format="docx", out=str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="is running: only a succeeded run"):
        call_command("export_pack", run=running.pk, format="pdf", out=str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="Unknown format 'rtf'"):
        call_command("export_pack", run=run.pk, format="rtf", out=str(tmp_path / "x.rtf"))
    with pytest.raises(CommandError, match="There is no compilation run 999"):
        call_command("export_pack", run=999, format="docx", out=str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="Unknown format 'xls'"):
        call_command("export_register", consultation=consultation.slug, format="xls", out=str(tmp_path / "r.xls"))
    with pytest.raises(CommandError, match="No consultation with the slug 'nope'"):
        call_command("export_register", consultation="nope", format="csv", out=str(tmp_path / "r.csv"))
    empty = factories.ConsultationFactory()
    factories.SubmissionFactory(consultation=empty)  # a draft is not evidence
    with pytest.raises(CommandError, match="no submitted evidence yet"):
        call_command("export_register", consultation=empty.slug, format="xlsx", out=str(tmp_path / "r.xlsx"))
    assert list(tmp_path.iterdir()) == []  # no empty file, no leftover temporary file


def test_confidential_content_needs_the_permission_and_the_explicit_ask(run, lead_without_confidential, tmp_path):
    out = tmp_path / "pack.docx"
    with pytest.raises(CommandError, match="needs an account holding the permission"):
        call_command("export_pack", run=run.pk, format="docx", out=str(out), include_confidential=True)
    with pytest.raises(CommandError, match="do not have permission"):
        call_command(
            "export_pack",
            run=run.pk,
            format="docx",
            out=str(out),
            include_confidential=True,
            by=lead_without_confidential.email,
        )
    with pytest.raises(CommandError, match="No active account"):
        call_command("export_pack", run=run.pk, format="docx", out=str(out), by="nobody@example.org")
    assert not out.exists()
    with pytest.raises(Exception, match="do not have permission"):
        export_request(
            kind="register",
            fmt="xlsx",
            consultation=run.consultation,
            by=lead_without_confidential,
            include_confidential=True,
        )
    assert not Export.objects.exists()


def test_a_writer_that_breaks_leaves_no_file_and_logs_the_failure(run, tmp_path, monkeypatch):
    from recommendations.exports import writers

    def broken(pack, out):
        out.write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setitem(writers.WRITERS, "docx", broken)
    with pytest.raises(RuntimeError):
        call_command("export_pack", run=run.pk, format="docx", out=str(tmp_path / "pack.docx"))
    assert list(tmp_path.iterdir()) == []
    export = Export.objects.get()
    assert export.state == "failed" and "disk full" in export.error


# --- Logged exports: the commands, the leads' pages and the task ----------------------------------------


def test_command_line_exports_are_logged(run, lead, tmp_path):
    out = tmp_path / "pack.docx"
    call_command("export_pack", run=run.pk, format="docx", out=str(out), include_confidential=True, by=lead.email)
    call_command("export_register", consultation=run.consultation.slug, format="xlsx", out=str(tmp_path / "r.xlsx"))
    register_export, pack_export = Export.objects.order_by("-pk")
    assert (pack_export.kind, pack_export.format, pack_export.origin) == ("pack", "docx", "command")
    assert pack_export.requested_by == lead and pack_export.include_confidential
    assert pack_export.destination == str(out.resolve()) and pack_export.state == "done"
    assert pack_export.size == out.stat().st_size
    assert register_export.requested_by is None and register_export.requested_by_name
    assert not register_export.include_confidential


def test_an_export_job_is_logged_made_and_downloadable_by_leads_only(
    client, run, lead, reviewer, submitter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(kind="pack", fmt="docx", consultation=run.consultation, run=run, by=lead)
    export.refresh_from_db()
    assert (export.state, export.requested_by, export.include_confidential) == ("done", lead, False)
    assert export.progress_percent == 100
    url = reverse("recommendations:export_download", args=[export.pk])
    client.force_login(lead)
    body = downloaded(client.get(url), filename=export.filename, content_type=DOCX)
    assert body == kept(export) and "Skills and talent" in _docx_text(io.BytesIO(body))
    for outsider in (reviewer, submitter):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_a_confidential_export_is_hidden_from_leads_without_the_permission(
    client, run, lead, lead_without_confidential, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(
            kind="register", fmt="xlsx", consultation=run.consultation, by=lead, include_confidential=True
        )
    client.force_login(lead_without_confidential)
    assert client.get(reverse("recommendations:export_download", args=[export.pk])).status_code == 404
    assert export.filename not in client.get(reverse("recommendations:exports")).content.decode()
    client.force_login(lead)
    response = client.get(reverse("recommendations:export_download", args=[export.pk]))
    assert downloaded(response, filename=export.filename, content_type=XLSX) == kept(export)


def test_the_register_export_page_starts_a_job_and_reports_progress(
    client, run, lead, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(register, "PROGRESS_EVERY", 2)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("recommendations:export_start"),
            {"kind": "register", "format": "xlsx", "consultation": run.consultation.pk},
        )
    export = Export.objects.get()
    assert export.state == "done" and export.size > 0 and export.origin == "web"
    # 9 responses and 8 data points written, progress reported along the way.
    assert export.rows_total == 17 and export.rows_done == 16
    page = client.get(reverse("recommendations:exports")).content.decode()
    assert export.filename in page and lead.email in page


def test_the_export_page_refuses_nonsense_with_a_message(client, run, lead):
    client.force_login(lead)
    for data in (
        {"kind": "pack", "format": "docx", "run": "abc"},
        {"kind": "pack", "format": "exe", "run": run.pk},
        {"kind": "register", "format": "pdf", "consultation": run.consultation.pk},
        {"kind": "zip"},
    ):
        response = client.post(reverse("recommendations:export_start"), data, follow=True)
        assert response.status_code == 200
        assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not Export.objects.exists()


def test_the_log_refreshes_itself_while_an_export_runs(client, run, lead):
    Export.objects.create(kind="register", format="xlsx", consultation=run.consultation, requested_by=lead)
    client.force_login(lead)
    log = client.get(reverse("recommendations:exports"), {"log": 1}).content.decode()
    assert 'hx-trigger="every 2s"' in log and "<progress" in log


def test_an_export_of_a_failed_run_records_the_failure(run, lead):
    export = Export.objects.create(
        kind="pack", format="docx", consultation=run.consultation, run=run, requested_by=lead
    )
    CompilationRun.objects.filter(pk=run.pk).update(state="failed", error="worker lost")
    export_make(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == "failed" and "only a succeeded run" in export.error and not export.file


def test_a_redelivered_export_task_finishes_a_running_export_once(run, lead):
    export = Export.objects.create(
        kind="pack", format="md", consultation=run.consultation, run=run, requested_by=lead, state="running"
    )
    # The worker died mid-export (acks_late redelivers the task): the new delivery makes the file.
    assert export_make(export_id=export.pk).state == "done"
    finished_at = Export.objects.get(pk=export.pk).finished_at
    # A further delivery finds it done and does nothing.
    assert export_make(export_id=export.pk).finished_at == finished_at


def test_a_database_error_is_retried_and_recorded_when_the_task_gives_up(run, lead, monkeypatch):
    export = Export.objects.create(kind="register", format="csv", consultation=run.consultation, requested_by=lead)

    def dropped(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(register, "write_csv", dropped)
    with pytest.raises(OperationalError):
        export_make(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == "running"  # not failed: the task retries
    make_export.on_failure(OperationalError("gave up"), "task-id", (), {"export_id": export.pk}, None)
    export.refresh_from_db()
    assert export.state == "failed" and "gave up" in export.error


def test_only_leads_see_the_exports(client, submitter, reviewer):
    url = reverse("recommendations:exports")
    assert client.get(url).status_code == 302
    for user in (submitter, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(reverse("recommendations:export_start"), {"kind": "register"}).status_code == 403
    assert not Export.objects.exists()


def test_assignments_do_not_break_the_register(run, reviewer, tmp_path):
    submission = run.consultation.submissions.first()
    ReviewAssignment.objects.create(submission=submission, reviewer=reviewer, round="second")
    call_command("export_register", consultation=run.consultation.slug, format="csv", out=str(tmp_path / "r.csv"))
    assert (tmp_path / "r.csv").read_text().count("MMIP-") == 9


# --- You said, we did -----------------------------------------------------------------------------------


def _approve(recommendation, lead):
    services.recommendation_transition(recommendation=recommendation, to="in_review", by=lead)
    services.recommendation_transition(recommendation=recommendation, to="approved", by=lead)
    for theme in recommendation.run.themes.all():  # only approved theme wording is public
        services.theme_approve(theme=theme, by=lead)


def test_you_said_we_did_shows_only_approved_recommendations_and_public_quotes(client, run, lead):
    url = reverse("you_said_we_did", args=[run.consultation.slug])
    assert "No recommendations have been approved yet" in client.get(url).content.decode()
    approved = Recommendation.objects.filter(run=run).first()
    Recommendation.objects.create(
        run=run, component=approved.component, number=99, title="An idea still in draft", objective="Not yet."
    )
    _approve(approved, lead)
    page = client.get(url).content.decode()  # anonymous: the page is public
    assert approved.title in page and approved.component.name in page
    assert "An idea still in draft" not in page
    assert SECRET not in page and SECRET_ORG not in page
    quoted = set(re.findall(r"\((MMIP-\d{4})\)", page))
    assert quoted  # publishable quotes with their references
    assert quoted <= set(
        run.consultation.submissions.filter(confidentiality="publishable", consent_to_publish=True).values_list(
            "reference", flat=True
        )
    )


def test_you_said_we_did_drops_a_quote_whose_response_is_no_longer_publishable(client, run, lead):
    _approve(Recommendation.objects.filter(run=run).first(), lead)
    url = reverse("you_said_we_did", args=[run.consultation.slug])
    quoted = sorted(set(re.findall(r"\((MMIP-\d{4})\)", client.get(url).content.decode())))
    withdrawn_consent = run.consultation.submissions.get(reference=quoted[0])
    withdrawn_consent.consent_to_publish = False
    withdrawn_consent.save()
    page = client.get(url).content.decode()
    assert f"({quoted[0]})" not in page


def test_you_said_we_did_is_404_for_an_unknown_consultation(client):
    assert client.get(reverse("you_said_we_did", args=["no-such-call"])).status_code == 404
