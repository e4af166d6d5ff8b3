"""File storage: uploads in ``STORAGES["default"]``, exports in ``STORAGES["exports"]``.

On one host both are folders (MEDIA_ROOT and MMIP_EXPORT_ROOT). With MMIP_S3_BUCKET set both live in
S3-compatible object storage (django-storages), so web and worker hosts share no disk: the app only ever
uses Django's storage API (open, save, delete, exists), never a path.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class ExportStorage(FileSystemStorage):
    """Exports on the local disk, under MMIP_EXPORT_ROOT (read at each use, so a test may move it)."""

    @property
    def base_location(self) -> str:
        return str(self._location if self._location is not None else settings.MMIP_EXPORT_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)
