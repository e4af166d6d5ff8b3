"""Making export files, every one logged as an ``Export`` row (who, what, when, with or without
confidential content): made by a Celery task and kept for download (the leads' pages), or written to a
path (the commands). A file is written beside its destination and moved into place only when complete,
so nobody ever gets an empty or half-written file.

Files kept for download go to the exports storage (``STORAGES["exports"]``: a folder, or object storage
shared by web and worker hosts), written there only once complete; the row is marked done after that."""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import DatabaseError, transaction
from django.utils import timezone

from evidence import outbox
from evidence.models import Consultation

from ..models import CompilationRun, Export
from . import register
from .pack import PackError, build_pack
from .writers import FORMATS, WRITERS

REGISTER_FORMATS = {"csv", "xlsx"}
CONFIDENTIAL_PERMISSION = "evidence.view_confidential"

Progress = Callable[[int, int], None]  # (done, total)


def _atomic_write(path: Path, write) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            write(out)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def write_pack(
    run: CompilationRun,
    fmt: str,
    path: Path,
    *,
    include_confidential: bool = False,
    approved_only: bool = False,
    progress: Progress | None = None,
) -> int:
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown pack format “{fmt}”: use one of {', '.join(sorted(FORMATS))}.")
    try:
        pack = build_pack(run, include_confidential=include_confidential, approved_only=approved_only)
    except PackError as error:
        raise ValidationError(str(error)) from None
    if progress:
        progress(1, 2)  # built from the database; now written
    return _atomic_write(path, lambda out: WRITERS[fmt](pack, out))


def write_register(
    consultation: Consultation,
    fmt: str,
    path: Path,
    *,
    include_confidential: bool = False,
    sheet: str = "submissions",
    progress: Progress | None = None,
) -> int:
    if fmt not in REGISTER_FORMATS:
        raise ValidationError(f"Unknown register format “{fmt}”: use csv or xlsx.")
    try:
        register.check_consultation(consultation)
    except register.RegisterError as error:
        raise ValidationError(str(error)) from None
    if fmt == "xlsx":
        writer = lambda out: register.write_xlsx(  # noqa: E731
            consultation, out, include_confidential=include_confidential, progress=progress
        )
    else:
        writer = lambda out: register.write_csv(  # noqa: E731
            consultation, out, include_confidential=include_confidential, sheet=sheet, progress=progress
        )
    return _atomic_write(path, writer)


def check_confidential_choice(by, include_confidential: bool) -> None:
    """Confidential content needs both the explicit ask and the permission."""
    if include_confidential and (by is None or not by.has_perm(CONFIDENTIAL_PERMISSION)):
        raise ValidationError(
            "You do not have permission to export commercially confidential evidence."
            if by is not None
            else "Exporting commercially confidential evidence needs an account holding the permission."
        )


def _check_request(kind: str, fmt: str, run: CompilationRun | None) -> None:
    if kind == Export.Kind.PACK:
        if fmt not in FORMATS:
            raise ValidationError(f"Unknown pack format “{fmt}”: use one of {', '.join(sorted(FORMATS))}.")
        if run is None:
            raise ValidationError("Choose a compilation run.")
        if run.state != CompilationRun.State.SUCCEEDED:
            raise ValidationError(
                f"Run {run.pk} is {run.get_state_display().lower()}: only a succeeded run can be exported."
                + (f" Its error: {run.error}" if run.error else "")
            )
    elif kind == Export.Kind.REGISTER:
        if fmt not in REGISTER_FORMATS:
            raise ValidationError(f"Unknown register format “{fmt}”: use csv or xlsx.")
    else:
        raise ValidationError("Choose what to export: a recommendation pack or the evidence register.")


@transaction.atomic
def export_request(
    *,
    kind: str,
    fmt: str,
    consultation: Consultation,
    by,
    run: CompilationRun | None = None,
    include_confidential: bool = False,
    approved_only: bool = False,
) -> Export:
    """Record an export and queue its making (a leads' page)."""
    check_confidential_choice(by, include_confidential)
    _check_request(kind, fmt, run)
    export = Export(
        kind=kind,
        format=fmt,
        consultation=consultation,
        run=run,
        requested_by=by,
        include_confidential=include_confidential,
        approved_only=approved_only,
    )
    export.full_clean()
    export.save()
    outbox.enqueue("recommendations.tasks.make_export", export_id=export.pk)
    return export


def export_storage() -> Storage:
    return storages["exports"]


