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


class ForceQuerySet(models.QuerySet["Force"]):
    def police(self) -> "ForceQuerySet":
        """The police forces (the 44), without the national bodies and PCC offices."""
        return self.filter(kind=Force.Kind.FORCE)


class Force(models.Model):
    """A recipient of findings: a police force (its slug as the inspectorate's page
    addresses spell it), a national body (College of Policing, NPCC, Home Office, ...) or
    a police and crime commissioner's office. Each is tracked alike: its own items,
    liaison officers, lead and a chief of staff of its region who decides closure
    (national bodies sit in the National region). The model keeps the name `Force`, and
    the list's `force` filter and column keep theirs (ADR 0016)."""

    class Kind(models.TextChoices):
        FORCE = "force", "Police force"
        NATIONAL_BODY = "national-body", "National body"
        PCC_OFFICE = "pcc-office", "Police and crime commissioner's office"

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    short_names = models.JSONField(
        default=list, blank=True, help_text='Short forms used in text, e.g. ["D&C"].'
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="forces")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FORCE)
    police_force = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pcc_office",
        help_text="For a PCC office: the police force whose commissioner it serves.",
    )
    welsh = models.BooleanField(
        default=False,
        help_text="A Welsh public body: what is published about it is published in Welsh too.",
    )
    history = HistoricalRecords()

    objects = ForceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="pcc-office", police_force__isnull=False)
                    | (~models.Q(kind="pcc-office") & models.Q(police_force__isnull=True))
                ),
                name="force_pcc_office_serves_a_force",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police_force(self) -> bool:
        return self.kind == self.Kind.FORCE


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


class LanguagePreference(models.Model):
    """The language a person receives correspondence in (issue 30); no row is English."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        WELSH = "cy", "Cymraeg"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_preference"
    )
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
