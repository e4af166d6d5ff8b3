"""The evidence register: one row per response (and a second sheet of data points), as CSV or XLSX.

Every cell a user wrote is neutralised against formula injection (evidence.spreadsheets). Rows are
streamed from the database in chunks and written as they come (openpyxl's write-only mode),
so memory stays flat whatever the number of responses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from django.db.models import Count, Prefetch

from evidence.models import ComponentTag, Consultation, DataPoint, ReviewRound, Submission
from evidence.spreadsheets import spreadsheet_row

from .pack import CONFIDENTIAL_MARK

WITHHELD = "withheld: commercially confidential"
SUBMISSION_HEADERS = [
    "reference",
    "organisation",
    "organisation type",
    "size band",
    "nation or region",
    "status",
    "first submitted",
    "review state",
    "exclusion reason",
    "confidentiality",
    "components",
    "grades",
    "data points",
    "attachments",
    "summary",
]
DATA_POINT_HEADERS = ["reference", "indicator", "value", "unit", "period", "geography", "source", "component"]
CHUNK = 2000
PROGRESS_EVERY = 5000  # rows between progress updates on the Export row


class RegisterError(Exception):
    pass


def _registered(consultation: Consultation):
    """The responses the register lists: everything submitted, including withdrawn ones (drafts are not
    evidence)."""
    return Submission.objects.filter(consultation=consultation).exclude(status=Submission.Status.DRAFT)


def _submissions(consultation: Consultation):
    return (
        _registered(consultation)
        .select_related("organisation__organisation_type", "organisation__region")
        .annotate(n_points=Count("data_points", distinct=True), n_files=Count("attachments", distinct=True))
        .prefetch_related(
            Prefetch(
                "tags",
                queryset=ComponentTag.objects.filter(round=ReviewRound.FIRST).select_related("component"),
                to_attr="first_tags",
            )
        )
        .order_by("reference_number")
    )


def submission_rows(consultation: Consultation, include_confidential: bool) -> Iterator[list]:
    for s in _submissions(consultation).iterator(chunk_size=CHUNK):
        hidden = s.is_confidential and not include_confidential
        yield spreadsheet_row(
            [
                s.reference,
                WITHHELD if hidden else s.organisation.name,
                s.organisation.organisation_type.name,
                s.organisation.get_size_band_display(),
                s.organisation.region.name,
                s.get_status_display(),
                s.first_submitted_at.isoformat(timespec="minutes") if s.first_submitted_at else "",
                s.get_review_state_display(),
                s.get_exclusion_reason_display() if s.exclusion_reason else "",
                s.get_confidentiality_display().split(":")[0],
                "; ".join(t.component.name for t in s.first_tags),
                "; ".join(f"{t.component.slug}:{t.grade}" for t in s.first_tags),
                s.n_points,
                s.n_files,
                WITHHELD if hidden else s.summary,
            ]
        )


def _data_points(consultation: Consultation, include_confidential: bool):
    points = (
        DataPoint.objects.filter(submission__consultation=consultation)
        .exclude(submission__status=Submission.Status.DRAFT)
        .select_related("submission", "indicator", "geography", "component")
        .order_by("submission__reference_number", "pk")
    )
    if not include_confidential:
        points = points.exclude(submission__confidentiality=Submission.Confidentiality.CONFIDENTIAL)
    return points


def data_point_rows(consultation: Consultation, include_confidential: bool) -> Iterator[list]:
    for p in _data_points(consultation, include_confidential).iterator(chunk_size=CHUNK):
        yield spreadsheet_row(
            [
                p.submission.reference,
                p.indicator_name,
                float(p.value),
                p.unit,
                p.period_label,
                p.geography.name,
                p.source,
                p.component.name if p.component_id else "",
            ]
        )


def check_consultation(consultation: Consultation) -> None:
    if not _registered(consultation).exists():
        raise RegisterError(f"{consultation} has no submitted evidence yet: there is nothing to export.")


def _dimension(columns: int, rows: int):
    from openpyxl.utils import get_column_letter

    return lambda: f"A1:{get_column_letter(columns)}{rows}"


def write_xlsx(consultation: Consultation, out: BinaryIO, *, include_confidential: bool = False, progress=None) -> int:
    from openpyxl import Workbook

    check_consultation(consultation)
    workbook = Workbook(write_only=True)
    count = 0
    sheets = (
        (
            "Submissions",
            SUBMISSION_HEADERS,
            submission_rows(consultation, include_confidential),
            _registered(consultation).count(),
        ),
        (
            "Data points",
            DATA_POINT_HEADERS,
            data_point_rows(consultation, include_confidential),
            _data_points(consultation, include_confidential).count(),
        ),
    )
    grand_total = sum(total for *_, total in sheets)
    for title, headers, rows, total in sheets:
        sheet = workbook.create_sheet(title)
        # Write-only sheets do not know their size; readers (openpyxl's read-only mode, Excel's "used
        # range") want it at the top of the sheet, so it is counted first.
        last_row = total + 1 + int(include_confidential)
        sheet.calculate_dimension = _dimension(len(headers), last_row)
        if include_confidential:
            sheet.append([CONFIDENTIAL_MARK.upper()])
            # Printed on every page too (header and footer), not only in the first row.
            for header_footer in (sheet.oddHeader, sheet.evenHeader, sheet.oddFooter, sheet.evenFooter):
                header_footer.center.text = CONFIDENTIAL_MARK.upper()
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count, grand_total)
    workbook.save(out)
    return count


def write_csv(
    consultation: Consultation,
    out: BinaryIO,
    *,
    include_confidential: bool = False,
    sheet: str = "submissions",
    progress=None,
) -> int:
    check_consultation(consultation)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    if include_confidential:
        writer.writerow([CONFIDENTIAL_MARK.upper()])
    if sheet == "data_points":
        writer.writerow(DATA_POINT_HEADERS)
        rows = data_point_rows(consultation, include_confidential)
    else:
        writer.writerow(SUBMISSION_HEADERS)
        rows = submission_rows(consultation, include_confidential)
    total = (
        (
            _data_points(consultation, include_confidential) if sheet == "data_points" else _registered(consultation)
        ).count()
        if progress
        else 0
    )
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count, total)
    text.flush()
    text.detach()
    return count
