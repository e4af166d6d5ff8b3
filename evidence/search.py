"""Full-text search over responses: a ranked tsvector with a GIN index on PostgreSQL, a plain
``icontains`` fallback on SQLite. The document is rebuilt in the write path (submit, text extraction,
seeding) by ``refresh``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, QuerySet

from .models import Answer, Attachment, Submission

CONFIG = "english"
BATCH = 1000
# Attachments count towards the document up to this many characters each.
ATTACHMENT_CHARS = 100_000


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def document(summary: str, proposals: str, answers: Iterable[str], attachments: Iterable[str]) -> str:
    """The text a response is searched (and compared for duplicates) by: its summary, proposals, answers
    in order and the first ``ATTACHMENT_CHARS`` of each attachment's extracted text."""
    parts = [summary, proposals, *answers, *(text[:ATTACHMENT_CHARS] for text in attachments)]
    return "\n".join(p for p in parts if p)


def refresh_vectors(submission_ids: Iterable[int]) -> None:
    """On PostgreSQL, rebuild the search vector from the stored document (one statement a batch)."""
    if not _is_postgres():
        return
    ids = list(submission_ids)
    for start in range(0, len(ids), BATCH * 10):
        Submission.objects.filter(pk__in=ids[start : start + BATCH * 10]).update(
            search_vector=SearchVector("search_document", config=CONFIG)
        )


def refresh(submission_ids: Iterable[int]) -> int:
    """Rebuild the search document (and on PostgreSQL the vector) of these responses."""
    ids = list(submission_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        answers: dict[int, list[str]] = defaultdict(list)
        for sub_id, text in Answer.objects.filter(submission_id__in=chunk).values_list("submission_id", "text"):
            answers[sub_id].append(text)
        attachments: dict[int, list[str]] = defaultdict(list)
        for sub_id, text in Attachment.objects.filter(submission_id__in=chunk).values_list(
            "submission_id", "extracted_text"
        ):
            attachments[sub_id].append(text)
        rows = [
            Submission(pk=pk, search_document=document(summary, proposals, answers[pk], attachments[pk]))
            for pk, summary, proposals in Submission.objects.filter(pk__in=chunk).values_list(
                "pk", "summary", "proposals"
            )
        ]
        Submission.objects.bulk_update(rows, ["search_document"], batch_size=BATCH)
        refresh_vectors(chunk)
    return len(ids)


def search(queryset: QuerySet, query: str, *, rank_within: int | None = None) -> QuerySet:
    """Responses matching ``query``, best first on PostgreSQL.

    Ranking reads every match's search vector, so a common word over a big call ranks tens of thousands
    of rows to show fifty. With ``rank_within``, only the newest ``rank_within`` matches are ranked (and
    returned): the caller says so when that many match."""
    query = (query or "").strip()
    if not query:
        return queryset
    if _is_postgres():
        search_query = SearchQuery(query, config=CONFIG, search_type="websearch")
        matches = queryset.filter(search_vector=search_query)
        if rank_within:
            newest = matches.order_by("-pk").values("pk")[:rank_within]
            matches = queryset.filter(pk__in=newest)
        return matches.annotate(rank=SearchRank(F("search_vector"), search_query)).order_by("-rank", "-pk")
    if rank_within:
        return queryset.filter(pk__in=search(queryset, query).order_by("-pk").values("pk")[:rank_within])
    for word in query.split()[:8]:
        queryset = queryset.filter(search_document__icontains=word)
    return queryset
