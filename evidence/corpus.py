"""Load a labelled evidence corpus (the format of tests/fixtures/evidence_corpus.json) into a consultation
through the services the web forms and the admin use: each passage is a respondent's answer to the
per-component question, submitted, then reviewed.

Two ways of reviewing (``coding``):
- "suggested": the reviewer tags the labelled components and accepts the app's stance suggestion, codes no
  excerpt (answers only, as most respondents write and a hurried reviewer codes);
- "coded": the reviewer tags the labelled components with the labelled stance and codes the labelled asks,
  problems, counter-arguments and examples as excerpts.
Used by bench/quality.py and the tests of the recommendation rules.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import review, services, suggestions
from .models import (
    Consultation,
    EcosystemComponent,
    Excerpt,
    OrganisationType,
    Question,
    Region,
    Stance,
    Submission,
    Suggestion,
)

SUGGESTED, CODED = "suggested", "coded"
STANCES = {"supports": Stance.SUPPORTS, "opposes": Stance.OPPOSES, "mixed": Stance.MIXED, "none": Stance.NONE}


def read(path: str | Path) -> dict:
    corpus = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(corpus, dict) or not isinstance(corpus.get("passages"), list):
        raise ValueError(f"{path}: not a labelled corpus (an object with a list of passages)")
    return corpus


@dataclass
class Loaded:
    consultation: Consultation
    reference_of: dict[str, str] = field(default_factory=dict)  # passage id → submission reference
    passage_of: dict[str, str] = field(default_factory=dict)  # reference → passage id


def _consultation(slug: str, now: dt.datetime) -> Consultation:
    from .demo import QUESTIONS

    consultation = Consultation.objects.create(
        slug=slug,
        title=f"Labelled corpus ({slug})",
        summary="Labelled passages loaded for measuring the recommendation rules.",
        opens_at=now - dt.timedelta(days=30),
        closes_at=now + dt.timedelta(days=30),
    )
    components = list(EcosystemComponent.objects.active())
    consultation.components.set(components)
    order = 0
    for component in components:
        for text, guidance in QUESTIONS.get(component.slug, [("What should change?", "")]):
            order += 1
            Question.objects.create(
                consultation=consultation, component=component, order=order, text=text, guidance=guidance
            )
    return consultation


def load(corpus: dict, *, slug: str, coding: str, reviewer, now: dt.datetime | None = None) -> Loaded:
    """Submit every passage as a response and review it (``coding``: SUGGESTED or CODED)."""
    if coding not in (SUGGESTED, CODED):
        raise ValueError(f"coding must be {SUGGESTED!r} or {CODED!r}")
    now = now or timezone.now()
    User = get_user_model()
    with transaction.atomic():
        consultation = _consultation(slug, now)
    loaded = Loaded(consultation)
    question_of = {q.component.slug: q for q in consultation.questions.select_related("component")}
    types = {t.slug: t for t in OrganisationType.objects.all()}
    regions = {r.slug: r for r in Region.objects.all()}
    for n, passage in enumerate(corpus["passages"]):
        components = [c for c in passage["components"] if c in question_of]
        if not components:
            continue
        user = User.objects.create_user(username=f"{slug}-{n}", email=f"{slug}-{n}@corpus.example")
        services.organisation_save(
            user=user,
            data={
                "name": passage["organisation"],
                "organisation_type": types.get(passage.get("organisation_type"), types.get("other")),
                "size_band": "" if passage.get("organisation_type") == "individual" else "medium",
                "region": regions.get(passage.get("region"), regions.get("uk-wide")),
            },
        )
        submission = services.submission_start(consultation=consultation, user=user, now=now)
        services.submission_update(
            submission=submission,
            by=user,
            data={"summary": "See our answers.", "confidentiality": "publishable", "consent_to_publish": True},
            now=now,
        )
        # One answer, to the first labelled component's question; the reviewer tags every labelled component.
        services.answers_save(
            submission=submission, by=user, answers={question_of[components[0]].pk: passage["text"]}, now=now
        )
        submission = services.submission_submit(submission=Submission.objects.get(pk=submission.pk), by=user, now=now)
        suggestions.suggestions_refresh(submission_id=submission.pk)
        loaded.reference_of[passage["id"]] = submission.reference
        loaded.passage_of[submission.reference] = passage["id"]
        _review(submission, passage, components, question_of, coding, reviewer)
    return loaded


def _review(submission, passage, components, question_of, coding, reviewer) -> None:
    review.assign(submission=submission, reviewer=reviewer)
    grade = "B" if passage.get("figures") else "C"
    answer = submission.answers.get()
    for slug in components:
        component = question_of[slug].component
        stance = STANCES.get(passage["components"][slug], Stance.NONE) if coding == CODED else None
        review.tag_save(submission=submission, component=component, grade=grade, by=reviewer, stance=stance)
    if coding == SUGGESTED:
        for suggestion in submission.suggestions.filter(kind=Suggestion.Kind.STANCE):
            suggestions.suggestion_decide(suggestion=suggestion, by=reviewer, accept=True)
    else:
        kinds = [
            ("asks", Excerpt.Kind.ASK),
            ("problems", Excerpt.Kind.PROBLEM),
            ("counter", Excerpt.Kind.COUNTER),
            ("examples", Excerpt.Kind.EXAMPLE),
        ]
        for key, kind in kinds:
            for text in passage.get(key) or []:
                for slug in components:
                    review.excerpt_save(
                        excerpt=Excerpt(
                            submission=submission,
                            component=question_of[slug].component,
                            answer=answer,
                            text=text,
                            kind=kind,
                        ),
                        by=reviewer,
                    )
    review.complete_review(submission=submission, by=reviewer)
