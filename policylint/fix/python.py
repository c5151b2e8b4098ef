"""--fix for ``put_bucket_cors`` (and ``BucketCors(...).put``) calls in Python whose
``CORSRules`` is a literal list: the needed rule is inserted into that list, in the file's style
(its quote character; one line or one rule per line with the elements' indentation and trailing
comma). The list is found again by parsing the file: the Python reader records where it starts
(fix hint ``python-list``: ``line:column``, 1-based, characters)."""
from __future__ import annotations

import ast

from policylint import snippets
from policylint.fix.source import Edit, SourceFile
from policylint.model import CorsConfig


def fixable(config: CorsConfig) -> bool:
    return config.location.path.endswith(".py") and "python-list" in dict(config.fix_hints)


def add_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
             before: int | None = None) -> list[Edit] | str:
    line, col = (int(p) for p in dict(config.fix_hints)["python-list"].split(":"))
    try:
        tree = ast.parse(src.text)
    except (SyntaxError, ValueError):
        return "the file no longer parses as Python"
    found = _list_at(tree, src, line, col)
    if found is None:
        return "the CORSRules list was not found where the scan saw it"
    return [_insert(src, found, n, before)]


def _char_col(src: SourceFile, line: int, byte_col: int) -> int:
    text = src.text.split("\n")[line - 1] if line <= src.text.count("\n") + 1 else ""
    return len(text.encode("utf-8")[:byte_col].decode("utf-8", "ignore")) + 1


def _list_at(tree: ast.AST, src: SourceFile, line: int, col: int) -> ast.List | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.List) and node.lineno == line \
                and _char_col(src, node.lineno, node.col_offset) == col:
            return node
    return None


def _rule_text(n: snippets.Needed, quote: str) -> str:
    def s(v: str) -> str:
        return quote + v.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote

    def seq(vs: tuple[str, ...]) -> str:
        return "[" + ", ".join(s(v) for v in vs) + "]"

    parts = [f"{s('AllowedHeaders')}: {seq(n.allowed_headers)}",
             f"{s('AllowedMethods')}: {seq(n.methods)}",
             f"{s('AllowedOrigins')}: {seq(n.origins)}"]
    if n.expose_headers:
        parts.append(f"{s('ExposeHeaders')}: {seq(n.expose_headers)}")
    if n.max_age is not None:
        parts.append(f"{s('MaxAgeSeconds')}: {n.max_age}")
    return "{" + ", ".join(parts) + "}"


def _quote(src: SourceFile, node: ast.List) -> str:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            start = src.offset(sub.lineno, _char_col(src, sub.lineno, sub.col_offset))
            ch = src.text[start:start + 1]
            if ch in ("'", '"'):
                return ch
    # an empty list: the quote of the nearest string before it (its "CORSRules" key)
    start = src.offset(node.lineno, _char_col(src, node.lineno, node.col_offset))
    before = src.text[:start]
    single, double = before.rfind("'"), before.rfind('"')
    return "'" if single > double else '"'


def _insert(src: SourceFile, node: ast.List, n: snippets.Needed, before: int | None) -> Edit:
    rule = _rule_text(n, _quote(src, node))
    elts = node.elts
    end_line = node.end_lineno or node.lineno
    close = src.offset(end_line, _char_col(src, end_line, node.end_col_offset or 0)) - 1
    start = src.offset(node.lineno, _char_col(src, node.lineno, node.col_offset))
    if not elts:
        return Edit(start + 1, close, rule)
    at = min(before, len(elts)) if before is not None else len(elts)
    multiline = end_line != node.lineno and elts[0].lineno != node.lineno
    if multiline:
        first = elts[0]
        indent = " " * (_char_col(src, first.lineno, first.col_offset) - 1)
        if at < len(elts):
            el = elts[at]
            off = src.line_start(src.offset(el.lineno, 1))
            return Edit(off, off, f"{indent}{rule},\n")
        last = elts[-1]
        last_end = src.offset(last.end_lineno or last.lineno,
                              _char_col(src, last.end_lineno or last.lineno,
                                        last.end_col_offset or 0))
        trailing = src.text[last_end:close].strip().startswith(",")
        if trailing:
            after_comma = src.text.index(",", last_end) + 1
            return Edit(after_comma, after_comma, f"\n{indent}{rule},")
        return Edit(last_end, last_end, f",\n{indent}{rule}")
    if at < len(elts):
        el = elts[at]
        off = src.offset(el.lineno, _char_col(src, el.lineno, el.col_offset))
        return Edit(off, off, f"{rule}, ")
    last = elts[-1]
    last_end = src.offset(last.end_lineno or last.lineno,
                          _char_col(src, last.end_lineno or last.lineno, last.end_col_offset or 0))
    return Edit(last_end, last_end, f", {rule}")
