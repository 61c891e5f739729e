"""Malware scanning with ClamAV's daemon over its INSTREAM protocol (a few lines over a
socket: the command, then the file in chunks each prefixed by its length as four bytes,
big-endian, then a zero length; clamd answers `stream: OK` or `stream: <name> FOUND`).

Scanning is on when CLAMD_HOST and CLAMD_PORT are set (the production settings require
them). A daemon that does not answer, or answers anything else, is an error: the file
is refused, never stored unscanned.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import IO

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """The daemon could not be reached, or gave an answer that is not a verdict."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""


def enabled() -> bool:
    return bool(settings.CLAMD_HOST and settings.CLAMD_PORT)


def scan(handle: IO[bytes]) -> Verdict:
    """Stream the file to clamd and return its verdict; raises ScannerUnavailable."""
    handle.seek(0)
    try:
        with socket.create_connection(
            (settings.CLAMD_HOST, int(settings.CLAMD_PORT)), timeout=settings.CLAMD_TIMEOUT
        ) as conn:
            conn.sendall(b"zINSTREAM\0")
            while chunk := handle.read(CHUNK):
                conn.sendall(struct.pack(">I", len(chunk)) + chunk)
            conn.sendall(struct.pack(">I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = conn.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as error:
        raise ScannerUnavailable(f"clamd did not answer: {error}") from error
    finally:
        handle.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer == "stream: OK":
        return Verdict(clean=True)
    if answer.startswith("stream: ") and answer.endswith(" FOUND"):
        return Verdict(clean=False, signature=answer[len("stream: ") : -len(" FOUND")])
    raise ScannerUnavailable(f"clamd gave no verdict: {answer[:200]!r}")
