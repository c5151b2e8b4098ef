"""Suppressions in Python comments: ``# policylint: disable=PL100 reason="..."`` covers what
``suppress.comment_scope`` says for every format, the units being Python's statements: on a line
of its own, the statement directly below (the whole call, all its lines); after code, the
innermost statement it ends a line of."""
from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable

from policylint.model import Location, Suppression
from policylint.suppress import comment_scope, parse_comment


def suppressions(text: str, path: str, tree: ast.Module,
                 mapper: Callable[[int, int], tuple[int, int]]) -> list[Suppression]:
    if "policylint" not in text:
        return []
    comments = _comments(text)
    found = [c for c in comments if "policylint" in c[2].lower()]
    if not found:
        return []
    spans = [(n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
             if isinstance(n, ast.stmt)]
    lines = text.split("\n")
    alone_lines = {line for line, _col, _body, alone in comments if alone}
    out: list[Suppression] = []
    for line, col, body, alone in found:
        scope = comment_scope(path, (line, line), alone, spans, lines, alone_lines)
        sl, _ = mapper(scope.line, 0)
        el, _ = mapper(scope.end_line, 0)
        fl, fc = mapper(line, col)
        got = parse_comment(body, Location(path, fl, fc), Location(path, sl, 1, el, 1))
        if got is not None:
            out.append(got)
    return out


def _comments(text: str) -> list[tuple[int, int, str, bool]]:
    """(line, 0-based column, text, alone on its line) of every comment."""
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                line, col = tok.start
                alone = not tok.line[:col].strip()
                out.append((line, col, tok.string, alone))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out
