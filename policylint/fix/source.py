"""A file as the fixer sees it: its exact bytes, its text, and how it writes line breaks.

Fixes are computed on the decoded text (character offsets) and applied to the original bytes
(byte offsets), so every byte outside an edit, the BOM and the line endings stay as they were.
"""
from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass

from policylint.decoding import DecodeError, decode


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] with ``text`` (written with "\\n"; converted to the file's
    line break when applied)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class SourceFile:
    path: str  # display path
    abspath: str
    data: bytes
    text: str  # decoded, BOM removed
    bom: bytes
    newline: str  # "\r\n" or "\n"
    digest: str  # sha256 of ``data``: a file changed since it was read is refused
    mtime_ns: int

    @property
    def line_starts(self) -> list[int]:
        starts = [0]
        i = self.text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = self.text.find("\n", i + 1)
        return starts

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 1-based (line, column)."""
        starts = self.line_starts
        line = max(1, min(line, len(starts)))
        return min(starts[line - 1] + max(column, 1) - 1, len(self.text))

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """Offset just after the line break of the line holding ``offset`` (or the end)."""
        i = self.text.find("\n", offset)
        return len(self.text) if i == -1 else i + 1

    def indent_at(self, offset: int) -> str:
        start = self.line_start(offset)
        line = self.text[start:self.line_end(offset)]
        return line[:len(line) - len(line.lstrip(" \t"))]


def load(path: str, abspath: str) -> SourceFile | str:
    """The file, or why it cannot be fixed."""
    if os.path.islink(abspath):  # an atomic write would replace the link with a copy
        return f"{path} is a symbolic link: --fix edits the file it points to, when scanned"
    try:
        with open(abspath, "rb") as fh:
            data = fh.read()
        mtime = os.stat(abspath).st_mtime_ns
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"
    return from_bytes(path, abspath, data, mtime)


def from_bytes(path: str, abspath: str, data: bytes, mtime_ns: int = 0) -> SourceFile | str:
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    if not bom and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return f"{path} is UTF-16/32 encoded: --fix edits UTF-8 files only"
    try:
        text = decode(data, allow_utf16=False)
    except DecodeError as exc:
        return f"{path} is not valid UTF-8 ({exc.message})"
    newline = "\r\n" if "\r\n" in text and text.count("\r\n") * 2 >= text.count("\n") else "\n"
    return SourceFile(path, abspath, data, text, bom, newline,
                      hashlib.sha256(data).hexdigest(), mtime_ns)


def apply(src: SourceFile, edits: list[Edit]) -> bytes:
    """The file's bytes with ``edits`` spliced in by byte offset. Edits must not overlap."""
    out: list[bytes] = []
    body = src.data[len(src.bom):]
    pos_char, pos_byte = 0, 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos_char:
            raise ValueError("overlapping edits")
        start_byte = pos_byte + len(src.text[pos_char:e.start].encode("utf-8"))
        end_byte = start_byte + len(src.text[e.start:e.end].encode("utf-8"))
        out.append(body[pos_byte:start_byte])
        out.append(e.text.replace("\n", src.newline).encode("utf-8"))
        pos_char, pos_byte = e.end, end_byte
    out.append(body[pos_byte:])
    return src.bom + b"".join(out)
