"""Responses that arrived another way (e-mail, letter, another consultation platform), imported by staff from
a CSV or JSON Lines file with ``manage.py import_responses``. The format is in docs/importing-responses.md.

Reading and checking come first and write nothing: each row becomes an ``ImportedResponse`` or a
``RowProblem`` naming its line and every reason. ``responses_import`` then writes the good rows in one
transaction, numbered and versioned like any web submission (``services.record_submission``), so imported
responses get references like any other and reach the same review.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from . import outbox, services
from .forms import DataPointForm
from .models import (
    Answer,
    Consultation,
    DataPoint,
    Indicator,
    Organisation,
    OrganisationType,
    Question,
    Region,
    Submission,
    confidentiality_errors,
)

FORMATS = ("csv", "jsonl")
# The fields of one response, in the order the documentation lists them.
FIELDS = (
    "organisation",
    "organisation_type",
    "size_band",
    "region",
    "summary",
    "what_should_change",
    "declared_interests",
    "answers",
    "data_points",
    "confidentiality",
    "confidentiality_reason",
    "consent_to_publish",
    "channel",
    "received_date",
    "source_reference",
)
REQUIRED = ("organisation", "organisation_type", "region", "summary", "confidentiality", "channel", "received_date")
TEXT_FIELDS = ("summary", "what_should_change", "declared_interests", "confidentiality_reason")
DATA_POINT_FIELDS = (
    "indicator",
    "other_indicator",
    "component",
    "value",
    "unit",
    "period_start",
    "period_end",
    "geography",
    "source",
    "notes",
)
# In a CSV file, one column per component answered: "answer:skills".
ANSWER_PREFIX = "answer:"
# The web form's word limits guide people typing; evidence that arrived another way is the respondent's own
# words and is imported whole. This ceiling only stops a broken file (a whole mailbox in one cell).
MAX_TEXT_CHARS = 100_000
MAX_DATA_POINTS = 50
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}
CHANNELS = [c for c in Submission.Channel if c != Submission.Channel.WEB]


@dataclass(frozen=True)
class RawRow:
    """One response as read from the file, before any checking."""

    line: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class RowProblem:
    line: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"line {self.line}: " + "; ".join(self.reasons)


@dataclass
class ImportedResponse:
    """A checked row, ready to be written: unsaved rows and plain values."""

    line: int
    organisation: Organisation
    fields: dict[str, Any]
    answers: list[tuple[Question, str]]
    data_points: list[DataPoint]


@dataclass
class ImportReport:
    imported: list[tuple[int, Submission]] = field(default_factory=list)  # (line, response)
    skipped: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False


class ImportRefused(Exception):
    """Nothing was imported: the file, or some of its rows, cannot be."""

    def __init__(self, problems: list[RowProblem], rows: int):
        self.problems = problems
        self.rows = rows
        super().__init__("; ".join(str(p) for p in problems))


# --- Reading --------------------------------------------------------------------------------------------


def guess_format(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    return None


def decode(data: bytes) -> str:
    """The file's text (UTF-8, with or without Excel's byte-order mark), or a problem naming the line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            [RowProblem(line, ("the file is not UTF-8 text; save it as “CSV UTF-8” or UTF-8 and try again",))], 0
        ) from None


def read_rows(text: str, fmt: str) -> Iterator[RawRow | RowProblem]:
    if fmt == "csv":
        yield from _read_csv(text)
    elif fmt == "jsonl":
        yield from _read_jsonl(text)
    else:
        raise ValueError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")


