"""Duplicates, campaigns and shared passages: what is found, how it is grouped, and that the work of one
submit does not grow with the call."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence import duplicates, fingerprints, search
from evidence.models import Campaign, DuplicateFlag, PassageBand, Submission
from tests import factories

pytestmark = pytest.mark.django_db

TEMPLATE = [
    "We call on the government to set out a national medicines manufacturing strategy with long-term "
    "capital funding that lasts beyond a single spending review.",
    "Approvals for new facilities take too long: the MHRA should inspect new sites within ninety days and "
    "recognise inspections by the FDA and the EMA so that work is not done twice.",
    "The NHS should publish demand signals for critical medicines, so that manufacturers can justify "
    "building capacity in the United Kingdom rather than abroad.",
]

DISTINCT = [
    "Our Speke site lost two hundred process technicians to the automotive sector last year, and the "
    "apprenticeship levy cannot be spent on the short courses we need for sterile manufacturing.",
    "Energy costs at our plant in Grangemouth doubled between 2021 and 2023; a grid connection for the "
    "new biologics hall was quoted for 2031, which makes the investment case impossible to close.",
    "As a contract manufacturer we compete for projects with sites in Ireland and Singapore, where capital "
    "grants arrive within months and the tax treatment of plant and machinery is simpler.",
    "Recruiting qualified persons for batch release is our hardest problem: there are too few of them, "
    "and training a new one takes about four years of supervised practice on a licensed site.",
]


def letter(paragraphs, *, greeting="Dear MMIP team,", sign_off="Yours sincerely,\nA. Sender"):
    return "\n\n".join([greeting, *paragraphs, sign_off])


def submit(consultation, text, organisation=None, **kwargs):
    """A submitted response with ``text`` as its summary, indexed and compared as the worker does."""
    organisation = organisation or factories.OrganisationFactory(**kwargs)
    submission = factories.SubmittedSubmissionFactory(
        consultation=consultation, organisation=organisation, summary=text, proposals=""
    )
    search.refresh([submission.pk])
    duplicates.detect_for_submission(submission_id=submission.pk)
    return submission


def test_a_template_letter_from_many_senders_is_one_campaign(consultation):
    first = submit(consultation, letter(TEMPLATE))
    reordered = submit(
        consultation,
        letter([TEMPLATE[2], TEMPLATE[0], TEMPLATE[1]], greeting="To whom it may concern,", sign_off="Best, Jo"),
    )
    edited = submit(
        consultation,
        letter([TEMPLATE[0].replace("national", "UK-wide"), TEMPLATE[1].replace("ninety", "sixty"), TEMPLATE[2]]),
    )
    personal = submit(consultation, letter([*TEMPLATE, DISTINCT[0]], greeting="Hello,"))
    campaign = Campaign.objects.get()
    assert campaign.founder == first
    flags = DuplicateFlag.objects.filter(kind=DuplicateFlag.Kind.CAMPAIGN)
    assert {f.submission for f in flags} == {reordered, edited, personal}
    assert {f.campaign for f in flags} == {campaign}
    assert {f.campaign_key for f in flags} == {first.reference}
    assert "national medicines manufacturing strategy" in campaign.shared_text
    added = flags.get(submission=personal).added_text
    assert "Speke site lost two hundred" in added and "MHRA" not in added
    assert not DuplicateFlag.objects.exclude(kind=DuplicateFlag.Kind.CAMPAIGN).exists()


def test_the_same_organisation_twice_is_a_duplicate_not_a_campaign(consultation):
    original = submit(consultation, "\n".join(DISTINCT[:2]), name="Pennine Biologics Ltd")
    again = submit(
        consultation, "\n".join(DISTINCT[:2]).replace("doubled", "more than doubled"), name="PENNINE BIOLOGICS LIMITED"
    )
    flag = DuplicateFlag.objects.get()
    assert (flag.submission, flag.similar_to, flag.kind) == (again, original, DuplicateFlag.Kind.DUPLICATE)
    assert flag.similarity > 0.9
    assert not Campaign.objects.exists()


def test_different_responses_on_the_same_topic_are_not_flagged(consultation):
    for text in DISTINCT:
        submit(consultation, text)
    submit(consultation, "\n".join(TEMPLATE))
    assert not DuplicateFlag.objects.exists()


def test_one_proposal_in_nearly_the_same_words_in_different_responses_is_a_shared_passage(consultation):
    proposal = (
        "We propose a medicines manufacturing investment fund of five hundred million pounds, with decisions "
        "on applications within twelve weeks and support for both capital and skills."
    )
    first = submit(consultation, "\n".join([DISTINCT[0], proposal, DISTINCT[1]]), name="Speke Pharma")
    second = submit(
        consultation,
        "\n".join([DISTINCT[2], proposal.replace("We propose", "The trade body proposes"), DISTINCT[3]]),
        name="BioIndustry Body",
    )
    flag = DuplicateFlag.objects.get()
    assert (flag.submission, flag.similar_to, flag.kind) == (second, first, DuplicateFlag.Kind.PASSAGE)
    assert "investment fund of five hundred million" in flag.shared_text
    assert "Singapore" not in flag.shared_text


def test_running_again_changes_nothing_and_keeps_a_reviewers_decision(consultation, reviewer):
    submit(consultation, letter(TEMPLATE))
    second = submit(consultation, letter(TEMPLATE, greeting="Hi,"))
    DuplicateFlag.objects.update(status=DuplicateFlag.Status.REJECTED)
    duplicates.detect_for_submission(submission_id=second.pk)
    flag = DuplicateFlag.objects.get()
    assert flag.status == DuplicateFlag.Status.REJECTED
    assert PassageBand.objects.filter(submission=second).count() == len(TEMPLATE) * fingerprints.BANDS


def test_drafts_and_empty_responses_are_not_indexed(consultation):
    draft = factories.SubmissionFactory(consultation=consultation, summary=letter(TEMPLATE))
    assert duplicates.detect_for_submission(submission_id=draft.pk) == 0
    short = submit(consultation, "Agree.")
    assert not PassageBand.objects.exists()
    assert short.fingerprint.passage_words == []


def _detection_queries(submission) -> list[str]:
    search.refresh([submission.pk])
    with CaptureQueriesContext(connection) as queries:
        duplicates.detect_for_submission(submission_id=submission.pk)
    # Each statement without its values (ids, keys): what is read and written, not which rows.
    return [re.split(r" WHERE | VALUES ", q["sql"])[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


def test_the_work_of_one_submit_does_not_grow_with_the_call(consultation, monkeypatch):
    """Same queries and a bounded look-up whether the call holds a few responses or a large campaign."""
    monkeypatch.setattr(duplicates, "BUCKET_CAP", 4)
    monkeypatch.setattr(duplicates, "MAX_CANDIDATES", 3)
    submit(consultation, letter(TEMPLATE))
    submit(consultation, letter(TEMPLATE, greeting="Hi,"))
    small = factories.SubmittedSubmissionFactory(consultation=consultation, summary=letter(TEMPLATE), proposals="")
    few = _detection_queries(small)
    for n in range(12):
        submit(consultation, letter(TEMPLATE, sign_off=f"Regards, sender {n}"))
    for text in DISTINCT:
        submit(consultation, text)
    large = factories.SubmittedSubmissionFactory(consultation=consultation, summary=letter(TEMPLATE), proposals="")
    many = _detection_queries(large)
    # The response with its fingerprint's version (none yet: nothing to delete); the band look-up; the
    # candidates' fingerprints; campaigns they founded; campaigns they joined (their flags); insert the
    # flags; upsert the fingerprint; insert the bands.
    assert len(few) == 8
    # The same statements, less the bands insert: every key of a 13th copy of the letter is full.
    assert many == [q for q in few if not q.startswith('INSERT INTO "evidence_passageband"')]
    # A full key takes no more rows: a look-up returns at most BUCKET_CAP rows per key.
    keys = PassageBand.objects.values_list("key", flat=True)
    assert max(list(keys).count(k) for k in set(keys)) == 4
    # Compared with at most MAX_CANDIDATES responses: only three signatures were read.
    assert Submission.objects.filter(consultation=consultation).count() == 2 + 1 + 12 + 4 + 1
    assert DuplicateFlag.objects.get(submission=large).kind == DuplicateFlag.Kind.CAMPAIGN


@pytest.fixture
def campaign_of_three(consultation, reviewer):
    """A template letter from three organisations of one type, the first tagged "skills" by a reviewer;
    the third is commercially confidential and adds a paragraph of its own."""
    from evidence.models import ComponentTag

    kind = factories.organisation_type("cdmo")
    first = submit(consultation, letter(TEMPLATE), organisation_type=kind)
    submit(consultation, letter(TEMPLATE, greeting="Hi,"), organisation_type=kind)
    third = submit(consultation, letter([*TEMPLATE, DISTINCT[3]]), organisation_type=kind)
    Submission.objects.filter(pk=third.pk).update(confidentiality=Submission.Confidentiality.CONFIDENTIAL)
    ComponentTag.objects.create(submission=first, component=factories.component("skills"), reviewer=reviewer, grade="C")
    return Campaign.objects.get()


def _skills_cdmo(consultation) -> int:
    from recommendations import dashboard

    board = dashboard.build(consultation)
    row = dict(board.coverage)["Contract development and manufacturing organisation (CDMO/CMO)"]
    return row[board.components.index("Skills and talent")][0]


def test_the_coverage_counts_a_campaign_per_sender_or_once_as_a_lead_decides(consultation, campaign_of_three):
    assert campaign_of_three.counting == Campaign.Counting.PER_SENDER
    assert _skills_cdmo(consultation) == 3  # the founder's tags count for each of the three senders
    DuplicateFlag.objects.filter(submission__summary__contains="Hi,").update(status=DuplicateFlag.Status.REJECTED)
    assert _skills_cdmo(consultation) == 2  # a rejected flag: that sender is not part of the campaign
    Campaign.objects.update(counting=Campaign.Counting.ONCE)
    assert _skills_cdmo(consultation) == 1


def test_reviewers_see_a_campaign_as_one_group_without_confidential_text(client, campaign_of_three, reviewer, lead):
    from django.urls import reverse

    url = reverse("admin:evidence_campaign_change", args=[campaign_of_three.pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "national medicines manufacturing strategy" in page  # the shared text, once
    assert page.count("Nothing beyond the shared text.") == 1  # the second sender added nothing
    assert "qualified persons for batch release" not in page  # the third's own words are confidential
    assert "Commercial in confidence" in page
    assert 'name="counting"' not in page  # how it counts is the leads' decision
    client.force_login(lead)
    page = client.get(url).content.decode()
    assert "qualified persons for batch release" in page and 'name="counting"' in page
    response = client.post(url, {"counting": Campaign.Counting.ONCE})
    assert response.status_code == 302
    campaign_of_three.refresh_from_db()
    assert campaign_of_three.counting == Campaign.Counting.ONCE


def test_the_back_fill_command_compares_responses_from_before_the_index(consultation):
    from django.core.management import call_command

    first = factories.SubmittedSubmissionFactory(consultation=consultation, summary=letter(TEMPLATE), proposals="")
    second = factories.SubmittedSubmissionFactory(consultation=consultation, summary=letter(TEMPLATE), proposals="")
    search.refresh([first.pk, second.pk])
    call_command("detect_duplicates", consultation=consultation.slug)
    assert DuplicateFlag.objects.get().submission == second
    call_command("detect_duplicates", consultation=consultation.slug)  # nothing left to do
    assert DuplicateFlag.objects.count() == 1


def test_a_flag_page_withholds_a_confidential_responses_shared_passage(client, consultation, reviewer, lead):
    from django.urls import reverse

    proposal = (
        "We propose a medicines manufacturing investment fund of five hundred million pounds, with decisions "
        "on applications within twelve weeks and support for both capital and skills."
    )
    submit(consultation, "\n".join([DISTINCT[0], proposal, DISTINCT[1]]))
    second = submit(consultation, "\n".join([DISTINCT[2], proposal, DISTINCT[3]]))
    Submission.objects.filter(pk=second.pk).update(confidentiality=Submission.Confidentiality.CONFIDENTIAL)
    url = reverse("admin:evidence_duplicateflag_change", args=[DuplicateFlag.objects.get().pk])
    client.force_login(reviewer)
    page = client.get(url).content.decode()
    assert "investment fund" not in page and "Commercial in confidence" in page
    client.force_login(lead)
    assert "investment fund" in client.get(url).content.decode()


def test_signatures_are_datasketchs_minhashes():
    """The signatures are computed for all of a response's passages in one array operation; they must stay
    what datasketch's MinHash gives for each passage (stored signatures are compared with new ones)."""
    import numpy as np
    from datasketch import MinHash

    words = "uk medicines manufacturing skills capital grant site gmp regulator mhra tax relief the of and".split()
    for n in range(40):
        sets = [
            [
                f"{words[(n + i) % len(words)]} {words[(n * i) % len(words)]} {i}".encode()
                for i in range(1 + (n * 7 + k) % 50)
            ]
            for k in range(1 + n % 6)
        ]
        expected = np.vstack(
            [m.hashvalues.astype(np.uint32) for m in MinHash.bulk(sets, num_perm=fingerprints.NUM_PERM, seed=1)]
        )
        assert (fingerprints._minhash_signatures(sets) == expected).all()


def test_the_bulk_back_fill_caps_each_key_like_a_submit(consultation, monkeypatch):
    monkeypatch.setattr(duplicates, "BUCKET_CAP", 3)
    letter = (
        "We ask the government to extend the medicines manufacturing investment fund for five more years "
        "and to open a capital grant round for small sites every spring, as the sector has asked before."
    )
    ids = [factories.SubmittedSubmissionFactory(consultation=consultation, summary=letter).pk for _ in range(6)]
    search.refresh(ids)
    assert duplicates.index_submissions(ids, batch=4) == 6
    per_key = {}
    for key in PassageBand.objects.values_list("key", flat=True):
        per_key[key] = per_key.get(key, 0) + 1
    assert per_key and max(per_key.values()) == 3
