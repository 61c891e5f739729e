"""scim2-tester (RFC 7643/7644 compliance) against the portal's /scim/v2/, served by a
live server and reached over HTTP with a force's SCIM token.

scim2-client's network engine needs httpx2, which the project does not install; its
other engines call the application in-process. `RequestsSCIMClient` is scim2-client's
httpx2 engine written again over `requests` (installed): the same URL joining and base-URL
guard as scim2-client's own engines (`scim2_client.engines.inprocess`), real HTTP to
the live server. Nothing is skipped: every check scim2-tester runs must succeed.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from django.core.management import call_command
from scim2_client.client import BaseSyncSCIMClient
from scim2_client.engines.inprocess import _build_url, _stays_under_base_url
from scim2_client.errors import RequestNetworkException
from scim2_tester import Status, check_server

from forces.models import Force
from scim import services
from scim.models import ScimIdentity

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FAILED = {Status.ERROR, Status.CRITICAL}


class RequestsSCIMClient(BaseSyncSCIMClient):
    """scim2-client over `requests`: each call is a real HTTP request to `base_url`."""

    def __init__(self, base_url: str, secret: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {secret}"

    def _stays_under_base_url(self, endpoint: str) -> bool:
        return _stays_under_base_url(self.base_url, endpoint)

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        target = _build_url(self.base_url, url).geturl()
        try:
            return self.session.request(method, target, timeout=30, **kwargs)
        except requests.RequestException as error:
            failure = RequestNetworkException()
            failure.add_note(str(error))
            raise failure from error


def test_scim2_tester_finds_no_failure(live_server):
    call_command("load_reference_data", verbosity=0)  # idempotent: the forces are there
    _token, secret = services.token_create(name="Compliance", force_slug="gloucestershire")
    client = RequestsSCIMClient(f"{live_server.url}/scim/v2", secret)

    results = check_server(client)
    summary = "\n".join(
        f"{r.status.name} {r.title} {r.resource_type or ''}: {r.reason}" for r in results
    )
    print(summary)  # the note's summary of the run (pytest -s shows it)

    assert len(results) > 40, summary  # discovery, CRUD, query attributes and every PATCH path ran
    failures = [
        (r.title, r.status.name, r.reason, r.resource_type) for r in results if r.status in FAILED
    ]
    assert failures == []
    ran = {r.title for r in results if r.status == Status.SUCCESS}
    for check in (
        "object_creation",
        "object_query",
        "object_replacement",
        "object_deletion",
        "check_add_attribute",
        "check_remove_attribute",
        "check_replace_attribute",
    ):
        assert check in ran, check
    skipped = [(r.title, r.reason) for r in results if r.status == Status.SKIPPED]
    assert skipped == []
    # What it made, it made for Gloucestershire only: liaison officers of that force.
    glos = Force.objects.get(slug="gloucestershire")
    made = ScimIdentity.objects.filter(force=glos)
    assert made.exists()
    assert not ScimIdentity.objects.exclude(force=glos).filter(force__isnull=False).exists()
