"""The published texts as the real portal writes them: paragraphs, and bullets (`•`)
that may share a paragraph (" • ") and are still separate actions."""

from __future__ import annotations

import re
from typing import TypedDict

BULLET = re.compile(r"\s*•\s*")


class Block(TypedDict):
    kind: str  # "p" or "ul"
    text: str
    items: list[str]


def blocks(text: str) -> list[Block]:
    """Paragraphs as "p" blocks; a paragraph with bullets as its lead-in ("p", if any)
    and then one "ul" block of its bullets."""
    out: list[Block] = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if "•" not in paragraph:
            out.append(Block(kind="p", text=paragraph, items=[]))
            continue
        lead, *bullets = BULLET.split(paragraph)
        if lead.strip():
            out.append(Block(kind="p", text=lead.strip(), items=[]))
        items = [b.strip() for b in bullets if b.strip()]
        if out and out[-1]["kind"] == "ul":
            out[-1]["items"].extend(items)
        else:
            out.append(Block(kind="ul", text="", items=items))
    return out
