"""What an uploaded file must be before it is scanned and stored: a safe name, not empty,
and a type on the allow-list judged from its content (never from its name).

The allow-list is what the inspectorate uses: PDF, Word, Excel and PowerPoint (Office Open
XML: .docx, .xlsx, .pptx), OpenDocument (.odt, .ods, .odp), CSV, text, PNG and JPEG.
PDF, PNG and JPEG are matched by their first bytes (with puremagic). A ZIP is an Office
Open XML document by its main part and the type [Content_Types].xml declares for it, or
an OpenDocument by its `mimetype` entry; and either is refused when it carries macros or
scripts (vbaProject.bin, macro-enabled or ActiveX content types, OpenDocument Basic,
scripts or script events) or a program (a part named .exe, .js, .class and the like, or
whose first bytes are an executable's, a packaged file in an embedded OLE object, or an
embedded archive that is not itself an allowed Office document). Office 97-2003 and
password-protected Office files (OLE2 compound files) are refused by their first bytes,
without being parsed. Text has no magic: it is accepted only under a .txt or .csv name,
as valid UTF-8 without NUL or other control characters, and never as markup (HTML, SVG,
XML).

Looking inside is bounded whatever the file claims: the ZIP's central directory is sized
from its end record before it is read; every part's declared size, the sum of them and
each part's compression ratio are checked before anything is unpacked; every read is
capped (`read(limit + 1)`) and counted against one budget per file; an OLE2 object's
DIFAT, FAT and directory chains are walked with each sector visited at most once and a
hard limit on steps. Anything malformed, looping or over a limit is refused, naming the
file.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from typing import IO

import puremagic
from django.core.files.uploadedfile import UploadedFile

from recommendations import errors

CHUNK = 64 * 1024
NAME_MAX_LENGTH = 255
# Control characters (C0, DEL, C1) and the Unicode format characters that can make a
# name read differently from what it is (right-to-left override and the like).
BAD_NAME_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
DRIVE = re.compile(r"^[A-Za-z]:")
TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Markup is refused as text whatever the name: a page, a script, a drawing.
MARKUP = re.compile(
    r"<\s*(?:!doctype|!\[cdata\[|\?xml|/?\s*(?:html|head|body|script|svg|iframe|frame|"
    r"frameset|object|embed|applet|meta|link|style|base|form|img|math|xml|xsl:\w+|"
    r"hta:application)\b)",
    re.IGNORECASE,
)
MARKUP_OVERLAP = 64  # characters kept from one chunk to the next, so no tag is split

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
CSV = "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
OFFICE_TYPES = frozenset({DOCX, XLSX, PPTX, ODT, ODS, ODP})
ACCEPTED_TYPES = frozenset({PDF, PNG, JPEG, TEXT, CSV, *OFFICE_TYPES})
# Each type's name extensions, the usual one first. A file is shown and downloaded under
# one of its type's extensions: the sender's if it is one, otherwise the usual one.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    PDF: (".pdf",),
    PNG: (".png",),
    JPEG: (".jpg", ".jpeg"),
    TEXT: (".txt",),
    CSV: (".csv",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    ODP: (".odp",),
    # Accepted before issue 23, refused since: records kept from then still download.
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
}
TEXT_EXTENSIONS = {".txt": TEXT, ".csv": CSV}
ALLOWED_TYPES_TEXT = "PDF, Word, Excel, PowerPoint, OpenDocument, CSV, text, PNG or JPEG"

# Office Open XML: the main part and the content type it must be declared with.
OOXML_MAIN_PARTS = {
    "word/document.xml": (
        DOCX,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xl/workbook.xml": (
        XLSX,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "ppt/presentation.xml": (
        PPTX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}
# In a content type or a part's name: macros (VBA, Excel 4 macro sheets) or ActiveX.
OOXML_MACRO_MARKERS = ("macroenabled", "vbaproject", "vbadata", "macrosheet", "activex")
ODF_TYPES = {ODT, ODS, ODP}
# Folders of an OpenDocument that hold macros or scripts.
ODF_SCRIPT_FOLDERS = {"basic", "scripts"}
# In an OpenDocument's XML: a script or macro bound to an event or a link, or encryption
# (the content cannot be checked).
ODF_SCRIPT_MARKERS = (
    b"vnd.sun.star.script",
    b'"macro:',
    b"'macro:",
    b"macro-name",
    b"starbasic",
    b'"javascript:',
    b"'javascript:",
)
ODF_ENCRYPTED_MARKER = b"encryption-data"
# Parts named like programs or scripts (and Office files that carry macros).
# fmt: off
PROGRAM_EXTENSIONS = frozenset({
    "exe", "dll", "bat", "cmd", "com", "js", "jse", "jar", "class", "hta", "vbs", "vbe",
    "vb", "vba", "wsf", "wsc", "wsh", "ps1", "psm1", "psd1", "msi", "msp", "mst", "scr",
    "sh", "bash", "zsh", "csh", "ksh", "pif", "cpl", "lnk", "reg", "inf", "scf", "url",
    "website", "gadget", "msc", "app", "apk", "dmg", "pkg", "deb", "rpm", "elf", "so",
    "dylib", "ocx", "sys", "drv", "cab", "chm", "py", "pyc", "pyw", "pl", "rb", "php",
    "jsp", "asp", "aspx", "xll", "xlam", "ppam", "docm", "dotm", "xlsm", "xltm", "xlsb",
    "pptm", "potm", "ppsm", "sldm", "iso", "img", "vhd", "vhdx", "appx", "msix",
})
# fmt: on
# First bytes of programs: Windows (MZ), Linux (ELF), Java classes and Mach-O, scripts.
PROGRAM_MAGIC = (
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
)
SHORT_PROGRAM_MAGIC = (b"MZ", b"#!")  # two bytes: not looked for in embedded fonts,
FONT_EXTENSIONS = {".odttf", ".fntdata"}  # whose first bytes are obfuscated
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Limits on looking inside a ZIP (whatever it declares), and on the whole check.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
ZIP_MAX_ENTRY_BYTES = 100 * 1024 * 1024  # one part, unpacked
ZIP_MAX_TOTAL_BYTES = 250 * 1024 * 1024  # all the parts, unpacked
ZIP_MAX_RATIO = 100  # unpacked size over packed size, for parts above the grace
ZIP_RATIO_GRACE = 1024 * 1024
ZIP_MAX_DEPTH = 2  # a file, and documents embedded in it; nothing deeper
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
MIMETYPE_MAX_BYTES = 100
PART_MAX_BYTES = 32 * 1024 * 1024  # an embedded object or document, read to look inside
READ_BUDGET = 128 * 1024 * 1024  # all that is unpacked while checking one file
# Limits on walking an OLE2 compound file's chains.
OLE_MAX_STEPS = 20_000
OLE_FREE, OLE_END_OF_CHAIN, OLE_LAST_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFA
# Directory entries of an embedded OLE object that carry a file or macros.
OLE_PACKAGE_STREAMS = {"\x01ole10native"}
OLE_MACRO_STORAGES = {"vba", "_vba_project", "_vba_project_cur", "macros"}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: only `inspect` makes these, and the evidence
    service stores only these (after scanning them). `name` ends with an extension of
    `content_type` (evidence_name)."""

    file: IO[bytes]
    name: str
    size: int
    content_type: str
    sha256: str


