"""The Welsh catalogue (locale/cy/LC_MESSAGES/django.po, issue 30): every string the
project marks for translation is in it and translated, each translation keeps its
placeholders, and the pure-Python compiler writes what gettext reads (as msgfmt would)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from monitoring.catalogue import (
    LOCALE,
    PLURAL_FORMS,
    Message,
    compile_catalogue,
    extract,
    read_po,
    write_mo,
)

PO = LOCALE / "cy" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|%%")


def test_every_marked_string_is_in_the_catalogue_and_translated():
    """A string marked in a template or in Python but not in the catalogue (run
    `python manage.py update_catalogue`), or in it without its Welsh, fails here."""
    _header, messages = read_po(PO)
    known = {m.key: m for m in messages}
    missing = [f"{m.places[0]}: {m.msgid!r}" for m in extract() if m.key not in known]
    assert not missing, "not in the catalogue (update_catalogue):\n" + "\n".join(missing)
    untranslated = [m.msgid for m in messages if not m.translated or m.fuzzy]
    assert not untranslated, "to translate:\n" + "\n".join(untranslated)


def test_each_translation_keeps_its_placeholders():
    _header, messages = read_po(PO)
    wrong = []
    for m in messages:
        expected = sorted(PLACEHOLDER.findall(m.msgid))
        for string in m.strings:
            if sorted(PLACEHOLDER.findall(string)) != expected:
                wrong.append((m.msgid, string))
    assert not wrong


def test_the_inspectorates_terms_are_used_consistently():
    """The domain's words in Welsh, one translation each (the translators' guide)."""
    _header, messages = read_po(PO)
    welsh = {m.msgid: m.strings[0] for m in messages if not m.plural}
    assert welsh["Recommendation"] == "Argymhelliad"
    assert welsh["Cause of concern"] == "Achos pryder"
    assert welsh["Area for improvement"] == "Maes i'w wella"
    assert welsh["Inspectorate"] == "Arolygiaeth"
    assert welsh["Force"] == "Heddlu"


def test_the_compiled_catalogue_is_what_django_reads():
    compile_catalogue("cy")
    with translation.override("cy"):
        assert translation.gettext("Find recommendations") == "Dod o hyd i argymhellion"
        assert translation.gettext("Cause of concern") == "Achos pryder"
        # Welsh's four plural forms
        assert translation.ngettext("%(num)s item", "%(num)s items", 2) % {"num": 2} == ("2 eitem")
    with translation.override("en-gb"):
        assert translation.gettext("Find recommendations") == "Find recommendations"


def test_the_compiler_writes_what_gnu_gettext_reads(tmp_path: Path):
    messages = [
        Message("Hello", strings=["Helo"]),
        Message("%(num)s day", plural="%(num)s days", strings=["a", "b", "c", "d"]),
        Message("May", context="month", strings=["Mai"]),
        Message("Untranslated", strings=[""]),
        Message("Doubtful", strings=["Amheus"], fuzzy=True),
    ]
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: " + PLURAL_FORMS["cy"] + "\n"
    mo = tmp_path / "django.mo"
    write_mo(mo, header, messages)
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Hello") == "Helo"
    assert [catalogue.ngettext("%(num)s day", "%(num)s days", n) for n in (1, 2, 3, 8)] == [
        "a",
        "b",
        "c",
        "d",
    ]
    assert catalogue.pgettext("month", "May") == "Mai"
    assert catalogue.gettext("Untranslated") == "Untranslated"  # English until translated
    assert catalogue.gettext("Doubtful") == "Doubtful"  # a fuzzy one is not used


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not here")
def test_the_catalogue_passes_msgfmts_checks(tmp_path: Path):
    """Where GNU gettext is installed, its own check of the .po (syntax, header, plural
    forms) passes too; the project never needs it."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "--check-header", "-o", str(tmp_path / "x.mo"), str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
