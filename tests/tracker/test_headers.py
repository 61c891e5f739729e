"""Response headers: nothing a signed-in person sees is stored by a cache, browser features
the portal does not use are switched off, each response has a request id, and the
production cookies carry the __Host- prefix."""

import re

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse


def assert_no_store(response) -> None:
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


@pytest.mark.django_db
def test_pages_for_a_signed_in_person_are_never_stored(client_as, item):
    client = client_as("inspector")
    assert_no_store(client.get(reverse("recommendations:dashboard")))
    assert_no_store(client.get(reverse("recommendations:item", args=[item.pk])))
    assert_no_store(client.get("/recommendations/999999/"))  # a 404 too
    assert_no_store(client.get(reverse("password_change")))


@pytest.mark.django_db
def test_exports_and_downloads_are_never_stored(client_as, item):
    client = client_as("inspector")
    csv = client.get(reverse("recommendations:export_csv"))
    assert isinstance(csv, StreamingHttpResponse) and csv.status_code == 200
    assert_no_store(csv)
    assert_no_store(client.get(reverse("recommendations:export_xlsx")))
    page = client.get(reverse("recommendations:portal_page", args=[item.pk]))
    assert page.status_code == 200 and "attachment" in page["Content-Disposition"]
    assert_no_store(page)


@pytest.mark.django_db
def test_the_sign_in_response_itself_is_not_stored(make_user):
    make_user("inspector", "ruth")
    client = Client()
    response = client.post(reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert_no_store(response)


@pytest.mark.django_db
def test_public_pages_and_static_files_keep_their_caching(client):
    assert "Cache-Control" not in client.get(reverse("accessibility"))
    assert "Pragma" not in client.get(reverse("login"))


@pytest.mark.django_db
def test_permissions_policy_switches_off_unused_features(client, client_as):
    for response in [client.get(reverse("login")), client_as("inspector").get("/")]:
        policy = response["Permissions-Policy"]
        for feature in ["camera", "microphone", "geolocation", "payment", "usb"]:
            assert f"{feature}=()" in policy


@pytest.mark.django_db
def test_every_response_has_a_request_id(client, client_as):
    ids = {
        client.get(reverse("login"))["X-Request-ID"],
        client.get("/")["X-Request-ID"],  # a redirect to sign in
        client_as("inspector").get("/")["X-Request-ID"],
        client.get(reverse("healthz"))["X-Request-ID"],
    }
    assert len(ids) == 4 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_production_cookies_have_the_host_prefix():
    from tracker.settings import production

    assert production.SESSION_COOKIE_NAME == "__Host-sessionid"
    assert production.CSRF_COOKIE_NAME == "__Host-csrftoken"
    # What the prefix requires: Secure, Path=/, no Domain.
    for prefix in ["SESSION", "CSRF"]:
        assert getattr(production, f"{prefix}_COOKIE_SECURE") is True
        assert getattr(production, f"{prefix}_COOKIE_PATH") == "/"
        assert getattr(production, f"{prefix}_COOKIE_DOMAIN") is None


@pytest.mark.django_db
def test_host_prefixed_cookies_are_set_as_the_prefix_requires(make_user, settings):
    from tracker.settings import production

    for name in [
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ]:
        setattr(settings, name, getattr(production, name))
    make_user("inspector", "ruth")
    client = Client()
    form = client.get(reverse("login"))
    csrf = form.cookies["__Host-csrftoken"]
    signed_in = client.post(
        reverse("login"), {"username": "ruth", "password": "pw-for-tests-1"}, secure=True
    )
    session = signed_in.cookies["__Host-sessionid"]
    for cookie in [csrf, session]:
        assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]
    assert session["httponly"]
