"""Consultations (calls for evidence) and their questions."""

from __future__ import annotations

import datetime as dt

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .catalogues import EcosystemComponent

# --- Consultations --------------------------------------------------------------------------------------


def default_window(start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The default six-month window: from ``start`` to the same day six months later."""
    month = start.month + 6
    year = start.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(start.day, 28)
    return start, start.replace(year=year, month=month, day=day)


class ConsultationQuerySet(models.QuerySet):
    def open_now(self, now: dt.datetime | None = None):
        now = now or timezone.now()
        return self.filter(opens_at__lte=now, closes_at__gt=now)


class Consultation(models.Model):
    """A call for evidence, open between ``opens_at`` and ``closes_at``."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    summary = models.TextField(help_text="What is asked, in a paragraph.")
    guidance = models.TextField(blank=True, help_text="Guidance shown to respondents.")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    components = models.ManyToManyField(EcosystemComponent, related_name="consultations")
    reference_prefix = models.CharField(max_length=12, default="MMIP")
    # The last reference number handed out. Incremented under a row lock when a response is submitted,
    # so references are unique and gap-free even with many concurrent submits.
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    personal_data_erased_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When respondents' personal data was erased."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="consultation_closes_after_it_opens",
                violation_error_message="The closing date must be after the opening date.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evidence:consultation", kwargs={"slug": self.slug})

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    def format_reference(self, number: int) -> str:
        return f"{self.reference_prefix}-{number:04d}"


class Question(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    component = models.ForeignKey(
        EcosystemComponent, on_delete=models.PROTECT, null=True, blank=True, related_name="questions"
    )
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    guidance = models.TextField(blank=True)
    word_limit = models.PositiveIntegerField(default=500, validators=[MinValueValidator(10)])

    class Meta:
        ordering = ["consultation", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "order"],
                name="question_unique_order_per_consultation",
                violation_error_message="Another question of this consultation has this position.",
            )
        ]

    def __str__(self) -> str:
        return self.text
