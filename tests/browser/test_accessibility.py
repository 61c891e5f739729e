"""WCAG 2.2 AA: axe-core on every page template as each role that sees it, in its states;
the journeys by keyboard alone; reflow at 320 CSS pixels."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from recommendations import services
from recommendations.models import Status
from tests.browser.conftest import PASSWORD, run_axe, totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def pages_for(story):
    item, fresh = story["overdue"].pk, story["fresh"].pk
    return {
        # who: [(url, what to do before checking, name of the state)]
        None: [
            ("/accounts/login/", None, "login"),
            ("/accounts/login/", "bad-login", "login with errors"),
            ("/accessibility/", None, "accessibility statement"),
            ("/accounts/password_reset/", None, "password reset"),
            ("/accounts/password_reset/", "submit", "password reset errors"),
        ],
        "officer.glos": [
            ("/", None, "officer dashboard"),
            (f"/recommendations/{item}/", None, "item as officer"),
            (f"/recommendations/{item}/progress-update/", None, "progress update form"),
            (f"/recommendations/{item}/progress-update/", "submit", "progress update errors"),
            (f"/recommendations/{item}/owner/", None, "owner form"),
            (f"/recommendations/{item}/owner/", "bad-date", "owner form errors"),
            ("/recommendations/999999/", None, "not found"),
            ("/reports/new/", None, "forbidden"),
            ("/accounts/password_change/", None, "password change"),
        ],
        "lead.sw": [
            ("/", None, "lead dashboard"),
            (f"/recommendations/{item}/", None, "item as lead"),
            (f"/recommendations/{item}/comment/", None, "comment form"),
            (f"/recommendations/{item}/review/", None, "review form"),
            (f"/recommendations/{fresh}/propose-closure/", None, "propose form"),
            (f"/recommendations/{fresh}/propose-closure/", "submit", "propose errors"),
            (f"/recommendations/{item}/no-further-action/", None, "no further action form"),
            ("/imports/", None, "import form"),
            ("/imports/", "submit", "import errors"),
        ],
        "chief.sw": [
            ("/", None, "chief dashboard with a proposal"),
            (f"/recommendations/{fresh}/", None, "item with a proposal"),
            (f"/recommendations/{fresh}/authorise-closure/", None, "authorise form"),
            (f"/recommendations/{fresh}/return-closure/", "submit", "return errors"),
        ],
        "inspector": [
            ("/", None, "inspector dashboard"),
            ("/recommendations/", None, "list"),
            (
                "/recommendations/?force=gloucestershire&stale=no&sort=-updated",
                None,
                "list filtered",
            ),
            ("/recommendations/?force=atlantis&updated_after=soon", None, "list errors"),
            ("/recommendations/?q=nothing-matches-this", None, "list empty"),
            (f"/recommendations/{item}/history/", None, "history"),
            ("/reports/", None, "reports"),
            ("/reports/peel-2016/", None, "report"),
        ],
        "admin": [
            ("/reports/new/", None, "publish report"),
            ("/reports/new/", "submit", "publish report errors"),
            ("/reports/peel-2016/findings/new/", None, "add finding"),
        ],
    }


def test_every_page_has_no_axe_violations(open_as, story, people):
    failures = []
    for who, pages in pages_for(story).items():
        if who == "chief.sw":  # the chief's pages show a proposal awaiting them
            services.closure_propose(
                verified_by="documents", item=story["fresh"], by=people["lead.sw"], reason="Met"
            )
        session = open_as(who, bypass_csp=True)  # so axe itself can be injected
        page = session.page
        for url, action, state in pages:
            page.goto(url)
            if action == "submit":
                page.locator("main form button[type=submit]").last.click()
            elif action == "bad-login":
                page.get_by_label("Username").fill("nobody")
                page.get_by_label("Password").fill("wrong")
                page.get_by_role("button", name="Sign in").click()
            elif action == "bad-date":
                page.locator("#id_target_date_0").fill("31")
                page.locator("#id_target_date_1").fill("2")
                page.locator("#id_target_date_2").fill("2030")
                page.get_by_role("button", name="Save").click()
            if action:
                expect(page.locator(".govuk-error-summary").first).to_be_visible()
            violations = run_axe(page)
            if violations:
                failures.append((who, state, violations))
    assert failures == []


def tab_to(page, selector, limit=250):
    """Press Tab until the focused element matches; check focus is visible and on screen."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            visible = page.evaluate("""() => {
                const el = document.activeElement;
                const style = getComputedStyle(el);
                const outlined = style.outlineStyle !== 'none' && style.outlineWidth !== '0px';
                const shadowed = style.boxShadow && style.boxShadow !== 'none';
                const rect = el.getBoundingClientRect();
                const onScreen = rect.bottom > 0 && rect.top < window.innerHeight;
                const top = document.elementFromPoint(rect.left + rect.width / 2,
                                                      rect.top + rect.height / 2);
                const notHidden = top === el || el.contains(top) || (top && top.contains(el))
                    || (el.labels && [...el.labels].some(l => l.contains(top)));
                return (outlined || shadowed) && onScreen && notHidden;
            }""")
            assert visible, f"focus on {selector} is not visible"
            return
    raise AssertionError(f"could not Tab to {selector}")


def go(page, key="Enter"):
    """Press a key that submits or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def sign_in_by_keyboard(page, username):
    page.goto("/accounts/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(username)
    tab_to(page, "#id_password")
    page.keyboard.type(PASSWORD)
    go(page)
    page.wait_for_load_state()
    if "/accounts/two-factor/" in page.url:  # the second step, by keyboard too
        tab_to(page, "#id_code")
        page.keyboard.type(totp_code(username))
        go(page)


def test_the_closure_journey_by_keyboard_alone(open_as, story, shots):
    item = story["overdue"].pk
    officer = open_as(None).page
    sign_in_by_keyboard(officer, "officer.glos")
    tab_to(officer, f"a[href='/recommendations/{item}/']")
    go(officer, "Enter")
    tab_to(officer, f"a[href='/recommendations/{item}/progress-update/']")
    go(officer, "Enter")
    tab_to(officer, "#id_text")
    officer.keyboard.type("Typed with the keyboard only.")
    tab_to(officer, "main button[type=submit]")
    go(officer, "Space")
    expect(officer.locator(".moj-timeline")).to_contain_text("Typed with the keyboard only.")
    shots(officer, "keyboard-officer")

    lead = open_as(None).page
    sign_in_by_keyboard(lead, "lead.sw")
    lead.goto(f"/recommendations/{item}/")
    tab_to(lead, f"a[href='/recommendations/{item}/review/']")
    go(lead, "Enter")
    tab_to(lead, "main button[type=submit]")
    go(lead, "Enter")
    expect(lead.locator(".govuk-tag").first).to_have_text("Being progressed")
    tab_to(lead, f"a[href='/recommendations/{item}/propose-closure/']")
    go(lead, "Enter")
    tab_to(lead, "#id_reason")
    lead.keyboard.type("Met, by keyboard.")
    tab_to(lead, "input[name=verified_by][value=documents]")
    lead.keyboard.press("Space")  # a radio is chosen with the keyboard
    tab_to(lead, "main button[type=submit]")
    go(lead, "Enter")
    expect(lead.locator(".govuk-inset-text")).to_contain_text("Closure proposed by")

    chief = open_as(None).page
    sign_in_by_keyboard(chief, "chief.sw")
    tab_to(chief, f"a[href='/recommendations/{item}/']")
    go(chief, "Enter")
    tab_to(chief, f"a[href='/recommendations/{item}/authorise-closure/']")
    go(chief, "Enter")
    tab_to(chief, "main button[type=submit]")
    go(chief, "Space")
    expect(chief.locator(".govuk-tag").first).to_have_text("Complete")

    inspector = open_as(None).page
    sign_in_by_keyboard(inspector, "inspector")
    inspector.goto("/recommendations/")
    tab_to(inspector, "input[value='gloucestershire']")
    inspector.keyboard.press("Space")
    tab_to(inspector, "main form button[type=submit]")
    go(inspector, "Enter")
    expect(inspector.locator(".moj-filter-tags")).to_contain_text("Gloucestershire Constabulary")
    shots(inspector, "keyboard-inspector")
    assert story["overdue"].__class__.objects.get(pk=item).status_id == Status.COMPLETE


def test_pages_reflow_at_320_css_pixels(open_as, story):
    session = open_as("inspector", viewport={"width": 320, "height": 640})
    page = session.page
    item = story["overdue"].pk
    for url in [
        "/",
        "/recommendations/",
        f"/recommendations/{item}/",
        f"/recommendations/{item}/history/",
        "/reports/",
        "/accessibility/",
    ]:
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{url} scrolls sideways at 320px ({width}px wide)"
    session.page.goto("/accounts/login/")
    assert dt.date.today()
