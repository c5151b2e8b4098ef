"""Terraform's regular-expression functions (``regex``, ``regexall``, ``replace`` with
``/pattern/``) with Terraform's own semantics: RE2 syntax (no backreferences, no lookaround),
matching in linear time, so a catastrophic pattern ends at once.

``google-re2`` is imported on the first pattern only: most runs never evaluate one.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterator

MAX_PATTERN = 10_000  # characters; RE2's own memory limit bounds the compiled program


class RegexError(Exception):
    """A pattern Terraform would refuse (its message is Terraform's kind of error)."""


@lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    try:
        import re2
    except ImportError:  # pragma: no cover - a runtime dependency; a broken install only
        raise RegexError("regular expressions need the google-re2 package") from None
    if len(pattern) > MAX_PATTERN:
        raise RegexError(f"invalid regular expression: longer than {MAX_PATTERN} characters")
    options = re2.Options()
    options.log_errors = False  # RE2 would print its parse errors on stderr
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options=options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise RegexError(f"invalid regular expression: {reason}") from None


def _result(compiled: Any, match: Any) -> Any:
    """What Terraform returns for one match: the text, a list of groups, or a map of named
    groups (an unmatched group is null)."""
    if compiled.groups == 0:
        return match.group(0)
    names = compiled.groupindex
    if names and len(names) != compiled.groups:
        raise RegexError("invalid regular expression: invalid combination of named and "
                         "unnamed capture groups")
    if names:
        return {name: match.group(i) for name, i in names.items()}
    return [match.group(i) for i in range(1, compiled.groups + 1)]


def regex(pattern: str, text: str) -> Any:
    compiled = _compile(pattern)
    match = compiled.search(text)
    if match is None:
        raise RegexError("pattern did not match any part of the given string")
    return _result(compiled, match)


def _matches(compiled: Any, text: str) -> Iterator[Any]:
    """Every match, as Go's FindAll: an empty match right after the previous match is skipped
    (google-re2's finditer and sub repeat the empty match at the end of the text)."""
    pos, prev_end = 0, -1
    while pos <= len(text):
        m = compiled.search(text, pos)
        if m is None:
            return
        if m.start() == m.end() == prev_end:
            pos = m.end() + 1
            continue
        yield m
        prev_end = m.end()
        pos = m.end() if m.end() > m.start() else m.end() + 1


def regexall(pattern: str, text: str) -> list[Any]:
    compiled = _compile(pattern)
    return [_result(compiled, m) for m in _matches(compiled, text)]


_DOLLAR = re.compile(r"\$\$|\$\{(\w+)\}|\$(\w+)")


def replace(pattern: str, text: str, substitute: str) -> str:
    """Go's ReplaceAllString: ``$1``/``${name}`` name groups (one the pattern lacks is empty),
    ``$$`` is a dollar sign; everything else is plain text."""
    compiled = _compile(pattern)
    pieces: list[str | int] = []  # literal text, or a group number
    pos = 0
    for m in _DOLLAR.finditer(substitute):
        pieces.append(substitute[pos:m.start()])
        pos = m.end()
        if m.group(0) == "$$":
            pieces.append("$")
            continue
        ref = m.group(1) or m.group(2)
        if ref in compiled.groupindex:
            pieces.append(compiled.groupindex[ref])
        elif ref.isdigit() and int(ref) <= compiled.groups:
            pieces.append(int(ref))
    pieces.append(substitute[pos:])
    out: list[str] = []
    last = 0
    for m in _matches(compiled, text):
        out.append(text[last:m.start()])
        out.extend(p if isinstance(p, str) else (m.group(p) or "") for p in pieces)
        last = m.end()
    out.append(text[last:])
    return "".join(out)
