"""What /scim/v2/Schemas publishes: the User schema as this service keeps it, and the
three discovery schemas (ResourceType, ServiceProviderConfig, Schema), taken from
django-scim2's copies of RFC 7643 §8.7.

The User schema lists only the attributes the portal stores (userName, name's given and
family names, displayName, one e-mail address, active), so a client is never told it may
set something that would be dropped. `displayName` is read-only: it is made from the
given and family names. An e-mail's `type` and `primary` are accepted and not kept (the
one address is the person's work address). `active` is required in what the portal
returns (a person is always either working or gone); a create that leaves it out means
active. Passwords, phone numbers, roles and the rest are not listed: people sign in with
their organisation's account.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django_scim import schemas as django_scim_schemas

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
CORE_DIR = Path(django_scim_schemas.SCHEMAS_DIR) / "core"
SCHEMAS_PATH = "/scim/v2/Schemas/"

USER_ATTRIBUTES = {
    "userName": None,
    "name": {"familyName": None, "givenName": None},
    "displayName": "readOnly",
    "active": None,
    "emails": {"value": None},
}


def _load(name: str) -> dict[str, Any]:
    with open(CORE_DIR / f"{name}.json") as file:
        schema: dict[str, Any] = json.load(file)
    return schema


def _user_schema() -> dict[str, Any]:
    source = _load("User")
    attributes = []
    for attribute in source["attributes"]:
        wanted = USER_ATTRIBUTES.get(attribute["name"], False)
        if wanted is False:
            continue
        attribute = copy.deepcopy(attribute)
        if isinstance(wanted, dict):
            attribute["subAttributes"] = [
                {**sub, "mutability": wanted[sub["name"]] or sub["mutability"]}
                for sub in attribute.get("subAttributes", [])
                if sub["name"] in wanted
            ]
        elif wanted == "readOnly":
            attribute["mutability"] = "readOnly"
        if attribute["name"] == "active":
            attribute["required"] = True
        attributes.append(attribute)
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER,
        "name": "User",
        "description": "A person of the organisation",
        "attributes": attributes,
    }


def _discovery_schema(name: str, published_name: str) -> dict[str, Any]:
    schema = _load(name)
    schema["name"] = published_name
    schema.setdefault("schemas", ["urn:ietf:params:scim:schemas:core:2.0:Schema"])
    return schema


def _with_meta(schema: dict[str, Any]) -> dict[str, Any]:
    schema["meta"] = {"resourceType": "Schema", "location": SCHEMAS_PATH + schema["id"]}
    return schema


ALL = [
    _with_meta(_user_schema()),
    _with_meta(_discovery_schema("ResourceType", "ResourceType")),
    _with_meta(_discovery_schema("ServiceProviderConfig", "ServiceProviderConfig")),
    _with_meta(_discovery_schema("Schema", "Schema")),
]


def schemas() -> list[dict[str, Any]]:
    """SCIM_SERVICE_PROVIDER["SCHEMAS_GETTER"]."""
    return copy.deepcopy(ALL)
