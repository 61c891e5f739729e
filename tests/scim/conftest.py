import pytest

from tests.scim.helpers import client_for, token_for


@pytest.fixture
def scim_token(db):
    """make(force_slug or None for the inspectorate) -> (token, secret)."""
    return token_for


@pytest.fixture
def scim_as(db):
    """make(force_slug or None) -> a SCIM client with a new token of that organisation."""
    return client_for
