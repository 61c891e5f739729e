"""The admin's index reads as English: no "deliverys", no app labels in capitals."""

import re

import pytest
from django.urls import reverse

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_admin_index_names_things_in_english(people, client):
    html = sign_in(client, people["admin"]).get(reverse("admin:index")).content.decode()
    assert "deliverys" not in html.lower()
    for label in ("OTP_TOTP", "OTP_STATIC", "AXES"):
        assert not re.search(rf">\s*{label}\s*<", html), label
    assert "Reminder deliveries" in html
    assert "Two-factor sign-in: authenticator apps" in html
    assert "Sign-in attempts and lockouts" in html
