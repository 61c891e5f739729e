"""Creating and updating people with a role and a scope (used by `add_user`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from tracker.text import TextError, clean_text

from .models import Force, LanguagePreference, Region, Scope
from .roles import ROLES

GROUP_FOR_ROLE = {slug: spec.group for slug, spec in ROLES.items()}


class UserSetupError(ValueError):
    """A role or scope that does not fit; the message says what is wrong."""


@transaction.atomic
def user_set_role(
    *,
    username: str,
    role: str,
    force_slugs: list[str] | None = None,
    region_slug: str | None = None,
    email: str | None = None,
    password: str | None = None,
    full_name: str | None = None,
    language: str | None = None,
) -> tuple[User, bool]:
    """Create or update a user with exactly one role and the scope it needs.

    Raises UserSetupError, before writing anything, for an unknown role, force or region,
    a scope that does not fit the role, or a password that AUTH_PASSWORD_VALIDATORS refuse
    (shorter than 12 characters, common, all digits, or like the person's name or email).
    """
    if role not in GROUP_FOR_ROLE:
        raise UserSetupError(f"unknown role '{role}': use one of {', '.join(GROUP_FOR_ROLE)}")
    if language is not None and language not in LanguagePreference.Language.values:
        raise UserSetupError(f"unknown language '{language}': use en or cy")
    username, email, full_name = _checked_names(username, email, full_name)
    force_slugs = force_slugs or []
    forces = list(Force.objects.filter(slug__in=force_slugs))
    unknown = sorted(set(force_slugs) - {f.slug for f in forces})
    if unknown:
        valid = ", ".join(Force.objects.order_by("slug").values_list("slug", flat=True))
        raise UserSetupError(f"unknown force: {', '.join(unknown)}. The forces are: {valid}")
    region = None
    if region_slug:
        region = Region.objects.filter(slug=region_slug).first()
        if region is None:
            valid = ", ".join(Region.objects.order_by("slug").values_list("slug", flat=True))
            raise UserSetupError(f"unknown region: {region_slug}. The regions are: {valid}")
    spec = ROLES[role]
    if role == "pcc-office":
        forces = [_pcc_office(force) for force in forces]
    if spec.scope == "one-force" and len(forces) != 1:
        raise UserSetupError(f"a {spec.words} needs exactly one --force")
    if spec.scope == "forces" and not forces:
        raise UserSetupError(f"a {spec.words} needs at least one --force")
    if spec.scope in ("one-force", "forces") and region:
        raise UserSetupError(f"a {spec.group.lower()} acts for forces, not a --region")
    if spec.scope == "region" and (region is None or forces):
        raise UserSetupError(f"a {spec.words} needs one --region and no --force")
    if spec.scope == "all" and (region or forces):
        raise UserSetupError(
            f"an {spec.group.lower()} sees every force: give no --force or --region"
        )
    user_model = get_user_model()
    if password:
        existing = user_model.objects.filter(username=username).first()
        _password_check(
            password,
            existing or user_model(username=username),
            email=email,
            full_name=full_name,
        )
    user, created = user_model.objects.get_or_create(username=username)
    if email is not None:
        user.email = email
    if full_name:
        first, _, last = full_name.partition(" ")
        user.first_name, user.last_name = first, last
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.is_staff = user.is_superuser = "act_for_all_forces" in spec.permissions
    user.save()
    user.groups.set([Group.objects.get(name=GROUP_FOR_ROLE[role])])
    scope, _ = Scope.objects.get_or_create(user=user)
    scope.region = region
    scope.save()
    scope.forces.set(forces)
    if language is not None:
        set_language(user, language)
    from tracker.security import event

    event(
        "user-created" if created else "user-changed",
        user=user,
        role=role,
        forces=",".join(f.slug for f in forces),
        region=region.slug if region else None,
    )
    return user, created


def set_language(user: User, language: str, *, unless_chosen: bool = False) -> None:
    """Record the language a person's correspondence is in ("en" or "cy"; issue 30).
    `unless_chosen`: only for a person with no preference yet (an identity provider's
    claim never overrides what the person or an administrator chose)."""
    if language not in LanguagePreference.Language.values:
        raise UserSetupError(f"unknown language '{language}': use en or cy")
    if unless_chosen:
        LanguagePreference.objects.get_or_create(user=user, defaults={"language": language})
        return
    LanguagePreference.objects.update_or_create(user=user, defaults={"language": language})


def language_from_locale(locale: str | None) -> str | None:
    """An identity provider's `locale` claim as a preference: "cy", "cy-GB", "cy_GB" are
    Welsh, any "en..." English; anything else says nothing (None)."""
    if not isinstance(locale, str):
        return None
    primary = locale.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LanguagePreference.Language.values else None


def _pcc_office(force: Force) -> Force:
    """A PCC office acts for the police and crime commissioner's office of the force
    given (`--force gloucestershire`), or for the office named itself."""
    if force.kind == Force.Kind.PCC_OFFICE:
        return force
    office = Force.objects.filter(police_force=force).first()
    if office is None:
        valid = ", ".join(
            Force.objects.filter(pcc_office__isnull=False)
            .order_by("slug")
            .values_list("slug", flat=True)
        )
        raise UserSetupError(
            f"{force.slug} has no police and crime commissioner's office. "
            f"The forces with one are: {valid}"
        )
    return office


def _checked_names(
    username: str, email: str | None, full_name: str | None
) -> tuple[str, str | None, str | None]:
    """The username, email and full name as they are kept: the username by Django's own
    rule (letters, digits and @.+-_), the email a valid address, the name clean by the
    one rule for text (tracker.text)."""
    try:
        User.username_validator(username)
        if email:
            validate_email(email)
    except ValidationError as error:
        raise UserSetupError(" ".join(error.messages)) from error
    if full_name is not None:
        try:
            full_name = clean_text(full_name, field_label="the name", max_length=300)
        except TextError as error:
            raise UserSetupError(error.message) from error
    return username, email, full_name


def _password_check(password: str, user: User, *, email: str | None, full_name: str | None) -> None:
    """Run the password validators against the person as they will be saved (unsaved)."""
    if email is not None:
        user.email = email
    if full_name:
        user.first_name, _, user.last_name = full_name.partition(" ")
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise UserSetupError("password refused: " + " ".join(error.messages)) from error
