"""A new chief of staff sets up two-factor sign-in in the browser, signs in with a code
from the app, and later with a recovery code."""

import base64

import pytest
from django_otp.oath import TOTP

from forces.users import user_set_role
from tests.browser.conftest import PASSWORD, run_axe

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def code_from_secret(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_a_new_chief_of_staff_sets_up_two_factor_and_uses_a_recovery_code(open_as, shots):
    user_set_role(
        username="chief.new",
        role="chief-of-staff",
        region_slug="south-west",
        password=PASSWORD,
        email="chief.new@example.org",
        full_name="Casey New",
    )
    tab = open_as(None, bypass_csp=True)  # so axe itself can be injected
    page = tab.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("chief.new")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/two-factor/set-up/")
    assert page.locator("svg").first.is_visible()
    page.goto("/recommendations/")  # nothing else is served before set-up
    page.wait_for_url("**/accounts/two-factor/set-up/")
    assert run_axe(page) == []
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#secret").inner_text()
    shots(page, "set-up")
    page.get_by_label("Code").fill(code_from_secret(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.get_by_role("heading", name="Two-factor sign-in is on").wait_for()
    codes = page.locator(".app-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shots(page, "recovery-codes")
    page.get_by_role("link", name="Continue to the portal").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)

    again = open_as(None, bypass_csp=True).page
    again.goto("/accounts/login/")
    again.get_by_label("Username").fill("chief.new")
    again.get_by_label("Password").fill(PASSWORD)
    again.get_by_role("button", name="Sign in").click()
    again.wait_for_url("**/accounts/two-factor/")
    assert run_axe(again) == []
    again.get_by_role("link", name="use a recovery code").click()
    again.get_by_label("Recovery code").fill(codes[0])
    again.get_by_role("button", name="Continue").click()
    again.wait_for_url(lambda url: "/accounts/two-factor/" not in url)
    assert again.get_by_text("Signed in with a recovery code").is_visible()


@pytest.mark.parametrize("width", [320, 1280])
def test_an_administrator_confirms_their_password_before_resetting_a_second_factor(
    open_as, shots, width
):
    """The admin's user list: "Reset two-factor sign-in" first asks for the password
    again (step-up), then resets; the page is accessible at 320 and 1280 px."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin, _ = user_set_role(username="admin.b", role="admin", password=PASSWORD)
    TOTPDevice.objects.create(user=admin, name="App", confirmed=True)
    chief, _ = user_set_role(
        username="chief.b", role="chief-of-staff", region_slug="south-west", password=PASSWORD
    )
    TOTPDevice.objects.create(user=chief, name="App", confirmed=True)
    tab = open_as("admin.b", bypass_csp=True, viewport={"width": width, "height": 900})
    page = tab.page
    page.goto("/admin/auth/user/")
    page.locator(f'input[name="_selected_action"][value="{chief.pk}"]').check()
    page.locator('select[name="action"]').select_option("two_factor_reset")
    page.locator('button[name="index"]').click()
    page.get_by_role("heading", name="Confirm your password").wait_for()
    assert run_axe(page) == []
    shots(page, f"step-up-{width}")
    assert TOTPDevice.objects.filter(user=chief).exists()
    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("The password is not right").first.wait_for()
    assert run_axe(page) == []
    shots(page, f"step-up-wrong-{width}")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/admin/auth/user/**")
    page.locator(f'input[name="_selected_action"][value="{chief.pk}"]').check()
    page.locator('select[name="action"]').select_option("two_factor_reset")
    page.locator('button[name="index"]').click()
    page.get_by_text("Two-factor sign-in reset for 1 people").wait_for()
    assert not TOTPDevice.objects.filter(user=chief).exists()