class Refused(errors.DomainError):
    """A file refused before anything is stored; the message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="files")


class NotAllowed(Refused):
    """A file whose type is not on the allow-list."""


class Malformed(Exception):
    """A container whose structure is damaged, loops, or is over a limit."""


def display_name(raw: str | None) -> str:
    """The name as people will see it, for messages, before it is checked."""
    return (raw or "").strip() or "The file"


def check_name(raw: str | None) -> str:
    """The file's name if it is safe to show: no path parts, no control characters."""
    name = unicodedata.normalize("NFC", (raw or "").strip())
    shown = BAD_NAME_CHARACTERS.sub("?", name)
    if not name:
        raise Refused("A file has no name: give it a name and select it again")
    if BAD_NAME_CHARACTERS.search(name) or any(
        unicodedata.category(c) in ("Cc", "Cf") for c in name
    ):
        raise Refused(f"{shown}: the name has a control character; rename the file")
    if "/" in name or "\\" in name or name in (".", "..") or DRIVE.match(name):
        raise Refused(f"{shown}: the name must not contain a folder or drive; rename the file")
    if len(name) > NAME_MAX_LENGTH:
        raise Refused(f"{name[:40]}…: the name must be {NAME_MAX_LENGTH} characters or fewer")
    return name


def _readable(raw: str, *, folders: bool = False) -> str:
    """A name with nothing that could make it read differently: control and format
    characters (bidi overrides) and line separators dropped; slashes too unless
    `folders` (a part's place inside a file, for a message)."""
    return "".join(
        "_" if c in "/\\" and not folders else c
        for c in unicodedata.normalize("NFC", raw)
        if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp")
    )


