"""The translation catalogue (issue 30; docs/translating.md): extracting the strings to
translate and compiling the catalogue, in Python alone.

Django's `makemessages` cannot read Jinja templates and needs GNU gettext; `msgfmt`
needs it too. So: `python manage.py update_catalogue` reads every template (Jinja's own
extractor, `jinja2.ext.babel_extract`, the one Babel uses) and every Python file of the
project (the calls of gettext, gettext_lazy, gettext_noop, ngettext, pgettext, `_`) and
merges them into locale/<language>/LC_MESSAGES/django.po, keeping every translation and
translators' comment; `python manage.py compile_catalogue` writes the .mo files Django
reads (`make setup` runs it; the .mo files are not committed).
"""

from __future__ import annotations

import ast
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from jinja2.ext import babel_extract

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
# Where strings to translate live: the templates, and the project's own Python.
TEMPLATE_DIRS = ("templates",)
PYTHON_DIRS = (
    "api",
    "evidence",
    "forces",
    "identity",
    "monitoring",
    "recommendations",
    "responses",
    "savedsearches",
    "scim",
    "tracker",
)
KEYWORDS = {
    "_": (1,),
    "gettext": (1,),
    "gettext_lazy": (1,),
    "gettext_noop": (1,),
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ("c", 2),
    "pgettext_lazy": ("c", 2),
}
JINJA_KEYWORDS = ("_", "gettext", "ngettext", "pgettext", "npgettext")
# Welsh has four plural forms (1; 2; 3, 4, 5, 6, 7, 9, 10, 12...; 8, 11), as Django's own
# Welsh catalogue says.
PLURAL_FORMS = {
    "cy": "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;",
}


@dataclass
class Message:
    msgid: str
    plural: str = ""
    context: str = ""
    strings: list[str] = field(default_factory=list)  # msgstr, or msgstr[0..n]
    places: list[str] = field(default_factory=list)  # "path:line"
    notes: list[str] = field(default_factory=list)  # "#." comments from the code
    comments: list[str] = field(default_factory=list)  # "# " translators' comments
    fuzzy: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.context, self.msgid)

    @property
    def translated(self) -> bool:
        return bool(self.strings) and all(self.strings)


# --- extracting --------------------------------------------------------------------


def _jinja_messages(path: Path) -> Iterator[Message]:
    with path.open("rb") as handle:
        found = babel_extract(
            handle,
            JINJA_KEYWORDS,
            ["Translators:"],
            {"trim_blocks": "true", "lstrip_blocks": "true"},
        )
        for line, function, message, notes in found:
            place = f"{path.relative_to(ROOT)}:{line}"
            if isinstance(message, str):
                yield Message(message, places=[place], notes=list(notes))
                continue
            parts = tuple(message or ())
            if function == "pgettext" and len(parts) >= 2 and parts[1]:
                yield Message(parts[1], context=parts[0] or "", places=[place])
            elif parts and parts[0]:
                plural = parts[1] if len(parts) > 1 and parts[1] else ""
                yield Message(parts[0], plural=plural or "", places=[place], notes=list(notes))


