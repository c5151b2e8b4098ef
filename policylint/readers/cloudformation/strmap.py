"""Where each character of a string built by ``Fn::Sub``/``Fn::Join`` stands in the template.

A state machine's ``DefinitionString`` is JSON inside a string: a finding about one of its states
points into that string. The string may be a YAML block scalar (``!Sub |`` or ``Fn::Sub: |``), a
quoted or plain scalar (JSON templates: one line with escapes), or the pieces of a ``Fn::Join``.
``source_map`` gives the template position (line, column) of every character of the evaluated
string: literal text maps one to one (escapes decoded), a substituted ``${...}`` maps to its
``$``, a computed ``Fn::Join`` item to the item. None when the string is not mapped (then the
caller points at the property).
"""
from __future__ import annotations

import re
from typing import Any

from policylint.model import Unknown
from policylint.positioned import PDict, PList, Pos
from policylint.readers.cloudformation.evaluate import MAX_DEPTH, Assume, Template, intrinsic
from policylint.readers.cloudformation.load import Loaded

Char = tuple[int, int]  # (line, column), 1-based, of one character in the template
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_ESCAPE_LEN = {"u": 6, "x": 4, "U": 10}
MAX_PIECES = 10_000


def source_map(src: Loaded, tpl: Template, node: Any, pos: Pos, assume: Assume,
               depth: int = 0) -> list[Char] | None:
    """The position of each character of ``tpl.document_text(node)``, or None."""
    fn = intrinsic(node)
    if isinstance(node, str):
        return scalar(src, node, pos)
    if fn is None or not isinstance(node, PDict) or depth > MAX_DEPTH:
        return None
    name, arg = fn
    if name == "Fn::Sub":
        variables: Any = {}
        text_pos = node.value_pos(name)
        if isinstance(arg, PList) and len(arg) == 2:
            arg, variables, text_pos = arg[0], arg[1], arg.item_pos(0)
        if not isinstance(arg, str):
            return None
        chars = scalar(src, arg, text_pos)
        return None if chars is None else _sub(tpl, arg, chars, variables, assume)
    if name == "Fn::Join" and isinstance(arg, PList) and len(arg) == 2 and isinstance(
            arg[1], PList) and isinstance(arg[0], str):
        return _join(src, tpl, arg[0], arg[1], assume, depth)
    return None


def _sub(tpl: Template, text: str, chars: list[Char], variables: Any, assume: Assume
         ) -> list[Char] | None:
    out: list[Char] = []
    pos = 0
    for m in _SUB_VAR.finditer(text):
        out += chars[pos:m.start()]
        pos = m.end()
        piece = m.group(0) if not variables else [m.group(0), variables]
        got = tpl.sub(piece, dict(assume), 0, lenient=True)
        if not isinstance(got, str):
            return None
        out += [chars[m.start()]] * len(got)
    out += chars[pos:]
    return out


def _join(src: Loaded, tpl: Template, delim: str, items: PList, assume: Assume, depth: int
          ) -> list[Char] | None:
    out: list[Char] = []
    for i, item in enumerate(items[:MAX_PIECES]):
        start = items.item_pos(i)
        if i:
            out += [(start.line, start.column)] * len(delim)
        got = source_map(src, tpl, item, start, assume, depth + 1)
        if got is None:
            text = tpl.document_text(item, assume)
            if isinstance(text, Unknown):
                return None
            got = [(start.line, start.column)] * len(text)
        out += got
    return out


def scalar(src: Loaded, text: str, pos: Pos) -> list[Char] | None:
    """The position of each character of the scalar ``text`` written at ``pos``."""
    lines = src.lines
    if not 1 <= pos.line <= len(lines):
        return None
    line = lines[pos.line - 1]
    col = pos.column - 1
    if line[col:col + 1] == "!":  # a short-form tag before the scalar
        m = re.compile(r"!\S*\s+").match(line, col)
        col = m.end() if m is not None else col
    first = line[col:col + 1]
    if first in ("|", ">"):
        return _block(src, text, pos) if first == "|" else None
    got: list[Char] | None
    if first in ('"', "'"):
        cols = _quoted(line, col, first)
        got = None if cols is None else [(pos.line, c) for c in cols]
    elif pos.end_line == pos.line:
        got = [(pos.line, col + 1 + i) for i in range(len(text))]
    else:
        return None
    return got if got is not None and len(got) == len(text) else None


def _quoted(line: str, col: int, quote: str) -> list[int] | None:
    """Columns of the decoded characters of a one-line quoted scalar whose quote is at
    ``col`` (0-based); None when it does not close on the line."""
    out: list[int] = []
    i = col + 1
    while i < len(line):
        c = line[i]
        if c == quote and quote == "'" and line[i + 1:i + 2] == "'":
            out.append(i + 1)
            i += 2
            continue
        if c == quote:
            return out
        if c == "\\" and quote == '"':
            out.append(i + 1)
            i += _ESCAPE_LEN.get(line[i + 1:i + 2], 2)
            continue
        out.append(i + 1)
        i += 1
    return None


def _block(src: Loaded, text: str, pos: Pos) -> list[Char] | None:
    """A ``|`` block scalar: its lines map one to one to the string's, after the indentation."""
    lines = src.lines
    first = next((n for n in range(pos.line + 1, min(pos.end_line, len(lines)) + 1)
                  if lines[n - 1].strip()), None)
    if first is None:
        return None
    indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
    out: list[Char] = []
    for k, part in enumerate(text.split("\n")):
        out += [(first + k, indent + 1 + c) for c in range(len(part) + 1)]
    return out[:len(text)]
