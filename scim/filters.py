"""`filter=` on /scim/v2/Users, as django-scim2 does it (scim2-filter-parser turns the
filter into SQL), bounded and strict: at most MAX_FILTER_LENGTH characters, brackets at
most MAX_NESTING deep, and only the attributes below. An attribute the service does not
keep is 400 `invalidFilter` (the parser would silently drop it and match more people).
The match is always taken within the token's organisation (scim.services.people_of)."""

from __future__ import annotations

from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.queries.sql import SQLQuery

from .schemas import USER
from .services import ScimError

MAX_FILTER_LENGTH = 500
MAX_NESTING = 8
MAX_TOKENS = 100

_COLUMNS = {
    ("userName", None): "auth_user.username",
    ("name", "givenName"): "auth_user.first_name",
    ("name", "familyName"): "auth_user.last_name",
    ("emails", None): "auth_user.email",
    ("emails", "value"): "auth_user.email",
    ("active", None): "auth_user.is_active",
    ("externalId", None): "scim_scimidentity.external_id",
    ("id", None): "CAST(scim_scimidentity.scim_id AS TEXT)",
}
ATTR_MAP = {
    (attr, sub, uri): column for (attr, sub), column in _COLUMNS.items() for uri in (None, USER)
}
# Inside emails[...]: the sub-attributes a value filter may name.
EMAIL_SUB_ATTRIBUTES = {"type", "value", "primary"}
JOINS = ("LEFT OUTER JOIN scim_scimidentity ON scim_scimidentity.user_id = auth_user.id",)


def _invalid(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidFilter")


def _check(text: str) -> None:
    if len(text) > MAX_FILTER_LENGTH:
        raise _invalid(f"The filter is longer than {MAX_FILTER_LENGTH} characters.")
    try:
        tokens = list(SCIMLexer().tokenize(text))
    except Exception:  # the lexer's own refusal of a character
        raise _invalid("The filter is not a SCIM filter.") from None
    if len(tokens) > MAX_TOKENS:
        raise _invalid(f"The filter has more than {MAX_TOKENS} parts.")
    depth = 0
    in_brackets = False
    outer = None
    for at, token in enumerate(tokens):
        if token.type == "LPAREN":
            depth += 1
            if depth > MAX_NESTING:
                raise _invalid(f"The filter nests brackets more than {MAX_NESTING} deep.")
        elif token.type == "RPAREN":
            depth -= 1
        elif token.type == "LBRACKET":
            in_brackets = True
        elif token.type == "RBRACKET":
            in_brackets = False
        elif token.type == "ATTRNAME":
            if in_brackets:
                if outer != "emails" or token.value not in EMAIL_SUB_ATTRIBUTES:
                    raise _invalid(f"{token.value!r} cannot be filtered on here.")
                continue
            outer = token.value
            following = tokens[at + 1] if at + 1 < len(tokens) else None
            sub = following.value if following is not None and following.type == "SUBATTR" else None
            if sub is None and token.value == "emails":
                # emails[...].value: the sub-attribute comes after the brackets.
                closing = next((t for t in tokens[at + 1 :] if t.type == "RBRACKET"), None)
                after = tokens[tokens.index(closing) + 1] if closing in tokens else None
                if closing is not None and after is not None and after.type == "SUBATTR":
                    sub = after.value
            if (token.value, sub) not in _COLUMNS:
                name = token.value + (f".{sub}" if sub else "")
                raise _invalid(
                    f"{name!r} cannot be filtered on: use userName, name.givenName, "
                    "name.familyName, emails.value, active, externalId or id."
                )


def matching(people: QuerySet, text: str) -> QuerySet:
    """The people among `people` whom the filter matches."""
    _check(text)
    try:
        query = SQLQuery(text, "auth_user", ATTR_MAP, JOINS)
    except RecursionError:
        raise _invalid("The filter is nested too deeply.") from None
    except Exception as error:  # the parser's refusal: a malformed filter
        raise _invalid(f"The filter is not a SCIM filter: {error}") from None
    if query.where_sql is None:
        return people.none()
    # The SQL's columns come only from ATTR_MAP (checked above), its operators from the
    # parser's fixed table; every value the client sent is a parameter.
    sql = "SELECT matched.id FROM (" + query.sql.strip().rstrip(";") + ") AS matched"  # noqa: S608  # nosec B608
    found = people.filter(pk__in=RawSQL(sql, query.params))  # noqa: S611  # nosec B611
    try:
        with transaction.atomic():
            list(found.values_list("pk", flat=True)[:1])  # the database's own type checks
    except DatabaseError:
        raise _invalid("The filter compares a value of the wrong type.") from None
    return found
