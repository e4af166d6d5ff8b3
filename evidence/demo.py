"""Synthetic, realistic demo data for the call for evidence (used by ``seed_demo`` and benchmarks).

Bandit exceptions here (``nosec``): B105, the demo accounts' password is printed for everyone on purpose;
B311, ``random`` makes synthetic data, not secrets.

Everything is derived from a seed, item by item (``Random(f"{seed}:{i}")``), so the same seed gives the
same data and a larger ``--submissions`` tops up without changing what exists. Rows are written with
``bulk_create`` in batches, and rows whose keys nobody reads back with ``bulk.insert``: 10,000
submissions take seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random
import re
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.utils import timezone

from . import bulk, demo_figures, duplicates, language, search, suggestions
from .models import (
    Answer,
    Attachment,
    ComponentTag,
    Consultation,
    DataPoint,
    EcosystemComponent,
    Excerpt,
    Indicator,
    Membership,
    Modality,
    Organisation,
    OrganisationType,
    Question,
    Region,
    ReviewAssignment,
    ReviewRound,
    Stance,
    Submission,
    SubmissionVersion,
    Suggestion,
)

DEMO_SLUG = "mmip-call-for-evidence"
DEMO_PASSWORD = "demo-password-2026"  # nosec B105
BATCH = 2000

DEMO_ACCOUNTS = [
    # e-mail, role, groups, is_staff, is_superuser
    ("submitter@demo.mmip", "Submitter (Pennine Biologics Ltd)", [], False, False),
    ("reviewer@demo.mmip", "Reviewer", ["Reviewer"], True, False),
    ("reviewer2@demo.mmip", "Second reviewer", ["Reviewer"], True, False),
    (
        "lead@demo.mmip",
        "Partnership lead (sees confidential evidence)",
        ["Lead", "Confidential evidence"],
        True,
        False,
    ),
    ("admin@demo.mmip", "Administrator", ["Administrator", "Confidential evidence"], True, True),
]

QUESTIONS = {
    "investment": [
        (
            "What would make the UK the first choice for your next manufacturing investment?",
            "Compare the UK with the countries you also considered: grants, tax, speed and certainty of support.",
        ),
    ],
    "skills": [
        (
            "Which skills shortages limit your manufacturing in the UK, and what would fix them?",
            "Roles, numbers, vacancies and time to fill; apprenticeships and training that work.",
        ),
    ],
    "regulation": [
        (
            "How do regulatory approvals and inspections affect your UK manufacturing plans?",
            "Timelines for new facilities, processes and modalities; international recognition.",
        ),
    ],
    "innovation": [
        (
            "What stops you adopting advanced manufacturing technologies in the UK?",
            "Continuous, digital and modular manufacturing; cell and gene therapies; scale-up.",
        ),
    ],
    "supply-chain": [
        (
            "How resilient are your supply chains for critical medicines and materials?",
            "Shortages, single sources, onshoring and stockpiling: give examples and figures.",
        ),
    ],
    "sustainability": [
        (
            "What would help you cut emissions and energy use in manufacturing?",
            "Energy, emissions, water and waste; the cost and the payback.",
        ),
    ],
    "infrastructure": [
        (
            "What infrastructure do you need where you manufacture?",
            "Sites, clusters, grid connections, planning and transport.",
        ),
    ],
    "market": [
        (
            "How do NHS pricing, procurement and demand signals affect UK manufacturing capacity?",
            "Pricing and access, procurement rules, demand that would justify UK capacity.",
        ),
    ],
    "collaboration": [
        (
            "How should industry and government work together to promote UK medicines manufacturing?",
            "Coordination, promotion of the UK, trade and investment promotion.",
        ),
    ],
}

PLACES = [
    "Macclesfield",
    "Speke",
    "Barnard Castle",
    "Ulverston",
    "Cramlington",
    "Stevenage",
    "Livingston",
    "Irvine",
    "Swansea",
    "Barnstaple",
    "Nottingham",
    "Dartford",
    "Craigavon",
    "Billingham",
    "Harlow",
]
NAME_A = [
    "Pennine",
    "Thames",
    "Clyde",
    "Mersey",
    "Severn",
    "Tyne",
    "Humber",
    "Solent",
    "Cambridge",
    "Forth",
    "Tees",
    "Avon",
    "Medway",
    "Trent",
    "Wye",
    "Dee",
    "Ouse",
    "Lagan",
    "Cotswold",
    "Chiltern",
]
NAME_B = [
    "Biologics",
    "Pharma",
    "Therapeutics",
    "Medicines",
    "BioProcess",
    "Life Sciences",
    "Vaccines",
    "Sterile Services",
    "Formulation",
    "Cell Therapy",
    "Generics",
    "Bioscience",
    "Analytics",
    "Engineering",
]
NAME_C = ["Ltd", "plc", "UK Ltd", "Group", "Manufacturing Ltd", "Holdings"]

# Demo text by component and kind. "facts" are (sentence, excerpt kind) pairs; "asks" are ask groups, each
# the same ask in several wordings (some naming who should act and by when); "counter" sentences oppose or
# caution. A response's answer is built from them according to its stance on the component, so the demo
# has asks phrased many ways, statements of fact that are not asks, and dissent.
DEMO_TEXT = {
    "investment": {
        "facts": [
            (
                "We are deciding where to build a {n} million pound fill-finish line and the UK is competing with Ireland and Singapore.",
                "problem",
            ),
            (
                "Capital grants in competing countries cover up to {p}% of eligible costs, against far less here.",
                "data",
            ),
            (
                "Our last UK expansion took {m} months to secure support, compared with {k} months in Ireland.",
                "problem",
            ),
            ("At our {place} site we invested {n} million pounds over five years and created {j} jobs.", "example"),
            ("Without a predictable fund we cannot make the case to our global board for UK capacity.", "problem"),
        ],
        "asks": [
            [
                "HM Treasury should create a ten-year capital grant fund for medicines manufacturing.",
                "We call on government to set up a long-term capital grant fund for manufacturing investment by 2026.",
                "Create a long-term capital grant fund for medicines manufacturing investment.",
            ],
            [
                "Make full expensing permanent and extend it to buildings.",
                "The Treasury must extend full expensing to new buildings and make it permanent.",
                "We recommend that full expensing is made permanent and extended to buildings.",
            ],
        ],
        "counter": [
            "We do not support new capital grants, which mostly reward investment that would happen anyway.",
            "Grants risk distorting competition between large firms and smaller manufacturers.",
        ],
    },
    "skills": {
        "facts": [
            ("We have {j} unfilled vacancies for process engineers and validation specialists at {place}.", "problem"),
            ("It takes {m} months on average to fill a qualified person role.", "data"),
            ("Our apprenticeship scheme trains {k} technicians a year.", "example"),
            (
                "Specialist skills in aseptic processing and advanced therapies are in short supply across the region.",
                "problem",
            ),
            ("We recruit {p}% of our scientists from outside the UK, and visa costs have risen sharply.", "data"),
        ],
        "asks": [
            [
                "We call on DfE to reform the apprenticeship levy so that it can pay for modular courses by 2027.",
                "The apprenticeship levy should be made flexible enough to fund short modular training for technicians.",
                "Reform the apprenticeship levy so employers can spend it on modular courses.",
            ],
            [
                "Government should fund a national training centre for sterile manufacturing.",
                "Fund a national sterile manufacturing training centre open to the whole sector.",
                "We would like to see a national training centre for sterile and aseptic manufacturing.",
            ],
        ],
        "counter": [
            "We are not convinced that another training centre is the answer, as existing centres are under-used.",
            "Levy reform alone would do little to help small firms release staff for training.",
        ],
    },
    "regulation": {
        "facts": [
            ("Approval of a variation for our new line took {n} days, far beyond the statutory timeline.", "problem"),
            ("Regulatory guidance for continuous manufacturing is still unclear in the UK.", "problem"),
            ("Clinical trial approvals have speeded up, which helps us plan UK launch supply.", "example"),
            ("Duplicated inspections cost our {place} site about {k} weeks of staff time a year.", "data"),
        ],
        "asks": [
            [
                "The MHRA should publish service levels for inspections of new facilities within 12 months.",
                "The MHRA must set and publish service levels for inspecting new manufacturing facilities.",
                "Set and publish service levels for MHRA inspections of new facilities.",
            ],
            [
                "Recognise inspections by trusted international regulators such as the FDA and EMA.",
                "We urge the MHRA to recognise inspections carried out by trusted international regulators.",
                "The UK should rely on inspections by trusted international regulators to avoid duplicated work.",
            ],
        ],
        "counter": [
            "We caution against relying on other regulators' inspections, which could weaken UK oversight of patient safety.",
            "The MHRA has improved its timelines since last year, so new targets are unnecessary.",
        ],
    },
    "innovation": {
        "facts": [
            ("We trialled continuous manufacturing at {place} and cut batch times by {p}%.", "example"),
            ("Scale-up facilities for cell and gene therapies are scarce and booked for {m} months ahead.", "problem"),
            ("The catapult centres have been essential for our process development.", "example"),
            ("Funding for innovation is fragmented across too many small competitions.", "problem"),
        ],
        "asks": [
            [
                "Innovate UK should fund shared scale-up capacity for advanced therapies.",
                "Fund shared scale-up facilities for cell and gene therapies.",
                "We recommend that government funds shared scale-up capacity for advanced therapies.",
            ],
            [
                "Consolidate innovation funding into fewer, larger programmes.",
                "UKRI should merge small innovation competitions into fewer, larger programmes.",
                "Innovation funding must be consolidated into fewer and larger programmes.",
            ],
        ],
        "counter": [
            "Larger programmes would crowd out small firms that rely on small competitions.",
            "We are not convinced that more public scale-up capacity is needed while existing centres have spare slots.",
        ],
    },
    "supply-chain": {
        "facts": [
            ("We depend on a single supplier in Asia for {p}% of our key starting materials.", "data"),
            ("Shortage notifications for our products rose from {k} to {j} in two years.", "data"),
            ("Stockpiling six months of critical medicines costs us about {n} million pounds a year.", "data"),
            ("During the pandemic our {place} site kept supplying the NHS thanks to dual sourcing.", "example"),
        ],
        "asks": [
            [
                "Offer long-term purchase commitments for critical medicines made in the UK.",
                "Government should offer long-term purchase commitments for critical medicines manufactured in the UK.",
                "We call on DHSC to give long-term purchase commitments for critical medicines made in the UK.",
            ],
            [
                "The MHRA should fast-track approval of second suppliers for critical medicines.",
                "Fast-track regulatory approval of second suppliers.",
                "It is essential that approvals of second suppliers are fast-tracked.",
            ],
        ],
        "counter": [
            "We do not support onshoring mandates, which would raise costs without making supply more secure.",
            "Stockpiling obligations risk diverting money from investment in capacity.",
        ],
    },
    "sustainability": {
        "facts": [
            ("Energy costs at our {place} site have doubled and now exceed {n} million pounds a year.", "data"),
            ("We have cut scope 1 and 2 emissions by {p}% since 2019 through heat pumps and solar.", "example"),
            ("Grid connection for electrification of steam generation will take {m} months.", "problem"),
            ("Solvent recovery reduced our waste by {k} tonnes a year.", "example"),
        ],
        "asks": [
            [
                "Support electrification of process heat with capital grants.",
                "DESNZ should offer capital grants for the electrification of process heat.",
                "We would welcome capital grants to electrify process heat in manufacturing.",
            ],
            [
                "Give manufacturing sites priority for grid connections.",
                "Manufacturing sites must be given priority for grid connections within two years.",
                "Ofgem should prioritise grid connections for medicines manufacturing sites.",
            ],
        ],
        "counter": [
            "We caution against grants for electrification while electricity costs several times more than gas.",
            "Net zero targets should not be allowed to delay investment in new capacity.",
        ],
    },
    "infrastructure": {
        "facts": [
            ("Planning permission for our extension at {place} took {m} months.", "problem"),
            ("Grid capacity in the cluster is fully allocated until the end of the decade.", "problem"),
            ("Transport links to ports matter for our exports of {n} million packs a year.", "data"),
            ("Available sites with the right zoning are scarce near our existing plant.", "problem"),
        ],
        "asks": [
            [
                "Designate manufacturing zones with planning fast tracks.",
                "Local authorities should designate manufacturing zones with fast-track planning.",
                "We recommend designating life-sciences manufacturing zones with faster planning decisions.",
            ],
            [
                "Invest in shared utilities for life-sciences clusters.",
                "Government should invest in shared utilities for life-sciences manufacturing clusters.",
                "There should be public investment in shared utilities for manufacturing clusters.",
            ],
        ],
        "counter": [
            "We do not support special planning zones, which could override the concerns of local communities.",
            "Shared utilities risk favouring a few large clusters at the expense of other regions.",
        ],
    },
    "market": {
        "facts": [
            ("The VPAG rebate rate of {p}% makes it hard to justify UK manufacturing investment.", "problem"),
            ("NHS procurement on lowest price alone pushes generic production offshore.", "problem"),
            ("Uptake of new medicines in the NHS lags comparable countries by {m} months.", "data"),
            ("A clear demand signal for vaccines would secure our fill-finish capacity.", "problem"),
        ],
        "asks": [
            [
                "HM Treasury should cap the VPAG rebate rate at 15% for medicines made in the UK.",
                "The rebate rate must be capped so that UK manufacturing can compete.",
                "Cap the VPAG rebate rate for medicines manufactured in the UK.",
            ],
            [
                "NHS England should use value, not price alone, when it buys generic medicines.",
                "We urge NHS England to buy generic medicines on value rather than lowest price.",
                "Use value, not price alone, in NHS procurement of generics.",
            ],
        ],
        "counter": [
            "We do not think price controls are the main barrier, as capacity decisions depend on global costs.",
            "A lower rebate rate would cost the NHS money that should go to patient care.",
        ],
    },
    "collaboration": {
        "facts": [
            ("Promotion of the UK at trade missions has brought two inward investors to our cluster.", "example"),
            ("Coordination between departments on manufacturing policy is weak.", "problem"),
            ("It took us {m} months to find the right contacts across government for one investment.", "problem"),
        ],
        "asks": [
            [
                "Set up a joint industry–government manufacturing board with published targets.",
                "Industry and government should agree shared targets with named owners through a joint board.",
                "We call on the Office for Life Sciences to set up a joint manufacturing board with published targets.",
            ],
            [
                "Create a single front door for life-sciences investors.",
                "DBT should create a single investment front door for life-sciences manufacturers.",
                "We would like to see a single front door for investors in medicines manufacturing.",
            ],
        ],
        "counter": [
            "Another board would add bureaucracy without changing decisions.",
            "We are not convinced that a single front door would help, as investors already have account managers.",
        ],
    },
}

CAMPAIGN_TEXT = (
    "As members of the UK Medicines Coalition, we call on government to publish a national medicines "
    "manufacturing strategy with long-term funding, faster approvals and NHS demand signals that reward UK "
    "production."
)


@dataclass
class SeedResult:
    created: int = 0
    total: int = 0
    reviewed: int = 0
    accounts: list[tuple[str, str]] = field(default_factory=list)


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        n=rng.choice([4, 12, 25, 40, 60, 85, 120, 250]),
        p=rng.choice([5, 12, 18, 25, 30, 40, 60]),
        m=rng.choice([3, 6, 9, 12, 14, 18, 24]),
        k=rng.choice([2, 4, 8, 15, 30, 82]),
        j=rng.choice([20, 45, 60, 137, 150, 400]),
        place=rng.choice(PLACES),
    )


STANCE_WEIGHTS = {"supports": 70, "opposes": 10, "mixed": 8, "none": 12}


def _paragraph(slug: str, rng: random.Random, stance: str = "none") -> str:
    """An answer about one component, written from a stance: facts, an ask (in one of its wordings) and,
    for opposing or mixed answers, a counter-argument."""
    text = DEMO_TEXT[slug]
    facts = [f for f, _ in text["facts"]]
    ask = rng.choice(rng.choice(text["asks"]))
    if stance == "supports":
        parts = [*rng.sample(facts, k=rng.randint(1, 2)), ask]
    elif stance == "opposes":
        parts = [rng.choice(facts), rng.choice(text["counter"])]
    elif stance == "mixed":
        parts = [rng.choice(facts), ask, rng.choice(text["counter"])]
    else:
        parts = rng.sample(facts, k=min(len(facts), rng.randint(2, 3)))
    return " ".join(_fill(p, rng) for p in parts)


def _ask(slug: str, rng: random.Random) -> str:
    return rng.choice(rng.choice(DEMO_TEXT[slug]["asks"]))


def _patterns() -> list[tuple[re.Pattern, str, str]]:
    """Every demo sentence as a pattern (its numbers and places as wildcards) with its kind and component:
    how the demo's reviewers know what they are reading."""
    out = []
    for slug, text in DEMO_TEXT.items():
        kinds = [(f, k) for f, k in text["facts"]]
        kinds += [(a, "ask") for group in text["asks"] for a in group]
        kinds += [(c, "counter") for c in text["counter"]]
        for template, kind in kinds:
            pattern = ".+?".join(re.escape(piece) for piece in re.split(r"\{\w+\}", template))
            out.append((re.compile(pattern), kind, slug))
    return out


