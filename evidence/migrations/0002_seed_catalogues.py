"""Seed the domain catalogues from DOMAIN.md: components, indicators, organisation types, regions,
modalities, and the staff groups. Administrators edit them in the admin afterwards; this migration only
creates what is missing, so it never overwrites their edits."""

from decimal import Decimal

from django.db import migrations

COMPONENTS = [
    (
        "investment",
        "Competitive investment environment",
        "Capital grants, tax treatment of capital investment, speed and certainty of support, cost of capital "
        "compared with competing countries.",
    ),
    (
        "skills",
        "Skills and talent",
        "Technicians, engineers, apprenticeships, specialist skills (ATMP, digital, process), immigration of experts.",
    ),
    (
        "regulation",
        "Agile regulation",
        "MHRA approvals and inspections for new facilities, processes and modalities; international recognition.",
    ),
    (
        "innovation",
        "Innovation and technology adoption",
        "Advanced manufacturing (continuous, digital, modular), advanced therapies (cell and gene), scale-up, "
        "catapults and innovation centres.",
    ),
    (
        "supply-chain",
        "Health resilience and resilient supply chains",
        "Raw materials, critical medicines and shortages, onshoring, stockpiling, diversification.",
    ),
    (
        "sustainability",
        "Sustainability and net zero",
        "Energy, emissions, green manufacturing, waste and water.",
    ),
    (
        "infrastructure",
        "Infrastructure and place",
        "Sites, clusters, energy costs and grid access, planning, transport.",
    ),
    (
        "market",
        "Market and NHS uptake",
        "Pricing and access, procurement, demand signals that justify UK capacity.",
    ),
    (
        "collaboration",
        "Partnership and promotion",
        "Industry–government coordination, promotion of the UK, trade and investment promotion.",
    ),
]

# slug, name, unit, alternative units, better, baseline value, period, source, note, components
INDICATORS = [
    (
        "capital-investment",
        "Capital investment in UK pharmaceutical manufacturing",
        "£ million a year",
        ["£ billion a year"],
        "higher",
        None,
        "",
        "MMIP white paper, January 2023",
        'A "steady decline", accelerating "markedly" over the past five years (no figure published).',
        ["investment"],
    ),
    (
        "production-volume",
        "Pharmaceutical production volume",
        "index",
        ["% change"],
        "higher",
        Decimal("-29"),
        "2009–2021",
        "Life Sciences Vision, July 2021, quoted by the MMIP white paper",
        "Down 29% since 2009.",
        ["investment", "innovation"],
    ),
    (
        "manufacturing-jobs",
        "Medicines manufacturing jobs",
        "people employed",
        ["jobs"],
        "higher",
        Decimal("-7000"),
        "2009–2021",
        "Life Sciences Vision, July 2021, quoted by the MMIP white paper",
        "About 7,000 jobs lost since 2009.",
        ["skills"],
    ),
    (
        "trade-balance-rank",
        "Rank in overall pharmaceutical trade balance",
        "rank among countries",
        [],
        "lower",
        Decimal("98"),
        "2022",
        "MMIP white paper, January 2023",
        "4th in 2010, 98th at the time of the white paper.",
        ["market", "collaboration"],
    ),
    (
        "exports",
        "Exports of medicines and medical technology",
        "£ billion a year",
        ["£ million a year"],
        "higher",
        Decimal("30"),
        "2022",
        "MMIP white paper, January 2023",
        "Around £30 billion a year.",
        ["market", "collaboration"],
    ),
    (
        "global-share",
        "UK share of global medicines manufacturing",
        "percent",
        [],
        "higher",
        None,
        "",
        "",
        "No published figure in the article: needs a source.",
        ["investment", "collaboration"],
    ),
    (
        "gva",
        "Gross value added of medicines and medtech manufacturing",
        "£ billion a year",
        ["£ million a year"],
        "higher",
        Decimal("32.1"),
        "2019",
        "MMIP press release, 24 January 2023",
        "£32.1bn in 2019; medicines are almost 45% of life-sciences GVA of £36.9bn (MMIP, June 2023).",
        ["investment"],
    ),
    (
        "trade-balance",
        "Pharmaceutical trade balance",
        "US$ billion a year",
        [],
        "higher",
        Decimal("-1"),
        "2020",
        "Cambridge Industrial Innovation Policy, UK Innovation Report 2022",
        "$9.6bn surplus in 2010, a deficit of over $1bn in 2020.",
        ["market", "supply-chain"],
    ),
    (
        "inward-fdi",
        "Inward life-sciences foreign direct investment",
        "£ million a year",
        ["£ billion a year"],
        "higher",
        Decimal("795"),
        "2023",
        "ABPI/PwC, 2024",
        "£1.9bn in 2021, £795m in 2023; UK rank from 2nd to 7th of its comparators.",
        ["investment"],
    ),
    (
        "mhra-decision-days",
        "MHRA time to decision, national route",
        "days",
        [],
        "lower",
        Decimal("333"),
        "January 2024",
        "Pharmaceutical Journal, January 2024",
        "333 days against a statutory 210 in January 2024; within statutory timelines from September 2024 "
        "(government answer).",
        ["regulation"],
    ),
    (
        "supply-notifications",
        "Medicine supply-problem notifications to government",
        "notifications a month",
        [],
        "lower",
        Decimal("137"),
        "2023",
        "Pharmaceutical Journal, from FOI data",
        "82 a month in 2021, 137 in 2023.",
        ["supply-chain"],
    ),
]

