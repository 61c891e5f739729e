"""Two real OpenID providers (oidc-provider from npm: a force's and the inspectorate's),
started once for the test session by tests/identity/oidc_providers.mjs, and helpers to
sign in through them as a browser would: the portal's pages through Django's test
client, the provider's over real HTTP (requests), the token exchange and key fetches
from the portal to the provider over real HTTP too."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_providers.mjs")
CALLBACK = "http://testserver/accounts/oidc/callback/"
FORCE_DOMAIN = "glos.police.example"
INSPECTORATE_DOMAIN = "inspectorate.example"


@dataclass
class RealProvider:
    issuer: str
    client_id: str
    client_secret: str

    def control(self, **body: Any) -> None:
        response = requests.post(f"{self.issuer}/__control", json=body, timeout=5)
        response.raise_for_status()

    def account(self, email: str, *, sub: str, roles: list[str] | None = None, **more: Any) -> None:
        self.control(accounts={email: {"sub": sub, "email": email, "roles": roles, **more}})


@pytest.fixture(scope="session")
def oidc_providers() -> Iterator[dict[str, RealProvider]]:
    yield from providers_running(CALLBACK)


def providers_running(callback: str) -> Iterator[dict[str, RealProvider]]:
    """Start the two providers (one node process) with `callback` as their client's
    only redirect URI; stop them afterwards."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.fail("node and oidc-provider (npm, devDependency) are needed: run `make setup`")
    process = subprocess.Popen(
        [node, str(SCRIPT), callback],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    errors: list[str] = []
    threading.Thread(target=lambda: errors.extend(process.stderr or []), daemon=True).start()
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=5)
        pytest.fail("the OpenID providers did not start:\n" + "".join(errors))
    started = json.loads(line)
    try:
        yield {name: RealProvider(**spec) for name, spec in started.items()}
    finally:
        process.terminate()
        process.wait(timeout=10)


def add_provider(
    real: RealProvider,
    name: str,
    *,
    domain: str,
    organisation: list[str],
    roles_claim: str = "roles",
    external_id_claim: str = "oid",
) -> Any:
    """The provider added as an administrator would: the command, the secret on stdin."""
    from identity.models import IdentityProvider

    out = StringIO()
    stdin = StringIO(real.client_secret + "\n")
    import sys

    saved, sys.stdin = sys.stdin, stdin
    try:
        call_command(
            "add_identity_provider",
            name,
            "--issuer",
            real.issuer,
            "--client-id",
            real.client_id,
            "--domain",
            domain,
            *organisation,
            "--roles-claim",
            roles_claim,
            "--external-id-claim",
            external_id_claim,
            stdout=out,
        )
    finally:
        sys.stdin = saved
    return IdentityProvider.objects.get(name=name)


@pytest.fixture
def force_idp(db, oidc_providers):
    return add_provider(
        oidc_providers["force"],
        "Gloucestershire Constabulary",
        domain=FORCE_DOMAIN,
        organisation=["--force", "gloucestershire"],
    )


@pytest.fixture
def inspectorate_idp(db, oidc_providers):
    return add_provider(
        oidc_providers["inspectorate"],
        "The inspectorate",
        domain=INSPECTORATE_DOMAIN,
        organisation=["--inspectorate"],
    )


@dataclass
class Journey:
    """One sign-in as a browser makes it: the portal's answers and the callback URL."""

    client: Client
    provider_redirect: str
    callback: str = ""

    @property
    def callback_path(self) -> str:
        parts = urlsplit(self.callback)
        return f"{parts.path}?{parts.query}"

    @property
    def state(self) -> str:
        return parse_qs(urlsplit(self.callback).query)["state"][0]


def start(client: Client, email: str, next_url: str = "") -> Journey:
    """Post the e-mail address on the sign-in page: the portal sends the browser on."""
    data = {"email": email}
    if next_url:
        data["next"] = next_url
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302, response.content[:500]
    return Journey(client=client, provider_redirect=response["Location"])


def at_provider(journey: Journey) -> Journey:
    """Follow the provider's redirects (its interaction signs in the login_hint's account)
    until it sends the browser back to the portal's callback with a code."""
    browser = requests.Session()
    url = journey.provider_redirect
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        url = response.headers["Location"]
        if url.startswith(CALLBACK):
            journey.callback = url
            return journey
        if url.startswith("/"):
            parts = urlsplit(journey.provider_redirect)
            url = f"{parts.scheme}://{parts.netloc}{url}"
    raise AssertionError("the provider never sent the browser back")


def sign_in_via(client: Client, email: str, next_url: str = "") -> tuple[Journey, Any]:
    """The whole code flow: (the journey, the portal's answer to the callback)."""
    journey = at_provider(start(client, email, next_url))
    return journey, client.get(journey.callback_path)


def security_events(caplog: Any, name: str) -> list[dict[str, Any]]:
    return [
        r.msg
        for r in caplog.records
        if r.name == "tracker.security" and isinstance(r.msg, dict) and r.msg["event"] == name
    ]
