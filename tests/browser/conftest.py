"""A real browser: Debian's Chromium driven by Playwright, against a live server on
PostgreSQL. Screenshots go to test-artifacts/screenshots/<test>/, printed per test."""

import datetime as dt
import os
import re
import shutil
from pathlib import Path

import pytest

from forces.users import user_set_role
from recommendations import services
from recommendations.models import InspectionReport, Status, TrackedItem
from tests.factories import FindingFactory, make_item

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "browser-pass-1"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch):
    """A fresh Chromium for each test. Playwright's sync API runs an event loop on the
    test thread while it is open, so the test's own (synchronous) ORM calls need
    DJANGO_ALLOW_ASYNC_UNSAFE; and it closes after each test, because while that loop
    runs, Django's context-local connections are not the ones the next test restores."""
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


@pytest.fixture
def shots(request):
    folder = ROOT / "test-artifacts" / "screenshots" / re.sub(r"\W+", "-", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = [0]

    def shot(page, name):
        count[0] += 1
        page.screenshot(path=str(folder / f"{count[0]:02d}-{name}.png"), full_page=True)

    yield shot
    print(f"\nscreenshots: {folder}")


class Session:
    """One person's browser tab, watching for dialogs and console errors."""

    def __init__(self, browser, base_url, username, **context_options):
        self.context = browser.new_context(base_url=base_url, **context_options)
        self.page = self.context.new_page()
        self.dialogs = []
        self.console_errors = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        if username:
            self.sign_in(username)

    def sign_in(self, username):
        page = self.page
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        if "/accounts/two-factor/" in page.url:  # the second step, as the app would
            page.get_by_label("Code").fill(totp_code(username))
            page.get_by_role("button", name="Continue").click()
            page.wait_for_url(lambda url: "/accounts/two-factor/" not in url)

    def close(self):
        self.context.close()


def totp_code(username: str) -> str:
    """The code the person's authenticator app shows now."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def open_as(browser, live_server):
    sessions = []

    def open_session(username, **options):
        session = Session(browser, live_server.url, username, **options)
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        assert session.dialogs == [], f"a dialog opened: {session.dialogs}"
        session.close()


@pytest.fixture
def people(db):
    specs = {
        "officer.glos": ("liaison-officer", ["gloucestershire"], None),
        "officer.wmp": ("liaison-officer", ["west-midlands"], None),
        "lead.sw": ("liaison-lead", ["gloucestershire", "devon-and-cornwall"], None),
        "chief.sw": ("chief-of-staff", [], "south-west"),
        "inspector": ("inspector", [], None),
        "admin": ("admin", [], None),
    }
    users = {}
    for username, (role, forces, region) in specs.items():
        users[username], _ = user_set_role(
            username=username,
            role=role,
            force_slugs=forces,
            region_slug=region,
            password=PASSWORD,
            email=f"{username}@example.org",
            full_name=username.replace(".", " ").title(),
        )
        if role != "liaison-officer":  # the roles that must use two-factor sign-in
            from tracker.two_factor import totp_for_new_user

            totp_for_new_user(users[username])
    return users


@pytest.fixture
def story(people):
    """The items the journeys work on."""
    today = dt.date.today()
    report = InspectionReport.objects.create(
        title="PEEL: Police effectiveness 2016",
        slug="peel-2016",
        kind="national",
        published=dt.date(2017, 3, 2),
    )
    other = InspectionReport.objects.create(
        title="Stolen freedom",
        slug="stolen-freedom",
        kind="thematic",
        published=dt.date(2017, 10, 24),
    )
    overdue = make_item(
        force="gloucestershire",
        lead=people["lead.sw"],
        finding=FindingFactory(
            report=report,
            number=5,
            cause_of_concern="HMIC found that the current approach to mapping organised crime "
            "groups is applied inconsistently.",
            text="• Immediately, the responsibility for mapping organised crime groups should be "
            "transferred to regional organised crime units.",
        ),
    )
    TrackedItem.objects.filter(pk=overdue.pk).update(target_date=today - dt.timedelta(days=20))
    fresh = make_item(
        force="gloucestershire",
        lead=people["lead.sw"],
        finding=FindingFactory(report=report, number=6),
    )
    services.status_change(item=fresh, by=people["lead.sw"], to=Status.BEING_PROGRESSED)
    make_item(force="gloucestershire", finding=FindingFactory(report=other, number=1))
    make_item(force="devon-and-cornwall", finding=FindingFactory(report=report, number=7))
    make_item(force="west-midlands", finding=FindingFactory(report=report, number=8))
    return {"overdue": overdue, "fresh": fresh, "report": report}


def run_axe(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
    ]
