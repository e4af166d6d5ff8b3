"""Seed the catalogue of UK public bodies a recommendation can name as its actor. Administrators edit it in
the admin afterwards; this migration only creates what is missing, so it never overwrites their edits."""

from django.db import migrations

# name, short name, other names respondents use
PUBLIC_BODIES = [
    ("HM Treasury", "HM Treasury", ["Treasury", "HMT", "the Chancellor"]),
    ("Department of Health and Social Care", "DHSC", ["Department of Health", "Health Secretary"]),
    ("Department for Business and Trade", "DBT", ["Business and Trade", "Department for Business"]),
    ("Office for Life Sciences", "Office for Life Sciences", ["OLS"]),
    ("Medicines and Healthcare products Regulatory Agency", "MHRA", ["the regulator"]),
    ("National Institute for Health and Care Excellence", "NICE", []),
    ("NHS England", "NHS England", ["NHSE", "NHS Supply Chain", "the NHS"]),
    ("Department for Education", "DfE", ["Skills England"]),
    ("UK Research and Innovation", "UKRI", ["research councils"]),
    ("Innovate UK", "Innovate UK", []),
    ("Department for Science, Innovation and Technology", "DSIT", []),
    ("Department for Energy Security and Net Zero", "DESNZ", ["Energy Security and Net Zero"]),
    ("Ofgem", "Ofgem", ["the energy regulator"]),
    ("National Energy System Operator", "NESO", ["grid operator", "ESO"]),
    ("Ministry of Housing, Communities and Local Government", "MHCLG", ["planning authorities", "local authorities"]),
    ("Home Office", "Home Office", ["visa system", "immigration rules"]),
    ("HM Revenue and Customs", "HMRC", []),
    ("UK Health Security Agency", "UKHSA", []),
    ("Cabinet Office", "Cabinet Office", []),
    ("British Business Bank", "British Business Bank", []),
    ("National Wealth Fund", "National Wealth Fund", []),
    ("Scottish Government", "Scottish Government", ["Scottish Enterprise"]),
    ("Welsh Government", "Welsh Government", []),
    ("Northern Ireland Executive", "Northern Ireland Executive", ["Invest NI"]),
]


def seed(apps, schema_editor):
    PublicBody = apps.get_model("recommendations", "PublicBody")
    for order, (name, short, aliases) in enumerate(PUBLIC_BODIES, start=1):
        PublicBody.objects.get_or_create(name=name, defaults={"short_name": short, "aliases": aliases, "order": order})


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0006_actors_themes_stance")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