def _constant(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _python_messages(path: Path) -> Iterator[Message]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = (
            func.id
            if isinstance(func, ast.Name)
            else func.attr
            if isinstance(func, ast.Attribute)
            else ""
        )
        spec = KEYWORDS.get(name)
        if spec is None or not node.args:
            continue
        place = f"{path.relative_to(ROOT)}:{node.lineno}"
        args = [_constant(a) for a in node.args]
        if spec[0] == "c":
            if len(args) >= 2 and args[0] is not None and args[1]:
                yield Message(args[1], context=args[0], places=[place])
        elif len(spec) == 2:
            if len(args) >= 2 and args[0] and args[1]:
                yield Message(args[0], plural=args[1], places=[place])
        elif args[0]:
            yield Message(args[0], places=[place])


def extract() -> list[Message]:
    """Every string to translate in the project, first place first, merged by msgid."""
    merged: dict[tuple[str, str], Message] = {}
    sources: list[tuple[Path, bool]] = []
    for folder in TEMPLATE_DIRS:
        sources += [(p, True) for p in sorted((ROOT / folder).rglob("*")) if p.is_file()]
    for folder in PYTHON_DIRS:
        sources += [
            (p, False)
            for p in sorted((ROOT / folder).rglob("*.py"))
            if "migrations" not in p.parts and "tests" not in p.parts
        ]
    for path, is_template in sources:
        if is_template and path.suffix not in {".html", ".txt"}:
            continue
        for message in _jinja_messages(path) if is_template else _python_messages(path):
            existing = merged.get(message.key)
            if existing is None:
                merged[message.key] = message
            else:
                existing.places += message.places
                existing.notes += [n for n in message.notes if n not in existing.notes]
                existing.plural = existing.plural or message.plural
    return list(merged.values())


# --- reading and writing .po -------------------------------------------------------


def _unquote(text: str) -> str:
    body = text.strip()
    if not (body.startswith('"') and body.endswith('"')):
        raise ValueError(f"not a quoted string: {text!r}")
    result: str = ast.literal_eval(body)
    return result


def read_po(path: Path) -> tuple[str, list[Message]]:
    """The .po file's header (msgstr of msgid "") and its messages."""
    header = ""
    messages: list[Message] = []
    current: Message | None = None
    target: tuple[str, int] | None = None
    pending_comments: list[str] = []
    pending_fuzzy = False

    def finish() -> None:
        nonlocal current, header
        if current is not None:
            if current.msgid == "" and not current.context:
                header = current.strings[0] if current.strings else ""
            else:
                messages.append(current)
        current = None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.rstrip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            finish()
            pending_fuzzy = "fuzzy" in line
            continue
        if line.startswith("#.") or line.startswith("#:"):
            finish()
            continue
        if line.startswith("#"):
            finish()
            pending_comments.append(line[1:].strip())
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgctxt":
            finish()
            current = Message("", context=_unquote(rest))
            target = ("context", 0)
        elif keyword == "msgid":
            if current is None or current.msgid or target != ("context", 0):
                finish()
                current = Message("")
            current.msgid = _unquote(rest)
            current.comments, current.fuzzy = pending_comments, pending_fuzzy
            pending_comments, pending_fuzzy = [], False
            target = ("msgid", 0)
        elif keyword == "msgid_plural" and current is not None:
            current.plural = _unquote(rest)
            target = ("plural", 0)
        elif keyword.startswith("msgstr") and current is not None:
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            while len(current.strings) <= index:
                current.strings.append("")
            current.strings[index] = _unquote(rest)
            target = ("msgstr", index)
        elif line.startswith('"') and current is not None and target is not None:
            what, index = target
            more = _unquote(line)
            if what == "context":
                current.context += more
            elif what == "msgid":
                current.msgid += more
            elif what == "plural":
                current.plural += more
            else:
                current.strings[index] += more
        else:
            raise ValueError(f"{path}: cannot read the line {raw!r}")
    finish()
    return header, messages


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{lines[0]}"'
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{p}"' for p in parts)


def write_po(path: Path, header: str, messages: list[Message]) -> None:
    out = [
        "# The portal's Welsh catalogue (docs/translating.md). Update it with",
        "# `python manage.py update_catalogue`; never edit the msgid lines.",
        'msgid ""',
        "msgstr " + _quoted(header),
        "",
    ]
    for message in messages:
        out += [f"# {c}" if c else "#" for c in message.comments]
        out += [f"#. {n}" for n in message.notes]
        if message.places:
            out.append("#: " + " ".join(message.places[:4]))
        if message.fuzzy:
            out.append("#, fuzzy")
        if message.context:
            out.append("msgctxt " + _quoted(message.context))
        out.append("msgid " + _quoted(message.msgid))
        if message.plural:
            out.append("msgid_plural " + _quoted(message.plural))
            for n, string in enumerate(message.strings or [""]):
                out.append(f"msgstr[{n}] " + _quoted(string))
        else:
            out.append("msgstr " + _quoted(message.strings[0] if message.strings else ""))
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


def _header(language: str) -> str:
    return (
        "Project-Id-Version: recommendation-tracker\n"
        f"Language: {language}\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        f"Plural-Forms: {PLURAL_FORMS.get(language, 'nplurals=2; plural=(n != 1);')}\n"
    )


def _nplurals(header: str) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", header)
    return int(found.group(1)) if found else 2


def update(language: str) -> tuple[int, int, list[Message]]:
    """Merge the extracted strings into the language's .po: (new strings, strings no
    longer used and dropped, the untranslated ones)."""
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    header, old = read_po(path) if path.exists() else (_header(language), [])
    known = {m.key: m for m in old}
    plurals = _nplurals(header)
    merged = []
    for message in extract():
        before = known.pop(message.key, None)
        if before is not None:
            message.strings, message.comments = before.strings, before.comments
            message.fuzzy = before.fuzzy
        if message.plural and len(message.strings) != plurals:
            message.strings = (message.strings + [""] * plurals)[:plurals]
        merged.append(message)
    new = sum(1 for m in merged if not m.strings or m.key not in {o.key for o in old})
    write_po(path, header, merged)
    return new, len(known), [m for m in merged if not m.translated]


def compile_catalogue(language: str | None = None) -> list[Path]:
    """Writes django.mo beside each (or the one language's) django.po: the translated,
    not fuzzy, messages (an untranslated one shows its English). Returns the files."""
    written = []
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/django.po")):
        if language and po.parts[-3] != language:
            continue
        header, messages = read_po(po)
        write_mo(po.with_suffix(".mo"), header, messages)
        written.append(po.with_suffix(".mo"))
    return written


def write_mo(path: Path, header: str, messages: list[Message]) -> None:
    """GNU gettext's binary format (as msgfmt writes it): the header, then each message
    as its key (context\\x04msgid[\\x00plural]) and its translations joined by \\x00."""
    entries = {"": header}
    for m in messages:
        if m.fuzzy or not m.translated:
            continue
        key = (m.context + "\x04" if m.context else "") + m.msgid
        if m.plural:
            key += "\x00" + m.plural
        entries[key] = "\x00".join(m.strings)
    keys = sorted(entries)
    ids = b""
    strs = b""
    offsets = []
    for key in keys:
        k, v = key.encode(), entries[key].encode()
        offsets.append((len(ids), len(k), len(strs), len(v)))
        ids += k + b"\x00"
        strs += v + b"\x00"
    count = len(keys)
    start_ids = 7 * 4
    start_strs = start_ids + count * 8
    ids_data = start_strs + count * 8
    strs_data = ids_data + len(ids)
    table_ids = b"".join(struct.pack("<II", length, ids_data + o) for o, length, _, _ in offsets)
    table_strs = b"".join(struct.pack("<II", length, strs_data + o) for _, _, o, length in offsets)
    head = struct.pack("<Iiiiiii", 0x950412DE, 0, count, start_ids, start_strs, 0, 0)
    path.write_bytes(head + table_ids + table_strs + ids + strs)
