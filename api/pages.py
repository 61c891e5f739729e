"""The API's pages for people: "API tokens" (make one, shown once; the list; revoke)
and the API's documentation (Swagger UI from the portal's own static files, under the
portal's strict Content-Security-Policy), and the OpenAPI document itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.validators import MaxValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from recommendations import errors
from tracker import two_factor
from tracker.refusals import form_error, shows_refusals
from tracker.text import CleanCharField

from . import services
from .authentication import BearerTokenAuthentication
from .models import ApiToken
from .throttling import AddressRateThrottle, TokenRateThrottle


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3.1 document, for a token or a signed-in person (GET only, so the
    session needs no CSRF check)."""

    authentication_classes = [BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [TokenRateThrottle, AddressRateThrottle]


class TokenForm(forms.Form):
    name = CleanCharField(
        label="Name",
        max_length=services.NAME_MAX_LENGTH,
        help_text="What the token is for, so you recognise it later, e.g. “Sharepoint sync”",
        error_messages={"required": "Enter a name for the token"},
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        error_messages={
            "required": "Enter how many days the token lasts",
            "invalid": "Enter a whole number of days, like 30",
            "min_value": "A token must last at least 1 day",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The longest life the service allows (API_TOKEN_MAX_DAYS), said once.
        days = services.max_days()
        field = self.fields["days"]
        field.initial = days
        field.help_text = f"At most {days} days"
        field.error_messages["max_value"] = f"A token can last at most {days} days"
        field.validators.append(MaxValueValidator(days))


def _two_factor_missing(request: HttpRequest) -> bool:
    """Roles that require two-factor sign-in make tokens only from a session that
    passed it."""
    user: Any = request.user
    return two_factor.required_for(user) and not user.is_verified()


@require_http_methods(["GET", "POST"])
@shows_refusals
def tokens(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TokenForm(request.POST if request.method == "POST" else None)
    secret = None
    created = None
    status = 200
    if request.method == "POST":
        if _two_factor_missing(request):
            return render(
                request,
                "api/tokens.html",
                {"form": form, "tokens": [], "blocked": True},
                status=403,
            )
        status = 400
        if form.is_valid():
            try:
                created, secret = services.token_create(
                    user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
                )
            except errors.DomainError as error:
                status = form_error(form, error)
            else:
                status = 200
                form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": services.tokens_of(user),
            "secret": secret,
            "created": created,
            "blocked": False,
        },
        status=status,
    )


@require_POST
@shows_refusals
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    token = get_object_or_404(ApiToken, pk=pk, user=user)  # someone else's: 404
    services.token_revoke(token=token, by=user)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("api:tokens")


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html", {})