# --- Reference data ------------------------------------------------------------------------------------


def ensure_consultation(now: dt.datetime | None = None) -> Consultation:
    now = now or timezone.now()
    opens = (now - dt.timedelta(days=60)).replace(hour=9, minute=0, second=0, microsecond=0)
    consultation, created = Consultation.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "title": "MMIP call for evidence: a world-leading medicines manufacturing ecosystem",
            "summary": (
                "The Medicines Manufacturing Industry Partnership is gathering evidence over six months to "
                "make detailed, evidence-based recommendations to government, with clear objectives and "
                "defined success criteria, for a stable, flexible and resilient medicines manufacturing "
                "environment fit for future needs. Since 2009 UK production volumes have fallen by 29% and "
                "about 7,000 jobs have been lost. Tell us what would reverse that."
            ),
            "guidance": (
                "Answer the questions where you have evidence. Figures with their sources, case studies with "
                "concrete examples and costed proposals help most. You can save a draft and come back, and "
                "amend or withdraw your response until the deadline."
            ),
            "opens_at": opens,
            "closes_at": opens + dt.timedelta(days=181),
            "reference_prefix": settings.MMIP_REFERENCE_PREFIX,
        },
    )
    components = list(EcosystemComponent.objects.active())
    if created:
        consultation.components.set(components)
    if not consultation.questions.exists():
        order = 0
        rows = []
        for component in components:
            for text, guidance in QUESTIONS.get(component.slug, []):
                order += 1
                rows.append(
                    Question(
                        consultation=consultation,
                        component=component,
                        order=order,
                        text=text,
                        guidance=guidance,
                        word_limit=500,
                    )
                )
        Question.objects.bulk_create(rows)
    return consultation


