"""Errors as RFC 9457 problem details (`application/problem+json`), one mapping for
the whole API.

A domain error (recommendations.errors) keeps its own message and status: 403 when the
role may not, 409 when the item's state refuses; its 400 ("input to correct") is 422
here, with the field named. Outside the person's scope is 404, as on the pages. Bad
input found by the API's own parsing is 422 with every field named too; a body that is
not JSON at all, or is nested too deeply (api.parsers), and a cursor the API did not
give out are 400; a body too large is 413.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from recommendations import errors

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict with the item's current state",
    412: "The item changed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    503: "Service unavailable",
}


class BadParameter(exceptions.APIException):
    """A query parameter the API cannot use at all (a tampered cursor): 400, with the
    parameter named in `errors`."""

    status_code = 400
    default_code = "bad_parameter"

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.field = field


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = (
        "This item changed since you read it: its version is no longer the one in "
        "If-Match. Read it again and make your change again."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = 'Send the item\'s version as If-Match: "<version>" (the ETag of the item).'
    default_code = "precondition_required"


def problem(
    status_code: int,
    detail: str,
    *,
    errors_list: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
    }
    if errors_list:
        body["errors"] = errors_list
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


def _flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested validation errors as [{"field": "a.b", "detail": "..."}]."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix else name)
        return out
    if isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            return [{"field": prefix or "body", "detail": str(v)} for v in detail]
        out = []
        for i, value in enumerate(detail):
            out += _flatten(value, f"{prefix}.{i}" if prefix else str(i))
        return out
    return [{"field": prefix or "body", "detail": str(detail)}]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    set_rollback()
    if isinstance(exc, errors.DomainError):
        code = status.HTTP_422_UNPROCESSABLE_ENTITY if exc.http_status == 400 else exc.http_status
        fields = [{"field": exc.field, "detail": exc.message}] if exc.field else None
        return problem(code, exc.message, errors_list=fields)
    if isinstance(exc, RequestDataTooBig):
        # Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE), met before the API's parser
        # reads the body: the same answer as the parser's (api.parsers.BodyTooLarge).
        from .parsers import BodyTooLarge, max_body_bytes

        exc = BodyTooLarge(max_body_bytes())
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("There is nothing at this address that you can see.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None  # a real fault: Django's 500 handling and logging
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]  # set by DRF's APIView
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]  # Throttled's wait
    if isinstance(exc, exceptions.ValidationError):
        found = _flatten(exc.detail)
        summary = "; ".join(f"{e['field']}: {e['detail']}" for e in found)
        return problem(
            422, summary or "The input is not valid.", errors_list=found, headers=headers
        )
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    code = exc.status_code
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = 401
    named = [{"field": exc.field, "detail": str(detail)}] if isinstance(exc, BadParameter) else None
    return problem(code, str(detail), errors_list=named, headers=headers)
