"""HCL and Terraform JSON syntax → ``Block``/``Attr`` trees with exact positions.

tree-sitter is imported on first use (never at policylint import time) so that a one-file run of
another kind stays light. Expressions stay tree-sitter nodes (HCL) or ``JsonExpr`` values (JSON
syntax); ``evaluate.py`` interprets both.
"""
from __future__ import annotations

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


@dataclass
class Attr:
    name: str
    expr: Expr
    loc: Location  # the whole attribute (name to end of value)
    value_loc: Location
    positions: Positions | None = None  # HCL only: to locate parts of the expression


@dataclass
class Block:
    type: str
    labels: list[str]
    attrs: dict[str, Attr]
    blocks: list[Block]
    loc: Location  # from the type keyword to the closing brace
    fmt: Format
    close: tuple[int, int] = (0, 0)  # line, column of the closing brace
    text: bytes = b""  # the file's bytes (for comment lookup)
    pos: Positions | None = None

    def children(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]


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

def parse_hcl(path: str, data: bytes, text: str | None = None) -> FileSyntax:
    pos = Positions(path, data)
    out = FileSyntax(path, Format.TERRAFORM, pos=pos)
    tree = _parser().parse(data)
    root = tree.root_node
    if root.has_error:
        tree, data = _exponent_workaround(tree, data, pos)
        root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        if bad is not None:
            line, col = pos.point(bad.start_point)
            what = (f"incomplete syntax (the parser expected '{bad.type}' here)"
                    if bad.is_missing else "unexpected syntax")
            snippet = "" if bad.is_missing else _snippet(bad)
            out.errors.append(ParseError(f"HCL syntax error: {what}{snippet}",
                                         Location(path, line, col)))
    for node in root.children:
        if node.type == "body":
            _body(node, pos, out.blocks, out.attrs, data, out.errors)
    if may_hold_directive(data):
        _comments(root, pos, out.comments)
    return out


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


def _exponent_workaround(tree: Any, data: bytes, pos: Positions) -> tuple[Any, bytes]:
    """tree-sitter-hcl 1.2 rejects a number with an integer mantissa and an exponent (``1e3``,
    ``105e+2``), which HCL accepts. Where an error starts at such an exponent right after
    digits, ``.0`` is inserted before it and the file parsed again; ``pos`` learns the shift so
    that columns stay those of the original text."""
    for _ in range(MAX_PATCHES):
        bad = _first_error(tree.root_node)
        if bad is None or bad.is_missing:
            break
        start = bad.start_byte
        digits = _DIGITS.match(data, start)
        at = digits.end() if digits else start
        if not (at > 0 and data[at - 1:at].isdigit() and _EXPONENT.match(data, at)):
            break
        row, col = bad.start_point
        data = data[:at] + b".0" + data[at:]
        pos.shifts.setdefault(row, []).append((col + at - start, 2))
        tree = _parser().parse(data)
        if not tree.root_node.has_error:
            break
    return tree, data


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
          data: bytes, errors: list[ParseError], depth: int = 0) -> None:
    for node in body.children:
        if node.type == "attribute":
            attr = _attribute(node, pos)
            if attr is not None:
                attrs[attr.name] = attr
        elif node.type == "block":
            if depth >= MAX_BLOCK_DEPTH:  # 100,000 nested blocks would exhaust the stack
                errors.append(ParseError(f"blocks nested deeper than {MAX_BLOCK_DEPTH} levels: "
                                         "the inner ones are not analysed", pos.loc(node)))
                continue
            block = _block(node, pos, data, errors, depth + 1)
            if block is not None:
                blocks.append(block)


def _attribute(node: Any, pos: Positions) -> Attr | None:
    name = None
    expr = None
    for c in node.children:
        if c.type == "identifier" and name is None:
            name = _text(c)
        elif c.type == "expression":
            expr = c
    if name is None or expr is None:
        return None
    return Attr(name, expr, pos.loc(node), pos.loc(expr), pos)


def _block(node: Any, pos: Positions, data: bytes, errors: list[ParseError],
           depth: int) -> Block | None:
    type_ = None
    labels: list[str] = []
    attrs: dict[str, Attr] = {}
    blocks: list[Block] = []
    close = (0, 0)
    for c in node.children:
        if c.type == "identifier" and type_ is None:
            type_ = _text(c)
        elif c.type in ("string_lit", "identifier"):
            labels.append(_label(c))
        elif c.type == "body":
            _body(c, pos, blocks, attrs, data, errors, depth)
        elif c.type == "block_end":
            close = pos.point(c.start_point)
    if type_ is None:
        return None
    loc = pos.loc(node)
    if close == (0, 0):
        close = (loc.end_line, loc.end_column)
    return Block(type_, labels, attrs, blocks, loc, Format.TERRAFORM, close, data, pos)


def _comments(root: Any, pos: Positions, out: list[Comment]) -> None:
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
    out.sort(key=lambda c: (c.loc.line, c.loc.column))


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
