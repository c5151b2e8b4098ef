"""A JSON loader that keeps positions: ``loads(text)`` returns PDict/PList trees.

Strict RFC 8259 (as Python's ``json`` with ``strict=False`` for control characters in strings is
not accepted here either), iterative, so nesting depth is bounded by ``max_depth`` rather than by
the interpreter's stack. Duplicate keys are reported through ``JSONPosError`` when
``reject_duplicates`` is set; otherwise the last wins, as in ``json``.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable, cast

from policylint.positioned import PDict, PList, Pos

MAX_DEPTH = 512

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_STRING_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_decode_string = json.decoder.scanstring  # type: ignore[attr-defined]


class JSONPosError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


class _Lines:
    """Offset → (line, column) with a precomputed table of line starts."""

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        i = find("\n")
        while i != -1:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts
        self._last = 0

    def at(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def loads(
    text: str, *, max_depth: int = MAX_DEPTH, reject_duplicates: bool = False,
    duplicates: list[tuple[str, int, int]] | None = None,
) -> Any:
    """Parse ``text``; containers come back as PDict/PList with positions. With
    ``duplicates`` given, a repeated key is recorded there (message, line, column of the second
    key) and the last value wins, instead of raising."""
    lines = _Lines(text)
    n = len(text)

    def err(msg: str, off: int) -> JSONPosError:
        line, col = lines.at(min(off, n))
        return JSONPosError(msg, line, col)

    def pos(start: int, end: int) -> Pos:
        l1, c1 = lines.at(start)
        l2, c2 = lines.at(end)
        return Pos(l1, c1, l2, c2)

    def scalar(i: int) -> tuple[Any, int]:
        ch = text[i] if i < n else ""
        if ch == '"':
            try:
                value, end = _decode_string(text, i + 1, True)
            except ValueError as exc:
                raise err(f"invalid string: {getattr(exc, 'msg', exc)}", i) from None
            return value, end
        if ch in "-0123456789":
            m = _NUMBER.match(text, i)
            if not m or m.end() == i:
                raise err("invalid number", i)
            s = m.group()
            if m.group(1) or m.group(2):
                return float(s), m.end()
            return int(s), m.end()
        if text.startswith("true", i):
            return True, i + 4
        if text.startswith("false", i):
            return False, i + 5
        if text.startswith("null", i):
            return None, i + 4
        if i >= n:
            raise err("unexpected end of document", i)
        raise err(f"unexpected character {text[i]!r}", i)

    ws = cast("Callable[[str, int], re.Match[str]]", _WS.match)  # _WS matches the empty string
    i = ws(text, 0).end()
    if i < n and text[i] == "\ufeff":
        i = ws(text, i + 1).end()
    # Stack of (container, start offset, pending key, key start, key end)
    stack: list[list[Any]] = []
    root: Any = None
    have_root = False

    while True:
        i = ws(text, i).end()
        if i >= n:
            raise err("unexpected end of document", i)
        ch = text[i]
        # parse a value starting at i
        if ch == "{" or ch == "[":
            if len(stack) >= max_depth:
                raise err(f"nesting deeper than {max_depth} levels", i)
            container: Any = PDict() if ch == "{" else PList()
            stack.append([container, i, None, 0, 0])
            i = ws(text, i + 1).end()
            if ch == "{":
                if i < n and text[i] == "}":
                    i += 1
                    value: Any = container
                    frame = stack.pop()
                    container.pos = pos(frame[1], i)
                    vstart = frame[1]
                else:
                    if i >= n or text[i] != '"':
                        raise err("expected a string key", i)
                    key, kend = scalar(i)
                    stack[-1][2:] = [key, i, kend]
                    j = ws(text, kend).end()
                    if j >= n or text[j] != ":":
                        raise err("expected ':'", j)
                    i = j + 1
                    continue
            else:
                if i < n and text[i] == "]":
                    i += 1
                    value = container
                    frame = stack.pop()
                    container.pos = pos(frame[1], i)
                    vstart = frame[1]
                else:
                    continue
        else:
            vstart = i
            value, i = scalar(i)
        # attach value to parent, then close as many containers as end here
        while True:
            if not stack:
                if have_root:
                    raise err("extra data", vstart)
                root, have_root = value, True
                j = ws(text, i).end()
                if j != n:
                    raise err("extra data after the document", j)
                return root
            frame = stack[-1]
            parent = frame[0]
            vpos = pos(vstart, i)
            if isinstance(parent, PDict):
                key = frame[2]
                if key in parent and (reject_duplicates or duplicates is not None):
                    first = parent.kpos[key]
                    l2, c2 = lines.at(frame[3])
                    message = f"duplicate key {key!r} (first at line {first.line})"
                    if duplicates is None:
                        raise JSONPosError(message, l2, c2)
                    duplicates.append((message, l2, c2))
                    del parent[key]  # the last one wins, in its own place
                parent[key] = value
                parent.kpos[key] = pos(frame[3], frame[4])
                parent.vpos[key] = vpos
            else:
                parent.append(value)
                parent.ipos.append(vpos)
            i = ws(text, i).end()
            if i >= n:
                raise err("unexpected end of document", i)
            ch = text[i]
            if ch == ",":
                i = ws(text, i + 1).end()
                if isinstance(parent, PDict):
                    if i >= n or text[i] != '"':
                        raise err("expected a string key", i)
                    key, kend = scalar(i)
                    frame[2:] = [key, i, kend]
                    j = ws(text, kend).end()
                    if j >= n or text[j] != ":":
                        raise err("expected ':'", j)
                    i = j + 1
                break
            closer = "}" if isinstance(parent, PDict) else "]"
            if ch != closer:
                raise err(f"expected ',' or '{closer}'", i)
            i += 1
            stack.pop()
            parent.pos = pos(frame[1], i)
            value, vstart = parent, frame[1]
