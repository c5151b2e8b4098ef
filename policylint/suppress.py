"""Suppressions: parsing inline directives, and applying inline and config suppressions.

Inline syntax (any comment style): ``policylint: disable=PL100[,PL101] reason="..." [expires=YYYY-MM-DD]``.
Rule names work as well as codes. A reason is required; a malformed, reasonless, expired or
unknown-rule suppression is reported as PL002 and not applied.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import re
import shlex
from dataclasses import dataclass, replace
from typing import Any, Container, Iterable, Mapping, Sequence

from policylint.model import Finding, Location, Suppression

DIRECTIVE = re.compile(r"policylint\s*:\s*(?P<body>.*)$", re.I)
_DISABLE = re.compile(r"^disable\b", re.I)


# --- which lines a comment covers: one rule for every format (docs/suppressions.md) -----------

Span = tuple[int, int]  # (first line, last line), 1-based, inclusive


def comment_unit(comment: Span, alone: bool, units: Iterable[Span], lines: Sequence[str],
                 comment_lines: Container[int] = frozenset()) -> Span | None:
    """The unit a comment is about, the same for every reader (a suppression covers it, a
    ``policylint: labeling-input`` comment declares it), or None. ``comment``: the comment's
    lines; ``alone``: nothing but whitespace before it on its first line; ``units``: what the
    format's findings are about, as line spans, nested or not (Terraform blocks, CloudFormation
    resources, Python and JavaScript statements, shell commands, CORS XML rules); ``lines``: the
    file's lines; ``comment_lines``: the lines that hold nothing but comments.

    1. A comment on its own line is about the unit that starts directly below it: on the next
       line, or after further comment-only lines. A blank line in between detaches it.
    2. Otherwise it is about the innermost unit it is in (at the end of one of the unit's lines,
       or on a line of its own inside the unit)."""
    first, _last = comment
    spans = list(units)
    if alone:
        below = _below(comment, lines, comment_lines)
        starting = [u for u in spans if u[0] == below]
        if starting:
            return max(starting, key=lambda u: u[1])
    inside = [u for u in spans if u[0] <= first <= u[1]]
    if inside:
        return min(inside, key=lambda u: (u[1] - u[0], -u[0]))
    return None


def comment_scope(path: str, comment: Span, alone: bool, units: Iterable[Span],
                  lines: Sequence[str], comment_lines: Container[int] = frozenset()) -> Location:
    """The lines a suppression comment covers: its own lines and the unit it is about
    (``comment_unit``); without one, a comment on its own line also covers the line below it
    when that holds code (not a blank line), and a comment after code covers only its line."""
    first, last = comment
    unit = comment_unit(comment, alone, units, lines, comment_lines)
    if unit is not None:
        return Location(path, min(first, unit[0]), 1, max(unit[1], last), 1)
    if alone:
        below = _below(comment, lines, comment_lines)
        if below <= len(lines) and lines[below - 1].strip():
            return Location(path, first, 1, below, 1)
    return Location(path, first, 1, last, 1)


def _below(comment: Span, lines: Sequence[str], comment_lines: Container[int]) -> int:
    """The first line after the comment that is not a comment-only line."""
    n = comment[1] + 1
    while n in comment_lines and n <= len(lines):
        n += 1
    return n


def parse_comment(comment: str, location: Location, scope: Location) -> Suppression | None:
    """A Suppression for a comment holding ``policylint: disable=...``; None for any other comment
    (including ``policylint: labeling-input``, which readers handle)."""
    m = DIRECTIVE.search(comment)
    if not m:
        return None
    body = m.group("body").strip()
    # strip comment closers: */ --> and trailing whitespace
    body = re.sub(r"\s*(\*/|-->)\s*$", "", body)
    if not _DISABLE.match(body):
        return None
    return parse_directive(body, location, scope)


def parse_directive(body: str, location: Location, scope: Location) -> Suppression:
    try:
        words = shlex.split(body, posix=True)
    except ValueError as exc:
        return Suppression((), None, None, location, scope, problem=f"malformed suppression: {exc}")
    rules: tuple[str, ...] = ()
    reason: str | None = None
    expires: str | None = None
    problem: str | None = None
    for word in words:
        key, eq, value = word.partition("=")
        key = key.lower()
        if key == "disable" and eq:
            rules = tuple(r.strip() for r in value.split(",") if r.strip())
        elif key == "reason" and eq:
            reason = value.strip() or None
        elif key == "expires" and eq:
            expires = value.strip()
        elif problem is None:
            problem = f"malformed suppression: unexpected '{word}' (expected disable=CODES " \
                      f"reason=\"...\" [expires=YYYY-MM-DD])"
    if problem is None and not rules:
        problem = "malformed suppression: disable= names no rule"
    if problem is None and reason is None:
        problem = "suppression has no reason: add reason=\"why this is safe\""
    if problem is None and expires is not None and _parse_date(expires) is None:
        problem = f"suppression has an invalid expiry date '{expires}' (use YYYY-MM-DD)"
    return Suppression(rules, reason, expires, location, scope, problem)


def _parse_date(text: str) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class ConfigSuppression:
    rule: str
    reason: str
    path: str | None = None
    subject: str | None = None
    bucket: str | None = None
    expires: str | None = None
    source: str = ""  # where it was written (config file, display path)
    index: int = 0
    line: int = 1  # the entry's line in the config file

    @property
    def location(self) -> Location:
        return Location(self.source or ".policylint.yaml", self.line, 1)


def entry_lines(path: str, entries: Sequence[Mapping[str, Any]]) -> list[int]:
    """The line of each ``suppress`` entry in the config file, found by its reason (which every
    entry must have), searching on from the previous entry; 1 when the file can't be read."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return [1] * len(entries)
    out: list[int] = []
    start = 0
    for e in entries:
        needle = str(e.get("reason", ""))
        found = next((i for i in range(start, len(lines)) if needle and needle in lines[i]), None)
        if found is None:
            out.append(out[-1] if out else 1)
            continue
        out.append(_entry_start(lines, found) + 1)
        start = found + 1
    return out


