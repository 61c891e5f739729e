"""drf-spectacular post-processing: every operation's error answers, as RFC 9457
problem details, and the OpenAPI links between operations (which schemathesis follows
in its stateful tests)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .parsers import max_body_bytes, max_depth


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Bearer <token>` in the document (and Swagger UI's Authorize)."""

    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A personal API token."}


PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "For bad input: each field and what is wrong with it.",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["field", "detail"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

COMMON = {
    "401": "No valid token (missing, mistyped, expired or revoked), or an inactive person.",
    "404": "Nothing there, or outside your scope.",
    "429": "Too many requests for this token or address; see Retry-After.",
}
READ = {"422": "A filter or parameter is not valid; `errors` names it."}
PAGED = {"400": "The cursor is not one this API gave out; `errors` names it."}
WRITE = {
    "400": "The body is not JSON, or is nested more than {depth} levels deep.",
    "403": "Your role may not do this to this item.",
    "409": "The item's present state refuses it (for example, already authorised).",
    "413": "The body is larger than the API accepts ({size:,} bytes).",
    "415": "The body is not application/json.",
    "422": "Bad input; `errors` names the field.",
}
PATCH = {
    "412": "If-Match is not the item's current version: read it again.",
    "428": "If-Match is missing.",
}

LINKS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("/api/v1/items/", "get", "200"): {
        "GetItem": {
            "operationId": "items_retrieve",
            "parameters": {"id": "$response.body#/results/0/id"},
        },
    },
    ("/api/v1/items/{id}/", "get", "200"): {
        "PatchItem": {
            "operationId": "items_partial_update",
            "parameters": {"id": "$request.path.id", "header.If-Match": "$response.header.ETag"},
        },
        "AddProgressUpdate": {
            "operationId": "items_progress_updates_create",
            "parameters": {"id": "$request.path.id"},
        },
        "AddComment": {
            "operationId": "items_comments_create",
            "parameters": {"id": "$request.path.id"},
        },
        "ProposeClosure": {
            "operationId": "items_closure_proposals_create",
            "parameters": {"id": "$request.path.id"},
        },
    },
    ("/api/v1/items/{id}/closure-proposals/", "post", "201"): {
        "Authorise": {
            "operationId": "items_closure_proposals_authorise_create",
            "parameters": {"id": "$request.path.id", "pid": "$response.body#/id"},
        },
        "Return": {
            "operationId": "items_closure_proposals_return_create",
            "parameters": {"id": "$request.path.id", "pid": "$response.body#/id"},
        },
        "Withdraw": {
            "operationId": "items_closure_proposals_withdraw_create",
            "parameters": {"id": "$request.path.id", "pid": "$response.body#/id"},
        },
    },
    ("/api/v1/reports/", "get", "200"): {
        "GetReport": {
            "operationId": "reports_retrieve",
            "parameters": {"slug": "$response.body#/results/0/slug"},
        },
    },
}


def add_problems_and_links(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            answers = dict(COMMON)
            answers.update(READ if method == "get" else WRITE)
            if method == "patch":
                answers.update(PATCH)
            if any(p.get("name") == "cursor" for p in operation.get("parameters", [])):
                answers.update(PAGED)
            responses = operation.setdefault("responses", {})
            for code, description in answers.items():
                description = description.format(depth=max_depth(), size=max_body_bytes())
                responses[code] = {"description": description, "content": problem}
            for code, response in responses.items():
                links = LINKS.get((path, method, code))
                if links:
                    response["links"] = links
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and parameter["schema"].get("type") == "integer":
                    parameter["schema"].update(minimum=1, maximum=2**63 - 1)
            if method == "get" and "200" in responses and "{id}" in path and "items" in path:
                responses["200"].setdefault("headers", {})["ETag"] = {
                    "schema": {"type": "string"},
                    "description": 'The item\'s version, e.g. "7": send it as If-Match.',
                }
    return result