def ensure_accounts(consultation: Consultation, *, superuser: bool = True) -> list[tuple[str, str]]:
    """The demo accounts; without ``superuser`` (seeding outside development) the superuser is left out."""
    User = get_user_model()
    printed = []
    for email, role, groups, is_staff, is_superuser in DEMO_ACCOUNTS:
        if is_superuser and not superuser:
            continue
        user, created = User.objects.get_or_create(
            username=email, defaults={"email": email, "is_staff": is_staff, "is_superuser": is_superuser}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(*Group.objects.filter(name__in=groups))
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        printed.append((email, role))
    submitter = User.objects.get(username="submitter@demo.mmip")
    if not Membership.objects.filter(user=submitter).exists():
        organisation = Organisation.objects.create(
            name="Pennine Biologics Ltd",
            organisation_type=OrganisationType.objects.get(slug="sme-biopharma"),
            size_band=Organisation.SizeBand.MEDIUM,
            region=Region.objects.get(slug="north-west"),
        )
        organisation.sub_sectors.set(Modality.objects.filter(slug__in=["biologics", "sterile-injectables"]))
        Membership.objects.create(user=submitter, organisation=organisation, job_title="Head of operations")
    return printed


# --- Attachments ---------------------------------------------------------------------------------------


def _sample_files() -> tuple[dict[str, bytes], str]:
    """One small real file of each kind, generated once per run."""
    import docx
    from fpdf import FPDF

    text = "Survey of 42 UK manufacturing sites, 2024: median time to fill a validation role was 7 months."
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.multi_cell(0, 6, text=text)
    document = docx.Document()
    document.add_heading("Case study: sterile fill-finish expansion", level=1)
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    csv_text = "indicator,value,unit,year\nvacancies,45,roles,2024\nenergy cost,12.5,GBP million,2024\n"
    return {
        Attachment.Kind.PDF: bytes(pdf.output()),
        Attachment.Kind.DOCX: buffer.getvalue(),
        Attachment.Kind.CSV: csv_text.encode(),
        Attachment.Kind.TXT: (text + "\n").encode(),
    }, text


# --- Submissions ---------------------------------------------------------------------------------------


@dataclass
class _Catalogue:
    components: list
    indicators: list
    org_types: list
    regions: list
    modalities: list
    questions: list
    indicators_by_component: dict


def _catalogue(consultation: Consultation) -> _Catalogue:
    indicators = list(Indicator.objects.active())
    by_component: dict[int, list[Indicator]] = {}
    links = Indicator.components.through.objects.values_list("ecosystemcomponent_id", "indicator_id")
    named = {i.pk: i for i in indicators}
    for component_id, indicator_id in links:
        if indicator_id in named:
            by_component.setdefault(component_id, []).append(named[indicator_id])
    return _Catalogue(
        indicators_by_component=by_component,
        components=list(consultation.components.all()),
        indicators=indicators,
        org_types=list(OrganisationType.objects.active()),
        regions=[r for r in Region.objects.active() if r.slug != "outside-uk"],
        modalities=list(Modality.objects.active()),
        questions=list(consultation.questions.select_related("component")),
    )


def _create_submissions(consultation: Consultation, start: int, stop: int, seed: int, now: dt.datetime) -> list[int]:
    """Seed respondents ``start``..``stop`` with their responses; returns the new responses' ids."""
    cat = _catalogue(consultation)
    User = get_user_model()
    files, file_text = _sample_files()
    stored: dict[str, tuple[str, str, int]] = {}
    storage = storages["default"]  # the uploads' storage: a folder, or object storage
    for kind, data in files.items():
        name = f"attachments/demo/sample-{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
        if not storage.exists(name):
            name = storage.save(name, ContentFile(data))
        stored[kind] = (name, hashlib.sha256(data).hexdigest(), len(data))
    unusable = make_password(None)
    window = max((min(now, consultation.closes_at) - consultation.opens_at).total_seconds(), 3600)

    plans = []
    for i in range(start, stop):
        rng = random.Random(f"{seed}:{i}")  # nosec B311
        org_type = rng.choice(cat.org_types)
        plans.append((i, rng, org_type))

    users = [
        User(
            username=f"demo-{seed}-{i}",
            email=f"respondent{i}.{seed}@demo-respondents.example",
            password=unusable,
        )
        for i, _, _ in plans
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    users = {u.username: u for u in User.objects.filter(username__in=[u.username for u in users])}

    organisations = []
    for _, rng, org_type in plans:
        if org_type.is_individual:
            title = rng.choice(["Dr", "Prof", "Ms", "Mr"])
            surname = rng.choice(["Smith", "Patel", "Jones", "Evans", "Campbell", "Murphy"])
            name = f"{title} {rng.choice(NAME_A)} {surname}"
            size = ""
        else:
            name = f"{rng.choice(NAME_A)} {rng.choice(NAME_B)} {rng.choice(NAME_C)}"
            size = rng.choices(["micro", "small", "medium", "large"], weights=[1, 3, 3, 3])[0]
        organisations.append(
            Organisation(name=name, organisation_type=org_type, size_band=size, region=rng.choice(cat.regions))
        )
    Organisation.objects.bulk_create(organisations, batch_size=BATCH)
    SubSector = Organisation.sub_sectors.through
    bulk.insert(
        [
            SubSector(organisation_id=org.pk, modality_id=m.pk)
            for (i, rng, _), org in zip(plans, organisations, strict=True)
            for m in rng.sample(cat.modalities, k=rng.randint(0, 2))
        ]
    )
    bulk.insert(
        [
            Membership(user=users[f"demo-{seed}-{i}"], organisation=org)
            for (i, _, _), org in zip(plans, organisations, strict=True)
        ]
    )

    # Statuses and references: references are handed out in submission order, gap-free.
    submissions, extras = [], []
    next_ref = consultation.last_reference_number
    timeline = sorted(
        (
            (random.Random(f"{seed}:{i}:t").random() ** 0.7, i)  # responses cluster towards the deadline  # nosec B311
            for i, _, _ in plans
        )
    )
    submitted_at = {i: consultation.opens_at + dt.timedelta(seconds=window * f) for f, i in timeline}
    for (i, rng, _), org in zip(plans, organisations, strict=True):
        roll = rng.random()
        status = (
            Submission.Status.DRAFT
            if roll < 0.06
            else (Submission.Status.WITHDRAWN if roll < 0.09 else Submission.Status.SUBMITTED)
        )
        campaign = rng.random() < 0.03
        focus = rng.sample(cat.components, k=min(len(cat.components), rng.randint(1, 3)))
        confidentiality = rng.choices(
            [
                Submission.Confidentiality.PUBLISHABLE,
                Submission.Confidentiality.ATTRIBUTABLE,
                Submission.Confidentiality.CONFIDENTIAL,
            ],
            weights=[70, 20, 10],
        )[0]
        summary = CAMPAIGN_TEXT if campaign else _paragraph(focus[0].slug, rng)
        proposals = " ".join(_ask(c.slug, rng) for c in focus) if rng.random() < 0.5 else ""
        submission = Submission(
            consultation=consultation,
            organisation=org,
            created_by=users[f"demo-{seed}-{i}"],
            status=status,
            summary=summary,
            proposals=proposals,
            declared_interests=rng.choice(["", "", "Member of a trade association.", "Receives Innovate UK funding."]),
            confidentiality=confidentiality,
            confidentiality_reason=(
                "Contains unpublished cost and capacity figures." if confidentiality == "confidential" else ""
            ),
            consent_to_publish=confidentiality == "publishable" and rng.random() < 0.8,
        )
        when = submitted_at[i]
        if status != Submission.Status.DRAFT:
            submission.submitted_at = when
            submission.first_submitted_at = when
            submission.version = 1
            submission.receipt_version = 1
            submission.receipt_sent_at = when
        if status == Submission.Status.WITHDRAWN:
            submission.withdrawn_at = when + dt.timedelta(days=2)
        submissions.append(submission)
        extras.append((i, rng, focus, campaign))
    # References follow the order in which responses were first submitted.
    for _, idx in timeline:
        submission = submissions[idx - start]
        if submission.status != Submission.Status.DRAFT:
            next_ref += 1
            submission.reference_number = next_ref
            submission.reference = consultation.format_reference(next_ref)

    answers, data_points, attachments, versions = [], [], [], []
    by_component = {}
    for q in cat.questions:
        by_component.setdefault(q.component_id, []).append(q)
    for submission, (i, rng, focus, campaign) in zip(submissions, extras, strict=True):
        answer_texts, attachment_texts = [], []
        for component in focus:
            for question in by_component.get(component.pk, [])[:1]:
                stance = rng.choices(list(STANCE_WEIGHTS), weights=list(STANCE_WEIGHTS.values()))[0]
                text = CAMPAIGN_TEXT if campaign else _paragraph(component.slug, rng, stance)
                target_rng = random.Random(f"{seed}:{i}:target:{component.pk}")  # nosec B311
                target = demo_figures.target_sentence(cat.indicators_by_component.get(component.pk, []), target_rng)
                text = f"{text} {target}".strip() if not campaign else text
                if rng.random() < 0.03:
                    text = rng.choice(["Agree.", "No comment.", "Yes"])  # thin answers happen
                answers.append(Answer(submission=submission, question=question, text=text))
                answer_texts.append(text)
        # Its own stream, so the rest of the demo does not shift when the figures' rules change.
        figures_rng = random.Random(f"{seed}:{i}:figures")  # nosec B311
        for _ in range(figures_rng.choices([0, 1, 2, 3], weights=[3, 4, 2, 1])[0]):
            component = figures_rng.choice(focus)
            indicator = figures_rng.choice(cat.indicators_by_component.get(component.pk) or cat.indicators)
            where = submission.organisation.region if figures_rng.random() < 0.7 else cat.regions[-1]
            data_points.append(demo_figures.data_point(submission, indicator, component, where, figures_rng, now.year))
        if figures_rng.random() < 0.12:
            data_points.append(
                demo_figures.other_measure(submission, focus[0], submission.organisation.region, figures_rng, now.year)
            )
        if rng.random() < 0.3:
            kind = rng.choice(list(stored))
            name, sha, size = stored[kind]
            attachments.append(
                Attachment(
                    submission=submission,
                    file=name,
                    original_name=f"{rng.choice(['evidence', 'case-study', 'survey', 'costs'])}-{i}.{kind}",
                    kind=kind,
                    content_type={"pdf": "application/pdf", "csv": "text/csv", "txt": "text/plain"}.get(
                        kind, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                    ),
                    size=size,
                    sha256=sha,
                    extraction_status=Attachment.Extraction.DONE,
                    extracted_text=file_text,
                    uploaded_by=submission.created_by,
                )
            )
            attachment_texts.append(file_text)
        # Written with the response (search.refresh would read it all back and update it row by row).
        submission.search_document = search.document(
            submission.summary, submission.proposals, answer_texts, attachment_texts
        )
        if submission.status != Submission.Status.DRAFT:
            versions.append(
                SubmissionVersion(
                    submission=submission,
                    number=1,
                    snapshot={
                        "reference": submission.reference,
                        "summary": submission.summary,
                        "proposals": submission.proposals,
                        "confidentiality": submission.confidentiality,
                    },
                    created_by=submission.created_by,
                )
            )
    # The responses are written once their answers are known; the rows below take their keys.
    Submission.objects.bulk_create(submissions, batch_size=BATCH)
    Consultation.objects.filter(pk=consultation.pk).update(last_reference_number=next_ref)
    consultation.last_reference_number = next_ref
    for rows in (answers, data_points, attachments, versions):
        bulk.insert(rows)
    return [submission.pk for submission in submissions]


# --- Reviews -------------------------------------------------------------------------------------------


def _read(text: str, patterns) -> list[tuple[str, str]]:
    """(sentence, kind) for each sentence of a demo answer; kind "" where no demo sentence matches."""
    out = []
    for sentence in language.sentences(text):
        kind = next((k for pattern, k, _ in patterns if pattern.fullmatch(sentence.strip())), "")
        out.append((sentence.strip(), kind))
    return out


def _stance(kinds: list[str]) -> str:
    if "counter" in kinds:
        return Stance.MIXED if "ask" in kinds else Stance.OPPOSES
    return Stance.SUPPORTS if "ask" in kinds else Stance.NONE


def _grade_for(rng: random.Random, has_data: bool, text: str) -> str:
    if has_data:
        return rng.choice(["A", "B", "B"])
    if any(ch.isdigit() for ch in text):
        return rng.choice(["B", "C", "C"])
    return rng.choice(["C", "D", "D"])


def seed_reviews(consultation: Consultation, fraction: float, seed: int) -> int:
    """Review ``fraction`` of the submitted responses (those not reviewed yet), deterministically."""
    User = get_user_model()
    reviewers = list(
        User.objects.filter(username__in=["reviewer@demo.mmip", "reviewer2@demo.mmip"]).order_by("username")
    )
    if len(reviewers) < 2 or fraction <= 0:
        return 0
    submitted = Submission.objects.filter(consultation=consultation, status=Submission.Status.SUBMITTED)
    total = submitted.count()
    done = submitted.exclude(review_state=Submission.ReviewState.NEW).count()
    wanted = max(0, round(total * min(fraction, 1.0)) - done)
    if not wanted:
        return 0
    candidates = list(
        submitted.filter(review_state=Submission.ReviewState.NEW, assignments__isnull=True)
        .order_by("reference_number")
        .values_list("pk", flat=True)
    )
    chooser = random.Random(f"{seed}:reviews:{total}")  # nosec B311
    chosen = sorted(chooser.sample(candidates, k=min(wanted, len(candidates))))
    answers_by_sub: dict[int, list[tuple[int, int, str]]] = {}
    for pk, sub_id, component_id, text in Answer.objects.filter(submission_id__in=chosen).values_list(
        "pk", "submission_id", "question__component_id", "text"
    ):
        answers_by_sub.setdefault(sub_id, []).append((pk, component_id, text))
    with_data = set(DataPoint.objects.filter(submission_id__in=chosen).values_list("submission_id", flat=True))
    component_ids = list(consultation.components.values_list("pk", flat=True))
    now = timezone.now()

    updates, assignments, tags, excerpts = [], [], [], []
    suggestions_made = []
    patterns = _patterns()
    for sub_id in chosen:
        rng = random.Random(f"{seed}:review:{sub_id}")  # nosec B311
        answers = answers_by_sub.get(sub_id, [])
        roll = rng.random()
        state = (
            Submission.ReviewState.EXCLUDED
            if roll < 0.04
            else Submission.ReviewState.IN_REVIEW
            if roll < 0.10
            else Submission.ReviewState.REVIEWED
        )
        first, second = (reviewers[0], reviewers[1]) if rng.random() < 0.5 else (reviewers[1], reviewers[0])
        dual = state == Submission.ReviewState.REVIEWED and rng.random() < 0.2
        updates.append((sub_id, state, dual))
        assignments.append(
            ReviewAssignment(
                submission_id=sub_id,
                reviewer=first,
                round=ReviewRound.FIRST,
                status=ReviewAssignment.Status.ASSIGNED if state == "in_review" else ReviewAssignment.Status.DONE,
                completed_at=None if state == "in_review" else now,
            )
        )
        if state == Submission.ReviewState.EXCLUDED:
            continue
        tagged = [c for _, c, _ in answers if c] or [rng.choice(component_ids)]
        tagged = list(dict.fromkeys(tagged))[:3]
        # What each answer says, sentence by sentence: the reviewer codes the stance and the excerpts' kinds.
        read = {answer_id: _read(text, patterns) for answer_id, _, text in answers}
        said = {c: [k for a, comp, _ in answers if comp == c for _, k in read[a]] for c in tagged}
        first_tags = {}
        for n, component_id in enumerate(tagged):
            grade = _grade_for(rng, sub_id in with_data, " ".join(t for _, _, t in answers))
            stance = _stance(said.get(component_id, []))
            if rng.random() < 0.05:
                stance = Stance.NONE  # a reviewer who leaves the stance unrecorded
            first_tags[component_id] = (grade, stance)
            tags.append(
                ComponentTag(
                    submission_id=sub_id,
                    component_id=component_id,
                    round=ReviewRound.FIRST,
                    reviewer=first,
                    relevance=ComponentTag.Relevance.PRIMARY if n == 0 else ComponentTag.Relevance.SECONDARY,
                    grade=grade,
                    stance=stance,
                )
            )
        coded = []
        for answer_id, component_id, _ in answers:
            if not component_id:
                continue
            for sentence, kind in read[answer_id]:
                keep = {"ask": 0.9, "counter": 1.0}.get(kind, 0.4)
                if kind and rng.random() < keep:
                    coded.append((answer_id, component_id, sentence, kind))
                    excerpts.append(
                        Excerpt(
                            submission_id=sub_id,
                            component_id=component_id,
                            round=ReviewRound.FIRST,
                            reviewer=first,
                            answer_id=answer_id,
                            text=sentence,
                            kind=kind,
                            note=rng.choice(["", "Clear figure.", "Case study.", "Key point."]),
                        )
                    )
        suggestions_made += suggestions.build_rows(submission_id=sub_id, version=1, answers=answers)
        if dual:
            assignments.append(
                ReviewAssignment(
                    submission_id=sub_id,
                    reviewer=second,
                    round=ReviewRound.SECOND,
                    status=ReviewAssignment.Status.DONE,
                    completed_at=now,
                )
            )
            for component_id, (grade, stance) in first_tags.items():
                if rng.random() < 0.25:  # disagreements on the grade
                    grade = {"A": "B", "B": "C", "C": "B", "D": "C"}[grade]
                if rng.random() < 0.15:  # and on the stance
                    stance = {"supports": "mixed", "opposes": "mixed", "mixed": "opposes", "none": "supports"}[stance]
                tags.append(
                    ComponentTag(
                        submission_id=sub_id,
                        component_id=component_id,
                        round=ReviewRound.SECOND,
                        reviewer=second,
                        relevance=ComponentTag.Relevance.PRIMARY,
                        grade=grade,
                        stance=stance,
                    )
                )
            for answer_id, component_id, sentence, kind in coded:
                if rng.random() < 0.1:  # excerpt kinds disagree sometimes
                    kind = {"ask": "problem", "problem": "data", "data": "problem", "example": "problem"}.get(
                        kind, kind
                    )
                excerpts.append(
                    Excerpt(
                        submission_id=sub_id,
                        component_id=component_id,
                        round=ReviewRound.SECOND,
                        reviewer=second,
                        answer_id=answer_id,
                        text=sentence,
                        kind=kind,
                    )
                )
            if rng.random() < 0.15:  # and sometimes on the components
                extra = rng.choice(component_ids)
                if extra not in first_tags:
                    tags.append(
                        ComponentTag(
                            submission_id=sub_id,
                            component_id=extra,
                            round=ReviewRound.SECOND,
                            reviewer=second,
                            relevance=ComponentTag.Relevance.SECONDARY,
                            grade="C",
                        )
                    )

    for state in Submission.ReviewState.values:
        for dual in (True, False):
            ids = [pk for pk, s, d in updates if s == state and d == dual]
            for n in range(0, len(ids), BATCH):
                extra = {"exclusion_reason": Submission.ExclusionReason.NO_CONTENT} if state == "excluded" else {}
                Submission.objects.filter(pk__in=ids[n : n + BATCH]).update(
                    review_state=state, needs_dual_review=dual, **extra
                )
    ReviewAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    ComponentTag.objects.bulk_create(tags, batch_size=BATCH)
    Excerpt.objects.bulk_create(excerpts, batch_size=BATCH)
    Suggestion.objects.bulk_create(suggestions_made, batch_size=BATCH)
    return len(chosen)


def seed(
    *,
    submissions: int,
    seed: int = 1,
    reviewed: float = 0.0,
    now: dt.datetime | None = None,
    superuser: bool = True,
) -> SeedResult:
    now = now or timezone.now()
    result = SeedResult()
    with transaction.atomic():
        consultation = ensure_consultation(now)
        result.accounts = ensure_accounts(consultation, superuser=superuser)
        # Responses of the demo respondents only: the demo submitter's own is theirs to write.
        existing = Submission.objects.filter(
            consultation=consultation, created_by__username__startswith=f"demo-{seed}-"
        ).count()
        new_ids: list[int] = []
        for start in range(existing, submissions, 5000):
            new_ids += _create_submissions(consultation, start, min(start + 5000, submissions), seed, now)
        result.created = len(new_ids)
        result.reviewed = seed_reviews(consultation, reviewed, seed)
        # Responses seeded now have their search document; on PostgreSQL the vector is built from it.
        search.refresh_vectors(new_ids)
        # Indexed for duplicate detection (not compared: a new submit is compared with them).
        duplicates.index_submissions(new_ids)
        result.total = Submission.objects.filter(consultation=consultation).count()
    if result.created and connection.vendor == "postgresql":
        # A bulk load leaves the planner without statistics: without them, joins over these tables are
        # planned as nested loops over "tiny" tables and take seconds instead of milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return result
