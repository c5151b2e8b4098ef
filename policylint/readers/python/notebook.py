"""Jupyter notebooks: code cells in order, read as one Python module whose positions map back
to the line and column inside the ``.ipynb`` JSON (so findings point at the call in the file).

- a line starting with ``!`` and a ``%%bash``/``%%sh`` cell are shell: read by the script
  reader (``!aws s3api put-bucket-cors ...`` counts), positions mapped into the notebook;
- ``%%writefile NAME``: the cell is read as the file NAME would be (Python when NAME is .py,
  shell for a script name); other ``%`` magics are skipped (blank lines, positions kept);
- a cell that does not parse is skipped with a PL001 note; the other cells are still read.
"""
from __future__ import annotations

import ast
import dataclasses
import os
import warnings
from typing import Any, Callable

from policylint import discover, jsonpos
from policylint.model import Facts, Location, ParseError, Severity
from policylint.positioned import PDict, PList
from policylint.readers import Context, Source, Unit

_SHELL_CELLS = ("%%bash", "%%sh", "%%script bash", "%%script sh")


class _Line:
    """One line of a cell: its text and, per character, the offset of that character in the
    notebook's raw JSON text."""

    __slots__ = ("raw", "text")

    def __init__(self, text: str, raw: list[int]) -> None:
        self.text = text
        self.raw = raw


def read_notebook(path: str, text: str, facts: Facts, ctx: Context,
                  read_module: Callable[..., None]) -> None:
    try:
        doc = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:
        facts.errors.append(ParseError(f"not a readable notebook (invalid JSON: {exc.message})",
                                       Location(path, exc.line, exc.column), Severity.NOTE))
        return
    cells = doc.get("cells") if isinstance(doc, PDict) else None
    if not isinstance(cells, PList):
        return
    starts = _line_starts(text)
    module: list[_Line] = []
    shell: list[_Line] = []
    for cell in cells:
        if not isinstance(cell, PDict) or cell.get("cell_type") != "code":
            continue
        lines = _cell_lines(cell, text, starts)
        if lines is None:
            continue
        first = lines[0].text.strip() if lines else ""
        if first.startswith(_SHELL_CELLS):
            shell += lines[1:]
            continue
        if first.startswith("%%writefile"):
            _writefile(first, lines[1:], path, text, facts, ctx, starts, read_module)
            continue
        if first.startswith("%%"):
            continue
        code = [_Line("" if ln.text.lstrip().startswith(("!", "%")) else ln.text, ln.raw)
                for ln in lines]
        shell += [ln for ln in lines if ln.text.lstrip().startswith("!")]
        if not _parses(code):
            at = _map(code, starts, 1, 0)
            facts.errors.append(ParseError(
                "a notebook cell is not valid Python 3; the cell is skipped",
                Location(path, at[0], at[1]), Severity.NOTE))
            continue
        module += code
    _read_python(path, module, starts, facts, read_module)
    _read_shell(path, shell, starts, facts, ctx)


def _line_starts(text: str) -> list[int]:
    out = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            out.append(i + 1)
    return out


def _file_pos(starts: list[int], offset: int) -> tuple[int, int]:
    import bisect

    i = bisect.bisect_right(starts, offset) - 1
    return i + 1, offset - starts[i] + 1


def _raw_offset(starts: list[int], line: int, column: int) -> int:
    return starts[line - 1] + column - 1


def _cell_lines(cell: PDict, text: str, starts: list[int]) -> list[_Line] | None:
    source = cell.get("source")
    pieces: list[tuple[str, int]] = []  # (decoded string, raw offset of its opening quote)
    if isinstance(source, str):
        p = cell.value_pos("source")
        pieces.append((source, _raw_offset(starts, p.line, p.column)))
    elif isinstance(source, PList):
        for i, item in enumerate(source):
            if not isinstance(item, str):
                return None
            p = source.item_pos(i)
            pieces.append((item, _raw_offset(starts, p.line, p.column)))
    else:
        return None
    chars: list[tuple[str, int]] = []
    for value, quote in pieces:
        chars += _decode_map(text, quote, value)
    lines: list[_Line] = []
    cur_text: list[str] = []
    cur_raw: list[int] = []
    for ch, raw in chars:
        if ch == "\n":
            lines.append(_Line("".join(cur_text), cur_raw + [raw]))
            cur_text, cur_raw = [], []
        else:
            cur_text.append(ch)
            cur_raw.append(raw)
    if cur_text:
        lines.append(_Line("".join(cur_text), cur_raw + [cur_raw[-1] + 1 if cur_raw else 0]))
    return lines


