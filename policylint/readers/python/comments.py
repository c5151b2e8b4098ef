"""Suppressions in Python comments: ``# policylint: disable=PL100 reason="..."`` covers the
statement it ends or, on a line of its own, the next statement (the whole call, all its lines)."""
from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable

from policylint.model import Location, Suppression
from policylint.suppress import parse_comment


def suppressions(text: str, path: str, tree: ast.Module,
                 mapper: Callable[[int, int], tuple[int, int]]) -> list[Suppression]:
    if "policylint" not in text:
        return []
    spans = sorted((n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
                   if isinstance(n, ast.stmt))
    out: list[Suppression] = []
    for line, col, body, alone in _comments(text):
        scope = _scope(spans, line, alone)
        sl, _ = mapper(scope[0], 0)
        el, _ = mapper(scope[1], 0)
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


def _scope(spans: list[tuple[int, int]], line: int, alone: bool) -> tuple[int, int]:
    if alone:
        after = [s for s in spans if s[0] > line]
        if after:
            first = min(s[0] for s in after)
            end = max(s[1] for s in after if s[0] == first)
            return line, end
        return line, line
    inside = [s for s in spans if s[0] <= line <= s[1]]
    if inside:
        best = min(inside, key=lambda s: s[1] - s[0])
        return best
    return line, line
