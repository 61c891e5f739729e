"""Reference data (regions and forces) and the scope a person acts for."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Region(models.Model):
    """A policing region, e.g. South West; each has a Regional Organised Crime Unit."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Force(models.Model):
    """A police force, with its slug as the inspectorate's page addresses spell it."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    short_names = models.JSONField(
        default=list, blank=True, help_text='Short forms used in text, e.g. ["D&C"].'
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="forces")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Scope(models.Model):
    """Which forces, or which region, a person acts for.

    Liaison officers act for one force and liaison leads for one or more (`forces`);
    a chief of staff acts for the forces of one `region`. Inspectors and administrators
    see every force and need no scope row.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scope"
    )
    forces = models.ManyToManyField(Force, blank=True, related_name="scopes")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="scopes"
    )
    history = HistoricalRecords(m2m_fields=[forces])

    def __str__(self) -> str:
        return f"Scope of {self.user}"
