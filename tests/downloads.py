"""What every file download must be, checked in one place: the bytes, and the headers that make the
browser save it (never render it, sniff its type or cache it)."""

from __future__ import annotations

from django.http import HttpResponse

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def downloaded(response: HttpResponse, *, filename: str, content_type: str) -> bytes:
    """The bytes of ``response``, after checking it is a download of ``filename`` typed ``content_type``."""
    assert response.status_code == 200, f"expected a download, got {response.status_code}"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    return b"".join(response.streaming_content)


def kept(export) -> bytes:
    """The bytes of an export's kept file, read from the exports storage (wherever that is)."""
    from recommendations.exports.jobs import export_open

    export = type(export).objects.get(pk=export.pk)  # as the database has it now
    handle = export_open(export)
    assert handle is not None, f"export {export.pk} has no kept file"
    with handle:
        return handle.read()
