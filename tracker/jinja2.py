"""The Jinja2 environment of the portal's pages and emails (TEMPLATES' first backend).

Templates load from templates/ and, under the prefix "govuk_frontend_jinja/", from
govuk-frontend-jinja (GOV.UK Frontend's macros), for example
`{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}`.
Django's backend already puts request, csrf_input and csrf_token in every page's
context, and the context processors in TEMPLATES add user, perms, messages and the
service's settings; this adds url(), static(), the form adapter (tracker.govuk_forms),
the few Django filters the templates use, and the kernel's ways of showing things, so a
template never spells them out: `long_date` and `long_datetime` (tracker.humanise),
`display_name(person)` (tracker.names) and `split_bullets(text)` (the recommendation
texts' bullets, portal_format.parse).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    Undefined,
    pass_context,
)
from markupsafe import Markup, escape

from .base_url import absolute_url
from .govuk_forms import govuk_error_list, govuk_field
from .humanise import ago, long_date, long_datetime
from .names import display_name
from .text import extract, split_bullets


def url(name: str, *args: object, **kwargs: object) -> str:
    """Django's {% url %}: url("recommendations:item", item.pk)."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def language_url(context: Any, language: str, absolute: bool = False) -> str:
    """This page's address in another language (`/monitoring/x/` and `/cy/monitoring/x/`,
    with the same query): the language toggle and the hreflang alternates."""
    path = translate_url(context["request"].get_full_path(), language)
    return absolute_url(path, context["request"]) if absolute else path


def date(value: Any, format_string: str | None = None, language: str | None = None) -> str:
    """Django's date filter, in the current time zone as Django's templates show times;
    also takes an ISO date string (the timeline's rows). A loop of many dates passes the
    active language (`current_language()`, read once) rather than have each ask it."""
    if isinstance(value, str) and value:
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return defaultfilters.date(value, format_string)
    if isinstance(value, dt.date):
        return _day(value, format_string, language or translation.get_language())
    return defaultfilters.date(value, format_string)


@functools.lru_cache(maxsize=8192)
def _day(day: dt.date, format_string: str | None, language: str | None) -> str:
    """A day's text in a format and a language, made once: an item's page of 500 entries
    formatted 500 dates through Django's date format, a tenth of the page (issue 29)."""
    return defaultfilters.date(day, format_string)


DICT_ATTRIBUTES = frozenset(dir(dict))


class PortalEnvironment(Environment):
    """Looks a dict's keys up before its attributes, as Nunjucks does: the GOV.UK macros
    read their parameters (dicts) by attribute thousands of times a page, and Jinja's
    way, trying the attribute first and failing, is slow. The output is the same
    (tests/test_templates.py)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                if attribute not in DICT_ATTRIBUTES:  # such as items or get
                    return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


NO_VALUE = Undefined()


def _missing(value: object) -> bool:
    return value is None or isinstance(value, Undefined)


def govuk_attributes(attributes: Any) -> Markup:
    """govuk-frontend-jinja's private govukAttributes macro (macros/attributes.html), in
    Python: the component macros call it for every cell, option and checkbox, and as a
    macro it took a third of a table's time. Same output (tests/test_templates.py
    renders GOV.UK Frontend's own fixtures through it): a string is output as it is; a
    mapping gives ` name="value"` for each item, where a value may be {"value": v,
    "optional": True}, which leaves out None and False and gives ` name` alone for True."""
    if isinstance(attributes, str):
        return Markup(attributes)  # noqa: S704  # nosec B704  # the macro outputs it `| safe`
    html = []
    if isinstance(attributes, Mapping):
        for name, value in attributes.items():
            if isinstance(value, Mapping) and not isinstance(value.get("val", NO_VALUE), Undefined):
                value = value["val"]
            if isinstance(value, Mapping):
                optional, value = value.get("optional"), value.get("value", NO_VALUE)
            else:
                optional, value = False, str(value).lower() if isinstance(value, bool) else value
            if optional is True and value is True:
                html.append(f" {escape(name)}")
            elif optional is not True or not (_missing(value) or value is False):
                shown = "" if isinstance(value, Undefined) else value
                html.append(f' {escape(name)}="{escape(shown)}"')
    return Markup("".join(html))  # noqa: S704  # nosec B704  # every name and value is escaped


# The component macros import govukAttributes from this template, so they get the Python
# function above.
ATTRIBUTES_MACRO = {
    "govuk_frontend_jinja/macros/attributes.html": "{% set govukAttributes = govuk_attributes %}"
}


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [
            options["loader"],  # templates/ (TEMPLATES' DIRS)
            DictLoader(ATTRIBUTES_MACRO),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    # A missing variable is empty, as in production, not "{{ name }}" as Django's
    # backend makes it under DEBUG; the GOV.UK macros test their optional parameters.
    options["undefined"] = Undefined
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    # Every string a page or e-mail shows goes through Django's translations (`_()`,
    # `gettext`, `ngettext`, `pgettext`; {% trans %}): the active language's catalogue
    # (locale/, LOCALE_PATHS; docs/translating.md). Newstyle: `_("%(n)s items", n=3)`.
    options["extensions"] = [*options.get("extensions", ()), "jinja2.ext.i18n"]
    env = PortalEnvironment(**options)
    env.install_gettext_translations(translation, newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    env.globals.update(
        url=url,
        static=static,
        language_url=language_url,
        current_language=translation.get_language,
        govuk_field=govuk_field,
        govuk_error_list=govuk_error_list,
        govuk_attributes=govuk_attributes,
        ago=ago,
        display_name=display_name,
        split_bullets=split_bullets,
    )
    env.filters.update(
        date=date,
        long_date=long_date,
        long_datetime=long_datetime,
        pluralize=defaultfilters.pluralize,
        truncatewords=defaultfilters.truncatewords,
        extract=extract,
    )
    return env
