"""Organisations and the user accounts that respond for them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .catalogues import Modality, OrganisationType, Region

# --- Organisations and people -------------------------------------------------------------------------


class Organisation(models.Model):
    class SizeBand(models.TextChoices):
        MICRO = "micro", "Micro (under 10 employees)"
        SMALL = "small", "Small (10–49)"
        MEDIUM = "medium", "Medium (50–249)"
        LARGE = "large", "Large (250+)"

    name = models.CharField(max_length=200)
    organisation_type = models.ForeignKey(OrganisationType, on_delete=models.PROTECT, related_name="+")
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    sub_sectors = models.ManyToManyField(Modality, blank=True, related_name="organisations")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Ties a user account to the organisation it responds for (one organisation per account)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="members")
    job_title = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"