def _read_jsonl(text: str) -> Iterator[RawRow | RowProblem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield RowProblem(number, (f"not valid JSON ({error.msg} at column {error.colno})",))
            continue
        if not isinstance(value, dict):
            yield RowProblem(number, ('each line must be one JSON object: {"organisation": …, …}',))
            continue
        yield RawRow(number, value)


def _read_csv(text: str) -> Iterator[RawRow | RowProblem]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as error:
        yield RowProblem(1, (f"the header cannot be read as CSV ({error})",))
        return
    unknown = [n for n in header if n not in FIELDS and not n.startswith(ANSWER_PREFIX)]
    if "answers" in header:
        unknown.append("answers (in a CSV file, give one column per component: answer:skills, answer:regulation…)")
    duplicated = sorted({n for n in header if header.count(n) > 1})
    if unknown or duplicated:
        reasons = [f"unknown column “{n}”" for n in unknown] + [f"the column “{n}” appears twice" for n in duplicated]
        if unknown:
            reasons.append(f"the columns are: {', '.join(f for f in FIELDS if f != 'answers')}, answer:<component>")
        yield RowProblem(1, tuple(reasons))
        return
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowProblem(line, (f"this row cannot be read as CSV ({error})",))
            return
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield RowProblem(start, (f"this row has {len(cells)} cells; the header has {len(header)}",))
            continue
        fields: dict[str, Any] = {}
        answers: dict[str, str] = {}
        for name, cell in zip(header, cells, strict=True):
            if name.startswith(ANSWER_PREFIX):
                if cell.strip():
                    answers[name.removeprefix(ANSWER_PREFIX).strip()] = cell
            elif name == "data_points":
                if cell.strip():
                    try:
                        fields[name] = json.loads(cell)
                    except json.JSONDecodeError as error:
                        fields[name] = _Unreadable(f"data_points is not valid JSON ({error.msg})")
            elif cell.strip():
                fields[name] = cell
        if answers:
            fields["answers"] = answers
        yield RawRow(start, fields)


@dataclass(frozen=True)
class _Unreadable:
    reason: str


# --- Checking -------------------------------------------------------------------------------------------


class Catalogue:
    """What a row may name, read once per import: types, regions, components, questions, indicators and
    the source references already imported."""

    def __init__(self, consultation: Consultation):
        self.consultation = consultation
        self.types = _by_slug_and_name(OrganisationType.objects.active())
        self.regions = _by_slug_and_name(Region.objects.active())
        self.indicators = _by_slug_and_name(Indicator.objects.active())
        self.components = _by_slug_and_name(consultation.components.filter(is_active=True))
        self.questions: dict[str, list[Question]] = {}
        for question in consultation.questions.select_related("component"):
            if question.component_id:
                self.questions.setdefault(question.component.slug, []).append(question)
        self.imported = {
            (channel, ref): reference
            for channel, ref, reference in Submission.objects.filter(consultation=consultation)
            .exclude(source_reference="")
            .values_list("channel", "source_reference", "reference")
        }
        self.seen: dict[tuple[str, str], int] = {}  # source references met earlier in this file: line


def _by_slug_and_name(queryset) -> dict[str, Any]:
    found = {}
    for entry in queryset:
        found[entry.name.casefold()] = entry
        found[entry.slug.casefold()] = entry
    return found


def _slugs(entries: dict[str, Any]) -> str:
    return ", ".join(sorted({e.slug for e in entries.values()}))


def _text(fields: dict, name: str, reasons: list[str], *, max_chars: int = MAX_TEXT_CHARS) -> str:
    value = fields.get(name, "")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        reasons.append(f"{name} must be text")
        return ""
    value = str(value).strip()
    if len(value) > max_chars:
        reasons.append(f"{name} has {len(value):,} characters; the limit is {max_chars:,}")
    return value


def _lookup(entries: dict, fields: dict, name: str, what: str, reasons: list[str]):
    value = _text(fields, name, reasons, max_chars=200)
    if not value:
        return None
    found = entries.get(value.casefold())
    if found is None:
        reasons.append(f"{name} “{value}” is not {what}; use one of: {_slugs(entries)}")
    return found


def parse_date(value: str) -> dt.date | None:
    """An ISO date (2026-03-14) or a UK one (14/03/2026); None if it is neither."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def check_row(raw: RawRow, catalogue: Catalogue, *, today: dt.date | None = None) -> ImportedResponse | RowProblem:
    """Everything wrong with one row (all of it, not the first thing), or the response it describes."""
    fields, reasons = raw.fields, []
    consultation = catalogue.consultation
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        reasons += [f"unknown field “{name}”" for name in unknown]
        reasons.append(f"the fields are: {', '.join(FIELDS)}")
    missing = [name for name in REQUIRED if fields.get(name) in (None, "")]
    if missing:
        reasons.append(f"missing {', '.join(missing)}")

    # Who sent it: a new organisation each time. Matching a name to an existing organisation would show
    # the response to whoever registered that name on the site.
    org_type = _lookup(catalogue.types, fields, "organisation_type", "an organisation type", reasons)
    region = _lookup(catalogue.regions, fields, "region", "a UK nation or region", reasons)
    size_band = _text(fields, "size_band", reasons, max_chars=20).lower()
    if size_band and size_band not in Organisation.SizeBand.values:
        reasons.append(f"size_band “{size_band}” is not a size band; use one of: {', '.join(Organisation.SizeBand)}")
    organisation = Organisation(
        name=_text(fields, "organisation", reasons, max_chars=200),
        organisation_type=org_type,
        region=region,
        size_band="" if (org_type and org_type.is_individual) else size_band,
    )

    texts = {name: _text(fields, name, reasons) for name in TEXT_FIELDS}

    # How it may be used: the same rules as the site's confidentiality page.
    confidentiality = _text(fields, "confidentiality", reasons, max_chars=20).lower()
    consent = _yes_no(fields.get("consent_to_publish", ""), "consent_to_publish", reasons)
    if confidentiality and confidentiality not in Submission.Confidentiality.values:
        choices = ", ".join(Submission.Confidentiality.values)
        reasons.append(f"confidentiality “{confidentiality}” is not a choice; use one of: {choices}")
    elif confidentiality:
        errors = confidentiality_errors(
            confidentiality=confidentiality, reason=texts["confidentiality_reason"], consent=consent
        )
        reasons += [f"{name}: {message}" for name, message in errors.items()]

    # How and when it arrived.
    channel = _text(fields, "channel", reasons, max_chars=20).lower()
    if channel and channel not in CHANNELS:
        choices = ", ".join(f"{c.value} ({c.label.lower()})" for c in CHANNELS)
        reasons.append(f"channel “{channel}” is not one of: {choices}")
    received_on = _received(fields, consultation, reasons, today or timezone.localdate())
    source_reference = _text(fields, "source_reference", reasons, max_chars=100)
    if source_reference and channel:
        key = (channel, source_reference)
        if key in catalogue.imported:
            reasons.append(f"source_reference “{source_reference}” was already imported as {catalogue.imported[key]}")
        elif key in catalogue.seen:
            reasons.append(f"source_reference “{source_reference}” is also on line {catalogue.seen[key]}")
        else:
            catalogue.seen[key] = raw.line

    answers = _answers(fields.get("answers"), catalogue, reasons)
    if not answers and not texts["what_should_change"] and not any(r.startswith("answers") for r in reasons):
        reasons.append("give at least one answer or what_should_change")
    data_points = _data_points(fields.get("data_points"), consultation, catalogue, reasons)

    if reasons:
        return RowProblem(raw.line, tuple(reasons))
    return ImportedResponse(
        line=raw.line,
        organisation=organisation,
        fields={
            "summary": texts["summary"],
            "proposals": texts["what_should_change"],
            "declared_interests": texts["declared_interests"],
            "confidentiality": confidentiality,
            "confidentiality_reason": texts["confidentiality_reason"],
            "consent_to_publish": consent,
            "channel": channel,
            "received_on": received_on,
            "source_reference": source_reference,
        },
        answers=answers,
        data_points=data_points,
    )


def _yes_no(value: Any, name: str, reasons: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold() if isinstance(value, str | int) else None
    if text in YES:
        return True
    if text in NO:
        return False
    reasons.append(f"{name} must be yes or no")
    return False


def _received(fields: dict, consultation: Consultation, reasons: list[str], today: dt.date) -> dt.date | None:
    value = _text(fields, "received_date", reasons, max_chars=20)
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        reasons.append(f"received_date “{value}” is not a date; write it as 2026-03-14 or 14/03/2026")
        return None
    opened = timezone.localtime(consultation.opens_at).date()
    closed = timezone.localtime(consultation.closes_at).date()
    if day > today:
        reasons.append(f"received_date {day:%Y-%m-%d} is in the future")
    elif day < opened:
        reasons.append(f"received_date {day:%Y-%m-%d} is before the call opened on {date_format(opened, 'j F Y')}")
    elif day > closed:
        reasons.append(f"received_date {day:%Y-%m-%d} is after the call closed on {date_format(closed, 'j F Y')}")
    return day


def _answers(value: Any, catalogue: Catalogue, reasons: list[str]) -> list[tuple[Question, str]]:
    if value in (None, ""):
        return []
    if not isinstance(value, dict):
        reasons.append('answers must map component slugs to text: {"skills": "…"}')
        return []
    answered = []
    for slug, text in value.items():
        key = str(slug).strip().casefold()
        component = catalogue.components.get(key)
        if component is None:
            reasons.append(
                f"answers: “{slug}” is not a component of this call; use one of: {_slugs(catalogue.components)}"
            )
            continue
        questions = catalogue.questions.get(component.slug, [])
        if len(questions) != 1:
            what = "no question" if not questions else f"{len(questions)} questions"
            reasons.append(f"answers: this call has {what} on “{component.slug}”, so the answer has nowhere to go")
            continue
        if not isinstance(text, str):
            reasons.append(f"answers: the answer on “{component.slug}” must be text")
            continue
        text = text.strip()
        if len(text) > MAX_TEXT_CHARS:
            reasons.append(
                f"answers: the answer on “{component.slug}” has {len(text):,} characters; the limit is "
                f"{MAX_TEXT_CHARS:,}"
            )
        elif text:
            answered.append((questions[0], text))
    return answered


def _data_points(value: Any, consultation: Consultation, catalogue: Catalogue, reasons: list[str]) -> list[DataPoint]:
    if value in (None, ""):
        return []
    if isinstance(value, _Unreadable):
        reasons.append(value.reason)
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        reasons.append('data_points must be a list of objects: [{"indicator": …, "value": …}, …]')
        return []
    if len(value) > MAX_DATA_POINTS:
        reasons.append(f"data_points has {len(value)} entries; the limit is {MAX_DATA_POINTS}")
        return []
    points = []
    for number, item in enumerate(value, start=1):
        where = f"data point {number}"
        own: list[str] = []
        unknown = sorted(set(item) - set(DATA_POINT_FIELDS))
        if unknown:
            own.append(f"unknown field {', '.join(f'“{n}”' for n in unknown)} (use {', '.join(DATA_POINT_FIELDS)})")
        data = {name: "" if item.get(name) is None else str(item.get(name)) for name in DATA_POINT_FIELDS}
        # The form takes catalogue entries by id; the file names them by slug (or name).
        for name, entries, what in (
            ("indicator", catalogue.indicators, "an indicator"),
            ("component", catalogue.components, "a component of this call"),
            ("geography", catalogue.regions, "a UK nation or region"),
        ):
            if data[name].strip():
                found = entries.get(data[name].strip().casefold())
                if found is None:
                    own.append(f"{name} “{data[name]}” is not {what}; use one of: {_slugs(entries)}")
                data[name] = str(found.pk) if found else ""
        if not own:
            form = DataPointForm(data=data, consultation=consultation)
            if form.is_valid():
                points.append(form.instance)
            for name, messages in form.errors.items():
                label = "" if name == "__all__" else f"{name}: "
                own += [f"{label}{message}" for message in messages]
        reasons += [f"{where}, {reason}" for reason in own]
    return points


def check_rows(rows: Iterable[RawRow | RowProblem], consultation: Consultation) -> tuple[list, list[RowProblem]]:
    catalogue = Catalogue(consultation)
    good, problems = [], []
    for row in rows:
        result = row if isinstance(row, RowProblem) else check_row(row, catalogue)
        (problems if isinstance(result, RowProblem) else good).append(result)
    return good, problems


# --- Writing --------------------------------------------------------------------------------------------


def _received_at(day: dt.date) -> dt.datetime:
    """The day it arrived, as the start of that day here: its place on the dashboard's timeline."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def response_import(*, consultation: Consultation, response: ImportedResponse, by) -> Submission:
    """Write one checked response (inside ``responses_import``'s transaction, under the consultation's lock)."""
    organisation = response.organisation
    organisation.full_clean()
    organisation.save()
    submission = Submission(consultation=consultation, organisation=organisation, created_by=by, **response.fields)
    submission.full_clean(exclude=["consultation", "organisation", "created_by"], validate_constraints=False)
    submission.save()
    Answer.objects.bulk_create(
        [Answer(submission=submission, question=question, text=text) for question, text in response.answers]
    )
    for point in response.data_points:
        point.submission = submission
        point.full_clean()
        point.save()
    if problems := services.submission_problems(submission):
        raise ValidationError(problems)
    services.record_submission(
        submission=submission, consultation=consultation, by=by, when=_received_at(response.fields["received_on"])
    )
    return submission


@transaction.atomic
def responses_import(
    *, consultation: Consultation, responses: list[ImportedResponse], by, skip_invalid: bool = False
) -> ImportReport:
    """Write checked responses, all or nothing (or, with ``skip_invalid``, each one that can be).

    No receipt is e-mailed: the people who wrote in are answered through the way they wrote, quoting the
    reference. The imported responses are indexed and compared for duplicates in one task after commit."""
    if not (by.is_active and by.is_staff):
        raise ValidationError(f"{by} is not an active staff account: imports are recorded against staff.")
    # One lock for the whole import: its references are consecutive, and web submits wait a moment.
    consultation = Consultation.objects.select_for_update().get(pk=consultation.pk)
    report = ImportReport()
    for response in responses:
        try:
            with transaction.atomic():
                submission = response_import(consultation=consultation, response=response, by=by)
        except ValidationError as error:
            problem = RowProblem(response.line, tuple(error.messages))
            if not skip_invalid:
                raise ImportRefused([problem], len(responses)) from None
            report.skipped.append(problem)
        else:
            report.imported.append((response.line, submission))
    if report.imported:
        outbox.enqueue(
            "evidence.tasks.responses_imported",
            consultation_id=consultation.pk,
            submission_ids=[s.pk for _, s in report.imported],
        )
    return report


def import_file(
    *,
    consultation: Consultation,
    data: bytes,
    fmt: str,
    by,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) import a file. Raises ImportRefused when nothing is imported."""
    rows = list(read_rows(decode(data), fmt))
    if not rows:
        raise ImportRefused([RowProblem(1, ("the file has no responses",))], 0)
    good, problems = check_rows(rows, consultation)
    if problems and not skip_invalid:
        raise ImportRefused(problems, len(rows))
    if not good:
        raise ImportRefused(problems, len(rows))
    if dry_run:
        return ImportReport(imported=[(r.line, None) for r in good], skipped=problems, dry_run=True)
    report = responses_import(consultation=consultation, responses=good, by=by, skip_invalid=skip_invalid)
    report.skipped = sorted(problems + report.skipped, key=lambda p: p.line)
    return report
