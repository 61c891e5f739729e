import json

import pytest
from django.core.cache import caches
from django.test import Client

from api import services as token_services
from tests.conftest import PEOPLE


class ApiClient:
    """A test client that sends `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, secret: str | None, client: Client | None = None):
        self.secret = secret
        self.client = client or Client()

    def _headers(self, extra):
        headers = {"Accept": "application/json"}
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        headers.update(extra or {})
        return headers

    def get(self, url, data=None, headers=None):
        return self.client.get(url, data, headers=self._headers(headers))

    def post(self, url, body=None, headers=None):
        return self.client.post(
            url,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, url, body=None, headers=None):
        return self.client.patch(
            url,
            json.dumps(body or {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def request(self, method, url, body=None, headers=None):
        if method == "GET":
            return self.get(url, headers=headers)
        return getattr(self, method.lower())(url, body, headers=headers)


@pytest.fixture(autouse=True)
def _empty_throttles():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def token_for(db):
    def make(user, name="Tests", days=30):
        token, secret = token_services.token_create(user=user, name=name, days=days)
        return token, secret

    return make


@pytest.fixture
def api_as(people, token_for):
    """api_as("liaison-officer") → an ApiClient holding a fresh token of that person."""

    def make(role_or_user):
        user = people[role_or_user] if isinstance(role_or_user, str) else role_or_user
        return ApiClient(token_for(user)[1])

    return make


ROLES = list(PEOPLE)