def evidence_name(name: str, content_type: str) -> str:
    """The name a file is shown and downloaded under: the sender's stem, cleaned (no
    control or bidi characters, no trailing spaces or dots), with an extension of the
    type detected from its content, never another the sender chose: `tool.jar` holding
    a Word document is `tool.docx`. For records stored before this rule too."""
    cleaned = _readable(name).strip()
    stem, dot, extension = cleaned.rpartition(".")
    if not dot:
        stem, extension = cleaned, ""
    choices = EXTENSIONS.get(content_type, ("",))
    suffix = f".{extension}" if f".{extension.lower()}" in choices else choices[0]
    while stem and (stem[-1].isspace() or stem[-1] == "."):
        stem = stem[:-1]
    stem = stem or "evidence"
    return stem[: NAME_MAX_LENGTH - len(suffix)] + suffix


def _extension(name: str) -> str:
    """The last extension of a name, lower case, as a system that runs files reads it
    (trailing spaces and dots dropped): `report.pdf    .bat` ends `.bat`."""
    base = name.rsplit("/", 1)[-1].rstrip(" .").lower()
    stem, dot, extension = base.rpartition(".")
    return f".{extension}" if dot and stem else ""


def _shown(part: str) -> str:
    """A part's name from inside a file, safe and short enough for a message."""
    readable = _readable(part, folders=True)
    return readable if len(readable) <= 80 else f"{readable[:77]}…"


# The refusals, each naming the file ------------------------------------------------------


def not_allowed(name: str) -> NotAllowed:
    return NotAllowed(
        f"{name} is not a file type the portal accepts: this type of file cannot be kept "
        f"as evidence. Use {ALLOWED_TYPES_TEXT}"
    )


def _legacy_office(name: str) -> Refused:
    return Refused(
        f"{name} is an Office 97-2003 file (.doc, .xls, .ppt) or a password-protected "
        "Office file, which cannot be kept as evidence: save it as .docx, .xlsx or .pptx "
        "without a password, or as PDF, and select it again"
    )


def _damaged(name: str, why: str) -> Refused:
    return Refused(
        f"{name} is damaged or not what it seems, so it cannot be checked ({why}): "
        "save it again and select it again"
    )


def _too_big_inside(name: str, why: str) -> Refused:
    return Refused(
        f"{name} cannot be checked: {why}, which is how harmful files hide what they "
        "hold. Save it again, or as PDF, and select it again"
    )


def _macros(name: str, part: str) -> Refused:
    return Refused(
        f"{name} contains macros or scripts ({_shown(part)}), which cannot be kept as "
        "evidence: save it without macros (as .docx, .xlsx, .pptx or OpenDocument) or as "
        "PDF, and select it again"
    )


