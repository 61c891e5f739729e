"""The SSO rows of the permission matrix: every kind of provider asserting every role,
for its own force, another force of the same region and a force elsewhere, against the
hand-written oracle (tests/oracle.py, SSO_GRANTS)."""

from __future__ import annotations

import pytest

from forces.models import Force
from identity.models import IdentityProvider
from identity.trust import grant_for
from tests.oracle import ROLES, SCOPES, sso_grants

pytestmark = pytest.mark.django_db
# Seen from a Gloucestershire provider: own, same region (South West), elsewhere.
FORCE_FOR = {
    "own": "gloucestershire",
    "same-region": "devon-and-cornwall",
    "other-region": "west-midlands",
}
REGION_FOR = {"own": "south-west", "same-region": "south-west", "other-region": "north-east"}


def claim(role: str, scope: str) -> str:
    if role in ("liaison-officer", "liaison-lead"):
        return f"{role}:{FORCE_FOR[scope]}"
    if role == "chief-of-staff":
        return f"{role}:{REGION_FOR[scope]}"
    return role


@pytest.fixture
def providers():
    force = IdentityProvider.objects.create(
        name="Force", issuer="https://force.example", client_id="c", client_secret_encrypted="x"
    )
    force.forces.set(Force.objects.filter(slug="gloucestershire"))
    inspectorate = IdentityProvider.objects.create(
        name="Inspectorate",
        issuer="https://insp.example",
        client_id="c",
        client_secret_encrypted="x",
        inspectorate=True,
    )
    return {"force": force, "inspectorate": inspectorate}


@pytest.mark.parametrize("organisation", ["force", "inspectorate"])
def test_what_each_provider_may_grant(providers, organisation):
    wrong = []
    for role in ROLES:
        for scope in SCOPES:
            grant = grant_for(providers[organisation], {"roles": [claim(role, scope)]})
            if (grant.role == role) != sso_grants(organisation, role, scope):
                wrong.append((role, scope, grant.role, grant.refused))
            if grant.role is None:
                assert grant.refused, (role, scope)  # refused values are always said why
    assert wrong == []
