"""What ``--fix`` and ``--diff`` tell the user: a unified diff, what was fixed, what is left."""
from __future__ import annotations

import difflib

from policylint.fix.apply import Outcome


def render_diff(outcome: Outcome) -> str:
    """A unified diff of every file that would change (``a/`` and ``b/`` prefixes, git style)."""
    out: list[str] = []
    for ch in outcome.changes:
        if ch.new == ch.src.data:
            continue
        old = ch.src.text.splitlines(keepends=True)
        new_text = ch.new[len(ch.src.bom):].decode("utf-8")
        new = new_text.splitlines(keepends=True)
        for line in difflib.unified_diff(old, new, f"a/{ch.src.path}", f"b/{ch.src.path}"):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


_COLORS = (("+++", "\x1b[1m"), ("---", "\x1b[1m"), ("@@", "\x1b[36m"), ("+", "\x1b[32m"),
           ("-", "\x1b[31m"))


def colorize(diff: str) -> str:
    """ANSI colours for a terminal, as git colours its diffs."""
    out = []
    for line in diff.splitlines(keepends=True):
        color = next((c for prefix, c in _COLORS if line.startswith(prefix)), "")
        body = line.rstrip("\n")
        out.append(f"{color}{body}\x1b[0m{line[len(body):]}" if color else line)
    return "".join(out)


def render_summary(outcome: Outcome, *, write: bool) -> str:
    verb = "fixed" if write else "would fix"
    lines: list[str] = []
    for f in sorted(outcome.fixed, key=lambda f: f.sort_key()):
        lines.append(f"{verb} {f.rule} {f.location.path}:{f.location.line}: {f.subject}"
                     f"{' (' + f.bucket + ')' if f.bucket and f.bucket != f.subject else ''}")
    for r in sorted(outcome.refused, key=lambda r: r.finding.sort_key()):
        f = r.finding
        lines.append(f"not fixed {f.rule} {f.location.path}:{f.location.line}: {f.subject}: "
                     f"{r.reason}")
    n_files = sum(1 for ch in outcome.changes
                  if ch.new != ch.src.data and (ch.written or not write))
    left = len(outcome.after.findings)
    tail = (f"{verb} {len(outcome.fixed)} finding(s) in {n_files} file(s); "
            f"{left} finding(s) left")
    lines.append(tail if write else f"{tail} after the fix")
    return "\n".join(lines) + "\n"