ORGANISATION_TYPES = [
    ("large-pharma", "Large pharmaceutical company", False),
    ("sme-biopharma", "Small or medium-sized biopharma company (SME)", False),
    ("cdmo", "Contract development and manufacturing organisation (CDMO/CMO)", False),
    ("atmp", "Cell and gene therapy / advanced therapy (ATMP) manufacturer", False),
    ("vaccines", "Vaccine manufacturer", False),
    ("generics", "Generics or biosimilars manufacturer", False),
    ("medtech", "Medical technology or diagnostics company", False),
    ("supplier", "Supplier (equipment, materials, digital, services)", False),
    ("academic", "Academic or research institution", False),
    ("catapult", "Catapult or innovation centre", False),
    ("trade-body", "Trade association or industry body", False),
    ("government", "Government body or regulator", False),
    ("nhs", "NHS organisation", False),
    ("investor", "Investor", False),
    ("individual", "Individual (not on behalf of an organisation)", True),
    ("other", "Other", False),
]

REGIONS = [
    ("north-east", "North East"),
    ("north-west", "North West"),
    ("yorkshire-humber", "Yorkshire and The Humber"),
    ("east-midlands", "East Midlands"),
    ("west-midlands", "West Midlands"),
    ("east-of-england", "East of England"),
    ("london", "London"),
    ("south-east", "South East"),
    ("south-west", "South West"),
    ("wales", "Wales"),
    ("scotland", "Scotland"),
    ("northern-ireland", "Northern Ireland"),
    ("uk-wide", "UK-wide"),
    ("outside-uk", "Outside the UK"),
]

MODALITIES = [
    ("small-molecule", "Small-molecule active ingredients"),
    ("oral-solid-dose", "Oral solid dose and other finished products"),
    ("sterile-injectables", "Sterile injectables"),
    ("biologics", "Biologics (proteins, antibodies)"),
    ("vaccines", "Vaccines"),
    ("cell-gene", "Cell and gene therapies"),
    ("nucleic-acid", "Nucleic-acid medicines (RNA, DNA)"),
    ("radiopharmaceuticals", "Radiopharmaceuticals"),
    ("generics-biosimilars", "Generics and biosimilars"),
    ("devices", "Devices and combination products"),
]

# Staff groups. "Confidential evidence" is the explicit permission to see commercially confidential
# content; it is granted on its own, so that being a reviewer or lead does not imply it.
GROUPS = {
    "Reviewer": [
        ("evidence", "review_submission"),
        ("evidence", "view_submission"),
        ("evidence", "change_submission"),
        ("evidence", "view_answer"),
        ("evidence", "view_datapoint"),
        ("evidence", "view_attachment"),
        ("evidence", "view_organisation"),
        ("evidence", "view_reviewassignment"),
        ("evidence", "view_componenttag"),
        ("evidence", "add_componenttag"),
        ("evidence", "change_componenttag"),
        ("evidence", "delete_componenttag"),
        ("evidence", "view_excerpt"),
        ("evidence", "add_excerpt"),
        ("evidence", "change_excerpt"),
        ("evidence", "delete_excerpt"),
        ("evidence", "view_ecosystemcomponent"),
        ("evidence", "view_indicator"),
    ],
    "Lead": [
        ("evidence", "lead_consultation"),
        ("evidence", "review_submission"),
        ("evidence", "view_submission"),
        ("evidence", "change_submission"),
        ("evidence", "view_answer"),
        ("evidence", "view_datapoint"),
        ("evidence", "view_attachment"),
        ("evidence", "view_organisation"),
        ("evidence", "view_reviewassignment"),
        ("evidence", "add_reviewassignment"),
        ("evidence", "change_reviewassignment"),
        ("evidence", "view_componenttag"),
        ("evidence", "add_componenttag"),
        ("evidence", "change_componenttag"),
        ("evidence", "delete_componenttag"),
        ("evidence", "view_excerpt"),
        ("evidence", "add_excerpt"),
        ("evidence", "change_excerpt"),
        ("evidence", "delete_excerpt"),
        ("evidence", "view_ecosystemcomponent"),
        ("evidence", "view_indicator"),
        ("evidence", "view_consultation"),
    ],
    "Administrator": "__all_evidence__",
    "Confidential evidence": [("evidence", "view_confidential")],
}


def seed(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Component = apps.get_model("evidence", "EcosystemComponent")
    Indicator = apps.get_model("evidence", "Indicator")
    OrganisationType = apps.get_model("evidence", "OrganisationType")
    Region = apps.get_model("evidence", "Region")
    Modality = apps.get_model("evidence", "Modality")

    for order, (slug, name, description) in enumerate(COMPONENTS, start=1):
        Component.objects.get_or_create(slug=slug, defaults={"name": name, "description": description, "order": order})
    for order, (slug, name, unit, alt, better, value, period, source, note, comps) in enumerate(INDICATORS, start=1):
        indicator, created = Indicator.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "unit": unit,
                "alternative_units": alt,
                "better": better,
                "baseline_value": value,
                "baseline_period": period,
                "baseline_source": source,
                "baseline_note": note,
                "order": order,
            },
        )
        if created:
            indicator.components.set(Component.objects.filter(slug__in=comps))
    for order, (slug, name, is_individual) in enumerate(ORGANISATION_TYPES, start=1):
        OrganisationType.objects.get_or_create(
            slug=slug, defaults={"name": name, "order": order, "is_individual": is_individual}
        )
    for order, (slug, name) in enumerate(REGIONS, start=1):
        Region.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})
    for order, (slug, name) in enumerate(MODALITIES, start=1):
        Modality.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        if perms == "__all_evidence__":
            group.permissions.add(*Permission.objects.filter(content_type__app_label="evidence"))
            continue
        for app_label, codename in perms:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


class Migration(migrations.Migration):
    dependencies = [
        ("evidence", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
