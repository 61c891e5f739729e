"""Tokens made at the shell and on the page, throttling per token and per address, the
security log, and query budgets."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from api.models import ApiToken
from api.services import token_hash
from recommendations import services
from tests.api.conftest import ApiClient
from tests.conftest import progressed
from tests.factories import make_item

pytestmark = pytest.mark.django_db


def test_create_api_token_prints_the_token_alone_on_its_last_line(people):
    out = io.StringIO()
    call_command("create_api_token", "inspector", "--name", "Analysts", "--days", "30", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(name="Analysts")
    assert token.token_hash == token_hash(secret)
    assert secret not in token.token_hash
    assert 29 <= (token.expires_at - token.created_at).days <= 30
    assert ApiClient(secret).get("/api/v1/items/").status_code == 200


@pytest.mark.parametrize(
    "args,message",
    [
        (["nobody", "--name", "x"], "no user called 'nobody'"),
        (
            ["inspector", "--name", "x", "--days", "91"],
            "--days: A token must last between 1 and 90",
        ),
        (["inspector", "--name", "x", "--days", "0"], "--days"),
        (["inspector", "--name", " "], "--name: Enter a name"),
    ],
)
def test_create_api_token_refuses_bad_input(people, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_the_page_shows_a_new_token_once(client_as, people):
    client = client_as("liaison-officer")
    made = client.post(reverse("api:tokens"), {"name": "Sharepoint sync", "days": "90"})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert secret in made.content.decode()
    assert ApiClient(secret).get("/api/v1/items/").status_code == 200
    again = client.get(reverse("api:tokens"))
    assert secret not in again.content.decode()
    assert "Sharepoint sync" in again.content.decode()


def test_the_page_refuses_more_than_90_days_naming_the_field(client_as):
    response = client_as("liaison-officer").post(
        reverse("api:tokens"), {"name": "x", "days": "365"}
    )
    assert response.status_code == 400
    assert "A token can last at most 90 days" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_required_two_factor_role_needs_a_verified_session(client, people):
    client.force_login(people["liaison-lead"])  # password only: no second factor yet
    response = client.post(reverse("api:tokens"), {"name": "x", "days": "5"})
    assert response.status_code in (302, 403)
    assert not ApiToken.objects.exists()


def test_the_page_itself_refuses_an_unverified_session(rf, people):
    """Behind the middleware too: the view checks the session passed two-factor."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from api import pages

    request = rf.post(reverse("api:tokens"), {"name": "x", "days": "5"})
    request.user = people["chief-of-staff"]
    request.user.is_verified = lambda: False
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = pages.tokens(request)
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


@override_settings(API_THROTTLE_RATES={"api-token": "3/minute", "api-address": "100/minute"})
def test_throttled_per_token(api_as):
    client = api_as("inspector")
    codes = [client.get("/api/v1/reports/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/v1/reports/")
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) > 0
    assert api_as("admin").get("/api/v1/reports/").status_code == 200  # another token


@override_settings(API_THROTTLE_RATES={"api-token": "100/minute", "api-address": "3/minute"})
def test_throttled_per_address_even_with_bad_tokens():
    codes = [ApiClient("rt_guess").get("/api/v1/items/").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


@override_settings(API_THROTTLE_RATES={"api-token": "100/minute", "api-address": "3/minute"})
def test_the_address_throttle_counts_each_request_once(api_as):
    client = api_as("inspector")
    codes = [client.get("/api/v1/reports/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def _events(caplog, name):
    return [
        r.msg
        for r in caplog.records
        if r.name == "tracker.security" and isinstance(r.msg, dict) and r.msg["event"] == name
    ]


def test_writes_and_refusals_are_in_the_security_log_with_the_tokens_name(
    people, token_for, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="tracker.security")
    item = make_item(force="gloucestershire")
    _, secret = token_for(people["liaison-officer"], name="Force tracker")
    client = ApiClient(secret)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/items/{item.pk}/progress-updates/", {"text": "Done"})
        client.post(f"/api/v1/items/{item.pk}/comments/", {"text": "x", "visibility": "public"})
    [write] = _events(caplog, "api-write")
    assert write["key_name"] == "Force tracker"
    assert write["status"] == 201
    assert write["username"] == "liaison-officer"
    [refused] = _events(caplog, "api-refused")
    assert refused["status"] == 403
    assert refused["key_name"] == "Force tracker"
    assert secret not in json.dumps(caplog.text)


def _count_queries(django_assert_max_num_queries, client, url, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_detail_costs_the_same_for_5_and_200_timeline_entries(
    api_as, people, django_assert_max_num_queries
):
    lead = people["liaison-lead"]
    client = api_as("liaison-lead")
    client.get("/api/v1/reports/")  # the token's first use records it: not the page's cost
    counts = []
    for entries in (5, 200):
        item = progressed(make_item(force="gloucestershire"), lead)
        for n in range(entries):
            services.comment_add(item=item, by=lead, text=f"Entry {n}", visibility="internal")
        counts.append(
            _count_queries(django_assert_max_num_queries, client, f"/api/v1/items/{item.pk}/", 14)
        )
    assert counts[0] == counts[1]


def test_list_costs_the_same_for_5_and_60_items(api_as, people, django_assert_max_num_queries):
    lead = people["liaison-lead"]
    client = api_as("liaison-lead")
    client.get("/api/v1/reports/")  # the token's first use records it: not the page's cost
    counts = []
    for n in (5, 55):
        for _ in range(n):
            services.comment_add(
                item=make_item(force="gloucestershire", lead=lead),
                by=lead,
                text="News",
                visibility="internal",
            )
        counts.append(_count_queries(django_assert_max_num_queries, client, "/api/v1/items/", 11))
    assert counts[0] == counts[1]
