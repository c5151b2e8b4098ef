"""The edits ``--fix`` would make, without writing anything: for SARIF ``fixes``.

Runs the same plan and verification as ``--fix`` (so a fix shown is one ``--fix`` writes) and
turns each accepted edit into an exact region of the original file.
"""
from __future__ import annotations

from typing import Any

from policylint.fix.apply import fix_project
from policylint.fix.source import Edit, SourceFile
from policylint.reporters import FixChange, Replacement


def replacement(src: SourceFile, e: Edit) -> Replacement:
    """``e`` as a region of ``src``: line/column on the decoded text, offsets on the bytes."""
    def line_col(offset: int) -> tuple[int, int]:
        line = src.text.count("\n", 0, offset) + 1
        return line, offset - src.line_start(offset) + 1

    (sl, sc), (el, ec) = line_col(e.start), line_col(e.end)
    start = len(src.bom) + len(src.text[:e.start].encode("utf-8"))
    length = len(src.text[e.start:e.end].encode("utf-8"))
    return Replacement(src.path, sl, sc, el, ec, start, length,
                       e.text.replace("\n", src.newline))


def fix_changes(result: Any, config: Any, rules: Any, opts: Any) -> dict[str, FixChange]:
    """For each finding ``--fix`` would fix, by fingerprint, the replacements that fix it."""
    outcome = fix_project(result, config, rules, opts, write=False)
    out: dict[str, FixChange] = {}
    for ch in outcome.changes:
        for p in ch.fixes:
            reps = tuple(replacement(ch.src, e) for e in sorted(p.edits, key=lambda e: e.start))
            for f in p.target.findings:
                desc = f.fix.description if f.fix is not None else f"fix {f.rule}"
                out[f.fingerprint] = FixChange(desc, reps)
    return out
