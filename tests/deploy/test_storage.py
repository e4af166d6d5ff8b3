"""Uploads and exports go through Django's storage API only, so they can live in object storage shared by
web and worker hosts: files round-trip through a storage that is not the local disk."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from evidence import services
from recommendations.exports.jobs import export_make, export_request
from tests import factories
from tests.downloads import downloaded, kept
from tests.evidence import journey_files as files

ROOT = Path(__file__).resolve().parents[2]
IN_MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(consultation):
    """A consultation with responses to export."""
    for _ in range(2):
        factories.SubmittedSubmissionFactory(consultation=consultation)
    return consultation


@pytest.fixture
def in_memory(settings):
    """Uploads and exports in memory: nothing of them may touch MEDIA_ROOT or MMIP_EXPORT_ROOT."""
    settings.STORAGES = {**settings.STORAGES, "default": IN_MEMORY, "exports": IN_MEMORY}
    yield settings
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.*")), list(Path(settings.MEDIA_ROOT).rglob("*"))


def test_an_upload_round_trips_through_a_non_default_storage(in_memory, client, submitter, consultation):
    draft = services.submission_start(consultation=consultation, user=submitter)
    attachment = services.attachment_add(
        submission=draft, upload=files.upload("evidence.pdf", files.pdf_bytes()), by=submitter
    )
    assert storages["default"].exists(attachment.file.name)
    client.force_login(submitter)
    response = client.get(reverse("evidence:attachment_download", args=[attachment.public_id]))
    assert downloaded(response, filename="evidence.pdf", content_type="application/pdf") == files.pdf_bytes()


def test_an_export_round_trips_through_a_non_default_storage(
    in_memory, client, lead, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the task runs eagerly after commit
        export = export_request(kind="register", fmt="csv", consultation=consultation, by=lead)
    export.refresh_from_db()
    assert export.state == "done" and export.file == f"{export.pk}/{export.filename}"
    body = kept(export)
    assert storages["exports"].size(export.file) == export.size == len(body) > 0
    client.force_login(lead)
    response = client.get(reverse("recommendations:export_download", args=[export.pk]))
    assert downloaded(response, filename=export.filename, content_type="text/csv") == body


def test_a_second_delivery_of_an_export_task_keeps_one_file(
    in_memory, lead, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(kind="register", fmt="csv", consultation=consultation, by=lead)
    # A redelivery after a lost worker finds the export still running and makes it again.
    type(export).objects.filter(pk=export.pk).update(state="running")
    export_make(export_id=export.pk)
    export.refresh_from_db()
    assert export.state == "done" and export.file == f"{export.pk}/{export.filename}"
    assert storages["exports"].listdir(str(export.pk))[1] == [export.filename]


def test_a_file_gone_from_storage_is_a_404_not_an_error(
    in_memory, client, lead, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(kind="register", fmt="csv", consultation=consultation, by=lead)
    export.refresh_from_db()
    storages["exports"].delete(export.file)
    client.force_login(lead)
    assert client.get(reverse("recommendations:export_download", args=[export.pk])).status_code == 404


def test_an_s3_bucket_moves_uploads_and_exports_to_object_storage():
    code = """
import json
from django.core.files.storage import storages
default, exports = storages["default"], storages["exports"]
print(json.dumps([type(default).__module__, default.bucket_name, default.location, exports.location,
                  default.file_overwrite, exports.file_overwrite, default.default_acl, default.endpoint_url]))
"""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MMIP_S3_")},
        "DJANGO_SETTINGS_MODULE": "mmip.settings",
        "MMIP_S3_BUCKET": "mmip-evidence",
        "MMIP_S3_ENDPOINT_URL": "https://objects.example.org",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    module, bucket, media, exports, overwrite_media, overwrite_exports, acl, endpoint = json.loads(out.stdout)
    assert module == "storages.backends.s3" and bucket == "mmip-evidence"
    assert (media, exports) == ("media", "exports")
    # An upload never replaces another; a remade export replaces its own file. No public ACL.
    assert (overwrite_media, overwrite_exports, acl) == (False, True, None)
    assert endpoint == "https://objects.example.org"
