"""A response's summary as its submitters read it (texts, answers, data points, files, confidentiality),
rendered once per change of the response and kept in the cache.

The overview and "check your answers" show it on every visit, and a submitter drafting a response comes
back to them many times between saves: reading the answers, data points and files, and rendering them, was
most of those pages' work. A summary is cached under

- a digest of its templates (a deploy that changes them renders every summary anew),
- the response's id and the time it last changed (``updated_at``: every save of the response, and of its
  answers, data points and files, moves it: ``services.submission_update`` and ``services._touch``; so does
  the erasure of personal data),
- whether it is shown with its "Change" links (the response can be edited), and
- the version of the catalogue its wording comes from (questions, components, indicators, regions): a save
  or delete of any of them starts a new version (``catalogue_changed``, connected in apps.py).

So a change never shows an old summary: it makes a new key, and the old entry expires after TIMEOUT. While
Redis is unreachable each web process uses its own memory (mmip/cache.py); a catalogue change made then
reaches the other processes' summaries within TIMEOUT.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString

from .models import Submission

TIMEOUT = 600  # seconds: a drafting session's visits; short, since the summary holds the response's text
CATALOGUE_KEY = "response-summary:catalogue"
TEMPLATE = "evidence/_response_summary.html"
TEMPLATES = (TEMPLATE, "evidence/_data_points_table.html")  # the summary's own and the one it includes


@dataclass(frozen=True)
class Summary:
    html: SafeString
    has_answers: bool  # for what still stops a submit, without reading the answers again


def response_summary(submission: Submission, *, editable: bool, versions: bool = False) -> Summary:
    """The rendered summary of ``submission`` (read with its consultation's and organisation's rows);
    ``versions``: followed by the list of its submitted versions (the overview), which only a submit
    changes, and a submit moves ``updated_at``."""
    changed = submission.updated_at.timestamp()
    key = f"response-summary:{_templates_version()}:{submission.pk}:{changed}:{int(editable)}:{int(versions)}"
    found = cache.get_many([CATALOGUE_KEY, key])
    catalogue = found.get(CATALOGUE_KEY)
    if catalogue is None:
        catalogue = _new_catalogue_version()
    cached = found.get(key)
    if cached is not None and cached[0] == catalogue:
        return Summary(cached[1], cached[2])
    answers = list(submission.answers.select_related("question__component"))
    html = render_to_string(
        TEMPLATE,
        {
            "submission": submission,
            "editable": editable,
            "answers": answers,
            "data_points": submission.data_points.select_related("indicator", "geography"),
            "attachments": submission.attachments.without_text(),
            # Only what the list shows: each version's snapshot is a copy of the whole response. A response
            # never submitted has none (its version number counts them): no query.
            "versions": submission.versions.order_by("-number").only("number", "created_at", "submission_id")
            if versions and submission.version
            else (),
        },
    )
    cache.set(key, (catalogue, html, bool(answers)), TIMEOUT)  # a SafeString, and kept one when unpickled
    return Summary(html, bool(answers))


@functools.cache
def _templates_version() -> str:
    """A digest of the summary's templates as this process loaded them: after a deploy that changes them,
    no summary rendered by the old ones is shown."""
    digest = hashlib.sha256()
    for name in TEMPLATES:
        digest.update(Path(get_template(name).origin.name).read_bytes())
    return digest.hexdigest()[:12]


def _new_catalogue_version() -> str:
    version = uuid.uuid4().hex
    cache.set(CATALOGUE_KEY, version, None)
    return version


def catalogue_changed(**kwargs) -> None:
    """A question, component, indicator or region was saved or deleted: every summary renders anew."""
    _new_catalogue_version()
