"""schemathesis against the live OpenAPI document: a live server on PostgreSQL, a token
per role; stateless (every operation, generated requests) and stateful (following the
document's links: list → item → progress update, comment, PATCH with its ETag, propose
→ authorise, return or withdraw). No 5xx, and every response (status, content type,
headers, body) conforms to the document. Fixed seed and example counts keep it short."""

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from recommendations import services
from recommendations.models import Status
from tests.conftest import PEOPLE
from tests.factories import FindingFactory, ReportFactory, make_item

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.schemathesis,
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SEED = 20261123


def _settings(max_examples, **extra):
    return hypothesis.settings(
        max_examples=max_examples,
        derandomize=True,  # a fixed seed: the same requests every run
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        **extra,
    )


@pytest.fixture
def world(people, token_for):
    """Items in every state across three forces (own, same region, other region), with
    an open proposal and a report, and a token for each role."""
    lead = people["liaison-lead"]
    report = ReportFactory(slug="peel-2016")
    for force in ("gloucestershire", "devon-and-cornwall", "west-midlands"):
        finding = FindingFactory(report=report)
        make_item(force=force, finding=finding, portal_id=8000 + finding.pk)
    item = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    services.status_change(item=item, by=lead, to=Status.BEING_PROGRESSED)
    proposed = make_item(force="gloucestershire", finding=FindingFactory(report=report))
    services.status_change(item=proposed, by=lead, to=Status.BEING_PROGRESSED)
    services.closure_propose(item=proposed, by=lead, reason="Met", verified_by="insight")
    return {role: token_for(people[role], name=f"schemathesis {role}")[1] for role in PEOPLE}


def load_schema(live_server, secret):
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/v1/schema/", headers=headers, timeout=30
    )
    return schema, headers


def test_the_document_is_openapi_3_1_and_valid(live_server, world):
    response = requests.get(
        f"{live_server.url}/api/v1/schema/",
        headers={"Authorization": f"Bearer {world['inspector']}"},
        timeout=30,
    )
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    from drf_spectacular.validation import validate_schema

    validate_schema(document)  # against the OpenAPI 3.1 JSON Schema; raises if invalid


def fuzz(operation, base_url, headers):
    @_settings(6)
    @hypothesis.seed(SEED)
    @hypothesis.given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    check()


def test_stateless_for_every_role(live_server, world):
    for role in PEOPLE:
        schema, headers = load_schema(live_server, world[role])
        seen = 0
        for result in schema.get_all_operations():
            fuzz(result.ok(), live_server.url, headers)
            seen += 1
        # Every operation of the document: reopen, recipients and Engage's three included.
        assert seen == 17, role


def test_stateful_following_the_links(live_server, world):
    reached = set()
    for role in ("liaison-lead", "chief-of-staff", "admin"):
        schema, headers = load_schema(live_server, world[role])
        Machine = schema.as_state_machine()

        class Stateful(Machine):
            auth = headers

            def get_call_kwargs(self, case):
                return {"base_url": live_server.url, "headers": self.auth}

            def after_call(self, response, case):
                reached.add((case.operation.label, response.status_code))

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                case.validate_response(response, checks=CHECKS)

        Stateful.run(settings=_settings(24, stateful_step_count=8))
    labels = {label for label, _ in reached}
    # The links took the machine from the list to an item and on to its writes.
    assert "GET /api/v1/items/{id}/" in labels
    assert any(label.startswith("POST /api/v1/items/{id}/") for label in labels), reached
