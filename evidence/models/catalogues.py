"""Catalogues: the ecosystem components, indicators, organisation types, regions and modalities."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

from ..units import Kind as UnitKind
from ..units import conversion_factor, currency_of, normalise_unit, parse_factor

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

    class Kind(models.TextChoices):
        # The same values as evidence.units.Kind, which the compile step uses (it imports no Django).
        LEVEL = UnitKind.LEVEL.value, "Level (an amount at a time)"
        CHANGE_PERCENT = UnitKind.CHANGE_PERCENT.value, "Change in per cent over a period"
        CHANGE_UNITS = UnitKind.CHANGE_UNITS.value, "Change in units over a period"
        RANK = UnitKind.RANK.value, "Rank (never averaged)"
        SHARE = UnitKind.SHARE.value, "Share of a whole, in per cent"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LEVEL)
    unit = models.CharField(max_length=80, help_text="The canonical unit, e.g. '£ million a year'.")
    alternative_units = models.JSONField(
        default=list, blank=True, help_text="Other units a submitter may report this indicator in."
    )
    unit_factors = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            'How many canonical units one alternative unit is worth, e.g. {"£ per MWh": "0.1"} for '
            "pence per kWh. Units differing only by a scale word (million, billion) convert without an entry; "
            "currencies never convert."
        ),
    )
    better = models.CharField(max_length=10, choices=Better.choices)
    baseline_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_period = models.CharField(max_length=60, blank=True)
    baseline_source = models.CharField(max_length=300, blank=True)
    baseline_url = models.URLField(max_length=500, blank=True, help_text="Where the published baseline is.")
    baseline_note = models.TextField(blank=True, help_text="The published baseline in words.")
    components = models.ManyToManyField(EcosystemComponent, blank=True, related_name="indicators")

    class Meta(CatalogueEntry.Meta):
        pass

    def clean(self) -> None:
        super().clean()
        errors = []
        declared = {normalise_unit(u) for u in self.alternative_units or []}
        for unit, factor in (self.unit_factors or {}).items():
            if normalise_unit(unit) not in declared:
                errors.append(f"“{unit}” has a conversion factor but is not one of the alternative units.")
            try:
                parse_factor(factor)
            except ValueError as error:
                errors.append(f"The factor of “{unit}”: {error}")
            if currency_of(unit) != currency_of(self.unit):
                errors.append(
                    f"“{unit}” and “{self.unit}” are different currencies: they are never converted without a "
                    "stated exchange rate. Remove the factor; such values are listed side by side."
                )
        if self.kind == self.Kind.RANK and self.unit_factors:
            errors.append("A rank has no other units to convert.")
        if errors:
            raise ValidationError({"unit_factors": errors})

    def accepted_units(self) -> list[str]:
        return [self.unit, *[u for u in self.alternative_units if u != self.unit]]

    def fits_unit(self, unit: str) -> bool:
        wanted = normalise_unit(unit)
        return any(normalise_unit(u) == wanted for u in self.accepted_units())

    def factor_for(self, unit: str) -> Decimal | None:
        """How many canonical units one ``unit`` is worth; None when it does not convert."""
        return conversion_factor(unit, self.unit, self.unit_factors)


class OrganisationType(CatalogueEntry):
    is_individual = models.BooleanField(default=False, help_text="Someone responding for themselves.")


class Region(CatalogueEntry):
    """UK nations and ITL1 regions, plus 'UK-wide' and 'outside the UK'."""


class Modality(CatalogueEntry):
    """Manufacturing modality (sub-sector)."""

    class Meta(CatalogueEntry.Meta):
        verbose_name_plural = "modalities"