def _program(name: str, part: str) -> Refused:
    return Refused(
        f"{name} contains a program, script or archive ({_shown(part)}), which cannot be "
        "kept as evidence: remove it from the file and select the file again"
    )


def _package(name: str, part: str) -> Refused:
    return Refused(
        f"{name} contains an embedded file ({_shown(part)}), which cannot be kept as "
        "evidence: attach that file on its own instead"
    )


def _encrypted(name: str) -> Refused:
    return Refused(
        f"{name} is password-protected, so it cannot be checked for viruses: remove the "
        "password and select it again"
    )


# OLE2 compound files (embedded objects) ------------------------------------------------


def ole_entry_names(data: bytes, *, max_steps: int = OLE_MAX_STEPS) -> set[str]:
    """The names (lower case) in an OLE2 compound file's directory. The DIFAT, the FAT
    and the directory's sector chain are walked with every sector visited at most once,
    every sector number inside the file, and at most `max_steps` sectors read in all;
    raises Malformed for anything else."""
    if len(data) < 512 or data[:8] != OLE_MAGIC:
        raise Malformed("not a compound file")
    (shift,) = struct.unpack_from("<H", data, 30)
    if shift not in (9, 12):
        raise Malformed("an unknown sector size")
    size = 1 << shift
    per_sector = size // 4
    sectors = (len(data) - size) // size  # the header takes the first sector's room
    if sectors < 1:
        raise Malformed("no sectors")
    fat_count, first_directory = struct.unpack_from("<II", data, 44)
    first_difat, _difat_count = struct.unpack_from("<II", data, 68)
    if fat_count > sectors:
        raise Malformed("more FAT sectors than the file has")
    steps = 0

    def sector(number: int) -> bytes:
        nonlocal steps
        steps += 1
        if steps > max_steps:
            raise Malformed("too many sectors to walk")
        if number >= sectors:
            raise Malformed("a sector outside the file")
        start = (number + 1) * size
        return data[start : start + size]

    fat_sectors = [s for s in struct.unpack_from("<109I", data, 76) if s < OLE_LAST_SECTOR]
    seen_difat: set[int] = set()
    following = first_difat
    while len(fat_sectors) < fat_count and following not in (OLE_END_OF_CHAIN, OLE_FREE):
        if following in seen_difat:
            raise Malformed("the DIFAT chain loops")
        seen_difat.add(following)
        values = struct.unpack(f"<{per_sector}I", sector(following))
        fat_sectors.extend(v for v in values[:-1] if v < OLE_LAST_SECTOR)
        following = values[-1]
    fat_sectors = fat_sectors[:fat_count]
    if len(set(fat_sectors)) != len(fat_sectors):
        raise Malformed("a FAT sector listed twice")
    fat: list[int] = []
    for number in fat_sectors:
        if len(fat) >= sectors:  # enough to follow any chain inside the file
            break
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))
    names: set[str] = set()
    seen: set[int] = set()
    current = first_directory
    while current != OLE_END_OF_CHAIN:
        if current >= len(fat) or current >= sectors:
            raise Malformed("the directory chain leaves the file")
        if current in seen:
            raise Malformed("the directory chain loops")
        seen.add(current)
        block = sector(current)
        for offset in range(0, size, 128):
            (length,) = struct.unpack_from("<H", block, offset + 64)
            if block[offset + 66] != 0 and 2 <= length <= 64:
                raw = block[offset : offset + length - 2]
                names.add(raw.decode("utf-16-le", "replace").lower())
        current = fat[current]
    return names


# ZIP containers (Office Open XML and OpenDocument) -------------------------------------


class _Budget:
    """What may still be unpacked while checking one file."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.left = READ_BUDGET

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise _too_big_inside(
                self.name, f"it unpacks to more than {READ_BUDGET // (1024 * 1024)} MB"
            )


def _read_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, budget: _Budget
) -> bytes:
    """At most `limit` bytes of a part, unpacked; Malformed past the limit. The reader
    stops at the part's declared size, and its CRC is checked at the end."""
    with archive.open(info) as part:
        data = part.read(limit + 1)
    budget.take(len(data))
    if len(data) > limit:
        raise Malformed(f"{_shown(info.filename)} is larger than it may be")
    return data


