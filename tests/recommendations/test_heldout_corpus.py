"""The held-out labelled corpus (tests/fixtures/evidence_heldout.json): passages written after the cues of
evidence/language.py were tuned on evidence_corpus.json, by another author and phrased differently (passive
asks, "we would urge", "there is a need for", questions, bullet lists, asks buried in long answers, "should"
used descriptively, negated asks, conditional dissent). It keeps the same format rules, with smaller counts."""

import json
from pathlib import Path

import pytest

from evidence.models import EcosystemComponent, Indicator, OrganisationType, Region

from .test_corpus_fixture import LIMITS, corpus_problems

HELDOUT_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "evidence_heldout.json"
HELDOUT_LIMITS = LIMITS | {
    "passages": 40,
    "per_component": 4,
    "dissenting": 10,
    "ask_groups": 6,
    "without_ask": 6,
    "figure_shapes": False,
}


@pytest.fixture
def catalogues(db):
    return {
        "components": set(EcosystemComponent.objects.values_list("slug", flat=True)),
        "indicators": set(Indicator.objects.values_list("slug", flat=True)),
        "organisation_types": set(OrganisationType.objects.values_list("slug", flat=True)),
        "regions": set(Region.objects.values_list("slug", flat=True)),
    }


@pytest.fixture
def heldout():
    with HELDOUT_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def test_heldout_corpus_keeps_the_format_rules(heldout, catalogues):
    assert corpus_problems(heldout, catalogues, HELDOUT_LIMITS) == []
