"""The indicator catalogue, fixed against its sources and completed (issue 13).

1. Kinds, units and directions of the seeded indicators, read against /work/shared/DOMAIN.md's sources:
   - production volume: the Life Sciences Vision says output is "down 29% since 2009", a change in per cent
     over 2009–2021 ("-29% change over 2009–2021"), not an index level of -29;
   - manufacturing jobs: "about 7,000 jobs lost since 2009" is a change in jobs, not a headcount of -7,000;
   - rank in the trade balance is a rank (4th in 2010, 98th at the time of the white paper, January 2023);
   - the UK's share of global manufacturing is a share in per cent; all others are levels.
2. New indicators, each with a published figure and its source, so that every component has at least two
   indicators with a published baseline (sustainability and infrastructure had none):
   - Industrial electricity price: 25.85 pence per kWh in 2023, including taxes, the highest of the 31 IEA
     member countries (median 17.70p; 10.43p in 2018). DESNZ, International industrial energy prices (IEA
     data), September 2024, as reported by The Telegraph, 26 September 2024,
     https://www.telegraph.co.uk/business/2024/09/26/britain-burdened-most-expensive-electricity-prices-in-world/
   - Medicines' share of NHS carbon emissions: 25% (NHS England, Delivering a Net Zero National Health Service,
     October 2020), as reported by The Pharmaceutical Journal, 2025,
     https://pharmaceutical-journal.com/article/feature/net-zero-progress-on-reducing-the-environmental-impact-of-medicines
   - MHRA-licensed cell and gene therapy GMP manufacturing facilities: 32 in 2024, up from 28 in 2023 (Cell and
     Gene Therapy Catapult, GMP Manufacturing Report 2024, press release 20 November 2024),
     https://ct.catapult.org.uk/news/cell-and-gene-therapy-industry-continues-to-expand-manufacturing-infrastructure-in-the-uk
   - Cell and gene therapy GMP manufacturing cleanroom space: 11,756 m² in 2020, up from 7,970 m² in 2019 (Cell and
     Gene Therapy Catapult, 2020 GMP manufacturing report, 1 December 2020),
     https://www.stevenagecatalyst.com/new-data-cell-and-gene-therapy-catapult-report-sho/
   - Staff in cell and gene therapy GMP manufacturing: 1,310 full-time personnel in 2020, up 15% on 2019 (same
     report).
   - MHRA average time for an initial clinical trial assessment: 28 days (data to January 2025; statutory
     timescale 30 days). MHRA performance data for assessment of clinical trials and established medicines,
     updated 14 February 2025,
     https://www.gov.uk/government/publications/mhra-performance-data-for-assessment-of-clinical-trials-and-established-medicines
An entry an administrator has already changed is left as it is: only fields still holding the seeded values
are fixed, and new indicators are created only when their slug is free.
"""

from decimal import Decimal

from django.db import migrations

# slug: (fields the seed gave it, fields it should have)
FIXES = {
    "production-volume": (
        {"unit": "index", "baseline_value": Decimal("-29")},
        {
            "kind": "change_percent",
            "unit": "% change",
            "alternative_units": [],
            "baseline_value": Decimal("-29"),
            "baseline_period": "2009–2021",
            "baseline_note": "Down 29% since 2009 (Life Sciences Vision, July 2021).",
        },
    ),
    "manufacturing-jobs": (
        {"unit": "people employed", "baseline_value": Decimal("-7000")},
        {
            "kind": "change_units",
            "unit": "jobs",
            "alternative_units": ["thousand jobs"],
            "baseline_period": "2009–2021",
            "baseline_note": "About 7,000 jobs lost since 2009 (Life Sciences Vision, July 2021).",
        },
    ),
    "trade-balance-rank": (
        {"unit": "rank among countries"},
        {
            "kind": "rank",
            "baseline_period": "January 2023",
            "baseline_note": "4th in 2010, 98th at the time of the white paper (January 2023).",
        },
    ),
    "global-share": (
        {"unit": "percent"},
        {"kind": "share", "unit": "% of global medicines manufacturing"},
    ),
    "exports": ({}, {"kind": "level"}),
    "gva": ({}, {"kind": "level"}),
    "inward-fdi": ({}, {"kind": "level"}),
    "capital-investment": ({}, {"kind": "level"}),
    "trade-balance": ({}, {"kind": "level"}),
    "mhra-decision-days": ({}, {"kind": "level"}),
    "supply-notifications": ({}, {"kind": "level"}),
}

