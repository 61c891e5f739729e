"""Free text is clean by type, not by field (issue 23).

Every piece of free text a person gives, whatever door it comes through, is one of two
kinds: single-line (names, ranks, titles, links) or multi-line (comments, reasons,
findings). `clean_text` is the one rule for both:

- C0 and C1 control characters and DEL are refused; multi-line text keeps tab and line
  feed, and its line ends (CR LF, CR, U+2028, U+2029) become LF;
- characters that change the direction of text (bidirectional embeddings, overrides,
  isolates and marks) are refused: they make text read differently from how it is
  stored (a file name, an owner, a comment);
- invisible format characters are refused (zero-width spaces, word joiners, the byte
  order mark, Hangul fillers); multi-line text keeps the zero-width joiner and
  non-joiner, soft hyphens and emoji tag characters, which real writing uses;
- lone surrogates and noncharacters (not text at all: the database cannot store them);
- the portal page format's markers (`[on]`, `[status]`, `[comment]` and their closing
  forms): the format has no escaping, so text holding them cannot be exported;
- the text is NFC-normalised and trimmed; single-line text has its runs of spaces made
  one space.

The message names the field and the character ("Owner name cannot contain control
characters: remove the control character U+0007"). Forms use `CleanCharField`
(`CleanURLField` for links), the API's serializers `CleanSerializerField`, and the
services call `clean_text` again on every free-text argument, so a door that forgets
the form still cannot store bad text. The exports strip what a spreadsheet cannot hold
(`for_spreadsheet`) as a second line of defence for text stored before the rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

# The portal page format (recommendations.portal_format, docs/portal-format.md): entries
# are marked with these tags and the format has no escaping.
PORTAL_MARKERS = re.compile(r"\[/?(?:on|status|comment)\]", re.IGNORECASE)

# Control characters no text may hold: C0 except tab, line feed and carriage return
# (line ends, normalised by clean_text; imported pages are checked whole with this),
# DEL and C1.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Bidirectional formatting: the Arabic letter mark, LRM and RLM, the embeddings and
# overrides (LRE, RLE, PDF, LRO, RLO) and the isolates (LRI, RLI, FSI, PDI).
DIRECTION_CHARACTERS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Format characters real multi-line writing uses: zero-width non-joiner and joiner (in
# scripts and emoji sequences) and the soft hyphen (pasted from word processors); the
# tag characters U+E0020 to U+E007F (flags such as Scotland's and Wales's) are kept too.
KEPT_IN_MULTI_LINE = frozenset("\u200c\u200d\u00ad")
# Letters that show as nothing, used to make names look empty or alike.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029]")

# What a spreadsheet (or XML 1.0, the XLSX format) cannot hold, or should not show:
# a superset of openpyxl's ILLEGAL_CHARACTERS_RE (C0 but tab, LF and CR), with DEL, C1,
# the direction characters, surrogates and the noncharacters U+FFFE and U+FFFF.
SPREADSHEET_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)

_ASCII_REFUSED = {
    True: re.compile(r"[\x00-\x08\x0b-\x1f\x7f]"),  # multi-line: tab and LF are text
    False: re.compile(r"[\x00-\x1f\x7f]"),
}


class TextError(ValueError):
    """Text refused by clean_text; `message` names the field and says what to remove."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _capitalised(label: str) -> str:
    return label[:1].upper() + label[1:]


def _noncharacter(point: int) -> bool:
    return 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE


def _refusal(char: str, multiline: bool) -> str | None:
    """What is wrong with one character in the kind of text (None: nothing)."""
    point = ord(char)
    if char in "\n\r":
        return None if multiline else "line_break"
    if char == "\t":
        return None if multiline else "control"
    if point < 0x20 or 0x7F <= point <= 0x9F:
        return "control"
    if point < 0x7F:
        return None
    if char in DIRECTION_CHARACTERS:
        return "direction"
    category = unicodedata.category(char)
    if category == "Cs" or _noncharacter(point):
        return "not_text"
    if category == "Cf":
        kept = char in KEPT_IN_MULTI_LINE or 0xE0020 <= point <= 0xE007F
        return None if multiline and kept else "invisible"
    if char in INVISIBLE_LETTERS:
        return "invisible"
    if category in ("Zl", "Zp"):  # multi-line text has had them made LF already
        return "line_break"
    return None


MESSAGES = {
    "control": "{label} cannot contain control characters: remove the control character {point}",
    "line_break": "{label} must be on one line: remove the line break",
    "direction": "{label} cannot contain characters that change the direction of text: "
    "remove {point}",
    "invisible": "{label} cannot contain invisible characters: remove {point}",
    "not_text": "{label} cannot contain characters that are not text: remove {point}",
}


