"""A browser journey (Debian's Chromium, Playwright) through the real provider: the
sign-in page's e-mail step, the provider, back to the portal signed in, under the
portal's strict Content-Security-Policy."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from identity.models import IdentityLink
from tests.identity.conftest_oidc import FORCE_DOMAIN, add_provider, providers_running

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="session")
def live_providers(live_server):
    yield from providers_running(f"{live_server.url}/accounts/oidc/callback/")


@pytest.fixture
def chromium(monkeypatch):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: apt-get install chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def test_a_force_officer_signs_in_through_their_provider_in_a_browser(
    chromium, live_server, live_providers
):
    real = live_providers["force"]
    add_provider(
        real, "Gloucestershire", domain=FORCE_DOMAIN, organisation=["--force", "gloucestershire"]
    )
    email = f"robin.lee@{FORCE_DOMAIN}"
    real.account(email, sub="browser-robin", roles=["liaison-officer"], name="Robin Lee")
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: url.rstrip("/") == live_server.url, timeout=15000)
    assert page.get_by_role("button", name="Sign out").count() >= 1
    assert "Sign in to the" not in page.locator("h1").first.inner_text()
    link = IdentityLink.objects.get(sub="browser-robin")
    assert link.last_sign_in_at is not None
    assert list(link.user.groups.values_list("name", flat=True)) == ["Force liaison officer"]
    assert errors == []
    context.close()