NEW = [
    {
        "slug": "industrial-electricity-price",
        "name": "Industrial electricity price paid in the UK",
        "kind": "level",
        "unit": "pence per kWh",
        "alternative_units": ["£ per MWh"],
        "unit_factors": {"£ per MWh": "0.1"},
        "better": "lower",
        "baseline_value": Decimal("25.85"),
        "baseline_period": "2023",
        "baseline_source": "DESNZ, International industrial energy prices (IEA data), September 2024, "
        "reported by The Telegraph, 26 September 2024",
        "baseline_url": "https://www.telegraph.co.uk/business/2024/09/26/"
        "britain-burdened-most-expensive-electricity-prices-in-world/",
        "baseline_note": "25.85p per kWh in 2023 including taxes, the highest of 31 IEA countries (median 17.70p); "
        "10.43p in 2018.",
        "components": ["sustainability", "infrastructure"],
    },
    {
        "slug": "nhs-medicines-emissions-share",
        "name": "Medicines' share of NHS carbon emissions",
        "kind": "share",
        "unit": "% of NHS carbon emissions",
        "alternative_units": [],
        "unit_factors": {},
        "better": "lower",
        "baseline_value": Decimal("25"),
        "baseline_period": "2020",
        "baseline_source": "NHS England, Delivering a Net Zero National Health Service (October 2020), "
        "reported by The Pharmaceutical Journal, 2025",
        "baseline_url": "https://pharmaceutical-journal.com/article/feature/"
        "net-zero-progress-on-reducing-the-environmental-impact-of-medicines",
        "baseline_note": "Medicines account for a quarter of NHS carbon emissions; anaesthetic gases and inhalers "
        "5%, the rest mainly manufacturing and the supply chain.",
        "components": ["sustainability"],
    },
    {
        "slug": "cgt-gmp-facilities",
        "name": "MHRA-licensed cell and gene therapy GMP manufacturing facilities",
        "kind": "level",
        "unit": "facilities",
        "alternative_units": [],
        "unit_factors": {},
        "better": "higher",
        "baseline_value": Decimal("32"),
        "baseline_period": "2024",
        "baseline_source": "Cell and Gene Therapy Catapult, GMP Manufacturing Report 2024 (20 November 2024)",
        "baseline_url": "https://ct.catapult.org.uk/news/"
        "cell-and-gene-therapy-industry-continues-to-expand-manufacturing-infrastructure-in-the-uk",
        "baseline_note": "32 licensed facilities in 2024, up from 28 in 2023.",
        "components": ["infrastructure", "innovation"],
    },
    {
        "slug": "cgt-cleanroom-space",
        "name": "Cell and gene therapy GMP manufacturing cleanroom space",
        "kind": "level",
        "unit": "m²",
        "alternative_units": ["square metres"],
        "unit_factors": {"square metres": "1"},
        "better": "higher",
        "baseline_value": Decimal("11756"),
        "baseline_period": "2020",
        "baseline_source": "Cell and Gene Therapy Catapult, GMP manufacturing report 2020 (1 December 2020)",
        "baseline_url": "https://www.stevenagecatalyst.com/new-data-cell-and-gene-therapy-catapult-report-sho/",
        "baseline_note": "11,756 m² in 2020, up 48% from 7,970 m² in 2019.",
        "components": ["infrastructure"],
    },
    {
        "slug": "cgt-manufacturing-staff",
        "name": "Staff in cell and gene therapy GMP manufacturing",
        "kind": "level",
        "unit": "full-time staff",
        "alternative_units": [],
        "unit_factors": {},
        "better": "higher",
        "baseline_value": Decimal("1310"),
        "baseline_period": "2020",
        "baseline_source": "Cell and Gene Therapy Catapult, GMP manufacturing report 2020 (1 December 2020)",
        "baseline_url": "https://www.stevenagecatalyst.com/new-data-cell-and-gene-therapy-catapult-report-sho/",
        "baseline_note": "1,310 full-time personnel in 2020, 15% more than in 2019.",
        "components": ["skills", "innovation"],
    },
    {
        "slug": "mhra-clinical-trial-days",
        "name": "MHRA average time for an initial clinical trial assessment",
        "kind": "level",
        "unit": "days",
        "alternative_units": [],
        "unit_factors": {},
        "better": "lower",
        "baseline_value": Decimal("28"),
        "baseline_period": "2024",
        "baseline_source": "MHRA performance data for assessment of clinical trials and established medicines "
        "(updated 14 February 2025)",
        "baseline_url": "https://www.gov.uk/government/publications/"
        "mhra-performance-data-for-assessment-of-clinical-trials-and-established-medicines",
        "baseline_note": "An average of 28 days for initial assessments (statutory timescale 30 days), data to "
        "January 2025.",
        "components": ["regulation"],
    },
]


def forwards(apps, schema_editor):
    Indicator = apps.get_model("evidence", "Indicator")
    Component = apps.get_model("evidence", "EcosystemComponent")
    for slug, (seeded, fixed) in FIXES.items():
        indicator = Indicator.objects.filter(slug=slug).first()
        if indicator is None:
            continue
        if any(getattr(indicator, field) != value for field, value in seeded.items()):
            indicator.kind = fixed.get("kind", indicator.kind)  # the kind is new: it has no seeded value
            indicator.save(update_fields=["kind"])
            continue
        for field, value in fixed.items():
            setattr(indicator, field, value)
        indicator.save()
    order = (Indicator.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    for n, entry in enumerate(NEW):
        entry = dict(entry)
        components = entry.pop("components")
        indicator, created = Indicator.objects.get_or_create(
            slug=entry.pop("slug"), defaults={**entry, "order": order + n}
        )
        if created:
            indicator.components.set(Component.objects.filter(slug__in=components))


def backwards(apps, schema_editor):
    Indicator = apps.get_model("evidence", "Indicator")
    DataPoint = apps.get_model("evidence", "DataPoint")
    slugs = [entry["slug"] for entry in NEW]
    used = set(DataPoint.objects.filter(indicator__slug__in=slugs).values_list("indicator__slug", flat=True))
    Indicator.objects.filter(slug__in=set(slugs) - used).delete()


class Migration(migrations.Migration):
    dependencies = [("evidence", "0010_indicator_kind_and_conversions")]

    operations = [migrations.RunPython(forwards, backwards)]
