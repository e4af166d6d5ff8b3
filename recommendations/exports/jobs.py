"""Making export files: straight to a path (the commands) or as a logged, kept Export row made by a
Celery task (the leads' pages). A file is written beside its destination and moved into place only
when complete, so nobody ever gets an empty or half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from evidence import outbox
from evidence.models import Consultation

from ..models import CompilationRun, Export
from . import register
from .pack import PackError, build_pack
from .writers import FORMATS, WRITERS

REGISTER_FORMATS = {"csv", "xlsx"}


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
) -> int:
    if fmt not in FORMATS:
        raise ValidationError(f"Unknown pack format “{fmt}”: use one of {', '.join(sorted(FORMATS))}.")
    try:
        pack = build_pack(run, include_confidential=include_confidential, approved_only=approved_only)
    except PackError as error:
        raise ValidationError(str(error)) from None
    return _atomic_write(path, lambda out: WRITERS[fmt](pack, out))


def write_register(
    consultation: Consultation,
    fmt: str,
    path: Path,
    *,
    include_confidential: bool = False,
    sheet: str = "submissions",
    progress=None,
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
    """Record an export and queue its making. Confidential content needs the permission AND the ask."""
    if include_confidential and not by.has_perm("evidence.view_confidential"):
        raise ValidationError("You do not have permission to export commercially confidential evidence.")
    if kind == Export.Kind.PACK:
        if fmt not in FORMATS:
            raise ValidationError(f"Unknown pack format “{fmt}”.")
        if run is None or run.state != CompilationRun.State.SUCCEEDED:
            state = run.get_state_display().lower() if run else "missing"
            raise ValidationError(f"The compilation run is {state}: only a succeeded run can be exported.")
    elif fmt not in REGISTER_FORMATS:
        raise ValidationError(f"Unknown register format “{fmt}”.")
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


def export_path(export: Export) -> Path:
    return Path(settings.MMIP_EXPORT_ROOT) / str(export.pk) / export.filename


def export_make(*, export_id: int) -> Export | None:
    """Make the file of a queued export (once: a second delivery finds it claimed or done)."""
    claimed = Export.objects.filter(pk=export_id, state=Export.State.QUEUED).update(state=Export.State.RUNNING)
    if not claimed:
        return Export.objects.filter(pk=export_id).first()
    export = Export.objects.select_related("consultation", "run").get(pk=export_id)
    path = export_path(export)

    def progress(rows: int) -> None:
        Export.objects.filter(pk=export_id).update(rows_done=rows)

    try:
        if export.kind == Export.Kind.PACK:
            size = write_pack(
                export.run,
                export.format,
                path,
                include_confidential=export.include_confidential,
                approved_only=export.approved_only,
            )
        else:
            size = write_register(
                export.consultation,
                export.format,
                path,
                include_confidential=export.include_confidential,
                progress=progress,
            )
    except ValidationError as error:
        Export.objects.filter(pk=export_id).update(
            state=Export.State.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
        )
    except Exception as error:
        Export.objects.filter(pk=export_id).update(
            state=Export.State.FAILED,
            error=f"The export failed: {type(error).__name__}: {error}",
            finished_at=timezone.now(),
        )
        raise
    else:
        Export.objects.filter(pk=export_id).update(
            state=Export.State.DONE,
            file=str(path.relative_to(settings.MMIP_EXPORT_ROOT)),
            size=size,
            finished_at=timezone.now(),
        )
    return Export.objects.get(pk=export_id)
