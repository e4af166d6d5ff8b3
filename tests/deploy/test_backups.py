"""`manage.py backup` and `restore`: every row and every file (uploads and exports) survive the round trip
into an empty database and empty storage, checked by counts and checksums."""

import hashlib
import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command

from evidence import backups, services
from evidence.models import Attachment, Submission
from recommendations.exports.jobs import export_request
from recommendations.models import Export
from tests import factories
from tests.evidence import journey_files as files


@pytest.fixture
def world(live_db, settings, django_capture_on_commit_callbacks):
    consultation = factories.ConsultationFactory()
    for _ in range(3):
        factories.SubmittedSubmissionFactory(consultation=consultation)
    submitter = factories.MembershipFactory().user
    draft = services.submission_start(consultation=consultation, user=submitter)
    services.attachment_add(submission=draft, upload=files.upload("evidence.pdf", files.pdf_bytes()), by=submitter)
    services.attachment_add(submission=draft, upload=files.upload("notes.txt", b"45 vacancies\n"), by=submitter)
    lead = factories.UserFactory(username="lead", groups=["Lead"])
    with django_capture_on_commit_callbacks(execute=True):
        export_request(kind="register", fmt="csv", consultation=consultation, by=lead)
    assert Export.objects.get().state == "done"
    return settings


def _wipe(settings) -> None:
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT)


def test_a_backup_restores_every_row_and_file(world, tmp_path):
    before_rows = backups.row_counts()
    before_files = backups.file_checksums()
    assert len(before_files) == 3 and before_rows["evidence.submission"] == 4  # two uploads, one export

    out = StringIO()
    call_command("backup", str(tmp_path / "b1"), stdout=out)
    assert "3 file(s)" in out.getvalue()
    manifest = json.loads((tmp_path / "b1" / "manifest.json").read_text())
    assert manifest["rows"] == before_rows and manifest["files"] == before_files

    _wipe(world)
    assert not Submission.objects.exists() and not backups.file_checksums()

    out = StringIO()
    call_command("restore", str(tmp_path / "b1"), stdout=out)
    assert "counts and checksums match" in out.getvalue()
    assert backups.row_counts() == before_rows
    assert backups.file_checksums() == before_files
    attachment = Attachment.objects.get(original_name="evidence.pdf")
    with storages["default"].open(attachment.file.name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == attachment.sha256


def test_a_damaged_backup_fails_the_restore(world, tmp_path):
    call_command("backup", str(tmp_path / "b2"), stdout=StringIO())
    damaged = next(p for p in (tmp_path / "b2" / "files" / "default").rglob("*.txt"))
    damaged.write_bytes(b"tampered")
    _wipe(world)
    with pytest.raises(CommandError, match=r"checksum differs"):
        call_command("restore", str(tmp_path / "b2"), stdout=StringIO())


def test_restore_refuses_a_database_in_use_and_backup_a_used_folder(world, tmp_path):
    call_command("backup", str(tmp_path / "b3"), stdout=StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "b3"), stdout=StringIO())
    with pytest.raises(CommandError, match="already has accounts or responses"):
        call_command("restore", str(tmp_path / "b3"), stdout=StringIO())
    assert Path(tmp_path / "b3" / "database.json.gz").stat().st_size > 0
