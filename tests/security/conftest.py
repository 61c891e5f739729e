"""What the security tests share: the API's fixtures (tests/api/conftest.py), and the
throttles emptied around the tests that ask for it."""

import pytest
from django.core.cache import caches

from tests.api.conftest import api_as, token_for  # noqa: F401  # fixtures, shared


@pytest.fixture
def empty_throttles():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()