def _first_refused(value: str, multiline: bool) -> tuple[str, str] | None:
    if value.isascii():  # the usual case: one regular expression, no loop
        found = _ASCII_REFUSED[multiline].search(value)
        if found is None:
            return None
        char = found.group(0)
        reason = _refusal(char, multiline)
        return (reason, char) if reason else None
    for char in value:
        reason = _refusal(char, multiline)
        if reason is not None:
            return reason, char
    return None


def clean_text(
    value: str, *, field_label: str, multiline: bool = False, max_length: int | None = None
) -> str:
    """The text as it is kept: line ends made LF (multi-line), NFC, trimmed, runs of
    spaces made one (single-line). Raises TextError naming `field_label` ("Owner name",
    "the comment": its first letter is made a capital) for anything the module's rules
    refuse, or for text longer than `max_length` once cleaned."""
    label = _capitalised(field_label)
    if multiline:
        value = LINE_ENDS.sub("\n", value)
    value = unicodedata.normalize("NFC", value)
    refused = _first_refused(value, multiline)
    if refused is not None:
        reason, char = refused
        point = f"U+{ord(char):04X}"
        raise TextError(MESSAGES[reason].format(label=label, point=point), code=reason)
    marker = PORTAL_MARKERS.search(value)
    if marker is not None:
        raise TextError(
            f"{label} cannot contain “{marker.group(0)}”: it marks entries in portal pages",
            code="portal_marker",
        )
    value = value.strip() if multiline else " ".join(value.split())
    if max_length is not None and len(value) > max_length:
        raise TextError(f"{label} must be {max_length:,} characters or fewer", code="max_length")
    return value


def for_spreadsheet(value: str) -> str:
    """Text without what a spreadsheet cannot hold (see SPREADSHEET_UNSAFE): for the
    CSV and XLSX exports, whatever reached the database."""
    return SPREADSHEET_UNSAFE.sub("", value)


# --- The doors' field types ------------------------------------------------------------


class _CleanFormField(forms.Field):
    """Runs clean_text before the field's own parsing: `multiline`, and `text_label`
    for the messages (default: the field's label, as the page shows it)."""

    def __init__(self, *, multiline: bool = False, text_label: str | None = None, **kwargs: Any):
        self.multiline = multiline
        self.text_label = text_label
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value not in self.empty_values:
            label = self.text_label or str(self.label or "This field")
            try:
                value = clean_text(value, field_label=label, multiline=self.multiline)
            except TextError as error:
                raise ValidationError(error.message, code=error.code) from None
        return super().to_python(value)


class CleanCharField(_CleanFormField, forms.CharField):
    """A form's free-text field: clean_text, then CharField (max_length and required)."""


class CleanURLField(_CleanFormField, forms.URLField):
    """A form's link field: clean_text (single-line), then URLField."""


class CleanSerializerField(serializers.CharField):
    """An API body's free-text field: CharField, then clean_text; the message names the
    field as DRF labels it ("Owner name" for owner_name), or `text_label`."""

    def __init__(self, *, multiline: bool = False, text_label: str | None = None, **kwargs: Any):
        self.multiline = multiline
        self.text_label = text_label
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        label = self.text_label or str(self.label or self.field_name or "This field")
        try:
            return clean_text(
                value, field_label=label, multiline=self.multiline, max_length=self.max_length
            )
        except TextError as error:
            raise serializers.ValidationError(error.message, code=error.code) from None


class CleanTextAdminMixin:
    """For ModelAdmins that edit text: plain CharField and TextField model fields (not
    slugs, emails or links, which have their own fields) take CleanCharField, single- and
    multi-line."""

    def formfield_for_dbfield(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        from django.db import models

        kind = type(db_field)
        if kind in (models.CharField, models.TextField) and not db_field.choices:
            kwargs.setdefault("form_class", CleanCharField)
            kwargs.setdefault("multiline", kind is models.TextField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]  # a mixin for ModelAdmin


def split_bullets(text: str) -> tuple[str, list[str]]:
    """The lead-in and the separate actions of a text whose bullets start with •,
    whether one a line or several in one paragraph separated by " • "."""
    if "•" not in text:
        return text, []
    lead, *rest = text.split("•")
    bullets = [b.strip() for b in rest if b.strip()]
    return lead.strip(), bullets


def extract(text: str, limit: int = 160) -> str:
    """The start of a text for a row of a table (the list, the home pages, the public
    list): one line, bullets as semicolons, cut at a word boundary with an ellipsis."""
    flat = " ".join(text.replace("•", " ; ").split()).lstrip("; ").replace(" ; ", "; ")
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(" ;,.:")
    return f"{cut}…"