def _head(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    with archive.open(info) as part:
        data = part.read(8)
    budget.take(len(data))
    return data


def _scan_part(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    markers: tuple[bytes, ...],
    budget: _Budget,
) -> bytes | None:
    """Stream a part (never all of it in memory) looking for any of `markers`, case
    apart; the first found, or None."""
    overlap = max(len(m) for m in markers)
    carry = b""
    with archive.open(info) as part:
        while chunk := part.read(CHUNK):
            budget.take(len(chunk))
            window = carry + chunk.lower()
            found = next((m for m in markers if m in window), None)
            if found is not None:
                return found
            carry = window[-overlap:]
    return None


def _end_record(handle: IO[bytes], size: int) -> tuple[int, int]:
    """The entry count and central directory size that zipfile will use, read from the
    end record (or the ZIP64 one it points to) as zipfile finds it."""
    handle.seek(max(size - 22, 0))
    last = handle.read(22)
    if len(last) == 22 and last[:4] == b"PK\x05\x06" and last[-2:] == b"\0\0":
        position, record = size - 22, last
    else:
        start = max(size - 22 - 65535, 0)
        handle.seek(start)
        tail = handle.read(size - start)
        found = tail.rfind(b"PK\x05\x06")
        if found < 0 or len(tail) - found < 22:
            raise Malformed("no end of central directory")
        position, record = start + found, tail[found : found + 22]
    entries, directory = struct.unpack_from("<HL", record, 10)
    if position >= 20:
        handle.seek(position - 20)
        locator = handle.read(20)
        if locator[:4] == b"PK\x06\x07" and position >= 76:
            handle.seek(position - 76)
            zip64 = handle.read(56)
            if zip64[:4] != b"PK\x06\x06":
                raise Malformed("a broken ZIP64 end record")
            entries, directory = struct.unpack_from("<QQ", zip64, 32)
    return entries, directory


def _check_parts(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Before anything is unpacked: each part's declared size and compression ratio,
    their sum, encryption, the compression method, and names of programs."""
    total = 0
    for info in infos:
        if not info.filename:
            raise _damaged(name, "a part has no name")
        if info.flag_bits & 0x1:
            raise _encrypted(name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(name, f"{_shown(info.filename)} is packed in an unusual way")
        if info.file_size > ZIP_MAX_ENTRY_BYTES:
            raise _too_big_inside(
                name,
                f"its part {_shown(info.filename)} unpacks to more than "
                f"{ZIP_MAX_ENTRY_BYTES // (1024 * 1024)} MB",
            )
        if info.file_size > ZIP_RATIO_GRACE and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise _too_big_inside(
                name,
                f"its part {_shown(info.filename)} unpacks to more than {ZIP_MAX_RATIO} "
                "times its packed size",
            )
        total += info.file_size
        if total > ZIP_MAX_TOTAL_BYTES:
            raise _too_big_inside(
                name, f"it unpacks to more than {ZIP_MAX_TOTAL_BYTES // (1024 * 1024)} MB"
            )
        if not info.is_dir() and _extension(info.filename)[1:] in PROGRAM_EXTENSIONS:
            raise _program(name, info.filename)


def _declared_types(content_types: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """[Content_Types].xml's defaults (by extension) and overrides (by part name), lower
    case, read with regular expressions (no XML parser, no entities)."""
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    text = content_types.decode("utf-8", "replace")
    for kind, attributes in re.findall(r"<(?:\w+:)?(Default|Override)\b([^>]*)>", text):
        values = {
            key.lower(): (double if double else single).lower()
            for key, double, single in re.findall(
                r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""", attributes
            )
        }
        declared = values.get("contenttype", "")
        if kind == "Default":
            defaults[values.get("extension", "")] = declared
        else:
            overrides[values.get("partname", "").lstrip("/")] = declared
    return defaults, overrides