def export_name(export: Export) -> str:
    """The file's name in the exports storage."""
    return f"{export.pk}/{export.filename}"


def export_open(export: Export) -> File | None:
    """The kept file of a finished export, open for reading; None when it is not (or no longer) kept."""
    if not export.file:
        return None
    storage = export_storage()
    try:
        return storage.open(export.file, "rb")
    except FileNotFoundError:
        return None


def _progress_of(export_id: int) -> Progress:
    def progress(done: int, total: int) -> None:
        Export.objects.filter(pk=export_id).update(rows_done=done, rows_total=total)

    return progress


def _make(export: Export, path: Path, *, sheet: str = "submissions") -> int:
    progress = _progress_of(export.pk)
    if export.kind == Export.Kind.PACK:
        progress(0, 2)
        return write_pack(
            export.run,
            export.format,
            path,
            include_confidential=export.include_confidential,
            approved_only=export.approved_only,
            progress=progress,
        )
    return write_register(
        export.consultation,
        export.format,
        path,
        include_confidential=export.include_confidential,
        sheet=sheet,
        progress=progress,
    )


def _finish(export_id: int, name: str, size: int) -> None:
    Export.objects.filter(pk=export_id).update(
        state=Export.State.DONE, file=name, size=size, finished_at=timezone.now()
    )


def _keep(export: Export, path: Path) -> str:
    """Put a finished local file into the exports storage; returns its name there. A second delivery of
    the task replaces the file a first one may have left."""
    storage = export_storage()
    name = export_name(export)
    if storage.exists(name):
        storage.delete(name)
    with path.open("rb") as handle:
        return storage.save(name, File(handle, name=export.filename))


def export_fail(*, export_id: int, message: str) -> None:
    """Record a failure, unless the export was finished meanwhile."""
    Export.objects.exclude(state=Export.State.DONE).filter(pk=export_id).update(
        state=Export.State.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def export_make(*, export_id: int) -> Export | None:
    """Make the file of a queued export. A second delivery of the task finds it done and does nothing;
    a retry after a dropped database connection or a lost worker finds it still running and makes the
    file again from scratch (the write is atomic, so the result is the same file)."""
    claimed = Export.objects.filter(
        pk=export_id, origin=Export.Origin.WEB, state__in=[Export.State.QUEUED, Export.State.RUNNING]
    ).update(state=Export.State.RUNNING)
    if not claimed:
        return Export.objects.filter(pk=export_id).first()
    export = Export.objects.select_related("consultation", "run").get(pk=export_id)
    with tempfile.TemporaryDirectory(prefix="mmip-export-") as scratch:
        path = Path(scratch) / export.filename
        try:
            size = _make(export, path)
            name = _keep(export, path)
        except ValidationError as error:
            export_fail(export_id=export_id, message=" ".join(error.messages))
        except DatabaseError:
            raise  # transient: the task retries with backoff, and records the failure when it gives up
        except Exception as error:
            export_fail(export_id=export_id, message=f"The export failed: {type(error).__name__}: {error}")
            raise
        else:
            _finish(export_id, name, size)
    return Export.objects.get(pk=export_id)


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (some containers)
        return f"uid {os.getuid()}"


def export_to_path(
    *,
    kind: str,
    fmt: str,
    path: Path,
    consultation: Consultation,
    run: CompilationRun | None = None,
    by=None,
    include_confidential: bool = False,
    approved_only: bool = False,
    sheet: str = "submissions",
) -> Export:
    """Write an export straight to ``path`` (the commands), logged like any other. Raises
    ValidationError with a message for the user; the log row then says it failed and why."""
    check_confidential_choice(by, include_confidential)
    _check_request(kind, fmt, run)
    export = Export.objects.create(
        kind=kind,
        format=fmt,
        consultation=consultation,
        run=run,
        requested_by=by,
        requested_by_name="" if by else _system_user(),
        origin=Export.Origin.COMMAND,
        destination=str(Path(path).resolve()),
        include_confidential=include_confidential,
        approved_only=approved_only,
        state=Export.State.RUNNING,
    )
    try:
        size = _make(export, Path(path), sheet=sheet)
    except ValidationError as error:
        export_fail(export_id=export.pk, message=" ".join(error.messages))
        raise
    except Exception as error:
        export_fail(export_id=export.pk, message=f"The export failed: {type(error).__name__}: {error}")
        raise
    _finish(export.pk, "", size)  # written where asked, not kept
    export.refresh_from_db()
    return export
