"""gitignore-style pattern matching (the subset git documents: ``*``, ``?``, ``[...]``, ``**``,
leading ``/`` anchoring, trailing ``/`` for folders, ``!`` negation, ``\\`` escapes)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(pat: str) -> str:
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        c = pat[i]
        if c == "*":
            if pat.startswith("**", i):
                before_ok = i == 0 or pat[i - 1] == "/"
                after = pat[i + 2 : i + 3]
                if before_ok and after == "/":
                    if not out or out[-1] != "(?:.*/)?":  # **/**/ is **/: repeats backtrack
                        out.append("(?:.*/)?")             # exponentially
                    i += 3
                    continue
                if before_ok and after == "":
                    out.append(".*")
                    i += 2
                    continue
            if not out or out[-1] != "[^/]*":  # ** inside a name, or *** : one * is enough
                out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pat[i + 1 : j]
                if body.startswith(("!", "^")):
                    body = "^/" + body[1:]  # git: a bracket never matches the separator
                out.append("[" + body.replace("\\", "\\\\").replace("[", "\\[") + "]")
                i = j
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pat[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(_atomic(out))


_STAR, _ANY_DIRS = "[^/]*", "(?:.*/)?"


def _atomic(tokens: list[str]) -> list[str]:
    """Make each wildcard that is followed, later, by the same kind of wildcard commit to the
    earliest match of the text between them (as CPython's fnmatch does for ``*``):
    ``*a*a*a*b`` or ``a/**/a/**/b`` as plain regexes backtrack for hours on a long name.
    Taking the earliest match is exact there, because the next wildcard absorbs the rest."""
    out: list[str] = []
    i, group = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = _next_same(tokens, i)
        if tok in (_STAR, _ANY_DIRS) and nxt is not None and nxt > i + 1:
            lazy = "[^/]*?" if tok == _STAR else "(?:.*?/)??"
            group += 1
            out.append(f"(?=(?P<g{group}>{lazy}{''.join(tokens[i + 1:nxt])}))(?P=g{group})")
            i = nxt
            continue
        out.append(tok)
        i += 1
    return out


def _next_same(tokens: list[str], i: int) -> int | None:
    """Index of the next wildcard of the kind at ``i`` with only plain tokens between (for
    ``*``: within the same path segment)."""
    kind = tokens[i]
    for j in range(i + 1, len(tokens)):
        t = tokens[j]
        if t == kind:
            return j
        if t in (_STAR, _ANY_DIRS, ".*") or (kind == _STAR and t == "/"):
            return None
    return None


def compile_pattern(line: str) -> Pattern | None:
    line = line.rstrip("\n\r")
    if not line or line.startswith("#"):
        return None
    # trailing spaces are ignored unless escaped
    while line.endswith(" ") and not line.endswith("\\ "):
        line = line[:-1]
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    elif line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    body = _translate(line)
    prefix = "" if anchored else "(?:.*/)?"
    try:
        return Pattern(re.compile(f"^{prefix}{body}(?:/.*)?$", re.S), negate, dir_only)
    except re.error:  # [z-a], []]: git matches nothing with a broken pattern, nor do we
        return None


def compile_patterns(lines: Iterable[str]) -> list[Pattern]:
    return [p for p in (compile_pattern(line) for line in lines) if p is not None]


def is_ignored(patterns: list[Pattern], relpath: str, is_dir: bool) -> bool | None:
    """True/False when a pattern decides, None when none matches. ``relpath`` is POSIX and
    relative to the folder the patterns came from."""
    decision: bool | None = None
    for p in patterns:
        if p.dir_only and not is_dir:
            # the walk prunes ignored folders, so a folder pattern never needs to test a file,
            # except for paths given explicitly: test their parent folders
            if not any(p.regex.match(parent) for parent in _parents(relpath)):
                continue
        elif not p.regex.match(relpath):
            continue
        decision = not p.negate
    return decision


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
