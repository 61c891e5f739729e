"""The SCIM test client and bodies, shared by tests/scim and tests/security/test_scim.py."""

import itertools
import json

from django.test import Client

from scim import services

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BASE = "/scim/v2"


class ScimClient:
    """A test client sending `Authorization: Bearer <SCIM token>` and SCIM JSON."""

    def __init__(self, secret: str | None, client: Client | None = None):
        self.secret = secret
        self.client = client or Client()

    def _headers(self):
        return {"Authorization": f"Bearer {self.secret}"} if self.secret else {}

    def get(self, path, data=None):
        return self.client.get(BASE + path, data, headers=self._headers())

    def _send(self, method, path, body):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(
            BASE + path, data, content_type="application/scim+json", headers=self._headers()
        )

    def post(self, path, body):
        return self._send("post", path, body)

    def put(self, path, body):
        return self._send("put", path, body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self.client.delete(BASE + path, headers=self._headers())


def user_body(username, **extra):
    body = {
        "schemas": [USER_SCHEMA],
        "userName": username,
        "name": {"givenName": "Sam", "familyName": "Jones"},
        "emails": [{"value": f"{username}@glos.police.example", "type": "work", "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


def patch_body(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


_made = itertools.count(1)


def token_for(force: str | None, name: str | None = None):
    """A new SCIM token for a force (its slug) or the inspectorate (None): (token, secret)."""
    name = name or f"IdP {next(_made)} of {force or 'the inspectorate'}"
    return services.token_create(name=name, force_slug=force)


def client_for(force: str | None) -> ScimClient:
    """A SCIM client with a new token of the organisation."""
    return ScimClient(token_for(force)[1])
