"""The API's pages in a real browser: "API tokens" (make one, see it once, revoke it)
and the API documentation (Swagger UI from the portal's own static files) working under
the portal's strict Content-Security-Policy, with axe-core and reflow at 320 pixels."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from api.models import ApiToken
from tests.browser.conftest import run_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def script_errors(session):
    """Console errors other than the 400 status of a form sent back with errors."""
    return [e for e in session.console_errors if "status of 400" not in e]


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "api-pages"


def test_make_see_once_and_revoke_a_token(open_as, story, shots):
    session = open_as("lead.sw")  # a role that must use two-factor: signed in with a code
    page = session.page
    page.goto("/api/tokens/")
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    page.get_by_role("button", name="Make token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a name for the token")
    shots(page, "tokens-errors")
    page.get_by_label("Name").fill("Sharepoint sync")
    page.get_by_label("Days until it expires").fill("30")
    page.get_by_role("button", name="Make token").click()
    secret = page.locator("#new-token").input_value()
    assert secret.startswith("rt_")
    token = ApiToken.objects.get(name="Sharepoint sync")
    assert token.prefix == secret[:10]
    shots(page, "tokens-made")
    page.goto("/api/tokens/")
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke Sharepoint sync").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert script_errors(session) == []


def test_the_documentation_works_under_the_strict_csp(open_as, story):
    session = open_as("inspector")
    page = session.page
    response = page.goto("/api/docs/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/items/")
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.reload()
    expect(page.locator("#swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    origin = page.url.split("/api/")[0]
    outside = [u for u in requested if not u.startswith((origin, "data:"))]
    assert outside == [], "the documentation loads nothing from elsewhere (no CDN)"
    assert script_errors(session) == []


def test_api_pages_have_no_axe_violations_and_reflow(open_as, story):
    session = open_as("officer.glos", bypass_csp=True)  # so axe itself can be injected
    page = session.page
    failures = []
    for url, submit in [("/api/tokens/", False), ("/api/tokens/", True), ("/api/docs/", False)]:
        page.goto(url)
        if submit:
            page.get_by_label("Name").fill("Force tracker")
            page.get_by_role("button", name="Make token").click()
            expect(page.locator("#new-token")).to_be_visible()
        else:
            page.wait_for_load_state("networkidle")
        violations = run_axe(page)
        if violations:
            failures.append((url, submit, violations))
    assert failures == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (320, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for url, name in [("/api/tokens/", "api-tokens"), ("/api/docs/", "api-docs")]:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{url} scrolls sideways at {width}px ({scroll}px wide)"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
