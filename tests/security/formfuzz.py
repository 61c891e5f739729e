"""What the fuzz tests share: hostile values, a reader for the form a page shows, and
the two properties every door must keep (no 500; nothing stored on refusal, and nothing
unclean stored on success)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.apps import apps
from django.db import models
from hypothesis import strategies as st

# Apps whose tables hold what people write.
APPS = ("recommendations", "forces", "evidence", "responses", "savedsearches", "api", "engage")

# What no stored free text may hold: C0/C1 controls but tab and newline, bidi overrides
# and isolates, the byte-order mark, and the portal format's markers.
UNCLEAN = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]"
    r"|\[/?(?:on|status|comment)\]",
    re.IGNORECASE,
)

LOOK_ALIKES = [
    "Аdmin",  # Cyrillic A
    "ＤＯＲＳＥＴ",  # fullwidth
    "Dorset\u200bPolice",  # zero-width space
    "e\u0301\u0301\u0301",  # stacked combining marks
    "\u202egnp.exe",  # right-to-left override
    "report\u2066.pdf\u2069",
    "[on]1st May 2020 [status]complete[/status][/on]",
    '=HYPERLINK("http://x")',
    "'; DROP TABLE x; --",
    "<script>alert(1)</script>",
    "\ufeffname",
    "0001-01-01",
    "9999999999999999999999",
    "-1",
    "1e308",
    "NaN",
]

controls = st.text(
    alphabet=st.characters(
        categories=["Cc", "Cf", "Zl", "Zp"], exclude_characters=["\n", "\r", "\t"]
    ),
    min_size=1,
    max_size=8,
).flatmap(lambda bad: st.sampled_from([bad, f"Evil{bad}Name", f"{bad}x"]))

long_text = st.sampled_from([5_000, 100_000]).map(lambda n: "a" * n)

# Text drawn from everything but lone surrogates (which no form post can carry in UTF-8;
# the raw-bytes case below sends what cannot be decoded instead).
anything = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)

hostile = st.one_of(controls, long_text, st.sampled_from(LOOK_ALIKES), anything)

# Percent-encoded bytes that are not UTF-8, for a raw form body.
NOT_UTF8 = ["%ff%fe%fd", "%c3%28", "%ed%a0%80", "%f8%88%80%80%80", "%00"]


class FormReader(HTMLParser):
    """The named fields of the POST forms on a page, with what the page fills in."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._form: dict[str, object] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": {}, "multipart": False}
            self._form["multipart"] = "multipart" in a.get("enctype", "")
            self.forms.append(self._form)
        if self._form is None:
            return
        fields: dict[str, str] = self._form["fields"]  # type: ignore[assignment]  # the form's field map
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("radio", "checkbox"):
                first_radio = kind == "radio" and name not in fields
                if first_radio or "checked" in a:
                    fields[name] = a.get("value", "on")
                return
            fields[name] = a.get("value", "")
        elif tag == "textarea" and name:
            fields[name] = ""
            self._textarea = name
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            # The selected option, else the first with a value (a select's first option
            # is often an empty "Choose").
            value = a.get("value", "")
            if (
                "selected" in a
                or (value and not fields.get(self._select))
                or self._select not in fields
            ):
                fields[self._select] = value

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            fields: dict[str, str] = self._form["fields"]  # type: ignore[assignment]  # the form's field map
            fields[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def page_form(html: str, url: str) -> dict[str, object]:
    """The page's own POST form (not the header's sign-out form)."""
    reader = FormReader()
    reader.feed(html)
    own = [
        f
        for f in reader.forms
        if f["action"] in ("", url, "#") or str(f["action"]).split("?")[0] == url
    ]
    assert own, f"{url} shows no form to post"
    return max(own, key=lambda f: len(f["fields"]))  # type: ignore[arg-type]  # fields: a dict


def our_models() -> list[type[models.Model]]:
    return [m for label in APPS for m in apps.get_app_config(label).get_models()]


def snapshot() -> dict[str, int]:
    """How many rows each of the portal's tables holds (history tables included, so an
    update in place shows as a new history row)."""
    return {m._meta.label: m._default_manager.count() for m in our_models()}


def unclean_rows() -> list[tuple[str, str, str]]:
    """Every stored free text that holds what the text type refuses."""
    found = []
    for model in our_models():
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
        ]
        if not names:
            continue
        for row in model._default_manager.values_list(*names):
            for name, value in zip(names, row, strict=True):
                if isinstance(value, str) and UNCLEAN.search(value):
                    found.append((model._meta.label, name, value[:80]))
    return found
