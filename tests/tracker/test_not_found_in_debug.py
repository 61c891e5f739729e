"""Issue 19: `make run` (DEBUG on) shows the service's own 404 page, not Django's
technical one, for an unknown address and for an item outside the person's scope."""

import pytest
from django.test import override_settings
from django.urls import reverse

from tests.factories import make_item

pytestmark = pytest.mark.django_db


def assert_service_404(response):
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and "govuk-template" in html
    assert "DEBUG = True" not in html and "URLconf" not in html


@override_settings(DEBUG=True)
def test_unknown_address_shows_the_service_404_page_in_debug(client_as):
    assert_service_404(client_as("inspector").get("/no-such-page/"))


@override_settings(DEBUG=True)
def test_unknown_address_signed_out_shows_the_service_404_page_in_debug(client):
    assert_service_404(client.get("/no-such-page/"))


def test_the_service_404_page_without_debug_is_unchanged(client_as):
    assert_service_404(client_as("inspector").get("/no-such-page/"))


@override_settings(DEBUG=True)
def test_http404_from_a_view_shows_the_service_404_page_in_debug(client_as):
    item = make_item(force="west-midlands")
    response = client_as("liaison-officer").get(reverse("recommendations:item", args=[item.pk]))
    assert_service_404(response)
    assert "No such item" not in response.content.decode()
