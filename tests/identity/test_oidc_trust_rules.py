"""The table of what a provider's roles claim may grant (identity.trust), without HTTP."""

from __future__ import annotations

import pytest

from forces.models import Force
from identity.models import IdentityProvider
from identity.trust import grant_for

pytestmark = pytest.mark.django_db


def provider(*, forces: tuple[str, ...] = (), inspectorate: bool = False, claim: str = "roles"):
    p = IdentityProvider.objects.create(
        name=f"P{IdentityProvider.objects.count()}",
        issuer=f"https://idp{IdentityProvider.objects.count()}.example",
        client_id="c",
        client_secret_encrypted="x",
        inspectorate=inspectorate,
        roles_claim=claim,
    )
    p.forces.set(Force.objects.filter(slug__in=forces))
    return p


def granted(p, roles) -> tuple:
    g = grant_for(p, {"roles": roles} if p.roles_claim == "roles" else {p.roles_claim: roles})
    return g.role, g.force_slugs, g.region_slug


def test_a_force_provider_with_two_forces_needs_the_force_named():
    p = provider(forces=("warwickshire", "west-mercia"))
    assert granted(p, ["liaison-officer"]) == (None, [], None)
    assert granted(p, ["liaison-officer:west-mercia"]) == ("liaison-officer", ["west-mercia"], None)
    assert granted(p, ["liaison-officer:gloucestershire"]) == (None, [], None)
    assert granted(p, ["liaison-officer:west-mercia", "liaison-officer:warwickshire"]) == (
        None,
        [],
        None,
    )


def test_the_inspectorate_roles_and_their_scope():
    p = provider(inspectorate=True)
    assert granted(p, ["admin"]) == ("admin", [], None)
    assert granted(p, "inspector") == ("inspector", [], None)  # one value, not a list
    assert granted(p, ["chief-of-staff:south-west", "chief-of-staff:north-east"]) == (
        None,
        [],
        None,
    )
    assert granted(p, ["chief-of-staff:atlantis"]) == (None, [], None)
    assert granted(p, ["inspector:gloucestershire"]) == (None, [], None)
    assert granted(p, ["inspector", "admin"]) == (None, [], None)  # two roles: neither
    assert granted(p, ["inspector", "Everyone", "inspector"]) == ("inspector", [], None)


@pytest.mark.parametrize(
    "roles", [[1], [""], ["x" * 201], ["inspector"] * 101 + ["admin"], {"inspector": True}]
)
def test_a_claim_that_is_not_a_short_list_of_text_grants_nothing(roles):
    p = provider(inspectorate=True)
    g = grant_for(p, {"roles": roles})
    assert g.role is None and g.refused


def test_the_roles_claim_is_the_providers_own():
    p = provider(inspectorate=True, claim="groups")
    assert granted(p, ["inspector"]) == ("inspector", [], None)
    assert grant_for(p, {"roles": ["admin"]}).role is None
