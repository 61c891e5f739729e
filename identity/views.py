"""Sign-in with an organisation's account (OpenID Connect, authorization code flow with
PKCE S256, state and nonce), built on mozilla-django-oidc's views; the sign-in page
that asks for an e-mail address beside the username and password; and "Your access is
being set up" for people whose claims grant no role."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.crypto import get_random_string
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from mozilla_django_oidc.utils import (
    add_state_and_verifier_and_nonce_to_session,
    generate_code_challenge,
)
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
)

from forces.selectors import role_of
from forces.users import UserSetupError
from tracker.security import event

from .backends import ProviderBackend, SignInRefused, redirect_uri
from .fetch import ProviderUnreachable
from .forms import EmailForm, PasswordSignInForm
from .models import IdentityProvider, ProviderSecondFactor
from .secrets import SecretUnreadable

BACKEND = "identity.backends.ProviderBackend"
STATES = "oidc_states"  # mozilla-django-oidc's session key: state -> nonce, verifier
STATE_LIFETIME = 10 * 60  # seconds to come back from the provider


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def authorization_redirect(
    request: HttpRequest, provider: IdentityProvider, *, email: str, next_url: str | None
) -> HttpResponse:
    """Send the person to their provider: a new state, nonce and PKCE verifier, kept in
    the session (mozilla-django-oidc's store, which also keeps at most
    OIDC_MAX_STATES of them) with the provider the state belongs to."""
    state = get_random_string(43)
    nonce = get_random_string(43)
    verifier = get_random_string(64)
    params = {
        "response_type": "code",
        "scope": "openid email profile",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(request),
        "state": state,
        "nonce": nonce,
        "code_challenge": generate_code_challenge(verifier, "S256"),
        "code_challenge_method": "S256",
        "login_hint": email,
    }
    add_state_and_verifier_and_nonce_to_session(request, state, params, verifier)
    request.session[STATES][state]["provider"] = provider.pk
    request.session[STATES][state]["next"] = _safe_next(request, next_url)
    request.session.modified = True
    event("identity-sign-in-started", provider=provider.name, email_domain=email.rpartition("@")[2])
    return HttpResponseRedirect(f"{provider.authorization_endpoint}?{urlencode(params)}")


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    """/accounts/login/: an `email` posted alone is the first step of an organisation
    sign-in (home-realm discovery by its domain); a username and password is the local
    sign-in, as before (refused for domains whose provider has password sign-in off)."""

    authentication_form = PasswordSignInForm
    email_form: EmailForm | None = None
    email_message = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = super().dispatch(request, *args, **kwargs)
        # The e-mail form's answer redirects to a provider: browsers hold a form's
        # redirects to the CSP's form-action, so the providers' sign-in origins (and only
        # those) are added to it on this page (django-csp's per-response update).
        origins = sorted(
            {
                "{0.scheme}://{0.netloc}".format(urlsplit(url))
                for url in IdentityProvider.objects.values_list("authorization_endpoint", flat=True)
            }
        )
        if origins:
            response._csp_update = {"form-action": origins}  # type: ignore[attr-defined]  # django-csp's attribute
        return response

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "email" in request.POST and "password" not in request.POST:
            return self.email_step(request)
        return super().post(request, *args, **kwargs)

    def email_step(self, request: HttpRequest) -> HttpResponse:
        self.email_form = form = EmailForm(request.POST)
        if form.is_valid():
            provider = form.provider()
            if provider is not None:
                return authorization_redirect(
                    request,
                    provider,
                    email=form.cleaned_data["email"],
                    next_url=request.POST.get("next") or request.GET.get("next"),
                )
            domain = form.cleaned_data["email"].rpartition("@")[2]
            self.email_message = (
                f"There is no organisation sign-in for {domain}. "
                "Sign in with your username and password"
            )
        context = self.get_context_data(form=self.get_form_class()(request))
        return self.render_to_response(context, status=200 if form.is_valid() else 400)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["email_form"] = self.email_form or EmailForm()
        context["email_message"] = self.email_message
        return context


def refused(
    request: HttpRequest, reason: str, *, message: str = "", provider: Any = None, status: int = 400
) -> HttpResponse:
    """The clear page for a sign-in that did not happen, with nobody signed in."""
    if request.user.is_authenticated:
        auth.logout(request)
    event(
        "identity-sign-in-refused",
        provider=getattr(provider, "name", None),
        reason=reason,
        level=logging.WARNING,
    )
    return render(
        request,
        "identity/sign_in_refused.html",
        {"message": message or SignInRefused(reason).message},
        status=status,
    )


@method_decorator(login_not_required, name="dispatch")
class CallbackView(OIDCAuthenticationCallbackView):
    """/accounts/oidc/callback/: the provider sends the person back here with a code and
    the state. The state is used once (taken out of the session before anything else),
    names the provider and holds the nonce and the PKCE verifier; then the backend
    exchanges the code and checks the ID token."""

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        states = request.session.get(STATES)
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            request.session.modified = True
            request.session.save()
        if request.GET.get("error"):
            return refused(
                request,
                f"the provider answered {(request.GET.get('error') or '')[:100]}",
                message="You did not sign in with your organisation's account. Try again.",
            )
        if entry is None:
            return refused(request, "state unknown, used before or from another browser")
        if time.time() - float(entry.get("added_on", 0)) > STATE_LIFETIME:
            return refused(request, "state expired")
        provider = IdentityProvider.objects.filter(pk=entry.get("provider")).first()
        if provider is None:
            return refused(request, "the provider is no longer set up")
        try:
            user = ProviderBackend().authenticate(
                request,
                oidc_provider=provider,
                nonce=entry.get("nonce"),
                code_verifier=entry.get("code_verifier"),
            )
        except SignInRefused as error:
            return refused(
                request,
                error.reason,
                provider=provider,
                message=error.message,
                status=error.status,
            )
        except ProviderUnreachable as error:
            return refused(
                request,
                str(error),
                provider=provider,
                status=502,
                message=(
                    "Your organisation's sign-in service did not answer. "
                    "Try again in a few minutes."
                ),
            )
        except (SecretUnreadable, UserSetupError) as error:
            return refused(request, str(error), provider=provider, status=503)
        if user is None or not user.is_active:
            return refused(
                request,
                "the account is not active",
                provider=provider,
                status=403,
                message="Your account is not active. Ask your organisation's administrator.",
            )
        self.user = user
        user.backend = BACKEND
        auth.login(request, user, backend=BACKEND)
        claims: dict[str, Any] = getattr(request, "oidc_claims", {})
        amr: list[Any] = claims["amr"] if isinstance(claims.get("amr"), list) else []
        second_factor = bool(set(map(str, amr)) & set(settings.IDENTITY_MFA_AMR))
        if second_factor:
            device, _ = ProviderSecondFactor.objects.get_or_create(
                user=user, provider=provider, defaults={"name": provider.name, "confirmed": True}
            )
            otp_login(request, device)
        event(
            "identity-sign-in",
            user=user,
            provider=provider.name,
            amr=",".join(map(str, amr))[:100],
            second_factor=second_factor,
        )
        if role_of(user) is None:
            return redirect("access_pending")
        return HttpResponseRedirect(entry.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_GET
def access_pending(request: HttpRequest) -> HttpResponse:
    """A signed-in person whose organisation grants them no role yet: nothing else."""
    if role_of(request.user) is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "identity/access_pending.html")
