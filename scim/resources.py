"""A person as a SCIM User resource, and back: the representation (django-scim2's
SCIMUser adapter, with the portal's columns), a body read into checked `Values`, PATCH
operations applied to them, and the `attributes` / `excludedAttributes` projection."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_scim.adapters import SCIMUser

from . import services
from .schemas import USER
from .services import ScimError, Values

ENTERPRISE_PREFIX = "urn:ietf:params:scim:schemas:extension:"
# A PATCH path: attribute, an optional [filter] (emails[type eq "work"]), an optional
# .subAttribute; the core schema's URN may come first.
PATH = re.compile(
    r"^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>[^\]]*)\])?(?:\.(?P<sub>[A-Za-z]\w*))?$"
)
NO_PASSWORDS = (
    "Passwords are not set through SCIM: people sign in with their organisation's account."
)
MAX_OPERATIONS = 100
MAX_PATH_LENGTH = 200
# Attributes SCIM readers may ask for by name (attributes=, excludedAttributes=).
NEVER_EXCLUDED = {"id", "schemas"}


class ScimUser(SCIMUser):
    """django-scim2's adapter (SCIM_SERVICE_PROVIDER["USER_ADAPTER"]) over Django's user
    and its ScimIdentity: `id` is the identity's random UUID, never the row's number."""

    @property
    def id(self) -> str:
        return str(self.obj.scim_identity.scim_id)

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.obj.first_name, self.obj.last_name) if part)
        return full or self.obj.username

    @property
    def meta(self) -> dict[str, Any]:
        identity = self.obj.scim_identity
        modified = max(identity.updated_at, self.obj.date_joined)
        return {
            "resourceType": self.resource_type,
            "created": self.obj.date_joined.isoformat(),
            "lastModified": modified.isoformat(),
            "location": self.location,
        }

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict[str, Any]:
        """django-scim2's, with the endpoint relative to the SCIM base URL (RFC 7643
        §6: "/Users"), as clients join it to the base URL."""
        doc: dict[str, Any] = super().resource_type_dict(request)
        doc["endpoint"] = "/Users"
        doc["description"] = "A person of the organisation"
        return doc

    def to_dict(self) -> dict[str, Any]:
        user = self.obj
        doc: dict[str, Any] = {"schemas": [USER], "id": self.id}
        if user.scim_identity.external_id:
            doc["externalId"] = user.scim_identity.external_id
        doc["userName"] = user.username
        name = {
            key: value
            for key, value in (
                ("givenName", user.first_name),
                ("familyName", user.last_name),
            )
            if value
        }
        if name:
            doc["name"] = name
        doc["displayName"] = self.display_name
        if user.email:
            doc["emails"] = [{"value": user.email}]
        doc["active"] = user.is_active
        doc["meta"] = self.meta
        return doc


def representation(user: User, request: HttpRequest) -> dict[str, Any]:
    return ScimUser(user, request=request).to_dict()


# --- A body into Values -----------------------------------------------------------------


def _email_of(emails: Any) -> str:
    """The one address the portal keeps: the primary one, else the first."""
    if emails is None:
        return ""
    if isinstance(emails, dict):  # one address not in a list (OneLogin sends these)
        emails = [emails]
    if not isinstance(emails, list) or not all(isinstance(e, dict) for e in emails):
        raise ScimError(400, "emails must be a list of {value, type, primary}.", "invalidSyntax")
    if len(emails) > 10:
        raise ScimError(400, "emails has more than 10 addresses.", "invalidValue")
    primary = [e for e in emails if e.get("primary") is True]
    if len(primary) > 1:
        raise ScimError(400, "Only one e-mail address may be primary.", "invalidValue")
    chosen = primary[0] if primary else (emails[0] if emails else {})
    return services.checked_email(chosen.get("value"))


def _name_part(name: Any, key: str) -> Any:
    if name is None:
        return None
    if not isinstance(name, dict):
        raise ScimError(400, "name must be an object.", "invalidSyntax")
    return name.get(key)


def values_from(body: Any, *, current: Values | None = None) -> Values:
    """A POST or PUT body, checked: userName as Django's usernames, names by the one rule
    for text (tracker.text), one e-mail address. A PUT replaces every attribute it may
    set: one left out is cleared (active: left out keeps its value). Attributes this
    service does not keep (title, phoneNumbers, roles, extensions, ...) are ignored;
    a password is refused."""
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a SCIM User object.", "invalidSyntax")
    schemas = body.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or USER not in schemas):
        raise ScimError(400, f"schemas must include {USER}.", "invalidSyntax")
    if "password" in body:
        raise ScimError(
            400,
            "Passwords are not set through SCIM: people sign in with their organisation's account.",
            "mutability",
        )
    active = body.get("active")
    return Values(
        username=services.checked_username(body.get("userName")),
        given_name=services.checked_text(
            _name_part(body.get("name"), "givenName"),
            label="name.givenName",
            max_length=services.PERSON_NAME_MAX_LENGTH,
        ),
        family_name=services.checked_text(
            _name_part(body.get("name"), "familyName"),
            label="name.familyName",
            max_length=services.PERSON_NAME_MAX_LENGTH,
        ),
        email=_email_of(body.get("emails")),
        active=(current.active if current is not None else True)
        if active is None
        else services.checked_active(active),
        external_id=services.checked_text(
            body.get("externalId"), label="externalId", max_length=services.EXTERNAL_ID_MAX_LENGTH
        ),
    )


# --- PATCH --------------------------------------------------------------------------------


def _path(raw: Any) -> tuple[str, str | None, str | None] | None:
    """(attribute, filter, sub-attribute); None for an extension's attribute (the
    enterprise extension's department or manager, say), which this service does not keep
    and ignores."""
    if not isinstance(raw, str) or len(raw) > MAX_PATH_LENGTH:
        raise ScimError(400, "path must be an attribute path.", "invalidPath")
    text = raw.strip()
    if text.startswith(USER + ":"):
        text = text[len(USER) + 1 :]
    elif text.startswith("urn:"):
        return None
    match = PATH.match(text)
    if match is None:
        raise ScimError(400, f"{raw!r} is not an attribute path.", "invalidPath")
    return match.group("attr"), match.group("filter"), match.group("sub")


def _set(values: Values, attr: str, sub: str | None, value: Any, *, remove: bool) -> None:
    key = attr.lower()
    sub_key = sub.lower() if sub else None
    if key == "username":
        if remove:
            raise ScimError(400, "userName is required: it cannot be removed.", "mutability")
        if sub:
            raise ScimError(400, "userName has no sub-attributes.", "invalidPath")
        values.username = services.checked_username(value)
    elif key == "name":
        if sub_key in (None,):
            if remove:
                values.given_name = values.family_name = ""
                return
            if not isinstance(value, dict):
                raise ScimError(400, "name must be an object.", "invalidValue")
            for part, part_value in value.items():
                _set(values, "name", part, part_value, remove=False)
        elif sub_key == "givenname":
            values.given_name = (
                ""
                if remove
                else services.checked_text(
                    value, label="name.givenName", max_length=services.PERSON_NAME_MAX_LENGTH
                )
            )
        elif sub_key == "familyname":
            values.family_name = (
                ""
                if remove
                else services.checked_text(
                    value, label="name.familyName", max_length=services.PERSON_NAME_MAX_LENGTH
                )
            )
        else:
            return  # formatted, middleName, honorifics: not kept, ignored
    elif key == "emails":
        if remove:
            values.email = ""
        elif sub_key == "value":
            values.email = services.checked_email(value)
        elif sub_key is None:
            values.email = _email_of(value)
        else:
            return  # type, primary, display: the one address is the person's work address
    elif key == "active":
        if remove:
            raise ScimError(
                400, "active cannot be removed: set it to false for a leaver.", "mutability"
            )
        values.active = services.checked_active(value)
    elif key == "externalid":
        values.external_id = (
            ""
            if remove
            else services.checked_text(
                value, label="externalId", max_length=services.EXTERNAL_ID_MAX_LENGTH
            )
        )
    elif key == "password":
        raise ScimError(400, NO_PASSWORDS, "mutability")
    else:
        # Read-only (displayName, id, meta, groups: RFC 7644 §3.5.2 ignores them) or not
        # kept here (title, phoneNumbers, addresses, roles, ...: identity providers send
        # their default mappings). Ignored, as in a POST or PUT body; roles in particular
        # never come from SCIM (scim.services).
        return


def patched(values: Values, body: Any) -> Values:
    """The person's values with a PatchOp's operations applied in order (RFC 7644
    §3.5.2): add and replace set, remove clears. Any operation refused refuses them all
    (nothing is saved)."""
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a PatchOp.", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "A PATCH needs an Operations list.", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise ScimError(400, f"A PATCH may hold at most {MAX_OPERATIONS} operations.", "tooMany")
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        op = operation.get("op")
        op = op.lower() if isinstance(op, str) else op
        if op not in ("add", "replace", "remove"):
            raise ScimError(400, "op must be add, replace or remove.", "invalidSyntax")
        path = operation.get("path")
        value = operation.get("value")
        if path is None:
            if op == "remove":
                raise ScimError(400, "A remove operation needs a path.", "noTarget")
            if not isinstance(value, dict):
                raise ScimError(400, "Without a path, value must be an object.", "invalidValue")
            for key, item in value.items():
                target = _path(key)
                if target is not None:
                    _set(values, target[0], target[2], item, remove=False)
            continue
        target = _path(path)
        if target is not None:
            _set(values, target[0], target[2], value, remove=op == "remove")
    return values


# --- attributes= and excludedAttributes= ----------------------------------------------------


def _names(raw: str | None) -> list[tuple[str, str | None]]:
    if not raw:
        return []
    found = []
    for part in raw.split(",")[:50]:
        part = part.strip()
        if part.startswith(USER + ":"):
            part = part[len(USER) + 1 :]
        attr, _, sub = part.partition(".")
        if attr:
            found.append((attr.lower(), sub.lower() or None))
    return found


def projected(
    doc: dict[str, Any], *, attributes: str | None, excluded: str | None
) -> dict[str, Any]:
    """The resource with only the attributes asked for, or without those excluded
    (RFC 7644 §3.4.2.5); `id` and `schemas` always stay."""
    wanted = _names(attributes)
    if wanted:
        keep: dict[str, Any] = {}
        for key, value in doc.items():
            subs = [sub for attr, sub in wanted if attr == key.lower()]
            if key in NEVER_EXCLUDED or subs and None in subs:
                keep[key] = value
            elif subs and isinstance(value, dict):
                keep[key] = {k: v for k, v in value.items() if k.lower() in subs}
            elif subs and isinstance(value, list):
                keep[key] = [
                    {k: v for k, v in item.items() if k.lower() in subs}
                    for item in value
                    if isinstance(item, dict)
                ]
        return keep
    unwanted = _names(excluded)
    if unwanted:
        out: dict[str, Any] = {}
        for key, value in doc.items():
            subs = [sub for attr, sub in unwanted if attr == key.lower()]
            if key in NEVER_EXCLUDED or not subs:
                out[key] = value
            elif None in subs:
                continue
            elif isinstance(value, dict):
                out[key] = {k: v for k, v in value.items() if k.lower() not in subs}
            else:
                out[key] = value
        return out
    return doc