def _entry_start(lines: list[str], i: int) -> int:
    """Walk up from the reason's line to the start of its entry (``- `` in YAML, ``[[...]]`` or
    ``{`` in TOML), staying at the reason's line when the entry starts on it."""
    j = i
    while j >= 0:
        text = lines[j].lstrip()
        if text.startswith(("- ", "[[", "{")) or text == "-":
            return j
        if j < i and (not text or text.endswith(":") and not text.startswith(("rule", "path"))):
            break
        j -= 1
    return i


@dataclass
class Outcome:
    kept: list[Finding]
    suppressed: list[Finding]
    problems: list[tuple[str, Location]]  # (PL002 message, where)
    unused: list[tuple[str, Location]]


def validate(
    suppressions: Iterable[Suppression], resolve: Mapping[str, str], today: _dt.date
) -> tuple[list[Suppression], list[tuple[str, Location]]]:
    """Split suppressions into the valid ones (rule names resolved to codes) and PL002 problems."""
    valid: list[Suppression] = []
    problems: list[tuple[str, Location]] = []
    for s in suppressions:
        if s.problem:
            problems.append((s.problem, s.location))
            continue
        codes: list[str] = []
        bad = [r for r in s.rules if r.upper() not in resolve and r.lower() not in resolve]
        if bad:
            problems.append((f"suppression names unknown rule{'s' if len(bad) > 1 else ''} "
                             f"{', '.join(bad)}", s.location))
            continue
        for r in s.rules:
            codes.append(resolve.get(r.upper()) or resolve[r.lower()])
        if s.expires:
            d = _parse_date(s.expires)
            if d is not None and d < today:
                problems.append((f"suppression of {', '.join(codes)} expired on {s.expires}: "
                                 "fix the finding or renew it", s.location))
                continue
        valid.append(replace(s, rules=tuple(codes)))
    return valid, problems


def apply(
    findings: list[Finding],
    inline: list[Suppression],
    config: list[ConfigSuppression],
    *,
    today: _dt.date,
) -> Outcome:
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    used_inline: set[int] = set()
    used_config: set[int] = set()
    problems: list[tuple[str, Location]] = []
    active_config: list[ConfigSuppression] = []
    for c in config:
        d = _parse_date(c.expires) if c.expires else None
        if d is not None and d < today:
            problems.append((f"config suppression {c.index + 1} of {c.rule} expired on "
                             f"{c.expires}: fix the finding or renew it", c.location))
            continue
        active_config.append(c)
    by_path: dict[str, list[tuple[int, Suppression]]] = {}
    for i, s in enumerate(inline):
        by_path.setdefault(s.scope.path, []).append((i, s))
    for f in findings:
        hit = False
        for i, s in by_path.get(f.location.path, ()):
            if f.rule in s.rules and (s.scope.contains_line(f.location.line)):
                used_inline.add(i)
                hit = True
        for j, c in enumerate(active_config):
            if _config_matches(c, f):
                used_config.add(j)
                hit = True
        if hit and f.rule not in ("PL000", "PL002"):
            suppressed.append(f)
        else:
            kept.append(f)
    unused = [(f"suppression of {', '.join(s.rules)} matched no finding", s.location)
              for i, s in enumerate(inline) if i not in used_inline]
    unused += [(f"config suppression {c.index + 1} ({c.rule}) matched no finding", c.location)
               for j, c in enumerate(active_config) if j not in used_config]
    return Outcome(kept, suppressed, problems, unused)


def _config_matches(c: ConfigSuppression, f: Finding) -> bool:
    if c.rule != f.rule:
        return False
    if c.path and not (fnmatch.fnmatchcase(f.location.path, c.path)
                       or f.location.path.startswith(c.path.rstrip("/") + "/")):
        return False
    if c.subject and c.subject != f.subject:
        return False
    if c.bucket and not (f.bucket and fnmatch.fnmatchcase(f.bucket, c.bucket)):
        return False
    return True