def _ooxml_type(
    archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], name: str, budget: _Budget
) -> str:
    try:
        content_types = _read_part(
            archive, parts["[content_types].xml"], CONTENT_TYPES_MAX_BYTES, budget
        )
    except Malformed as error:
        raise _damaged(name, "its list of content types is too large") from error
    defaults, overrides = _declared_types(content_types)
    declarations = [
        *((f"the .{extension} parts", declared) for extension, declared in defaults.items()),
        *overrides.items(),
    ]
    for where, declared in declarations:
        if any(marker in declared for marker in OOXML_MACRO_MARKERS):
            raise _macros(name, where)
    for part in parts:
        if any(marker in part for marker in OOXML_MACRO_MARKERS):
            raise _macros(name, parts[part].filename)
    mains = [main for main in OOXML_MAIN_PARTS if main in parts]
    if len(mains) != 1:
        raise not_allowed(name)
    content_type, main_declared = OOXML_MAIN_PARTS[mains[0]]
    declared = overrides.get(mains[0], defaults.get("xml", ""))
    if declared != main_declared:  # a template, a slide show, or not Office at all
        raise not_allowed(name)
    return content_type


def _odf_type(
    archive: zipfile.ZipFile, parts: dict[str, zipfile.ZipInfo], name: str, budget: _Budget
) -> str:
    try:
        declared = _read_part(archive, parts["mimetype"], MIMETYPE_MAX_BYTES, budget)
    except Malformed as error:
        raise not_allowed(name) from error
    content_type = declared.decode("ascii", "replace").strip()
    if content_type not in ODF_TYPES:
        raise not_allowed(name)
    for part, info in parts.items():
        if ODF_SCRIPT_FOLDERS & set(part.split("/")[:-1]):
            raise _macros(name, info.filename)
    for part, info in parts.items():
        if part.endswith(".xml") and not info.is_dir():
            found = _scan_part(archive, info, (*ODF_SCRIPT_MARKERS, ODF_ENCRYPTED_MARKER), budget)
            if found == ODF_ENCRYPTED_MARKER:
                raise _encrypted(name)
            if found is not None:
                raise _macros(name, info.filename)
    return content_type


def _check_embedded(
    archive: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    name: str,
    depth: int,
    budget: _Budget,
) -> None:
    """Every part's first bytes: no program; an embedded OLE object carries no packaged
    file or macros; an embedded archive is itself an allowed Office document."""
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        head = _head(archive, info, budget)
        if head.startswith(PROGRAM_MAGIC) or (
            head.startswith(SHORT_PROGRAM_MAGIC)
            and _extension(info.filename) not in FONT_EXTENSIONS
        ):
            raise _program(name, info.filename)
        if head.startswith(OLE_MAGIC):
            try:
                entries = ole_entry_names(_read_part(archive, info, PART_MAX_BYTES, budget))
            except Malformed as error:
                raise _damaged(name, f"its embedded object {_shown(info.filename)}") from error
            if entries & OLE_PACKAGE_STREAMS:
                raise _package(name, info.filename)
            if entries & OLE_MACRO_STORAGES:
                raise _macros(name, info.filename)
        elif head.startswith(ZIP_MAGIC):
            if depth + 1 >= ZIP_MAX_DEPTH:
                raise _program(name, info.filename)
            try:
                inner = io.BytesIO(_read_part(archive, info, PART_MAX_BYTES, budget))
            except Malformed as error:
                raise _too_big_inside(
                    name, f"its embedded file {_shown(info.filename)} is too large to check"
                ) from error
            try:
                _zip_type(inner, name, depth=depth + 1, budget=budget)
            except NotAllowed as refusal:  # a plain or Java archive, not a document
                raise _program(name, info.filename) from refusal


