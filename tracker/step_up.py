"""Step-up: a fresh proof of the password before an action that changes someone's sign-in.

A session that has entered its second factor may still be an unattended one. Before it
resets anyone's second factor it confirms the person's password again; the proof lasts
STEP_UP_SECONDS (five minutes) in this session only. Wrong passwords count towards the
same lock as the change-password page (tracker.security), so this page is no easier a
way to guess a password than sign-in.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from . import security
from .accounts import PasswordCheckRefused, check_current_password
from .security import event

STEP_UP_KEY = "stepped_up_at"
STEP_UP_SECONDS = 5 * 60


def is_fresh(request: HttpRequest) -> bool:
    """Whether this session proved the password within the last five minutes."""
    at = request.session.get(STEP_UP_KEY)
    return isinstance(at, int | float) and 0 <= time.time() - at <= STEP_UP_SECONDS


def mark(request: HttpRequest) -> None:
    request.session[STEP_UP_KEY] = time.time()


def url_for(next_url: str) -> str:
    from urllib.parse import urlencode

    from django.urls import reverse

    return f"{reverse('step_up')}?{urlencode({'next': next_url})}"


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        max_length=4096,
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.locked = False
        self.unavailable = False

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        try:
            check_current_password(self.user, password, failed_event="step-up-failed")
        except PasswordCheckRefused as refused:
            self.locked, self.unavailable = refused.locked, refused.unavailable
            message = (
                "The password is not right"
                if refused.code == "password_incorrect"
                else refused.message
            )
            raise forms.ValidationError(message, code=refused.code) from None
        return password


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@require_http_methods(["GET", "POST"])
def confirm_password(request: HttpRequest) -> HttpResponse:
    """Confirm your password to go on (only from a session that entered its code)."""
    user: Any = request.user
    if not user.is_verified():
        return render(request, "registration/step_up_refused.html", status=403)
    form = PasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        mark(request)
        security.password_check_reset(user)
        event("step-up", user=user)
        return redirect(_next(request))
    status = 503 if form.unavailable else 429 if form.locked else 400 if form.errors else 200
    return render(
        request,
        "registration/step_up.html",
        {"form": form, "next": _next(request)},
        status=status,
    )
