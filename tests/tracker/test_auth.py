import pytest
from django.urls import reverse

from tests.conftest import sign_in


@pytest.mark.django_db
def test_signing_in_lands_on_the_dashboard(client, make_user):
    make_user("liaison-officer", "officer")
    response = client.post(reverse("login"), {"username": "officer", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("recommendations:dashboard")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Your force's items" in page.content.decode()


@pytest.mark.django_db
def test_wrong_password_shows_an_error_summary(client, make_user):
    make_user("liaison-officer", "officer")
    response = client.post(reverse("login"), {"username": "officer", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and "govuk-error-summary" in body


@pytest.mark.django_db
def test_signing_out_needs_a_post_and_ends_the_session(client, make_user):
    sign_in(client, make_user("inspector"))
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("recommendations:dashboard")).status_code == 302
