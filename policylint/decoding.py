"""Decoding file bytes to text the way editors do, and small position helpers."""
from __future__ import annotations

import bisect
import codecs
from typing import Any

from policylint.model import Location


class DecodeError(ValueError):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def decode(data: bytes, *, allow_utf16: bool = True) -> str:
    """UTF-8 (BOM stripped), or UTF-16/32 with a BOM. Raises DecodeError with the position of the
    first bad byte."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif allow_utf16 and data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return _decode_bom(data, "utf-32")
    elif allow_utf16 and data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_bom(data, "utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise DecodeError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} at line {line}, column {col}", line, col
        ) from None
    if "\x00" in text:
        off = text.index("\x00")
        line = text.count("\n", 0, off) + 1
        col = off - (text.rfind("\n", 0, off) + 1) + 1
        raise DecodeError(f"binary content: NUL byte at line {line}, column {col}", line, col)
    return text


def _decode_bom(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"not valid {codec.upper()}: {exc.reason}") from None


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class Positions:
    """Byte offsets / tree-sitter points → 1-based line and character column."""

    def __init__(self, path: str, data: bytes) -> None:
        self.path = path
        self.data = data
        starts = [0]
        i = data.find(b"\n")
        while i != -1:
            starts.append(i + 1)
            i = data.find(b"\n", i + 1)
        self.starts = starts
        self.shifts: dict[int, list[tuple[int, int]]] = {}

    def column(self, row: int, byte_col: int) -> int:
        if self.shifts and row in self.shifts:  # bytes the exponent workaround inserted
            byte_col -= sum(n for at, n in self.shifts[row] if at < byte_col)
        if row >= len(self.starts):
            return byte_col + 1
        start = self.starts[row]
        prefix = self.data[start:start + byte_col]
        if prefix.isascii():
            return byte_col + 1
        return len(prefix.decode("utf-8", "replace")) + 1

    def point(self, point: Any) -> tuple[int, int]:
        return point[0] + 1, self.column(point[0], point[1])

    def loc(self, node: Any) -> Location:
        line, col = self.point(node.start_point)
        end_line, end_col = self.point(node.end_point)
        return Location(self.path, line, col, end_line, end_col)

    def offset_point(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, self.column(row, offset - self.starts[row])
