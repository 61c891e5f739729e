"""The sign-in page's two forms: an e-mail address (home-realm discovery) and the
existing username and password, which refuses people whose organisation signs them in
unless their provider keeps password sign-in on (break-glass)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from tracker.accounts import AdminSignInForm, SignInForm
from tracker.security import event
from tracker.text import TextError, clean_text

from .models import IdentityDomain, IdentityLink, IdentityProvider


class EmailForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="Your work email address. We send you to your organisation to sign in.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )

    def clean_email(self) -> str:
        """The one rule for text (tracker.text): no controls, no characters that turn
        text around, nothing invisible; the address is shown back on the page."""
        email: str = self.cleaned_data["email"]
        try:
            return clean_text(email, field_label="Email address", max_length=254)
        except TextError as error:
            raise ValidationError(error.message, code="unclean") from None

    def provider(self) -> IdentityProvider | None:
        domain = self.cleaned_data["email"].rpartition("@")[2].lower()
        found = IdentityDomain.objects.select_related("provider").filter(domain=domain).first()
        return found.provider if found else None


def provider_refusing_passwords(user: Any) -> IdentityProvider | None:
    """The provider that signs this person in and keeps password sign-in off, if any:
    the one they are linked to, or the one owning their e-mail address's domain."""
    link = (
        IdentityLink.objects.filter(user=user, provider__password_sign_in=False)
        .select_related("provider")
        .first()
    )
    if link is not None:
        return link.provider
    email = (user.email or "").lower()
    if "@" in email:
        found = (
            IdentityDomain.objects.filter(
                domain=email.rpartition("@")[2], provider__password_sign_in=False
            )
            .select_related("provider")
            .first()
        )
        if found is not None:
            return found.provider
    return None


def password_sign_in_check(user: Any) -> None:
    """Refuse a password sign-in (ValidationError) for someone whose organisation's
    provider has password sign-in off; the security log says so."""
    provider = provider_refusing_passwords(user)
    if provider is not None:
        event("password-sign-in-refused", user=user, provider=provider.name)
        raise ValidationError(
            "Your organisation signs you in with its own account: enter your email "
            "address under “Sign in with your organisation's account”",
            code="organisation_sign_in",
        )


class PasswordSignInForm(SignInForm):
    """The username and password form (tracker.accounts.SignInForm), closed to people
    whose organisation's provider has password sign-in off."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        password_sign_in_check(user)


class AdminPasswordSignInForm(AdminSignInForm):
    """The admin's sign-in form, closed to the same people (tracker.urls)."""

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        password_sign_in_check(user)
