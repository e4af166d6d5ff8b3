"""Near-duplicate, campaign and shared-passage detection, one response at a time, at a cost that does not
grow with the call.

Each submitted response is fingerprinted (``evidence.fingerprints``: MinHash signatures of its passages)
and indexed by locality-sensitive hash keys (``PassageBand``). A new response looks up its own keys (an
index look-up returning at most ``BUCKET_CAP`` rows per key), compares itself with the ``MAX_CANDIDATES``
responses that share the most passages with it, and records what it finds as proposals for a reviewer:

- the same text from the same sender (organisation names that differ only in "Ltd" or punctuation):
  a likely **duplicate**;
- the same text from a different sender: a likely **campaign** response, joined to the campaign of the
  responses it matches (or founding one), with what this sender added beyond the shared text;
- a passage of ten words or more shared with an otherwise different response: **shares a passage**
  (two bodies making one proposal in nearly the same words).

Why MinHash with bands in a table rather than PostgreSQL's pg_trgm: trigram posting lists of long texts
grow with the call (every response holds the common trigrams), so a similarity search slows as responses
arrive; band keys of MinHash signatures are near-unique for different texts, and capping each key's rows
bounds the look-up even for a campaign of thousands. The table and the arithmetic are the same on SQLite
and PostgreSQL, so the development set-up finds what production finds.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from . import fingerprints
from .fingerprints import Fingerprint
from .models import Campaign, DuplicateFlag, PassageBand, Submission, TextFingerprint

# A band key stops taking rows at this many: enough to meet a campaign's earlier letters, and a bound
# on the rows a look-up returns.
BUCKET_CAP = 50
# Responses compared in full, those sharing the most passages first.
MAX_CANDIDATES = 20
# Two texts are "the same text" when each has this share of its words in passages found in the other
# (a template letter with a paragraph of the sender's own still shares three quarters of its words).
SAME_TEXT = 0.5
# At most this many shared-passage flags per response (the closest).
MAX_PASSAGE_FLAGS = 5
# Stored excerpts (shared text, what a sender added) are cut to this many characters.
EXCERPT_CHARS = 4000


def _excerpt(text: str, spans: list[tuple[int, int]], chosen) -> str:
    parts = [text[start:end].strip() for n, (start, end) in enumerate(spans) if n in chosen]
    joined = "\n\n".join(p for p in parts if p)
    return joined if len(joined) <= EXCERPT_CHARS else joined[: EXCERPT_CHARS - 1] + "…"


def _insert_bands(rows: list[tuple[int, int, int]]) -> None:
    """Insert (key, submission id, passage) rows in one prepared statement. A bulk back-fill writes some
    twenty rows a response; through the ORM, building and compiling a model object a row cost more than
    the fingerprints themselves."""
    if not rows:
        return
    table = connection.ops.quote_name(PassageBand._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(PassageBand._meta.get_field(name).column) for name in ("key", "submission", "passage")
    )
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)", rows)  # nosec B608: our names


def _index(*, submission_id: int, fp: Fingerprint, sender: str, version: int, keys, full: set[int]) -> None:
    # One statement whether or not the response was indexed before (an upsert).
    TextFingerprint.objects.bulk_create(
        [
            TextFingerprint(
                submission_id=submission_id,
                sender_key=sender,
                passage_words=[p.words for p in fp.passages],
                passage_spans=[[p.start, p.end] for p in fp.passages],
                signatures=fp.to_bytes(),
                version=version,
                indexed_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["submission"],
        update_fields=["sender_key", "passage_words", "passage_spans", "signatures", "version", "indexed_at"],
    )
    PassageBand.objects.bulk_create(
        PassageBand(key=key, submission_id=submission_id, passage=number) for key, number in keys if key not in full
    )


@transaction.atomic
def detect_for_submission(*, submission_id: int) -> int:
    """Fingerprint and index one submitted response, and flag what it shares with earlier ones. Returns
    the number of flags made. Idempotent: a second run for the same version finds the same and adds nothing.

    Queries, whatever the number of responses: the response (with its fingerprint's version); for a
    response seen before, its earlier index rows and undecided flags (deletes); the band look-up; the
    candidates' fingerprints; their campaigns (when the same text came from another sender); then the
    writes: flags, fingerprint (an upsert), bands.
    """
    row = (
        Submission.objects.filter(pk=submission_id, status=Submission.Status.SUBMITTED)
        .values("consultation_id", "organisation__name", "search_document", "version", "fingerprint__version")
        .first()
    )
    if row is None:
        return 0
    text = row["search_document"] or ""
    fp = fingerprints.fingerprint(text)
    sender = fingerprints.sender_key(row["organisation__name"] or "")
    keys = fingerprints.band_keys(row["consultation_id"], fp.signatures)

    if row["fingerprint__version"] is not None:
        # Seen before (a resubmission, or a task delivered twice): indexed and compared afresh; flags a
        # reviewer has decided stay.
        PassageBand.objects.filter(submission_id=submission_id).delete()
        DuplicateFlag.objects.filter(submission_id=submission_id, status=DuplicateFlag.Status.PROPOSED).delete()

    # 1. The band look-up: at most BUCKET_CAP rows per key, so bounded by this response's own size.
    passage_of_key: dict[int, list[int]] = defaultdict(list)
    for key, number in keys:
        passage_of_key[key].append(number)
    per_key: dict[int, int] = defaultdict(int)
    # Candidates ranked by the bands they share: a near copy of a passage shares most of its bands, a
    # chance collision of common phrases one.
    hits: dict[int, int] = defaultdict(int)
    for key, other in PassageBand.objects.filter(key__in=list(passage_of_key)).values_list("key", "submission_id"):
        per_key[key] += 1
        hits[other] += len(passage_of_key[key])
    full = {key for key, n in per_key.items() if n >= BUCKET_CAP}
    ranked = sorted(hits, key=lambda other: (-hits[other], other))[:MAX_CANDIDATES]

    # 2. Compare with the closest candidates on their whole signatures.
    candidates = (
        TextFingerprint.objects.filter(submission_id__in=ranked, submission__status=Submission.Status.SUBMITTED)
        .values_list("submission_id", "sender_key", "passage_words", "signatures", "submission__reference_number")
        .order_by()
    )
    same_sender, other_senders, passages = [], [], []
    for other, other_sender, words, signatures, reference_number in candidates:
        comparison = fingerprints.compare(fp, words, Fingerprint.signatures_from_bytes(bytes(signatures)))
        if comparison.share_a >= SAME_TEXT and comparison.share_b >= SAME_TEXT:
            (same_sender if sender and other_sender == sender else other_senders).append(
                (comparison, other, reference_number or 0)
            )
        elif comparison.close:
            passages.append((comparison, other))

    spans = [(p.start, p.end) for p in fp.passages]
    flags: list[DuplicateFlag] = []
    for comparison, other, _ in same_sender:
        flags.append(
            DuplicateFlag(
                submission_id=submission_id,
                similar_to_id=other,
                similarity=round(min(comparison.share_a, 1.0), 4),
                kind=DuplicateFlag.Kind.DUPLICATE,
                added_text=_excerpt(text, spans, set(range(len(spans))) - comparison.matched_a),
            )
        )
    if other_senders:
        flag = _join_campaign(submission_id, row["consultation_id"], text, spans, other_senders)
        if flag is not None:
            flags.append(flag)
    # A passage already shared with a duplicate or a campaign's text is no news: flag only passages that
    # the same-text matches do not explain (one proposal in nearly the same words from different bodies),
    # checked on the text itself (one more query, for the closest few candidates only).
    explained = set().union(*(c.matched_a for c, *_ in same_sender + other_senders))
    passages = [(c, other) for c, other in passages if {i for i, _ in c.close} - explained]
    passages = sorted(passages, key=lambda p: -p[0].best)[: 2 * MAX_PASSAGE_FLAGS]
    stored = {
        other: (other_spans, other_text)
        for other, other_spans, other_text in (
            TextFingerprint.objects.filter(submission_id__in=[other for _, other in passages]).values_list(
                "submission_id", "passage_spans", "submission__search_document"
            )
            if passages
            else []
        )
    }
    verified = []
    for comparison, other in passages:
        (other_spans, other_text), found = stored.get(other, ([], "")), {}
        for i, j in comparison.close:
            if i in explained or j >= len(other_spans):
                continue
            start, end = other_spans[j]
            similarity = fingerprints.jaccard(text[spans[i][0] : spans[i][1]], other_text[start:end])
            if similarity >= fingerprints.PASSAGE_MATCH:
                found[i] = max(found.get(i, 0.0), similarity)
        if found:
            verified.append((max(found.values()), other, set(found)))
    for best, other, shared in sorted(verified, key=lambda v: -v[0])[:MAX_PASSAGE_FLAGS]:
        flags.append(
            DuplicateFlag(
                submission_id=submission_id,
                similar_to_id=other,
                similarity=round(min(best, 1.0), 4),
                kind=DuplicateFlag.Kind.PASSAGE,
                shared_text=_excerpt(text, spans, shared),
            )
        )
    # Flags a reviewer already decided for a pair are kept as decided.
    made = len(DuplicateFlag.objects.bulk_create(flags, ignore_conflicts=True)) if flags else 0
    _index(submission_id=submission_id, fp=fp, sender=sender, version=row["version"], keys=keys, full=full)
    return made


def _join_campaign(submission_id: int, consultation_id: int, text: str, spans, matches) -> DuplicateFlag | None:
    """A flag joining this response to the campaign of the responses whose text it shares (founding one
    with the earliest of them when none has a campaign yet)."""
    matches.sort(key=lambda m: (-m[0].share_a, m[2]))
    others = [other for _, other, _ in matches]
    campaign_of: dict[int, Campaign] = {}
    # Only the founder's reference is read: not its whole row (text and search vector).
    for campaign in (
        Campaign.objects.filter(founder_id__in=others).select_related("founder").only("founder", "founder__reference")
    ):
        campaign_of[campaign.founder_id] = campaign
    for flag in (
        DuplicateFlag.objects.filter(submission_id__in=others, campaign__isnull=False)
        .exclude(status=DuplicateFlag.Status.REJECTED)
        .select_related("campaign__founder")
        .only("submission", "campaign", "campaign__founder", "campaign__founder__reference")
    ):
        campaign_of.setdefault(flag.submission_id, flag.campaign)
    comparison, other, _ = next(((c, o, r) for c, o, r in matches if o in campaign_of), matches[0])
    campaign = campaign_of.get(other)
    if campaign is not None and campaign.founder_id == submission_id:
        return None  # compared again (an amendment): it heads its campaign already
    if campaign is not None:
        key = campaign.founder.reference
    else:
        # Found the campaign with the earliest matching response, its text as the shared text.
        founder_comparison, founder, _ = min(matches, key=lambda m: m[2])
        founder_row = TextFingerprint.objects.filter(submission_id=founder).values_list(
            "passage_spans", "submission__search_document", "submission__reference"
        )
        founder_spans, founder_text, key = founder_row.first() or ([], "", "")
        everything = set(range(len(founder_spans)))
        campaign, _ = Campaign.objects.get_or_create(
            founder_id=founder,
            defaults={
                "consultation_id": consultation_id,
                "shared_text": _excerpt(founder_text, founder_spans, founder_comparison.matched_b),
                "founder_added": _excerpt(founder_text, founder_spans, everything - founder_comparison.matched_b),
            },
        )
        comparison, other = founder_comparison, founder
    return DuplicateFlag(
        submission_id=submission_id,
        similar_to_id=other,
        similarity=round(min(comparison.share_a, 1.0), 4),
        kind=DuplicateFlag.Kind.CAMPAIGN,
        campaign=campaign,
        campaign_key=key,
        added_text=_excerpt(text, spans, set(range(len(spans))) - comparison.matched_a),
    )


def index_submissions(submission_ids: list[int], *, batch: int = 500) -> int:
    """Fingerprint and index responses without comparing them (a bulk back-fill: seeding, benchmarks).
    Keys are capped as ``detect_for_submission`` caps them. Returns the number indexed."""
    done = 0
    for start in range(0, len(submission_ids), batch):
        chunk = submission_ids[start : start + batch]
        rows = list(
            Submission.objects.filter(pk__in=chunk, status=Submission.Status.SUBMITTED)
            .values_list("pk", "consultation_id", "organisation__name", "search_document", "version")
            .order_by("reference_number", "pk")
        )
        prints, bands = [], []
        fresh: dict[int, list[tuple[int, int]]] = {}
        for pk, consultation_id, name, text, version in rows:
            fp = fingerprints.fingerprint(text or "")
            fresh[pk] = fingerprints.band_keys(consultation_id, fp.signatures)
            prints.append(
                TextFingerprint(
                    submission_id=pk,
                    sender_key=fingerprints.sender_key(name or ""),
                    passage_words=[p.words for p in fp.passages],
                    passage_spans=[[p.start, p.end] for p in fp.passages],
                    signatures=fp.to_bytes(),
                    version=version,
                )
            )
        with transaction.atomic():
            ids = [pk for pk, *_ in rows]
            PassageBand.objects.filter(submission_id__in=ids).delete()
            TextFingerprint.objects.filter(submission_id__in=ids).delete()
            all_keys = list({key for keys in fresh.values() for key, _ in keys})
            count: dict[int, int] = defaultdict(int)
            for at in range(0, len(all_keys), 900):  # SQLite's limit on bound parameters
                taken = (
                    PassageBand.objects.filter(key__in=all_keys[at : at + 900])
                    .values_list("key")
                    .annotate(rows=Count("pk"))
                    .order_by()
                )
                count.update(taken)
            for pk, keys in fresh.items():
                for key, number in keys:
                    if count[key] < BUCKET_CAP:
                        count[key] += 1
                        bands.append((key, pk, number))
            TextFingerprint.objects.bulk_create(prints, batch_size=batch)
            _insert_bands(bands)
        done += len(rows)
    return done


def detect(*, consultation_id: int, submission_ids: list[int]) -> int:
    """Compare several responses (an import), oldest reference first, each as if it had just been
    submitted: the cost is that of one submit per response, whatever the size of the call."""
    ids = (
        Submission.objects.filter(consultation_id=consultation_id, pk__in=submission_ids)
        .order_by("reference_number")
        .values_list("pk", flat=True)
    )
    return sum(detect_for_submission(submission_id=pk) for pk in ids)