def _zip_type(handle: IO[bytes], name: str, *, depth: int, budget: _Budget) -> str:
    """The Office type of a ZIP, or Refused naming the file."""
    size = handle.seek(0, io.SEEK_END)
    try:
        entries, directory = _end_record(handle, size)
        if entries > ZIP_MAX_ENTRIES or directory > ZIP_MAX_DIRECTORY_BYTES:
            raise _too_big_inside(name, f"it has more than {ZIP_MAX_ENTRIES:,} parts")
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if len(infos) > ZIP_MAX_ENTRIES:
                raise _too_big_inside(name, f"it has more than {ZIP_MAX_ENTRIES:,} parts")
            _check_parts(name, infos)
            parts = {info.filename.lower(): info for info in infos}
            if "[content_types].xml" in parts:
                content_type = _ooxml_type(archive, parts, name, budget)
            elif "mimetype" in parts:
                content_type = _odf_type(archive, parts, name, budget)
            else:  # a plain archive, a Java archive
                raise not_allowed(name)
            _check_embedded(archive, infos, name, depth, budget)
            return content_type
    except Malformed as error:
        raise _damaged(name, str(error)) from error
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        OSError,
        ValueError,
        struct.error,
    ) as error:
        raise _damaged(name, "it is not a complete ZIP") from error
    except (NotImplementedError, RuntimeError) as error:  # unsupported or encrypted
        raise _damaged(name, "it is packed in a way the portal cannot read") from error
    except zlib.error as error:
        raise _damaged(name, "a part of it cannot be unpacked") from error


# Text ---------------------------------------------------------------------------------


def _is_plain_text(handle: IO[bytes]) -> bool:
    """Valid UTF-8 (a byte-order mark allowed) with no NUL or other control characters,
    and no markup."""
    handle.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    carry = ""
    try:
        while chunk := handle.read(CHUNK):
            text = carry + decoder.decode(chunk)
            if TEXT_CONTROL.search(text) or MARKUP.search(text):
                return False
            carry = text[-MARKUP_OVERLAP:]
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(handle: IO[bytes], name: str) -> str:
    """The file's content type, judged from its content, if it is on the allow-list;
    otherwise Refused naming the file. Call it only once the policy has allowed the
    person to add evidence."""
    handle.seek(0)
    head = handle.read(8192)
    if head.startswith(OLE_MAGIC):  # refused by its magic: never parsed
        raise _legacy_office(name)
    if head.startswith(ZIP_MAGIC):
        content_type = _zip_type(handle, name, depth=0, budget=_Budget(name))
        if content_type in OFFICE_TYPES:
            return content_type
        raise not_allowed(name)
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    found = {m.mime_type for m in matches}
    if head.startswith(b"%PDF-") and PDF in found:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n") and PNG in found:
        return PNG
    if head.startswith(b"\xff\xd8\xff") and JPEG in found:
        return JPEG
    text_type = TEXT_EXTENSIONS.get(_extension(name))
    if text_type is not None and _is_plain_text(handle):
        return text_type
    raise not_allowed(name)


def inspect(upload: UploadedFile[bytes], *, max_bytes: int) -> CheckedFile:
    """Check one upload; raises Refused naming the file. Reads it once for the hash
    and once more only as far as its type needs. The checked file's name ends with an
    extension of the type found (evidence_name)."""
    name = check_name(upload.name)
    handle: IO[bytes] = upload
    size = upload.size or 0
    if size == 0:
        raise Refused(f"{name} is empty: select a file with something in it")
    if size > max_bytes:
        raise Refused(f"{name} is larger than {max_bytes // (1024 * 1024)} MB")
    digest = hashlib.sha256()
    handle.seek(0)
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    content_type = sniff(handle, name)
    handle.seek(0)
    return CheckedFile(
        file=handle,
        name=evidence_name(name, content_type),
        size=size,
        content_type=content_type,
        sha256=digest.hexdigest(),
    )
