"""The two-factor pages: set up an authenticator app, enter a code or use a passkey, use a
recovery code, replace the recovery codes, and an administrator's reset of someone's
second factor. (Adding, naming and removing passkeys: tracker.passkey_views.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from . import step_up, two_factor
from .security import event as security_event

NEXT_KEY = "two_factor_next"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now",
        error_messages={"required": "Enter the code"},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )


class RecoveryForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=20,
        help_text="One of the recovery codes you saved when you set up two-factor sign-in",
        error_messages={"required": "Enter a recovery code"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.session.get(NEXT_KEY) or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return str(target)


def _done(request: HttpRequest) -> HttpResponse:
    target = _next(request)
    request.session.pop(NEXT_KEY, None)
    return redirect(target)


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Scan (or type) the secret, then prove it with a code; recovery codes follow."""
    user: Any = request.user
    if two_factor.has_two_factor(user) and not user.is_verified():
        return redirect("two_factor_verify")  # set up already: prove it first
    device = two_factor.pending_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes, message = two_factor.confirm(request, device, form.cleaned_data["code"])
        if codes is not None:
            return render(
                request, "registration/two_factor_codes.html", {"codes": codes, "new": True}
            )
        form.add_error("code", message)
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_svg(device),
            "secret": two_factor.secret_text(device),
            "required": two_factor.required_for(user),
            "passkey_required": two_factor.passkey_required_for(user),
        },
        status=400 if form.errors else 200,
    )


def setup_url_name(user: Any) -> str:
    """Where a person with no second factor sets one up: a passkey for the roles that
    must use one, otherwise an authenticator app (a passkey is offered there too)."""
    return "passkey_add" if two_factor.passkey_required_for(user) else "two_factor_setup"


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a passkey (the ceremony
    script posts to django-otp-webauthn's endpoints, tracker.passkey_views)."""
    from .passkey_views import ceremony_config

    user: Any = request.user
    if user.is_verified():
        return _done(request)
    if not two_factor.has_two_factor(user):
        return redirect(setup_url_name(user))
    has_passkey = two_factor.has_passkey(user)
    use_app = two_factor.has_app(user) and two_factor.app_allowed(user)
    form: forms.Form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and not use_app:
        # No code form on the page (a role that signs in with a passkey has one): a code
        # sent all the same is refused, and the message is the page's own.
        _refused, message = two_factor.verify(request, str(request.POST.get("code", ""))[:20])
        form = forms.Form({})
        form.is_valid()
        form.add_error(None, message)
    elif request.method == "POST" and form.is_valid():
        ok, message = two_factor.verify(request, form.cleaned_data["code"])
        if ok:
            return _done(request)
        form.add_error("code", message)
    if form.errors:
        status = 400
    return render(
        request,
        "registration/two_factor_verify.html",
        {
            "form": form,
            "use_app": use_app,
            "has_passkey": has_passkey,
            "config": ceremony_config(request) if has_passkey else "",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def recovery(request: HttpRequest) -> HttpResponse:
    """Sign in with a single-use recovery code instead of the app."""
    user: Any = request.user
    if user.is_verified():
        return _done(request)
    form = RecoveryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        ok, message = two_factor.verify(request, form.cleaned_data["code"], recovery=True)
        if ok:
            messages.success(request, "Signed in with a recovery code. It cannot be used again.")
            return _done(request)
        form.add_error("code", message)
    return render(
        request,
        "registration/two_factor_recovery.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (the old ones stop working); only once verified."""
    user: Any = request.user
    if not user.is_verified():
        return redirect("two_factor_verify")
    if request.method == "POST":
        new = two_factor.recovery_codes_replace(user)
        two_factor.notify(user, gettext_lazy("New recovery codes were made for your account"))
        return render(request, "registration/two_factor_codes.html", {"codes": new})
    return render(request, "registration/two_factor_codes.html", {"codes": None})


@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    """An administrator resets someone's second factor (a lost phone). Needs a session
    that entered its code and proved its password within five minutes; never one's own."""
    if not request.user.has_perm("recommendations.act_for_all_forces"):
        raise PermissionDenied
    person = get_object_or_404(get_user_model(), pk=pk)
    why = two_factor.reset_refusal(request, person)
    if why == two_factor.STEP_UP_NEEDED:
        messages.info(request, f"{why}, then choose Reset again.")
        return redirect(step_up.url_for(reverse("admin:auth_user_change", args=[person.pk])))
    if why is not None:
        security_event("two-factor-reset-refused", user=request.user, target=person.pk)
        return render(request, "registration/step_up_refused.html", {"why": why}, status=403)
    two_factor.reset(user=person, by=request.user)
    messages.success(request, f"Two-factor sign-in reset for {person.get_username()}.")
    return redirect("admin:auth_user_change", person.pk)
