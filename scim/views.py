"""/scim/v2/: django-scim2's views, with the portal's door around them.

Every view here:

- answers only an organisation's SCIM token (scim.authentication): no session, no
  personal API token; CSRF-exempt (a token, not a cookie, authenticates), and only here;
- reads its body through the API's bounds (api.parsers: API_MAX_BODY_BYTES, else 413;
  nested deeper than API_MAX_JSON_DEPTH, else 400, found without recursion);
- sees only the token's organisation's people (scim.services.people_of): anyone else is
  404, whatever the method;
- answers every refusal in SCIM's error format (RFC 7644 §3.12) with its status: 400,
  401, 404, 405, 409, 413, 501; a fault of the portal's own is a 500 in the same format.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urljoin

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View
from django_scim import constants
from django_scim import exceptions as scim_exceptions
from django_scim import views as scim_views
from django_scim.models import SCIMServiceProviderConfig

from api.parsers import max_body_bytes, max_depth, nested_deeper_than
from tracker.base_url import base_url

from . import filters, resources, services
from .authentication import INVALID, error_response, token_from
from .models import ScimToken
from .services import Organisation, ScimError

log = logging.getLogger("tracker.operations")

MAX_RESULTS = 100
DEFAULT_COUNT = 50


def base_location(request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> str:
    """SCIM_SERVICE_PROVIDER["BASE_LOCATION_GETTER"]: the portal's own address."""
    return base_url(request) + "/"


class ServiceProviderConfig(SCIMServiceProviderConfig):
    """What this service does (RFC 7643 §5): PATCH and filters, no bulk, no password
    change, no sort, no ETags; authentication by an OAuth-style bearer token."""

    def to_dict(self) -> dict[str, Any]:
        doc = super().to_dict()
        doc.update(
            {
                "patch": {"supported": True},
                "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": True, "maxResults": MAX_RESULTS},
                "changePassword": {"supported": False},
                "sort": {"supported": False},
                "etag": {"supported": False},
            }
        )
        doc.pop("documentationUri", None)
        return doc


def json_response(doc: Any, *, status: int = 200, location: str | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(doc), content_type=constants.SCIM_CONTENT_TYPE, status=status
    )
    if location:
        response["Location"] = location
    return response


class PortalDoor(View):
    """The door around every SCIM view (module docstring)."""

    token: ScimToken
    organisation: Organisation
    implemented = True

    @method_decorator(csrf_exempt)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = token_from(request)
        if token is None:
            return error_response(401, INVALID)
        self.token = token
        self.organisation = Organisation.of(token)
        request.scim_token = token  # type: ignore[attr-defined]  # the SCIM views' own attribute
        method = (request.method or "").lower()
        try:
            if method not in self.http_method_names or not hasattr(self, method):
                return self.refuse_method()
            if not self.implemented:
                raise ScimError(501, "This service does not offer this SCIM operation.")
            response: HttpResponse = getattr(self, method)(request, *args, **kwargs)
            return response
        except ScimError as error:
            return error_response(error.status, error.detail, error.scim_type)
        except scim_exceptions.SCIMException as error:
            return error_response(error.status, error.detail or "Refused.", error.scim_type)
        except RequestDataTooBig:
            return self.too_large()
        except Exception:  # a fault of the portal's own: logged, answered as SCIM
            log.exception("SCIM request failed")
            return error_response(500, "The service could not complete this request.")

    def refuse_method(self) -> HttpResponse:
        allowed = [m.upper() for m in self.http_method_names if hasattr(self, m)]
        response = error_response(405, "This address does not take this method.")
        response["Allow"] = ", ".join(allowed)
        return response

    def too_large(self) -> HttpResponse:
        return error_response(
            413,
            f"The body is larger than this service accepts: {max_body_bytes():,} bytes at most.",
        )

    def body(self, request: HttpRequest) -> Any:
        """The JSON body, bounded as the API's (api.parsers)."""
        limit = max_body_bytes()
        declared = request.META.get("CONTENT_LENGTH")
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise RequestDataTooBig()
        raw = request.read(limit + 1)
        if len(raw) > limit:
            raise RequestDataTooBig()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ScimError(400, "The body is not UTF-8.", "invalidSyntax") from None
        depth = max_depth()
        if nested_deeper_than(text, depth):
            raise ScimError(
                400, f"The JSON body is nested more than {depth} levels deep.", "invalidSyntax"
            )
        if not text.strip():
            raise ScimError(400, "The body is empty: send a SCIM object.", "invalidSyntax")
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as error:
            raise ScimError(400, f"The body is not JSON: {error}", "invalidSyntax") from None


# --- Discovery ---------------------------------------------------------------------------------


class ServiceProviderConfigView(PortalDoor, scim_views.ServiceProviderConfigView):
    http_method_names = ["get"]


def list_response(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [constants.SchemaURI.LIST_RESPONSE],
        "totalResults": len(resources),
        "itemsPerPage": len(resources),
        "startIndex": 1,
        "Resources": resources,
    }


