"""tracker.base_url: one answer to "what is the portal's address" for every link that
leaves its page: PORTAL_BASE_URL when set, else the host the request came to, else (no
request: an email from the worker) the development server."""

import csv
import io

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.factories import make_item
from tracker.base_url import DEVELOPMENT, absolute_url, base_url
from tracker.security import password_changed_notify

pytestmark = pytest.mark.django_db


def request_to(host: str, secure: bool = False):
    return RequestFactory().get("/", HTTP_HOST=host, secure=secure)


@override_settings(PORTAL_BASE_URL="https://portal.example.gov.uk/", ALLOWED_HOSTS=["*"])
def test_the_setting_wins_over_the_host_and_loses_its_trailing_slash():
    assert base_url(request_to("10.0.0.5:8000")) == "https://portal.example.gov.uk"
    assert base_url() == "https://portal.example.gov.uk"
    assert absolute_url("/recommendations/7/", request_to("internal")) == (
        "https://portal.example.gov.uk/recommendations/7/"
    )


@override_settings(PORTAL_BASE_URL="", ALLOWED_HOSTS=["tracker.internal"])
def test_without_the_setting_links_go_to_the_host_the_request_came_to():
    assert base_url(request_to("tracker.internal")) == "http://tracker.internal"
    assert base_url(request_to("tracker.internal", secure=True)) == "https://tracker.internal"


@override_settings(PORTAL_BASE_URL="")
def test_without_the_setting_or_a_request_it_is_the_development_server():
    assert base_url() == DEVELOPMENT == "http://127.0.0.1:8000"


def item_urls_in_export(client) -> list[str]:
    body = b"".join(client.get(reverse("recommendations:export_csv")).streaming_content)
    return [row["url"] for row in csv.DictReader(io.StringIO(body.decode()))]


@pytest.mark.parametrize(
    "setting,expected",
    [("https://portal.example/", "https://portal.example"), ("", "http://testserver")],
)
def test_every_door_that_writes_a_link_uses_it(client_as, settings, setting, expected):
    """The export, the finding CSV, the print views (which once ignored the setting)
    and the public data file all start their links the same way."""
    settings.PORTAL_BASE_URL = setting
    item = make_item(force="gloucestershire")
    item_url = expected + reverse("recommendations:item", args=[item.pk])
    client = client_as("inspector")
    assert item_urls_in_export(client) == [item_url]
    finding_csv = client.get(reverse("recommendations:finding_export", args=[item.finding_id]))
    text = b"".join(finding_csv.streaming_content).decode()
    assert [row["url"] for row in csv.DictReader(io.StringIO(text))] == [item_url]
    item_print = client.get(reverse("recommendations:item_print", args=[item.pk]))
    assert f'href="{item_url}"' in item_print.content.decode()
    report_print = client.get(
        reverse("recommendations:report_print", args=[item.finding.report.slug])
    )
    assert item_url in report_print.content.decode()


def test_the_password_email_links_to_the_portal_address(make_user, settings, mailoutbox):
    settings.PORTAL_BASE_URL = "https://portal.example/"
    password_changed_notify(make_user("liaison-lead", "ruth"))
    (message,) = mailoutbox
    assert "https://portal.example/accounts/password_reset/" in message.body
