"""Catalogues, consultations (with their questions) and organisations (with their members)."""

from __future__ import annotations

from django.contrib import admin

from ..models import (
    Consultation,
    EcosystemComponent,
    Indicator,
    Membership,
    Modality,
    Organisation,
    OrganisationType,
    Question,
    Region,
)

# --- Catalogues -----------------------------------------------------------------------------------------


@admin.register(EcosystemComponent)
class EcosystemComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "better", "baseline_value", "baseline_period", "is_active"]
    list_filter = ["better", "is_active", "components"]
    filter_horizontal = ["components"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(OrganisationType, Region, Modality)
class CatalogueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "is_active"]
    list_editable = ["order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "opens_at", "closes_at", "last_reference_number"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["components"]
    inlines = [QuestionInline]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation_type", "size_band", "region"]
    list_filter = ["organisation_type", "size_band", "region"]
    list_select_related = ["organisation_type", "region"]
    search_fields = ["name"]
    inlines = [MembershipInline]
