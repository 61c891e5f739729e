"""mozilla-django-oidc's backend with the provider chosen per sign-in (a database row,
by the person's e-mail domain) instead of settings, and the ID token checked in full:
its signature against the provider's JWKS (fetched again, at most every
JWKS_REFETCH_SECONDS, when a token names a key it does not hold: key rotation), an
asymmetric algorithm only, `iss`, `aud` (and `azp` when there are several audiences),
`exp`, `iat` and `nonce`. Claims are read from the ID token only (signed), never from
the userinfo endpoint. See docs/adr/0015-openid-connect-library.md."""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any

import jwt
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from mozilla_django_oidc.auth import (
    OIDCAuthenticationBackend,
)

from .fetch import ProviderUnreachable, get_json, post_form
from .models import IdentityProvider

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
JWKS_REFETCH_SECONDS = 60
LEEWAY_SECONDS = 60
MAX_TOKEN_BYTES = 16 * 1024


class SignInRefused(SuspiciousOperation):
    """The provider's answer is not to be trusted; `reason` is for the security log, the
    message for the person."""

    status = 400

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = message or (
            "We could not sign you in with your organisation's account. Try again; if it "
            "happens again, tell your organisation's IT service desk."
        )


class AccountInactive(SignInRefused):
    """The person the claims name has an inactive account (a leaver: deactivated by
    SCIM or by an administrator). Nobody is signed in, no account is made for them."""

    status = 403

    def __init__(self, reason: str) -> None:
        super().__init__(
            reason, "Your account is not active. Ask your organisation's administrator."
        )


def redirect_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("oidc_callback"))


class ProviderBackend(OIDCAuthenticationBackend):
    """Authenticates only when handed a provider by the callback view (`oidc_provider`):
    a password sign-in (username and password) never reaches the token endpoint."""

    provider: IdentityProvider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads one provider from settings here; the provider is a row.
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        provider = kwargs.get("oidc_provider")
        if request is None or not isinstance(provider, IdentityProvider):
            return None
        self.provider = provider
        self.request = request
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        code = request.GET.get("code", "")
        nonce = kwargs.get("nonce")
        if not code or not nonce:
            raise SignInRefused("no code or nonce")
        status, token_info = post_form(
            provider.token_endpoint,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri(request),
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
                "code_verifier": kwargs.get("code_verifier") or "",
            },
        )
        if status != 200 or not isinstance(token_info, dict):
            error = token_info.get("error") if isinstance(token_info, dict) else None
            raise SignInRefused(f"token endpoint answered {status} ({error})")
        id_token = token_info.get("id_token")
        if not isinstance(id_token, str) or len(id_token) > MAX_TOKEN_BYTES:
            raise SignInRefused("no ID token in the token response")
        claims = self.verify_token(id_token, nonce=nonce)
        from .people import person_signed_in

        request.oidc_claims = claims  # type: ignore[attr-defined]  # read by the callback view
        return person_signed_in(provider, claims)

    def get_user(self, user_id: Any) -> Any:
        """The session's person, only while their account is active: a leaver's session
        that outlived their deactivation (a session store SCIM cannot list, a
        deactivation racing a sign-in, an administrator's) signs nobody in. Django's
        ModelBackend does the same for password sign-ins; the library's does not."""
        user = super().get_user(user_id)
        if user is None or not user.is_active:
            return None
        return user

    # --- The ID token ------------------------------------------------------------------

    def _jwks(self, *, refetch: bool) -> dict[str, Any]:
        provider = self.provider
        fresh_enough = provider.jwks_fetched_at is not None and (
            timezone.now() - provider.jwks_fetched_at < dt.timedelta(seconds=JWKS_REFETCH_SECONDS)
        )
        if (refetch and not fresh_enough) or not provider.jwks:
            try:
                jwks = get_json(provider.jwks_uri)
            except ProviderUnreachable as error:
                raise SignInRefused(f"JWKS unreachable: {error}") from error
            if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
                raise SignInRefused("the JWKS is not a key set")
            provider.jwks = jwks
            provider.jwks_fetched_at = timezone.now()
            IdentityProvider.objects.filter(pk=provider.pk).update(
                jwks=jwks, jwks_fetched_at=provider.jwks_fetched_at
            )
        return provider.jwks

    def retrieve_matching_jwk(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise SignInRefused("the ID token is not a JWT") from error
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ALGORITHMS:
            raise SignInRefused(f"the ID token's algorithm {alg!r} is not accepted")
        for refetch in (False, True):
            for jwk in self._jwks(refetch=refetch).get("keys", []):
                if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
                    continue
                if kid is not None and jwk.get("kid") != kid:
                    continue
                if jwk.get("alg", alg) != alg:
                    continue
                try:
                    return jwt.PyJWK(jwk, algorithm=alg), alg
                except jwt.PyJWTError:
                    continue
        raise SignInRefused(f"no key {kid!r} in the provider's JWKS")

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        key, alg = self.retrieve_matching_jwk(token)
        provider = self.provider
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=provider.client_id,
                issuer=provider.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.InvalidSignatureError as error:
            raise SignInRefused("the ID token's signature is not the provider's") from error
        except jwt.ExpiredSignatureError as error:
            raise SignInRefused("the ID token has expired") from error
        except jwt.InvalidAudienceError as error:
            raise SignInRefused("the ID token is for another client (aud)") from error
        except jwt.InvalidIssuerError as error:
            raise SignInRefused("the ID token is from another issuer (iss)") from error
        except jwt.PyJWTError as error:
            raise SignInRefused(f"the ID token is not valid ({type(error).__name__})") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != provider.client_id:
            raise SignInRefused("the ID token has several audiences and another azp")
        nonce = kwargs.get("nonce")
        token_nonce = claims.get("nonce")
        if (
            not isinstance(nonce, str)
            or not isinstance(token_nonce, str)
            or not hmac.compare_digest(nonce.encode(), token_nonce.encode())
        ):
            raise SignInRefused("the ID token's nonce is not this sign-in's")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not 0 < len(sub) <= 255:
            raise SignInRefused("the ID token has no usable sub")
        return claims
