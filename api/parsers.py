"""The API's one body parser: JSON, bounded (issue 23).

A body larger than API_MAX_BODY_BYTES is refused with 413 before it is read (from its
Content-Length) or as soon as the reading passes the limit; one nested deeper than
API_MAX_JSON_DEPTH is refused with 400 before it is decoded, by a single pass over its
brackets outside strings (no recursion, so a body nested 100,000 deep costs one scan,
never a RecursionError). Both answers are problem+json (api.problems).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_DEPTH = 32

# What changes the nesting or the meaning of a character: brackets, quotes, backslashes.
_STRUCTURE = re.compile(r'[\[\]{}"\\]')


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The body is larger than the API accepts: {limit:,} bytes at most. "
            "Send less text at once."
        )


class BodyTooDeep(exceptions.ParseError):
    default_code = "body_too_deep"

    def __init__(self, limit: int) -> None:
        super().__init__(f"The JSON body is nested more than {limit} levels deep.")


def max_body_bytes() -> int:
    return int(getattr(settings, "API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))


def max_depth() -> int:
    return int(getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH))


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether the JSON text opens more than `limit` arrays or objects inside one
    another, counting only brackets outside strings. One pass, stopping at the first
    bracket past the limit; text that is not JSON is json.loads's to refuse."""
    depth = 0
    in_string = False
    escaped_until = -1  # the character after a backslash in a string is not structure
    for found in _STRUCTURE.finditer(text):
        at = found.start()
        if at < escaped_until:
            continue
        char = found.group(0)
        if in_string:
            if char == "\\":
                escaped_until = at + 2
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSONParser (strict: no NaN or Infinity), with the size and depth bounds."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        parser_context = parser_context or {}
        limit = max_body_bytes()
        request = parser_context.get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit)
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyTooLarge(limit)
        encoding = str(parser_context.get("encoding") or settings.DEFAULT_CHARSET)
        try:
            "".encode(encoding)  # a text encoding, never bz2_codec and the like (as DRF)
            text = raw.decode(encoding)
        except (UnicodeError, LookupError) as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        depth = max_depth()
        if nested_deeper_than(text, depth):
            raise BodyTooDeep(depth)
        try:
            return json.loads(text, parse_constant=strict_constant if self.strict else None)
        except RecursionError:  # cannot happen within the depth bound; never a 500
            raise BodyTooDeep(depth) from None
        except ValueError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