class SchemasView(PortalDoor, scim_views.SchemasView):
    """django-scim2's schemas (scim.schemas), as a full ListResponse (django-scim2's has
    no totalResults, which RFC 7644 §3.4.2 requires)."""

    http_method_names = ["get"]

    def get(
        self, request: HttpRequest, uuid: str | None = None, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        if uuid:
            if uuid not in self.schemas_by_uri:
                raise ScimError(404, "There is no such schema.")
            return json_response(self.schemas_by_uri[uuid])
        return json_response(
            list_response(sorted(self.schemas_by_uri.values(), key=lambda s: s["id"]))
        )


class ResourceTypesView(PortalDoor, scim_views.ResourceTypesView):
    """Only User: roles are not SCIM groups here (scim.services)."""

    http_method_names = ["get"]

    def type_dict_by_type_id(self, request: HttpRequest) -> dict[str, Any]:
        user = resources.ScimUser.resource_type_dict(request)
        return {user["id"]: user}

    def get(
        self, request: HttpRequest, uuid: str | None = None, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        types = self.type_dict_by_type_id(request)
        if uuid:
            if uuid not in types:
                raise ScimError(404, "There is no such resource type.")
            return json_response(types[uuid])
        return json_response(list_response(list(types.values())))


class NotImplementedView(PortalDoor):
    """/Me and /Bulk: not offered (501), as django-scim2 answers them."""

    http_method_names = ["get", "post", "put", "patch", "delete"]
    implemented = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise ScimError(501, "Not offered.")

    post = put = patch = delete = get


class NotFoundView(PortalDoor):
    """Anything else under /scim/v2/: 404 in SCIM's format (for a token; 401 without)."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise ScimError(404, "There is nothing at this address.")

    post = put = patch = delete = get


# --- Users ------------------------------------------------------------------------------------


def _integer(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ScimError(400, f"{name} must be a whole number.", "invalidValue")
    try:
        number = int(str(value))
    except ValueError:
        raise ScimError(400, f"{name} must be a whole number.", "invalidValue") from None
    if abs(number) > 10**9:
        raise ScimError(400, f"{name} is out of range.", "invalidValue")
    return number


class UsersView(PortalDoor):
    http_method_names = ["get", "post", "put", "patch", "delete"]

    def people(self) -> Any:
        services.identities_ensure(self.organisation)
        return services.people_of(self.organisation)

    def one(self, uuid: str) -> Any:
        services.identities_ensure(self.organisation)
        return services.person(self.organisation, uuid)

    def represent(self, request: HttpRequest, user: Any) -> dict[str, Any]:
        return resources.representation(user, request)

    def single(
        self, request: HttpRequest, user: Any, *, status: int = 200, params: Any = None
    ) -> HttpResponse:
        doc = self.represent(request, user)
        params = params if params is not None else request.GET
        doc = resources.projected(
            doc, attributes=params.get("attributes"), excluded=params.get("excludedAttributes")
        )
        return json_response(
            doc, status=status, location=resources.ScimUser(user, request).location
        )

    def listing(self, request: HttpRequest, params: Any) -> HttpResponse:
        people = self.people()
        text = params.get("filter")
        if text is not None:
            if not isinstance(text, str):
                raise ScimError(400, "filter must be text.", "invalidFilter")
            people = filters.matching(people, text)
        start = max(_integer(params.get("startIndex"), "startIndex", 1), 1)
        count = min(max(_integer(params.get("count"), "count", DEFAULT_COUNT), 0), MAX_RESULTS)
        people = people.order_by("pk")
        total = people.count()
        page = list(people[start - 1 : start - 1 + count]) if count else []
        docs = [
            resources.projected(
                self.represent(request, user),
                attributes=params.get("attributes"),
                excluded=params.get("excludedAttributes"),
            )
            for user in page
        ]
        return json_response(
            {
                "schemas": [constants.SchemaURI.LIST_RESPONSE],
                "totalResults": total,
                "itemsPerPage": len(docs),
                "startIndex": start,
                "Resources": docs,
            }
        )

    def get(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid:
            return self.single(request, self.one(uuid))
        return self.listing(request, request.GET)

    def post(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid:
            return self.refuse_method()
        values = resources.values_from(self.body(request))
        user = services.provision(self.organisation, values, token=self.token)
        return self.single(request, user, status=201)

    def put(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if not uuid:
            return self.refuse_method()
        user = self.one(uuid)
        body = self.body(request)
        values = resources.values_from(body, current=services.values_of(user))
        user = services.change(user, values, organisation=self.organisation, token=self.token)
        return self.single(request, user)

    def patch(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if not uuid:
            return self.refuse_method()
        body = self.body(request)
        with transaction.atomic():
            user = services.locked(self.one(uuid))  # the operations apply to the row as it is
            values = resources.patched(services.values_of(user), body)
            user = services.change(user, values, organisation=self.organisation, token=self.token)
        return self.single(request, user)

    def delete(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if not uuid:
            return self.refuse_method()
        user = self.one(uuid)
        services.delete(user, organisation=self.organisation, token=self.token)
        return HttpResponse(status=204)


class SearchView(UsersView):
    """POST /Users/.search and POST /.search (User is the only resource type)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        body = self.body(request)
        if not isinstance(body, dict) or body.get("schemas") != [
            constants.SchemaURI.SERACH_REQUEST
        ]:
            raise ScimError(
                400,
                f"The body must be a SearchRequest ({constants.SchemaURI.SERACH_REQUEST}).",
                "invalidSyntax",
            )
        params: dict[str, Any] = {}
        for key in ("filter", "startIndex", "count"):
            if key in body:
                params[key] = body[key]
        for key in ("attributes", "excludedAttributes"):
            value = body.get(key)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                params[key] = ",".join(value[:50])
            elif value is not None:
                raise ScimError(400, f"{key} must be a list of attribute names.", "invalidValue")
        response = self.listing(request, params)
        response["Location"] = urljoin(base_location(request), reverse("scim:users")) + "/.search"
        return response