def _decode_map(text: str, quote: int, value: str) -> list[tuple[str, int]]:
    """(character, raw offset) of each character of the JSON string starting at ``quote``;
    falls back to the quote's offset for every character when the raw text is not as expected."""
    if quote >= len(text) or text[quote] != '"':
        return [(ch, quote) for ch in value]
    out: list[tuple[str, int]] = []
    i = quote + 1
    n = len(text)
    while i < n and text[i] != '"':
        if text[i] == "\\" and i + 1 < n:
            esc = text[i + 1]
            if esc == "u" and i + 6 <= n:
                code = int(text[i + 2:i + 6], 16) if _hex(text[i + 2:i + 6]) else 0xFFFD
                if 0xD800 <= code < 0xDC00 and text[i + 6:i + 8] == "\\u" and _hex(text[i + 8:i + 12]):
                    low = int(text[i + 8:i + 12], 16)
                    out.append((chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), i))
                    i += 12
                    continue
                out.append((chr(code), i))
                i += 6
                continue
            out.append(({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(esc, esc), i))
            i += 2
            continue
        out.append((text[i], i))
        i += 1
    if "".join(ch for ch, _ in out) != value:
        return [(ch, quote) for ch in value]
    return out


def _hex(s: str) -> bool:
    return len(s) == 4 and all(c in "0123456789abcdefABCDEF" for c in s)


def _parses(lines: list[_Line]) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse("\n".join(ln.text for ln in lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _map(lines: list[_Line], starts: list[int], line: int, col: int) -> tuple[int, int]:
    """Module (line, 0-based char column) -> notebook file (line, column)."""
    if not lines:
        return 1, 1
    ln = lines[min(max(line, 1), len(lines)) - 1]
    if not ln.raw:
        return 1, 1
    raw = ln.raw[min(max(col, 0), len(ln.raw) - 1)]
    return _file_pos(starts, raw)


def _read_python(path: str, module: list[_Line], starts: list[int], facts: Facts,
                 read_module: Callable[..., None]) -> None:
    """``read_module`` is the package's (passed in: the package imports this module)."""
    if not module:
        return
    text = "\n".join(ln.text for ln in module) + "\n"
    read_module(path, text, facts, lambda line, col: _map(module, starts, line, col))


def _read_shell(path: str, shell: list[_Line], starts: list[int], facts: Facts,
                ctx: Context) -> None:
    if not shell:
        return
    from policylint.readers import scripts

    lines = [ln.text.lstrip()[1:] if ln.text.lstrip().startswith("!") else ln.text
             for ln in shell]
    shifted = [_Line(t, ln.raw[len(ln.text) - len(t):] or ln.raw) for t, ln in zip(lines, shell)]
    text = "\n".join(lines) + "\n"
    if b"put-bucket-cors" not in text.encode("utf-8", "ignore"):
        return
    src = Source(path + ".sh", os.path.abspath(path) + ".sh", text.encode("utf-8"),
                 discover.SCRIPT)
    got = scripts.read(Unit(discover.SCRIPT, src.path, (src,)), ctx)
    got.files = []
    facts.extend(relocate(got, path, lambda line, col: _map(shifted, starts, line, col - 1)))


def _writefile(first: str, body: list[_Line], path: str, text: str, facts: Facts, ctx: Context,
               starts: list[int], read_module: Callable[..., None]) -> None:
    words = first.split()
    name = next((w for w in words[1:] if not w.startswith("-")), "")
    lower = name.lower()
    if lower.endswith(".py"):
        if _parses(body):
            _read_python(path, body, starts, facts, read_module)
        return
    if discover.classify(os.path.basename(name), b"put-bucket-cors") == discover.SCRIPT:
        _read_shell(path, [_Line(ln.text, ln.raw) for ln in body], starts, facts, ctx)


def relocate(facts: Facts, path: str, mapper: Any) -> Facts:
    """Every Location in ``facts`` moved by ``mapper`` (line, column) -> (line, column), with
    ``path`` as its path."""

    def move(obj: Any, depth: int = 0) -> Any:
        if depth > 20:
            return obj
        if isinstance(obj, Location):
            a = mapper(obj.line, obj.column)
            b = mapper(obj.end_line, obj.end_column)
            return Location(path, a[0], a[1], b[0], b[1])
        if isinstance(obj, tuple):
            return tuple(move(x, depth + 1) for x in obj)
        if isinstance(obj, list):
            return [move(x, depth + 1) for x in obj]
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            changes = {f.name: move(getattr(obj, f.name), depth + 1)
                       for f in dataclasses.fields(obj)}
            if isinstance(obj, Facts):
                return Facts(**changes)
            return dataclasses.replace(obj, **changes)
        return obj

    moved: Facts = move(facts)
    return moved
