"""A property-based fuzz (Hypothesis) of every field of every API write, read from the
OpenAPI document (so a new endpoint or field is fuzzed without a change here), plus the
bodies no schema describes: nested deeper than any parser should follow, larger than any
request should be, and bytes that are not UTF-8.

Whatever is sent: never a 500; every refusal is problem+json; on refusal nothing is
stored; on success nothing unclean is stored.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import services as token_services
from engage import services as engage_services
from recommendations import services
from recommendations.models import Status
from tests.factories import make_item
from tests.security.formfuzz import hostile, snapshot, unclean_rows

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
ROLE_FOR = {  # who may make each write, so the fuzz reaches the field checks
    "progress-updates": "liaison-officer",
    "comments": "liaison-lead",
    "closure-proposals": "liaison-lead",
    "authorise": "chief-of-staff",
    "return": "chief-of-staff",
    "withdraw": "liaison-lead",
    "reopen": "chief-of-staff",
    "updates": "liaison-officer",  # a plan action's updates (Engage)
}


def writes() -> list[tuple[str, str, dict]]:
    """(method, path template, JSON body schema) of every API write in the document."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            if method not in ("post", "patch", "put"):
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            ref = (body or {}).get("schema", {}).get("$ref", "")
            found.append((method.upper(), path, components.get(ref.split("/")[-1], {})))
    return found


def plausible(prop: dict) -> object:
    """A value a careful client would send for the property."""
    if "enum" in prop:
        return prop["enum"][0]
    kind, fmt = prop.get("type"), prop.get("format")
    if fmt == "date":
        return dt.date.today().isoformat()
    if kind == "boolean":
        return True
    if kind == "integer":
        return 1
    if kind == "array":
        return []
    return "Checked on the ground"


@pytest.fixture
def world(people):
    lead = people["liaison-lead"]
    fresh = make_item(force="gloucestershire", lead=lead)
    proposed = make_item(force="gloucestershire", lead=lead)
    services.status_change(item=proposed, by=lead, to=Status.BEING_PROGRESSED)
    services.closure_propose(item=proposed, by=lead, reason="Met", verified_by="documents")
    progressed = make_item(force="gloucestershire", lead=lead)
    services.status_change(item=progressed, by=lead, to=Status.BEING_PROGRESSED)
    closed = make_item(force="gloucestershire", lead=lead)  # for reopening
    services.no_further_action(item=closed, by=people["admin"], reason="Superseded")
    # A plan action of a force in Engage, for its updates.
    planned = make_item(force="gloucestershire", lead=lead)
    engage_services.stage_set(
        force=planned.force,
        stage="engage",
        entered_on=dt.date.today(),
        reason="Serious concern",
        meeting="PPOG",
        by=people["admin"],
    )
    action = engage_services.plan_action_add(
        item=planned,
        by=people["liaison-officer"],
        title="Train the staff",
        owner="Head of training",
        due_on=dt.date.today() + dt.timedelta(days=30),
    )
    return {
        "fresh": fresh,
        "proposed": proposed,
        "progressed": progressed,
        "closed": closed,
        "plan_action": action,
    }


def bearer(people, role: str) -> dict[str, str]:
    _, secret = token_services.token_create(user=people[role], name="Fuzz", days=1)
    return {"Authorization": f"Bearer {secret}", "Accept": "application/json"}


def target(path: str, world) -> str:
    """The path with an item (and proposal) in the state its write needs."""
    if path.startswith("/api/v1/plan-actions/"):
        return path.replace("{id}", str(world["plan_action"].pk))
    if "{pid}" in path:
        item = world["proposed"]
    elif path.endswith("closure-proposals/"):
        item = world["progressed"]
    elif path.endswith("reopen/"):
        item = world["closed"]
    else:
        item = world["fresh"]
    proposal_id = item.proposals.values_list("pk", flat=True).first() or 1
    return path.replace("{id}", str(item.pk)).replace("{pid}", str(proposal_id))


def role_for(path: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return ROLE_FOR.get(last, "liaison-lead")


def send(client: Client, method: str, url: str, body: bytes, headers: dict[str, str]):
    return client.generic(method, url, body, content_type="application/json", headers=headers)


def check(response, before, dirty) -> None:
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), response[
            "Content-Type"
        ]
        assert snapshot() == before
    assert set(unclean_rows()) - dirty == set()


WRITES = 9  # the API's writes today; a new one fails the test below until it is fuzzed


def test_the_document_lists_the_writes():
    """Every write in the OpenAPI document has a slot in the fuzz below."""
    assert len(writes()) == WRITES


@pytest.mark.parametrize("index", range(WRITES))
def test_every_api_write_field(people, world, index):
    method, path, schema = writes()[index]
    props = schema.get("properties", {})
    url = target(path, world)
    client = Client(raise_request_exception=False)
    headers = bearer(people, role_for(path))
    item = world["fresh"]
    if method == "PATCH":
        headers["If-Match"] = str(item.version)
    base = {name: plausible(p) for name, p in props.items() if not p.get("readOnly")}

    @FUZZ
    @given(data=st.data())
    def run(data):
        body = dict(base)
        if body:
            name = data.draw(st.sampled_from(sorted(body)), label="field")
            body[name] = data.draw(
                st.one_of(hostile, st.integers(), st.none(), st.lists(hostile, max_size=3)),
                label="value",
            )
        with transaction.atomic():
            before, dirty = snapshot(), set(unclean_rows())
            response = send(client, method, url, json.dumps(body).encode(), headers)
            check(response, before, dirty)
            transaction.set_rollback(True)

    run()


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def deep_object(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


@pytest.mark.parametrize(
    "body",
    [
        deep(100_000),
        deep_object(100_000),
        deep(1_000),
        b"\xff\xfe\xfd",
        b'{"text": "\xed\xa0\x80"}',  # a lone surrogate's bytes
        b'{"text": "\\ud800"}',  # the same, escaped
        b'{"text": ' + b'"' + b"a" * (3 * 1024 * 1024) + b'"}',
        b"",
        b"null",
        b'"just a string"',
        b"1e999999",
    ],
    ids=[
        "array-100000",
        "object-100000",
        "array-1000",
        "not-utf8",
        "surrogate-bytes",
        "surrogate-escape",
        "3MB",
        "empty",
        "null",
        "string",
        "huge-number",
    ],
)
def test_bodies_no_schema_describes(people, world, body):
    client = Client(raise_request_exception=False)
    for method, path, _ in writes():
        headers = bearer(people, role_for(path))
        if method == "PATCH":
            headers["If-Match"] = str(world["fresh"].version)
        with transaction.atomic():
            before, dirty = snapshot(), set(unclean_rows())
            response = send(client, method, target(path, world), body, headers)
            # An empty body, or one whose only field the write does not read, is a fair
            # request where every field is optional (authorise); anything else here is
            # refused, as problem+json, storing nothing.
            if body not in (b"", b"null") and not body.startswith(b'{"text": "\\u'):
                assert 400 <= response.status_code < 500, (path, response.status_code)
            check(response, before, dirty)
            transaction.set_rollback(True)
