"""HCL and Terraform JSON syntax → ``Block``/``Attr`` trees with exact positions.

tree-sitter is imported on first use (never at policylint import time) so that a one-file run of
another kind stays light. Expressions stay tree-sitter nodes (HCL) or ``JsonExpr`` values (JSON
syntax); ``evaluate.py`` interprets both.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Union

from policylint.decoding import Positions
from policylint.model import Format, Location, ParseError
from policylint.positioned import PDict

_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
    return _PARSER


@dataclass(frozen=True)
class JsonExpr:
    """An expression in Terraform JSON syntax: a JSON value whose strings are templates."""

    value: Any
    loc: Location


Expr = Union[Any, JsonExpr]  # a tree-sitter "expression" node, or JsonExpr


class _HclPositions(Positions):
    """``Positions`` whose line starts are found only when a column needs them: in an ASCII
    file a column is its byte column, so most files never need them."""

    def __init__(self, path: str, data: bytes) -> None:  # no super(): its starts are eager
        self.path = path
        self.data = data
        self.shifts: dict[int, list[tuple[int, int]]] = {}
        self._ascii = data.isascii()
        self._starts: list[int] | None = None

    @property  # type: ignore[override]
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = Positions(self.path, self.data).starts
        return self._starts

    @starts.setter
    def starts(self, value: list[int]) -> None:
        self._starts = value

    def column(self, row: int, byte_col: int) -> int:
        if self._ascii and not self.shifts:
            return byte_col + 1
        return super().column(row, byte_col)


def _pack(point: Any) -> int:
    return (point[0] << 32) | point[1]


def _unpack(packed: int) -> tuple[int, int]:
    return packed >> 32, packed & 0xFFFFFFFF


def _loc_of(pos: Positions, start: Any, end: Any) -> Location:
    line, col = pos.point(start)
    end_line, end_col = pos.point(end)
    return Location(pos.path, line, col, end_line, end_col)


class Attr:
    """``name = expr``, with the attribute's location (name to end of value) and the value's.

    Locations given to the constructor are used as they are; the HCL parser gives none and they
    are computed on first use — from the attribute's tree-sitter node (a file parsed whole), or
    from its packed points (a large file parsed item by item, whose trees are released: ``expr``
    is then re-parsed from the attribute's top-level item when it is asked for)."""

    __slots__ = ("name", "positions", "_expr", "_loc", "_value_loc", "_node", "_src", "_pts")

    def __init__(self, name: str, expr: Expr, loc: Location | None = None,
                 value_loc: Location | None = None, positions: Positions | None = None) -> None:
        self.name = name
        self.positions = positions  # HCL only: to locate parts of the expression
        self._expr = expr
        self._loc = loc
        self._value_loc = value_loc
        self._node: Any = None  # the attribute node, while the file's tree is kept
        self._src: _Source | None = None  # a file parsed item by item
        # (start byte, end byte, attribute start, attribute end, value start, value end)
        self._pts: tuple[int, ...] = ()

    @property
    def expr(self) -> Expr:
        if self._src is not None:
            return self._src.expr(self._pts[0], self._pts[1])
        return self._expr

    @property
    def loc(self) -> Location:
        """The whole attribute (name to end of value)."""
        if self._loc is None:
            self._loc = self._locate(0)
        return self._loc

    @property
    def value_loc(self) -> Location:
        if self._value_loc is None:
            self._value_loc = self._locate(1)
        return self._value_loc

    def _locate(self, which: int) -> Location:
        pos = self.positions
        assert pos is not None  # the parser sets positions whenever it leaves locations unset
        if self._node is not None:
            node: Any = self._node if which == 0 else self._expr
            return _loc_of(pos, node.start_point, node.end_point)
        start, end = self._pts[2 + 2 * which], self._pts[3 + 2 * which]
        return _loc_of(pos, _unpack(start), _unpack(end))

    def __repr__(self) -> str:
        return f"Attr({self.name!r})"


class Block:
    """A block: type, labels, attributes, nested blocks, and where it is (the type keyword to
    the closing brace; ``close`` is the line and column of that brace). ``text`` is the file's
    bytes (for comment lookup). HCL blocks compute ``loc`` and ``close`` on first use."""

    __slots__ = ("type", "labels", "attrs", "blocks", "fmt", "text", "pos", "_loc", "_close",
                 "_pts")

    def __init__(self, type_: str, labels: list[str], attrs: dict[str, Attr],
                 blocks: list[Block], loc: Location | None, fmt: Format,
                 close: tuple[int, int] | None = (0, 0), text: bytes = b"",
                 pos: Positions | None = None) -> None:
        self.type = type_
        self.labels = labels
        self.attrs = attrs
        self.blocks = blocks
        self.fmt = fmt
        self.text = text
        self.pos = pos
        self._loc = loc
        self._close = close
        self._pts: tuple[int, int, int] = (0, 0, -1)  # packed start, end, closing brace (or -1)

    @property
    def loc(self) -> Location:
        if self._loc is None:
            assert self.pos is not None
            self._loc = _loc_of(self.pos, _unpack(self._pts[0]), _unpack(self._pts[1]))
        return self._loc

    @loc.setter
    def loc(self, value: Location) -> None:
        self._loc = value

    @property
    def close(self) -> tuple[int, int]:
        if self._close is None:
            if self._pts[2] >= 0:
                assert self.pos is not None
                self._close = self.pos.point(_unpack(self._pts[2]))
            else:
                self._close = (self.loc.end_line, self.loc.end_column)
        return self._close

    @close.setter
    def close(self, value: tuple[int, int]) -> None:
        self._close = value

    def children(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]

    def __repr__(self) -> str:
        return f"Block({self.type!r}, {self.labels!r})"


@dataclass
class Comment:
    text: str
    loc: Location
    trailing: bool  # code precedes it on its line


@dataclass
class FileSyntax:
    path: str
    fmt: Format
    blocks: list[Block] = field(default_factory=list)
    attrs: dict[str, Attr] = field(default_factory=dict)  # top-level (tfvars)
    # only collected in files that mention policylint (see may_hold_directive)
    comments: list[Comment] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    pos: Positions | None = None


# --- HCL native syntax ------------------------------------------------------------------------

# Memory. tree-sitter's tree costs ~110 bytes per input byte, and expressions are tree nodes
# (which keep their whole tree alive), so a file parsed whole costs its tree for as long as the
# file is in use. A file from PIECE_MIN_FILE bytes on is parsed piece by piece instead: the
# source is cut at top-level item boundaries that a lexical scan proves (``split_points``),
# each piece of about PIECE_BYTES is parsed with tree-sitter's included ranges (positions stay
# those of the whole file), its blocks and attributes are built, and its tree is dropped. An
# attribute's ``expr`` is then re-parsed from its top-level item when it is asked for, and the
# trees of the last LIVE_BYTES of items stay alive. tree-sitter's error recovery is not local (an
# error can be recovered differently with or without the items before it), so a file with a
# syntax error is parsed whole — exactly as a small file — unless it is over WHOLE_MAX bytes:
# then memory wins, each piece keeps its own error recovery, and the first error is reported.
PIECE_MIN_FILE = 2 << 20
PIECE_BYTES = 64 << 10
LIVE_BYTES = 256 << 10
WHOLE_MAX = 4 << 20


def parse_hcl(path: str, data: bytes, text: str | None = None, *,
              pieces: bool | None = None) -> FileSyntax:
    """``data`` (UTF-8 HCL) as blocks and attributes. ``pieces``: parse piece by piece (True),
    whole (False), or by size (None: from PIECE_MIN_FILE bytes on); the result is the same."""
    pos = _HclPositions(path, data)
    out = FileSyntax(path, Format.TERRAFORM, pos=pos)
    if pieces is None:
        pieces = len(data) >= PIECE_MIN_FILE
    points = split_points(data) if pieces else []
    if points and _parse_pieces(data, pos, points, out):
        return out
    if points:  # a syntax error in a file that is not too large: parsed whole after all
        pos = _HclPositions(path, data)
        out = FileSyntax(path, Format.TERRAFORM, pos=pos)
    tree = _parser().parse(data)
    root = tree.root_node
    if root.has_error:
        tree, data = _exponent_workaround(tree, data, pos)
        root = tree.root_node
    if root.has_error:
        _report_error(root, pos, out)
    for node in root.children:
        if node.type == "body":
            _body(node, pos, out.blocks, out.attrs, data, out.errors, None)
    if may_hold_directive(data):
        _comments(root, pos, out.comments)
        out.comments.sort(key=lambda c: (c.loc.line, c.loc.column))
    return out


def _report_error(root: Any, pos: Positions, out: FileSyntax) -> None:
    bad = _first_error(root)
    if bad is not None:
        line, col = pos.point(bad.start_point)
        what = (f"incomplete syntax (the parser expected '{bad.type}' here)"
                if bad.is_missing else "unexpected syntax")
        snippet = "" if bad.is_missing else _snippet(bad)
        out.errors.append(ParseError(f"HCL syntax error: {what}{snippet}",
                                     Location(out.path, line, col)))


_DIRECTIVE_WORD = re.compile("policylint", re.I)  # the same case-folding as the directive regexes


def may_hold_directive(data: bytes) -> bool:
    """Prefilter: every comment the reader uses (``policylint: disable=...``, ``policylint:
    labeling-input``, and the comment runs around them) needs the word policylint somewhere in
    the file; without it, walking every node for comments (a quarter of parse time) is skipped."""
    if re.search(rb"(?i)policylint", data):
        return True
    if data.isascii():
        return False
    return _DIRECTIVE_WORD.search(data.decode("utf-8", "replace")) is not None


_EXPONENT = re.compile(rb"[eE][+-]?[0-9]")
_DIGITS = re.compile(rb"[0-9]+")
MAX_PATCHES = 32


def _exponent_patch(bad: Any, data: bytes) -> int | None:
    """Where ``.0`` goes so that tree-sitter-hcl 1.2 accepts the number the error ``bad`` starts
    at, or None. It rejects an integer mantissa with an exponent (``1e3``, ``105e+2``), which
    HCL accepts."""
    if bad is None or bad.is_missing:
        return None
    start = bad.start_byte
    digits = _DIGITS.match(data, start)
    at = digits.end() if digits else start
    if not (at > 0 and data[at - 1:at].isdigit() and _EXPONENT.match(data, at)):
        return None
    return int(at)


def _exponent_workaround(tree: Any, data: bytes, pos: Positions) -> tuple[Any, bytes]:
    """Where an error starts at an exponent right after digits, ``.0`` is inserted before it
    and the file parsed again; ``pos`` learns the shift so that columns stay those of the
    original text."""
    for _ in range(MAX_PATCHES):
        bad = _first_error(tree.root_node)
        at = _exponent_patch(bad, data)
        if at is None:
            break
        row, col = bad.start_point
        data = data[:at] + b".0" + data[at:]
        pos.shifts.setdefault(row, []).append((col + at - bad.start_byte, 2))
        tree = _parser().parse(data)
        if not tree.root_node.has_error:
            break
    return tree, data


# --- large files, piece by piece --------------------------------------------------------------

_CODE_STOP = re.compile(rb'[{}\[\]()"#/<\n]')
_STRING_STOP = re.compile(rb'["\\$%]')
_TEMPLATE_OPEN = re.compile(rb"\$\$\{|%%\{|\$\{|%\{")
_HEREDOC_START = re.compile(rb"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
# a line that can only begin a new top-level item: an attribute or a block header
_ITEM_START = re.compile(rb'[A-Za-z_][A-Za-z0-9_-]*(?:[ \t]*(?:=(?!=)|\{)|[ \t]+["A-Za-z_])')
# the last code byte before a top-level item may start: the previous item can have ended there
_ENDS = frozenset(b'}])"_-' + b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_CLOSER = {ord("}"): ord("{"), ord("]"): ord("["), ord(")"): ord("(")}
_INTERP = 1  # a stack entry: inside ${...} or %{...} of a string or heredoc
_STRING = 2
_HEREDOC = 3


def split_points(data: bytes) -> list[int]:
    """Byte offsets (line starts, ascending, none at 0) where a new top-level item certainly
    begins: a lexical scan of HCL (quoted strings with escapes and ``${}``/``%{}`` templates,
    heredocs, ``#``, ``//`` and ``/* */`` comments, nested brackets) at nesting depth 0, where
    the previous item has ended and the line starts like an attribute or a block. The scan
    stops at anything it does not understand; the points before it stand (lexing goes left to
    right), the rest of the file is one piece."""
    out: list[int] = []
    stack: list[int] = []  # b"{[(" code brackets, or _INTERP/_STRING/_HEREDOC
    markers: list[bytes] = []  # heredoc markers, innermost last
    n = len(data)
    i = 0
    prev = 0  # top level: where the text not yet looked at for its last code byte starts
    last = -1  # top level: the last code byte so far
    while i < n:
        top = stack[-1] if stack else 0
        if top == _STRING:
            m = _STRING_STOP.search(data, i)
            if m is None:
                return out
            j = m.start()
            c = data[j]
            if c == 0x22:  # "
                stack.pop()
                i = j + 1
                if not stack:
                    last, prev = 0x22, i
            elif c == 0x5C:  # backslash escape
                i = j + 2
            else:
                t = _TEMPLATE_OPEN.match(data, j)
                if t is None:
                    i = j + 1
                elif len(t.group()) == 3:  # $${ or %%{: literal
                    i = j + 3
                else:
                    stack.append(_INTERP)
                    i = j + 2
            continue
        if top == _HEREDOC:
            if data[i - 1] == 0x0A:  # a line start: the closing marker?
                e = data.find(b"\n", i)
                e = n if e < 0 else e
                if data[i:e].strip(b" \t\r") == markers[-1]:
                    stack.pop()
                    markers.pop()
                    i = e
                    if not stack:
                        last, prev = 0x5F, i  # the marker: an identifier
                    continue
            e = data.find(b"\n", i)
            e = n if e < 0 else e
            t = _TEMPLATE_OPEN.search(data, i, e)
            while t is not None and len(t.group()) == 3:
                t = _TEMPLATE_OPEN.search(data, t.end(), e)
            if t is None:
                i = e + 1
            else:
                stack.append(_INTERP)
                i = t.end()
            continue
        # code: the top level, inside brackets, or inside a template's ${...}
        m = _CODE_STOP.search(data, i)
        if m is None:
            return out
        j = m.start()
        c = data[j]
        if not stack:
            gap = data[prev:j].rstrip()
            if gap:
                last = gap[-1]
        if c == 0x0A:  # newline
            if not stack:
                if last in _ENDS and _ITEM_START.match(data, j + 1):
                    out.append(j + 1)
                prev = j + 1
            i = j + 1
        elif c == 0x23 or (c == 0x2F and data[j + 1:j + 2] == b"/"):  # # or // comment
            e = data.find(b"\n", j)
            i = n if e < 0 else e
            prev = i if not stack else prev
        elif c == 0x2F:
            if data[j + 1:j + 2] == b"*":
                e = data.find(b"*/", j + 2)
                if e < 0:
                    return out
                i = e + 2
                prev = i if not stack else prev
            else:
                i = j + 1  # division
        elif c == 0x22:
            stack.append(_STRING)
            i = j + 1
        elif c in (0x7B, 0x5B, 0x28):  # { [ (
            stack.append(c)
            i = j + 1
        elif c in _CLOSER:
            if not stack:
                return out  # a closer at the top level: broken, not understood
            if stack[-1] == _INTERP and c == 0x7D:
                stack.pop()
            elif stack[-1] == _CLOSER[c]:
                stack.pop()
                if not stack:
                    last, prev = c, j + 1
            else:
                return out
            i = j + 1
        else:  # <
            if data[j + 1:j + 2] != b"<":
                i = j + 1  # less than
                continue
            h = _HEREDOC_START.match(data, j)
            if h is None:
                return out
            stack.append(_HEREDOC)
            markers.append(h.group(1))
            i = h.end()
    return out


class _Source:
    """A large file parsed piece by piece: its bytes (with any exponent patches), the starts of
    the units that are re-parsed on demand (one top-level item each, or a whole piece where
    that piece had a syntax error), and the trees of the last LIVE_BYTES of units."""

    def __init__(self, data: bytes, pos: Positions) -> None:
        import array

        self.data = data
        self.pos = pos
        self.units = array.array("q")  # start offsets, ascending
        self.rows = array.array("q")  # the row of each start (all are line starts)
        self.ends = array.array("q")
        self.end_rows = array.array("q")
        self._trees: dict[int, Any] = {}  # unit → tree, oldest first
        self._live = 0
        self.reparses = 0  # for tests: how many units were parsed again

    def add(self, start: int, row: int, end: int, end_row: int) -> None:
        self.units.append(start)
        self.rows.append(row)
        self.ends.append(end)
        self.end_rows.append(end_row)

    def tree(self, k: int) -> Any:
        got = self._trees.pop(k, None)
        if got is None:
            self.reparses += 1
            got = _parse_range(self.data, self.units[k], self.rows[k], self.ends[k],
                               self.end_rows[k])
            self._live += self.ends[k] - self.units[k]
            while self._live > LIVE_BYTES and self._trees:
                old = next(iter(self._trees))
                self._live -= self.ends[old] - self.units[old]
                del self._trees[old]
        self._trees[k] = got
        return got

    def expr(self, start: int, end: int) -> Any:
        """The value node of the attribute at ``start``..``end`` (bytes), from a fresh parse of
        its unit (or a recent one)."""
        k = bisect.bisect_right(self.units, start) - 1
        node = self.tree(k).root_node.descendant_for_byte_range(start, end)
        while node is not None and not (node.type == "attribute" and node.start_byte == start
                                        and node.end_byte == end):
            node = node.parent
        if node is None:  # cannot happen: the unit parses as it did the first time
            raise RuntimeError(f"{self.pos.path}: attribute at byte {start} not found again")
        return next(c for c in node.children if c.type == "expression")


def _end_point(data: bytes, end: int, end_row: int) -> tuple[int, int]:
    if end < len(data):
        return end_row, 0  # a line start
    return end_row, end - (data.rfind(b"\n", 0, end) + 1)


def _parse_range(data: bytes, start: int, row: int, end: int, end_row: int) -> Any:
    import tree_sitter

    parser = _parser()
    parser.included_ranges = [tree_sitter.Range((row, 0), _end_point(data, end, end_row),
                                                start, end)]
    try:
        return parser.parse(data)
    finally:
        parser.included_ranges = []


def _parse_pieces(data: bytes, pos: Positions, points: list[int], out: FileSyntax) -> bool:
    """Fill ``out`` piece by piece; False (``out`` half filled) when a piece has a syntax error
    and the file is small enough to be parsed whole."""
    starts = pos.starts
    last_row = len(starts) - 1
    bounds = [0] + points
    # pieces: [start, end, start row, end row, item starts]
    pieces: list[list[Any]] = []
    for p in bounds:
        if not pieces or p - pieces[-1][0] >= PIECE_BYTES:
            pieces.append([p, 0, bisect.bisect_left(starts, p), 0, []])
        pieces[-1][4].append(p)
    for a, b in zip(pieces, pieces[1:]):
        a[1], a[3] = b[0], b[2]
    pieces[-1][1], pieces[-1][3] = len(data), last_row
    src = _Source(data, pos)
    want_comments = may_hold_directive(data)
    patches = 0
    i = 0
    while i < len(pieces):
        start, end, row, end_row, items = pieces[i]
        tree = _parse_range(src.data, start, row, end, end_row)
        while tree.root_node.has_error and patches < MAX_PATCHES:
            bad = _first_error(tree.root_node)
            at = _exponent_patch(bad, src.data)
            if at is None:
                break
            patches += 1
            brow, bcol = bad.start_point
            src.data = src.data[:at] + b".0" + src.data[at:]
            pos.shifts.setdefault(brow, []).append((bcol + at - bad.start_byte, 2))
            end += 2
            pieces[i][1] = end
            for later in pieces[i + 1:]:
                later[0] += 2
                later[1] += 2
                later[4] = [p + 2 for p in later[4]]
            items[:] = [items[0]] + [p + 2 if p > at else p for p in items[1:]]
            tree = _parse_range(src.data, start, row, end, end_row)
        if tree.root_node.has_error and len(data) <= WHOLE_MAX:
            return False
        root = tree.root_node
        if root.has_error:
            items = [start]
            if not out.errors:
                _report_error(root, pos, out)
        for k, p in enumerate(items):
            nxt = items[k + 1] if k + 1 < len(items) else end
            src.add(p, bisect.bisect_left(starts, p) if k else row, nxt,
                    bisect.bisect_left(starts, nxt) if k + 1 < len(items) else end_row)
        for node in root.children:
            if node.type == "body":
                _body(node, pos, out.blocks, out.attrs, src.data, out.errors, src)
        if want_comments:
            _comments(root, pos, out.comments)
        del tree, root
        i += 1
    if patches:  # blocks read before a patch hold the bytes before it
        stack = list(out.blocks)
        while stack:
            block = stack.pop()
            block.text = src.data
            stack.extend(block.blocks)
    out.comments.sort(key=lambda c: (c.loc.line, c.loc.column))
    return True


# --- building blocks and attributes -----------------------------------------------------------

def _snippet(node: Any) -> str:
    raw = node.text.decode("utf-8", "replace").strip().splitlines()
    return f" near '{raw[0][:40]}'" if raw else ""


def _first_error(node: Any) -> Any:
    if node.type == "ERROR" or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            got = _first_error(child)
            if got is not None:
                return got
    return None


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace")


def _label(node: Any) -> str:
    if node.type == "identifier":
        return _text(node)
    return "".join(_text(c) for c in node.children if c.type == "template_literal")


MAX_BLOCK_DEPTH = 64  # nested blocks kept; deeper ones are reported and skipped


def _body(body: Any, pos: Positions, blocks: list[Block], attrs: dict[str, Attr],
          data: bytes, errors: list[ParseError], src: _Source | None, depth: int = 0) -> None:
    for node in body.children:
        if node.type == "attribute":
            attr = _attribute(node, pos, src)
            if attr is not None:
                attrs[attr.name] = attr
        elif node.type == "block":
            if depth >= MAX_BLOCK_DEPTH:  # 100,000 nested blocks would exhaust the stack
                errors.append(ParseError(f"blocks nested deeper than {MAX_BLOCK_DEPTH} levels: "
                                         "the inner ones are not analysed", pos.loc(node)))
                continue
            block = _block(node, pos, data, errors, src, depth + 1)
            if block is not None:
                blocks.append(block)


def _attribute(node: Any, pos: Positions, src: _Source | None) -> Attr | None:
    name = None
    expr = None
    for c in node.children:
        if c.type == "identifier" and name is None:
            name = _text(c)
        elif c.type == "expression":
            expr = c
    if name is None or expr is None:
        return None
    if src is None:
        attr = Attr(name, expr, None, None, pos)
        attr._node = node
        return attr
    attr = Attr(name, None, None, None, pos)
    attr._src = src
    attr._pts = (node.start_byte, node.end_byte, _pack(node.start_point), _pack(node.end_point),
                 _pack(expr.start_point), _pack(expr.end_point))
    return attr


def _block(node: Any, pos: Positions, data: bytes, errors: list[ParseError],
           src: _Source | None, depth: int) -> Block | None:
    type_ = None
    labels: list[str] = []
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    close = -1
    for c in node.children:
        if c.type == "identifier" and type_ is None:
            type_ = _text(c)
        elif c.type in ("string_lit", "identifier"):
            labels.append(_label(c))
        elif c.type == "body":
            _body(c, pos, blocks, attrs, data, errors, src, depth)
        elif c.type == "block_end":
            close = _pack(c.start_point)
    if type_ is None:
        return None
    block = Block(type_, labels, attrs, blocks, None, Format.TERRAFORM, None, data, pos)
    block._pts = (_pack(node.start_point), _pack(node.end_point), close)
    return block


def _comments(root: Any, pos: Positions, out: list[Comment]) -> None:
    """Every comment under ``root``, appended in document order (the caller sorts)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "comment":
            loc = pos.loc(node)
            row, col = node.start_point
            start = pos.starts[row] if row < len(pos.starts) else 0
            before = pos.data[start:start + col].strip()
            out.append(Comment(_text(node), loc, bool(before)))
            continue
        stack.extend(reversed(node.children))


# --- JSON syntax ------------------------------------------------------------------------------

# Nested block types that JSON syntax cannot tell from object attributes without a schema.
JSON_BLOCKS = frozenset({
    "cors_rule", "dynamic", "content", "input_config", "data_source", "s3_data_source",
    "output_config", "human_task_config", "human_loop_config", "human_loop_request_source",
    "inline_policy", "statement", "principals", "condition", "lifecycle",
})
# top-level types whose children nest by type then name
_LABEL_DEPTH = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1,
                "provider": 1, "locals": 0, "terraform": 0}


def parse_json(path: str, data: bytes, text: str) -> FileSyntax:
    from policylint import jsonpos

    out = FileSyntax(path, Format.TERRAFORM_JSON)
    try:
        doc = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:
        out.errors.append(ParseError(f"invalid JSON: {exc.message}",
                                     Location(path, exc.line, exc.column)))
        return out
    if not isinstance(doc, PDict):
        out.errors.append(ParseError("Terraform JSON must be an object", Location(path, 1, 1)))
        return out
    top_is_vars = path.endswith(".tfvars.json")
    for key, value in doc.items():
        kloc = _key_loc(path, doc, key, Location(path, 1, 1))
        if top_is_vars:
            out.attrs[key] = Attr(key, JsonExpr(value, kloc), kloc, kloc)
            continue
        depth = _LABEL_DEPTH.get(key)
        if depth is None:
            continue
        for labels, body, loc in _json_labelled(value, depth, path, kloc):
            for item in body if isinstance(body, list) else [body]:
                if isinstance(item, dict):
                    # a block is its name key through its body; list items are their object
                    ploc = _ploc(path, getattr(item, "pos", None), None) if isinstance(
                        body, list) else loc
                    out.blocks.append(_json_block(key, labels, item, ploc, path))
    return out


def _ploc(path: str, p1: Any, p2: Any) -> Location:
    if p1 is None:
        return Location(path, 1, 1)
    end = p2 or p1
    return Location(path, p1.line, p1.column, end.end_line, end.end_column)


def _key_loc(path: str, d: Any, key: str, fallback: Location) -> Location:
    """A JSON member's location: its key through the end of its value."""
    if isinstance(d, PDict):
        return _ploc(path, d.key_pos(key), d.value_pos(key))
    return fallback


def _json_labelled(value: Any, depth: int, path: str,
                   loc: Location) -> Iterator[tuple[list[str], Any, Location]]:
    if depth == 0:
        yield [], value, loc
        return
    if isinstance(value, list):
        for item in value:
            yield from _json_labelled(item, depth, path, loc)
        return
    if not isinstance(value, dict):
        return
    for k, v in value.items():
        kloc = _key_loc(path, value, k, loc)
        for labels, body, l2 in _json_labelled(v, depth - 1, path, kloc):
            yield [k] + labels, body, l2


def _json_block(type_: str, labels: list[str], body: dict[str, Any], loc: Location,
                path: str) -> Block:
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    for k, v in body.items():
        kloc = _key_loc(path, body, k, loc)
        vloc = _ploc(path, body.value_pos(k), None) if isinstance(body, PDict) else loc
        # a module call's arguments are all inputs (cors_rule of a module is a value)
        if k in JSON_BLOCKS and isinstance(v, (dict, list)) and k != "//" and type_ != "module":
            if k == "dynamic" and isinstance(v, dict):
                for name, inner in v.items():
                    for item in inner if isinstance(inner, list) else [inner]:
                        if isinstance(item, dict):
                            blocks.append(_json_block("dynamic", [name], item, kloc, path))
                continue
            for item in v if isinstance(v, list) else [v]:
                if isinstance(item, dict):
                    iloc = _ploc(path, getattr(item, "pos", None), None)
                    blocks.append(_json_block(k, [], item, iloc, path))
            continue
        attrs[k] = Attr(k, JsonExpr(v, vloc), kloc, vloc)
    close = (loc.end_line, max(loc.end_column - 1, 1))
    return Block(type_, labels, attrs, blocks, loc, Format.TERRAFORM_JSON, close)


def json_string_template(value: str) -> Any:
    """A JSON-syntax string as an HCL template expression node (for ``${...}`` in .tf.json)."""
    quoted = json.dumps(value, ensure_ascii=False)
    data = b"x = " + quoted.encode("utf-8") + b"\n"
    tree = _parser().parse(data)
    body = tree.root_node.children[0] if tree.root_node.children else None
    if body is None or tree.root_node.has_error:
        return None
    for attr in body.children:
        for c in attr.children:
            if c.type == "expression":
                return c
    return None


_TEMPLATE_MARK = "POLICYLINT_TEMPLATE_END"


def parse_template(text: str) -> Any:
    """A template file (``templatefile``) as a heredoc expression node, or None."""
    body = text if text.endswith("\n") else text + "\n"
    if _TEMPLATE_MARK in body:
        return None
    data = ("x = <<" + _TEMPLATE_MARK + "\n" + body + _TEMPLATE_MARK + "\n").encode("utf-8")
    tree = _parser().parse(data)
    if tree.root_node.has_error or not tree.root_node.children:
        return None
    for attr in tree.root_node.children[0].children:
        for c in attr.children:
            if c.type == "expression":
                return c
    return None


@dataclass
class ModuleFiles:
    """The parsed files of one module folder."""

    dir_abs: str
    dir_display: str
    files: list[FileSyntax] = field(default_factory=list)  # .tf and .tf.json
    tfvars: list[FileSyntax] = field(default_factory=list)  # in Terraform's precedence order


# --- locating inside a parsed expression -----------------------------------------------------

def hcl_locator(attr: Attr, fallback: Location) -> Callable[[tuple[Any, ...]], Location]:
    """Locate a key path inside ``jsonencode({...})`` written as an HCL object literal."""
    pos = attr.positions
    expr = attr.expr
    if pos is None or isinstance(expr, JsonExpr):
        return lambda keys: fallback

    def locate(keys: tuple[Any, ...]) -> Location:
        node = _jsonencode_arg(expr)
        best = fallback
        for k in keys:
            if node is None:
                break
            found = _member(node, k)
            if found is None:
                break
            elem, node = found
            best = pos.loc(elem)
        return best

    return locate


def _jsonencode_arg(expr: Any) -> Any:
    kids = [c for c in expr.children if c.type != "comment"]
    if len(kids) != 1 or kids[0].type != "function_call":
        return None
    call = kids[0]
    name = next((c for c in call.children if c.type == "identifier"), None)
    if name is None or name.text != b"jsonencode":
        return None
    args = next((c for c in call.children if c.type == "function_arguments"), None)
    return next((c for c in args.children if c.type == "expression"), None) if args else None


def _member(expr: Any, key: Any) -> tuple[Any, Any] | None:
    coll = next((c for c in expr.children if c.type == "collection_value"), None)
    if coll is None or not coll.children:
        return None
    inner = coll.children[0]
    if inner.type == "tuple" and isinstance(key, int):
        items = [c for c in inner.children if c.type == "expression"]
        return (items[key], items[key]) if 0 <= key < len(items) else None
    if inner.type != "object":
        return None
    for elem in inner.children:
        if elem.type != "object_elem":
            continue
        exprs = [c for c in elem.children if c.type == "expression"]
        if len(exprs) == 2 and _key_text(exprs[0]) == key:
            return elem, exprs[1]
    return None


def _key_text(expr: Any) -> str:
    raw = expr.text.decode("utf-8", "replace").strip()
    if raw.startswith('"') and raw.endswith('"'):
        try:
            return str(json.loads(raw))
        except ValueError:
            return raw[1:-1]
    return raw
