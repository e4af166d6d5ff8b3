"""Near-duplicate and campaign detection: TF-IDF cosine similarity (scikit-learn) between a response's
text and the earlier responses of its consultation. Flags are proposals for a reviewer to confirm."""

from __future__ import annotations

from django.db import transaction

from .models import DuplicateFlag, Submission

THRESHOLD = 0.8
# A text shared by this many organisations or more is a campaign, not a duplicate.
CAMPAIGN_SIZE = 3


def _texts(submissions) -> tuple[list[int], list[str], dict[int, tuple[int, str]]]:
    rows = list(submissions.values_list("pk", "organisation_id", "reference", "search_document", "summary"))
    ids = [r[0] for r in rows]
    texts = [(r[3] or r[4] or "") for r in rows]
    meta = {r[0]: (r[1], r[2]) for r in rows}
    return ids, texts, meta


def detect(*, consultation_id: int, submission_ids: list[int] | None = None, threshold: float = THRESHOLD) -> int:
    """Flag responses (``submission_ids``, or all) similar to an earlier response. Returns flags made."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    pool = Submission.objects.filter(consultation_id=consultation_id, status=Submission.Status.SUBMITTED).order_by(
        "reference_number"
    )
    ids, texts, meta = _texts(pool)
    if len(ids) < 2 or not any(t.strip() for t in texts):
        return 0
    position = {pk: n for n, pk in enumerate(ids)}
    targets = [pk for pk in (submission_ids or ids) if pk in position]
    matrix = TfidfVectorizer(stop_words="english", ngram_range=(1, 2), min_df=1, sublinear_tf=True).fit_transform(texts)
    made = 0
    for start in range(0, len(targets), 500):
        chunk = targets[start : start + 500]
        rows = matrix[[position[pk] for pk in chunk]]
        similarity = (rows @ matrix.T).tocsr()
        for row, pk in enumerate(chunk):
            line = similarity.getrow(row)
            earlier = [
                (ids[col], score)
                for col, score in zip(line.indices, line.data, strict=True)
                if score >= threshold and col < position[pk]
            ]
            if not earlier:
                continue
            organisations = {meta[other][0] for other, _ in earlier} | {meta[pk][0]}
            campaign = len(organisations) >= CAMPAIGN_SIZE
            key = meta[min(earlier, key=lambda e: position[e[0]])[0]][1] if campaign else ""
            with transaction.atomic():
                for other, score in sorted(earlier, key=lambda e: -e[1])[:10]:
                    _, created = DuplicateFlag.objects.get_or_create(
                        submission_id=pk,
                        similar_to_id=other,
                        defaults={
                            "similarity": round(min(float(score), 1.0), 4),
                            "kind": DuplicateFlag.Kind.CAMPAIGN if campaign else DuplicateFlag.Kind.DUPLICATE,
                            "campaign_key": key,
                        },
                    )
                    made += created
    return made


def detect_for_submission(*, submission_id: int) -> int:
    consultation_id = Submission.objects.filter(pk=submission_id).values_list("consultation_id", flat=True).first()
    if consultation_id is None:
        return 0
    return detect(consultation_id=consultation_id, submission_ids=[submission_id])
