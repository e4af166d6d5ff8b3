"""The rules a lead relies on, pinned on small hand-made evidence: drafts come from asks (never from facts,
problems or counter-arguments), dissent is shown and never counted as support, ties are ties, one ask is
one recommendation, themes read as phrases, and only approved theme wording is public."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from evidence import corpus as corpus_loader
from evidence import suggestions
from evidence.language import ask_cue, ask_sentences, read_stance
from evidence.models import ComponentTag, Excerpt, Suggestion, SuggestionDecision
from recommendations import services
from recommendations.compile import compile_component
from recommendations.compile.asks import Ask, group_asks, imperative, recommendation_title
from recommendations.compile.crossref import DraftKey, cross_references
from recommendations.compile.data import ActorInfo, ComponentInput, EvidenceItem, Text
from recommendations.models import Recommendation, Theme

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "recs_mini_corpus.json"
ACTORS = (ActorInfo("DfE", ("Department for Education", "DfE")), ActorInfo("MHRA", ("MHRA",)))


def item(ref, org, text="", stance="none", grade="C", org_type="CDMO", excerpts=(), proposal="", **kw):
    return EvidenceItem(
        reference=ref,
        organisation_id=org,
        organisation_type=org_type,
        region="Wales",
        grade=grade,
        relevance="primary",
        publishable=kw.get("publishable", True),
        confidential=kw.get("confidential", False),
        texts=((Text(ref, "answer", text),) if text else ())
        + tuple(Text(ref, "excerpt", t, kind) for t, kind in excerpts),
        proposals=(Text(ref, "proposal", proposal),) if proposal else (),
        stance=stance,
    )


def component(*items):
    return ComponentInput("skills", "Skills and talent", tuple(items), (), (), actors=ACTORS)


# --- Reading sentences -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The government should extend full expensing to buildings.",
        "We call on DfE to reform the apprenticeship levy by 2027.",
        "Extend the Life Sciences Innovative Manufacturing Fund beyond 2026.",
        "We urge ministers to publish a ten-year plan.",
        "It is essential that MHRA inspections are scheduled within weeks.",
        "If the UK wants onshoring, offer long-term contracts.",
        "There is an urgent need for a national register of GMP technicians.",
        "What is needed is a grant budget that outlasts the electoral cycle.",
        "A predictable inspection calendar is what our members need most.",
        "We'd urge DBT to publish its investment pipeline.",
        "It is time ministers published the critical medicines list.",
        "Cheaper grid connections for science parks must be a priority for Ofgem.",
        "Should the scheme be renewed, a shorter application form would let small firms take part.",
    ],
)
def test_asks_phrased_many_ways_are_read_as_asks(sentence):
    assert ask_cue(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "A £350 million hub opened in 2021 and was the first new facility of its kind.",
        "Critics are sceptical that grants alone will bring investment.",
        "Should the UK subsidise onshoring?",
        "We need to recruit 40 engineers this year.",
        "Capital grants should not be extended to large firms.",
        "Support from the catapult was essential to our scale-up.",
        "It should come as no surprise that investment went elsewhere.",
        "This should be read as a sign that the grants worked.",
        "Buyers want equipment that should last for decades.",
        "Each new operator has to be trained by us for most of a year.",
        "That would let us hire two more technicians.",
    ],
)
def test_facts_questions_own_plans_and_counter_arguments_are_not_asks(sentence):
    assert ask_cue(sentence) is None


def test_opposition_and_caution_are_read_as_a_stance():
    assert read_stance("We do not support a lower rebate rate. It would cost the NHS.").stance == "opposes"
    assert read_stance("Government should cap the rebate. However, it risks NHS budgets, so be careful.").stance in {
        "mixed",
        "opposes",
    }
    assert read_stance("We call on DfE to reform the levy.").stance == "supports"


def test_a_title_is_an_imperative_action_with_the_actor_read_from_the_catalogue():
    title, _ = imperative("The VPAG rebate rate must be capped at 15% for medicines made in the UK.")
    assert title == "Cap the VPAG rebate rate at 15% for medicines made in the UK"
    title, actor = imperative("We call on DfE to reform the apprenticeship levy by 2027.", ("DfE",))
    assert title == "Reform the apprenticeship levy by 2027" and actor == "DfE"
    assert imperative("Manufacturing sites must be given priority for grid connections.")[0] == (
        "Give manufacturing sites priority for grid connections"
    )


# --- Drafting -----------------------------------------------------------------------------------------------


def test_answers_only_evidence_yields_drafts_from_detected_asks():
    result = compile_component(
        component(
            item("R1", 1, "We have 45 vacancies. We call on DfE to reform the apprenticeship levy by 2027."),
            item("R2", 2, "It takes nine months to fill a role. Reform the apprenticeship levy for modular courses."),
            item("R3", 3, "A £12 million training facility opened in 2021 and trains 300 people a year."),
        )
    )
    assert result.status == "ok"
    draft = result.drafts[0]
    assert draft.title.startswith("DfE should reform the apprenticeship levy")  # the actor the evidence names
    assert draft.actor == "DfE" and draft.timescale == "by 2027"
    assert "detected, not coded" in draft.rationale[0].text  # weighted below coded asks, and says so
    assert "opened in 2021" not in draft.title


def test_a_fact_a_problem_or_a_counter_argument_never_becomes_a_title():
    result = compile_component(
        component(
            item("R1", 1, "A £350 million hub opened in 2021 and was the first new facility of its kind."),
            item("R2", 2, "Critics are sceptical that grants alone will bring investment to the region."),
            item("R3", 3, "We have 45 unfilled vacancies for process technicians at our site this year."),
        )
    )
    assert result.drafts == []
    assert (
        result.message == "not enough evidence: 3 reviewed responses, 0 asks coded or detected (1 oppose or caution)."
    )


def test_a_dissenting_passage_lands_under_dissent_and_is_never_counted_as_support():
    dissent = "We do not support another training centre; it would do little to help small firms."
    result = compile_component(
        component(
            item("R1", 1, "Government should fund a national training centre for sterile manufacturing."),
            item("R2", 2, "Fund a national training centre for sterile manufacturing in the north."),
            # Coded as opposing, though it also contains an ask-like sentence: it never supports.
            item(
                "R3",
                3,
                f"{dissent} Government should fund a national training centre only if firms can use it.",
                stance="opposes",
                excerpts=[(dissent, "counter")],
            ),
        )
    )
    draft = result.drafts[0]
    assert "R3" not in draft.basis["references"] and draft.basis["source"]["reference"] != "R3"
    assert draft.basis["supporters"] == 2
    assert any("R3" in s.references and "do not support" in s.text for s in draft.dissent)
    assert draft.contested  # one opposing organisation against two supporters


def test_a_coded_ask_outranks_the_same_evidence_only_detected():
    coded = "Reform the apprenticeship levy so employers can fund modular courses."
    result = compile_component(
        component(
            item("R1", 1, f"Skills are scarce here. {coded}", excerpts=[(coded, "ask")]),
            item("R2", 2, "We urge the MHRA to publish service levels for inspections of new facilities."),
        )
    )
    assert [d.basis["weighted_supporters"] for d in result.drafts] == [1.0]  # the detected one is not drafted
    assert result.drafts[0].title.startswith("Reform the apprenticeship levy")


def test_ties_are_shown_as_ties_and_not_broken_alphabetically():
    asks = [
        Ask("R2", 2, "CDMO", "B", "Zone manufacturing sites for faster planning decisions.", "coded"),
        Ask("R1", 1, "CDMO", "B", "Abolish the duplicate inspection fee for new facilities.", "coded"),
    ]
    groups = group_asks(asks)
    assert [g.rank for g in groups] == [1, 1]
    assert groups[0].tied_with == [2] and groups[1].tied_with == [1]
    # Within a tie the earliest response comes first (R1), whatever the alphabet says about the wording.
    asks[1] = Ask("R1", 1, "CDMO", "B", "Zzz: abolish the duplicate inspection fee for new facilities.", "coded")
    assert [g.wording.reference for g in group_asks(asks)] == ["R1", "R2"]


def test_the_same_ask_from_several_organisations_in_different_words_is_one_recommendation():
    result = compile_component(
        component(
            item("R1", 1, "We call on DfE to reform the apprenticeship levy so it can pay for modular courses."),
            item("R2", 2, "The apprenticeship levy should be made flexible enough to fund modular courses."),
            item("R3", 3, "Reform the apprenticeship levy so employers can spend it on modular courses."),
        )
    )
    assert len(result.drafts) == 1
    assert result.drafts[0].basis["supporters"] == 3


def test_an_ask_raised_under_two_components_is_listed_once_and_cross_referenced():
    keys = [
        DraftKey(1, "Skills", ("reform", "apprenticeship", "levy", "modular"), 3.0, (2, 1)),
        DraftKey(2, "Innovation", ("reform", "apprenticeship", "levy", "course"), 1.0, (4, 1)),
        DraftKey(3, "Innovation", ("fund", "scale", "capacity"), 2.0, (4, 2)),
    ]
    assert cross_references(keys) == {1: [2]}


def test_theme_labels_are_phrases_with_stance_counts_and_single_points_go_under_other_points():
    result = compile_component(
        component(
            item("R1", 1, "The apprenticeship levy rules make training hard to expand for small firms."),
            item("R2", 2, "Our apprenticeship levy funds cannot pay for modular training courses."),
            item(
                "R3", 3, "We do not support changes to the apprenticeship levy rules for small firms.", stance="opposes"
            ),
            item("R4", 4, "Grid connections for our new site will take two years to arrive."),
        )
    )
    labels = [t.label for t in result.themes]
    assert "Other points" in labels
    for theme in result.themes:
        words = re.findall(r"[a-z0-9£%]+", theme.label.lower())
        assert theme.label.count(",") < 2 and not any(w.isdigit() for w in words) and len(words) == len(set(words))
    levy = next(t for t in result.themes if "levy" in t.label.lower())
    assert levy.opposes == 1 and levy.supports >= 1  # the opposing response is counted as opposing


# --- Through the services: coding, suggestions, runs, themes and the public page ------------------------------


@pytest.fixture
def mini_run(db, reviewer, lead, django_capture_on_commit_callbacks):
    loaded = corpus_loader.load(
        corpus_loader.read(MINI), slug="mini", coding=corpus_loader.SUGGESTED, reviewer=reviewer
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.compilation_start(consultation=loaded.consultation, by=lead)
    run.refresh_from_db()
    return loaded, run


def test_answers_only_responses_reviewed_with_accepted_suggestions_compile_to_drafts(mini_run):
    loaded, run = mini_run
    assert run.state == "succeeded"
    titles = list(Recommendation.objects.filter(run=run).values_list("title", flat=True))
    assert any(re.match(r"(?:DfE should r|R)eform the apprenticeship levy", t) for t in titles), titles
    opposing = loaded.reference_of["M09"]  # "We do not support a lower rebate rate."
    for rec in Recommendation.objects.filter(run=run):
        assert opposing not in rec.basis["references"]
    assert any(opposing in s["references"] for rec in Recommendation.objects.filter(run=run) for s in rec.dissent)


def test_suggestions_never_count_until_a_reviewer_accepts_them(db, reviewer, mini_run):
    loaded, _ = mini_run
    from evidence.models import Submission

    submission = Submission.objects.get(reference=loaded.reference_of["M01"])
    ask = submission.suggestions.get(kind=Suggestion.Kind.ASK)
    assert not Excerpt.objects.filter(submission=submission, kind="ask").exists()
    # The corpus reviewer finished the round; a new round lets us test the one-click decisions.
    submission.assignments.update(status="assigned")
    suggestions.suggestion_decide(suggestion=ask, by=reviewer, accept=False)
    assert not Excerpt.objects.filter(submission=submission, kind="ask").exists()
    suggestions.suggestion_decide(suggestion=ask, by=reviewer, accept=True)
    assert Excerpt.objects.get(submission=submission, kind="ask").text == ask.text
    assert SuggestionDecision.objects.get(suggestion=ask).decision == "accepted"
    quality = {q.label: q for q in suggestions.quality()}
    assert quality["Stance per component"].suggested >= 1


def test_only_approved_theme_wording_reaches_the_public_page_and_carries_to_later_runs(
    client, lead, mini_run, django_capture_on_commit_callbacks
):
    loaded, run = mini_run
    recommendation = Recommendation.objects.filter(run=run).first()
    services.recommendation_transition(recommendation=recommendation, to="in_review", by=lead)
    services.recommendation_transition(recommendation=recommendation, to="approved", by=lead)
    url = reverse("you_said_we_did", args=[loaded.consultation.slug])
    theme = Theme.objects.filter(run=run, component=recommendation.component).first()
    assert theme.label not in client.get(url).content.decode()  # proposed wording is not public
    services.theme_approve(theme=theme, by=lead, label="Reform of the apprenticeship levy")
    assert "Reform of the apprenticeship levy" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        later = services.compilation_start(consultation=loaded.consultation, by=lead)
    carried = Theme.objects.get(run=later, component=theme.component, member_key=theme.member_key)
    assert (carried.label, carried.status) == ("Reform of the apprenticeship levy", "approved")


def test_a_lead_renames_merges_and_approves_themes_on_the_run_page(client, lead, mini_run):
    _, run = mini_run
    client.force_login(lead)
    first, second = Theme.objects.filter(run=run).exclude(other_points=True)[:2]
    url = reverse("recommendations:run_themes", args=[run.pk])
    client.post(url, {"action": "rename", "theme": first.pk, "label": "Skills shortages"})
    first.refresh_from_db()
    assert (first.label, first.status) == ("Skills shortages", "proposed")
    if second.component_id == first.component_id:
        client.post(url, {"action": "merge", "theme": [first.pk, second.pk], "label": "Skills and training"})
        second.refresh_from_db()
        assert second.status == "merged" and second.merged_into_id == first.pk
    client.post(url, {"action": "approve", "theme": first.pk})
    first.refresh_from_db()
    assert first.status == "approved"
    page = client.get(reverse("recommendations:run_detail", args=[run.pk])).content.decode()
    assert first.label in page


def test_stance_and_excerpt_kind_are_part_of_dual_review(db, reviewer, consultation):
    from evidence import review
    from tests import factories

    second = factories.UserFactory(username="rob", groups=["Reviewer"])
    submission = factories.SubmittedSubmissionFactory(consultation=consultation)
    skills = factories.component("skills")
    review.assign(submission=submission, reviewer=reviewer)
    review.assign(submission=submission, reviewer=second, round="second")
    review.tag_save(submission=submission, component=skills, grade="B", by=reviewer, stance="supports")
    review.tag_save(submission=submission, component=skills, grade="B", by=second, stance="opposes")
    review.complete_review(submission=submission, by=reviewer)
    review.complete_review(submission=submission, by=second)
    submission.refresh_from_db()
    assert submission.has_disagreement  # same grade, different stance
    stance, kind = review.coding_agreement()
    assert (stance.pairs, stance.agreed) == (1, 0)
    assert kind.pairs == 0
    assert ComponentTag.objects.filter(submission=submission, stance="opposes").count() == 1


def test_a_proposal_stated_by_its_benefit_is_the_ask_only_where_there_is_no_direct_one():
    benefit = "A shared training centre would close most of the gap."
    assert [c.sentence for c in ask_sentences(f"Recruitment takes a year. {benefit}")] == [benefit]
    direct = "DfE should fund a shared training centre."
    assert [c.sentence for c in ask_sentences(f"{direct} {benefit}")] == [direct]


@pytest.mark.parametrize(
    "text, stance",
    [
        ("We would support a change to the levy, but only if apprenticeships keep their share.", "mixed"),
        ("We support grants in principle. The forms take weeks to complete.", "mixed"),
        ("It should not be surprising that firms invest abroad. Government should cut energy costs.", "supports"),
        (
            "We would caution ministers against blanket relief; it rewards firms with no plan to cut emissions.",
            "opposes",
        ),
    ],
)
def test_conditional_support_is_mixed_and_descriptive_should_not_is_no_opposition(text, stance):
    assert read_stance(text).stance == stance


@pytest.mark.parametrize(
    "sentence, title",
    [
        (
            "There is a need for a national register of GMP technicians.",
            "Provide a national register of GMP technicians",
        ),
        ("It is time ministers published the critical medicines list.", "Publish the critical medicines list"),
        (
            "Cheaper grid connections must be a priority for the industrial strategy.",
            "Provide cheaper grid connections",
        ),
        ("Making the forms shorter would, in our view, help small firms most.", "Make the forms shorter"),
        (
            "The levies should be removed and paid for through taxation.",
            "Remove the levies and pay for them through taxation",
        ),
        ("A clear plan should be published, with targets.", "Publish a clear plan, with targets"),
        ("MMIP should consider recommending a skills fund.", "Recommend a skills fund"),
        ("We'd like to see government fund more training places.", "Fund more training places"),
    ],
)
def test_asks_in_the_forms_respondents_use_become_imperative_titles(sentence, title):
    assert imperative(sentence)[0] == title


def test_dissent_about_the_component_in_general_is_shown_but_not_as_opposing_the_ask():
    objection = "Quarterly visa fees for overseas chemists are the real problem; nobody mentions them."
    result = compile_component(
        component(
            item("R1", 1, "Government should fund a national training centre for sterile manufacturing."),
            item("R2", 2, "Fund a national training centre for sterile manufacturing in the north."),
            item("R3", 3, objection, stance="opposes", excerpts=[(objection, "counter")]),
        )
    )
    draft = result.drafts[0]
    assert [s.references for s in draft.dissent] == [["R3"]]
    assert "in general, not on this ask" in draft.dissent[0].text
    assert not any("against this" in s.text for s in draft.rationale)
    assert not draft.contested


# --- Grouping across wording, rules described, dissent matched on topic (fresh sentences, in neither corpus) --


def test_the_same_ask_in_the_domain_vocabularys_other_words_is_one_draft():
    result = compile_component(
        component(
            item("R1", 1, "Government should cut the cost of power for factories that run around the clock."),
            item("R2", 2, "Electricity bills for manufacturers must come down to what firms pay in France."),
            item("R3", 3, "We would like to see lower energy tariffs for industrial sites."),
            item("R4", 4, "DfE should publish a ten-year plan for apprenticeships in laboratory science."),
            item("R5", 5, "Fund a ten-year plan for apprenticeships in laboratory science."),
        )
    )
    by_refs = {tuple(d.basis["references"]): d for d in result.drafts}
    assert ("R1", "R2", "R3") in by_refs, [d.basis["references"] for d in result.drafts]
    assert ("R4", "R5") in by_refs  # a different ask stays apart


def test_a_front_door_and_a_point_of_contact_are_one_ask():
    result = compile_component(
        component(
            item("R1", 1, "Ministers should set up a one-stop shop for companies investing in new plants."),
            item("R2", 2, "Give every inward investor a single point of contact across departments."),
            item(
                "R3", 3, "We ask the Department to name a case manager for each investor, able to speak for Whitehall."
            ),
        )
    )
    assert [d.basis["references"] for d in result.drafts] == [["R1", "R2", "R3"]]


@pytest.mark.parametrize(
    "sentence",
    [
        "From April 2027 every supplier must publish a carbon reduction plan for its products.",
        "Under the new contract terms, wholesalers have to hold eight weeks of stock for each critical medicine.",
        "Since January, every new site must register its water abstraction with the Environment Agency.",
        "Every NHS supplier must by law report its scope 3 emissions from next year.",
    ],
)
def test_a_rule_that_exists_or_is_coming_described_is_not_an_ask(sentence):
    assert ask_cue(sentence) is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Every supplier must be required to publish a carbon reduction plan.",
        "Government should require every supplier to publish a carbon reduction plan.",
        "From 2027 the Department must publish a shortage list every quarter.",
    ],
)
def test_asking_for_a_rule_is_still_an_ask(sentence):
    assert ask_cue(sentence) is not None


def test_an_objection_sharing_only_common_words_with_a_draft_is_about_the_component_in_general():
    planning = (
        "We do not agree that planning rules for new factories should be relaxed on green belt land; "
        "brownfield sites near the river are standing empty."
    )
    levy = "We would caution against letting employers spend the apprenticeship levy on short courses."
    result = compile_component(
        component(
            item("R1", 1, "Reform the apprenticeship levy so employers can fund short courses for new factories."),
            item("R2", 2, "We call on DfE to let the apprenticeship levy pay for short courses in sterile work."),
            item("R3", 3, planning, stance="opposes", excerpts=[(planning, "counter")]),
            item("R4", 4, levy, stance="mixed", excerpts=[(levy, "counter")]),
        )
    )
    draft = result.drafts[0]
    on_ask = [s for s in draft.dissent if "in general" not in s.text]
    general = [s for s in draft.dissent if "in general" in s.text]
    assert [s.references for s in on_ask] == [["R4"]]  # the levy objection is about this ask
    assert [s.references for s in general] == [["R3"]]  # "new factories" alone does not make it so


TITLE_ACTORS = (
    ActorInfo("DfE", ("Department for Education", "DfE")),
    ActorInfo("NHS England", ("NHS England", "the NHS")),
    ActorInfo("Ofgem", ("Ofgem",)),
    ActorInfo("DESNZ", ("DESNZ",)),
    ActorInfo("UKRI", ("UKRI",)),
    ActorInfo("Office for Life Sciences", ("Office for Life Sciences", "OLS")),
    ActorInfo("MHRA", ("MHRA", "the regulator")),
)


@pytest.mark.parametrize(
    "sentence, actor, title",
    [
        (
            "If new reporting duties are introduced, they should be kept simple and paid for by the NHS.",
            "",
            "NHS England should keep new reporting duties simple and pay for them",
        ),
        (
            "We recommend that the Department for Education lets colleges share cleanroom kit and publishes their use.",
            "DfE",
            "DfE should let colleges share cleanroom kit and publish their use",
        ),
        (
            "UKRI and the Office for Life Sciences should publish a roadmap for continuous processing.",
            "UKRI",
            "UKRI and the Office for Life Sciences should publish a roadmap for continuous processing",
        ),
        (
            "Ofgem and DESNZ should publish connection dates for every science park.",
            "Ofgem",
            "Ofgem and DESNZ should publish connection dates for every science park",
        ),
        (
            "There is a need for a network of regional skills hubs, funded by UKRI and delivered with colleges.",
            "",
            "UKRI should fund a network of regional skills hubs, delivered with colleges",
        ),
        (
            "We would urge the Office for Life Sciences to appoint a sponsor for each new plant.",
            "Office for Life Sciences",
            "The Office for Life Sciences should appoint a sponsor for each new plant",
        ),
        (
            "It should also publish its inspection backlog every month.",
            "MHRA",
            "MHRA should publish its inspection backlog every month",
        ),
        (
            "Better guidance from the regulator on cleanroom design would help.",
            "MHRA",
            "MHRA should provide better guidance on cleanroom design",
        ),
        (
            "We recommend that the MHRA's inspection budget is protected.",
            "MHRA",
            "Protect the MHRA's inspection budget",
        ),
        ("The VPAG rebate rate must be capped at 15%.", "", "Cap the VPAG rebate rate at 15%"),
    ],
)
def test_a_title_names_who_should_act_where_the_evidence_says(sentence, actor, title):
    assert recommendation_title(sentence, actor, TITLE_ACTORS)[0] == title


def test_visa_and_immigration_fees_and_costs_are_one_ask():
    result = compile_component(
        component(
            item("R1", 1, "Introduce a reduced-fee visa for lab technicians."),
            item("R2", 2, "The cost of immigration for overseas chemists should be cut."),
        )
    )
    assert [d.basis["references"] for d in result.drafts] == [["R1", "R2"]]


def test_a_threat_after_the_ask_is_not_part_of_the_title():
    title, actor = imperative("Government must fund heat pumps at small sites, or the work will move abroad.")
    assert (title, actor) == ("Fund heat pumps at small sites", "Government")


def test_an_ask_that_says_to_do_so_is_titled_with_the_action_it_refers_to():
    text = "The MHRA must publish inspection dates a year ahead. DfE should fund the agency to do so."
    result = compile_component(
        component(item("R1", 1, text, excerpts=[("DfE should fund the agency to do so.", "ask")]), item("R2", 2, text))
    )
    assert result.drafts[0].title == "DfE should fund the MHRA to publish inspection dates a year ahead"


# --- Who acts, and titles that stand alone (fresh sentences, in neither corpus) -------------------------------

BODIES = (*TITLE_ACTORS, ActorInfo("DHSC", ("Department of Health and Social Care", "DHSC")))


def bodies_component(*items):
    return ComponentInput("skills", "Skills and talent", tuple(items), (), (), actors=BODIES)


@pytest.mark.parametrize(
    "first, second, title, actor",
    [
        (  # several bodies named as the ones to act: the actor is all of them, as the title says
            "UKRI and DfE should fund a doctoral training centre in bioprocess engineering.",
            "UKRI and DfE should fund a doctoral training centre in bioprocess engineering for the North.",
            "UKRI and DfE should fund a doctoral training centre in bioprocess engineering",
            "UKRI and DfE",
        ),
        (  # a body the ask names only as a partner is not who acts
            "Ministers should publish a ten-year workforce plan for sterile manufacturing.",
            "A ten-year workforce plan for sterile manufacturing, agreed with DfE and the colleges, would help.",
            "Ministers should publish a ten-year workforce plan for sterile manufacturing",
            "Ministers",
        ),
        (  # a body named only as the owner of something: who acts comes from another wording of the ask
            "We recommend that the MHRA's inspection budget is protected from in-year cuts.",
            "We urge DHSC to protect the MHRA's inspection budget from in-year cuts.",
            "DHSC should protect the MHRA's inspection budget from in-year cuts",
            "DHSC",
        ),
    ],
)
def test_the_drafts_actor_is_who_its_title_says_should_act(first, second, title, actor):
    ask = [(first, "ask")]
    result = compile_component(bodies_component(item("R1", 1, first, excerpts=ask), item("R2", 2, second)))
    draft = result.drafts[0]
    assert (draft.title, draft.actor) == (title, actor)


def test_a_pronoun_subject_is_the_body_the_ask_before_it_names():
    text = (
        "NHS England should publish its demand forecast for critical antibiotics every quarter. "
        "It should also share stock levels with licensed wholesalers every week."
    )
    ask = [("It should also share stock levels with licensed wholesalers every week.", "ask")]
    result = compile_component(bodies_component(item("R1", 1, text, excerpts=ask), item("R2", 2, excerpts=ask)))
    draft = result.drafts[0]
    assert draft.title == "NHS England should share stock levels with licensed wholesalers every week"
    assert draft.actor == "NHS England"


@pytest.mark.parametrize(
    "text, ask, title",
    [
        (  # "the fund": the fund an earlier sentence of the answer names
            "The Sterile Skills Challenge Fund closes to new bids in March 2027. "
            "DfE should keep the fund open to employers with fewer than 50 staff.",
            "DfE should keep the fund open to employers with fewer than 50 staff.",
            "DfE should keep the Sterile Skills Challenge Fund open to employers with fewer than 50 staff",
        ),
        (  # "that network": the network an earlier sentence introduces
            "We support a shared cleanroom network for the North West, open to start-ups. "
            "UKRI should fund that network for at least ten years.",
            "UKRI should fund that network for at least ten years.",
            "UKRI should fund the shared cleanroom network for the North West for at least ten years",
        ),
        (  # nothing before says which scheme: kept as written
            "Our technicians train on the job. DfE should open the scheme to part-time learners.",
            "DfE should open the scheme to part-time learners.",
            "DfE should open the scheme to part-time learners",
        ),
        (  # two funds named before: which one is meant is not certain, so kept as written
            "The Clean Air Fund and the Skills Bootcamp Fund both close in 2027. DfE should keep the fund open.",
            "DfE should keep the fund open.",
            "DfE should keep the fund open",
        ),
    ],
)
def test_a_reference_back_is_read_from_the_sentences_before_it_in_the_answer(text, ask, title):
    result = compile_component(bodies_component(item("R1", 1, text, excerpts=[(ask, "ask")]), item("R2", 2, ask)))
    assert result.drafts[0].title == title


def test_a_wording_that_stands_alone_is_preferred_to_one_that_leans_on_its_context():
    result = compile_component(
        bodies_component(
            item("R1", 1, "DfE should extend the bursary to apprentices in sterile manufacturing."),
            item(
                "R2",
                2,
                "DfE should extend the Advanced Skills Bursary to apprentices in sterile manufacturing, on the same "
                "terms as graduates.",
            ),
        )
    )
    assert result.drafts[0].title == (
        "DfE should extend the Advanced Skills Bursary to apprentices in sterile manufacturing, on the same terms "
        "as graduates"
    )


def test_there_is_a_case_for_reads_as_the_action():
    assert imperative("There is a strong case for extending the bursary to part-time learners.")[0] == (
        "Extend the bursary to part-time learners"
    )


COMPOUND_ACTORS = (
    *TITLE_ACTORS,
    ActorInfo("Innovate UK", ("Innovate UK",)),
    ActorInfo("DHSC", ("Department of Health and Social Care", "DHSC")),
)


@pytest.mark.parametrize(
    "sentence, title",
    [
        (  # a verb made with a prefix and a hyphen is a verb, not a thing to provide
            "UKRI should co-fund pilot lines for continuous processing with the companies that will use them.",
            "UKRI should co-fund pilot lines for continuous processing with the companies that will use them",
        ),
        (
            "NHS England should re-tender the national generics framework with resilience criteria.",
            "NHS England should re-tender the national generics framework with resilience criteria",
        ),
        (
            "We recommend that Innovate UK co-invests in shared cleanroom space in the North East.",
            "Innovate UK should co-invest in shared cleanroom space in the North East",
        ),
        (  # an adverb saying how to act stays with the verb
            "Innovate UK and DESNZ should jointly fund a heat-pump pathway for sterile manufacturing sites.",
            "Innovate UK and DESNZ should jointly fund a heat-pump pathway for sterile manufacturing sites",
        ),
        (
            "The MHRA should urgently review its fees for small-batch clinical manufacturing licences.",
            "MHRA should urgently review its fees for small-batch clinical manufacturing licences",
        ),
        (
            "The Department for Education must rapidly expand degree apprenticeships in bioprocess engineering.",
            "DfE should rapidly expand degree apprenticeships in bioprocess engineering",
        ),
        (
            "We recommend that DHSC urgently reviews the clawback on newer branded medicines.",
            "DHSC should urgently review the clawback on newer branded medicines",
        ),
        (  # words that lean on what came before ("also", "then") are still dropped
            "NHS England should also swiftly publish its framework for near-patient manufacturing.",
            "NHS England should swiftly publish its framework for near-patient manufacturing",
        ),
    ],
)
def test_a_hyphenated_verb_or_an_adverb_before_it_is_read_as_the_action(sentence, title):
    assert recommendation_title(sentence, "", COMPOUND_ACTORS)[0] == title


def test_a_gerund_that_names_a_thing_is_provided_not_done():
    assert imperative("We would like to see co-funding for apprenticeships at smaller sterile sites.")[0] == (
        "Provide co-funding for apprenticeships at smaller sterile sites"
    )
    assert imperative("We would welcome training for quality assurance staff in continuous processing.")[0] == (
        "Provide training for quality assurance staff in continuous processing"
    )


@pytest.mark.parametrize(
    "sentence, title",
    [
        (  # an adverb in "it is … essential that" changes nothing; a thing as the subject is not an actor
            "It is equally vital that support for apprentices covers travel to specialist colleges.",
            "Ensure that support for apprentices covers travel to specialist colleges",
        ),
        (
            "We recommend that the levy pays for short courses in aseptic technique.",
            "Ensure that the levy pays for short courses in aseptic technique",
        ),
        (  # other ways of saying what respondents want
            "We would also value earlier sight of inspection findings for new sterile sites.",
            "Provide earlier sight of inspection findings for new sterile sites",
        ),
        (
            "We would argue for a shared stockpile of sterile injectables, held regionally.",
            "Provide a shared stockpile of sterile injectables, held regionally",
        ),
        (
            "Regional hubs for aseptic training, run with local colleges, would be a better approach.",
            "Provide regional hubs for aseptic training, run with local colleges",
        ),
        (
            "What would really help is a named contact for every new manufacturing site.",
            "Provide a named contact for every new manufacturing site",
        ),
        (  # what a body lacks: to be given it
            "Innovate UK needs a ten-year budget for the catapult network.",
            "Give Innovate UK a ten-year budget for the catapult network",
        ),
    ],
)
def test_asks_worded_without_a_modal_read_as_a_sentence(sentence, title):
    assert recommendation_title(sentence, "", COMPOUND_ACTORS)[0] == title


def test_a_condition_on_the_ask_before_it_is_part_of_that_ask():
    asks = [
        Ask("R1", 1, "CDMO", "B", "DfE should open a bursary for part-time cleanroom technicians.", "coded"),
        Ask("R1", 1, "CDMO", "B", "Any such bursary should be judged on course completions, not sign-ups.", "coded"),
        Ask("R2", 2, "SME", "B", "UKRI should publish course completions for every technician programme.", "coded"),
        Ask("R3", 3, "Catapult", "B", "UKRI should publish course completions for technician programmes.", "coded"),
    ]
    groups = {a.text: group for group in group_asks(asks) for a in group.asks}
    qualifier, bursary, completions = (asks[1].text, asks[0].text, asks[2].text)
    assert groups[qualifier] is groups[bursary]
    assert groups[qualifier] is not groups[completions]
