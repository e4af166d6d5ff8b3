"""Catalogues: the ecosystem components, indicators, organisation types, regions and modalities."""

from __future__ import annotations

from django.db import models

# --- Catalogues (seeded by data migrations from DOMAIN.md, editable in the admin) ---------------------


class CatalogueQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class CatalogueEntry(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Retired entries stay on old evidence.")

    objects = CatalogueQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class EcosystemComponent(CatalogueEntry):
    """A component of the 'world-leading ecosystem': the taxonomy evidence is tagged to."""

    description = models.TextField(help_text="What evidence under this component is about.")

    class Meta(CatalogueEntry.Meta):
        verbose_name = "ecosystem component"


class Indicator(CatalogueEntry):
    """A measurable quantity for data points and success criteria, with its published baseline."""

    class Better(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    unit = models.CharField(max_length=80, help_text="The canonical unit, e.g. '£ million a year'.")
    alternative_units = models.JSONField(
        default=list, blank=True, help_text="Other units a submitter may report this indicator in."
    )
    better = models.CharField(max_length=10, choices=Better.choices)
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_period = models.CharField(max_length=60, blank=True)
    baseline_source = models.CharField(max_length=300, blank=True)
    baseline_note = models.TextField(blank=True, help_text="The published baseline in words.")
    components = models.ManyToManyField(EcosystemComponent, blank=True, related_name="indicators")

    class Meta(CatalogueEntry.Meta):
        pass

    def accepted_units(self) -> list[str]:
        return [self.unit, *[u for u in self.alternative_units if u != self.unit]]

    def fits_unit(self, unit: str) -> bool:
        wanted = normalise_unit(unit)
        return any(normalise_unit(u) == wanted for u in self.accepted_units())


# Currency symbols written before the number ("£85 million a year", "US$9.6 billion a year").
CURRENCY_PREFIXES = ("US$", "£", "$", "€")


def quantity(value: str, unit: str) -> str:
    """A value and its unit as people write them: "£85 million a year", "12%", "400 people employed",
    "98th among countries", not "85 £ million a year"."""
    value, unit = str(value).strip(), " ".join(str(unit).split())
    if not unit:
        return value
    for symbol in CURRENCY_PREFIXES:
        if unit.startswith(symbol):
            rest = unit[len(symbol) :].strip()
            sign, digits = ("-", value[1:]) if value.startswith("-") else ("", value)
            return f"{sign}{symbol}{digits}" + (f" {rest}" if rest else "")
    if unit.lower() in {"%", "percent", "per cent"}:
        return f"{value}%"
    if unit.lower().startswith("rank") and value.isdigit():
        rest = unit[4:].strip()
        return f"{_ordinal(int(value))}" + (f" {rest}" if rest else "")
    return f"{value} {unit}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def normalise_unit(unit: str) -> str:
    return " ".join(unit.lower().replace("£", "gbp ").replace("$", "usd ").split())


class OrganisationType(CatalogueEntry):
    is_individual = models.BooleanField(default=False, help_text="Someone responding for themselves.")


class Region(CatalogueEntry):
    """UK nations and ITL1 regions, plus 'UK-wide' and 'outside the UK'."""


class Modality(CatalogueEntry):
    """Manufacturing modality (sub-sector)."""

    class Meta(CatalogueEntry.Meta):
        verbose_name_plural = "modalities"
