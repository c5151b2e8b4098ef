"""``--fix`` and ``--diff``: turn findings into minimal text edits, verify them, write them.

Flow: fixable findings → targets (plan.py) → edits per format → one overlay of edited
bytes → re-lint in memory → keep only fixes that remove their findings and add none →
write atomically (``--fix``) or print a unified diff (``--diff``).
"""
from __future__ import annotations

import sys
from typing import Any

from policylint.fix.apply import Outcome, fix_project
from policylint.fix.report import colorize, render_diff, render_summary

__all__ = ["apply_fixes", "fix_project", "Outcome"]


def apply_fixes(result: Any, config: Any, rules: Any, opts: Any, *, write: bool,
                outputs: list[tuple[str, str | None]], color: bool = False,
                fail_on: str | None = None, quiet: bool = False) -> int:
    """Run the fixes for a finished lint run; returns the exit code."""
    from policylint.model import Severity

    outcome = fix_project(result, config, rules, opts, write=write)
    if not write:
        diff = render_diff(outcome)
        sys.stdout.write(colorize(diff) if color else diff)
        sys.stderr.write(render_summary(outcome, write=False))
        return 1 if outcome.changed else 0
    summary = render_summary(outcome, write=True)
    console_text = any(fmt == "text" and target is None for fmt, target in outputs)
    (sys.stdout if console_text else sys.stderr).write(summary)
    _report(outcome.after, outputs, color, quiet)
    threshold = Severity.parse(fail_on or getattr(config, "fail_on", None) or "error")
    left = outcome.after.findings
    failing = [f for f in left if f.severity >= threshold or f.rule == "PL000"]
    return 1 if failing else 0


def _report(result: Any, outputs: list[tuple[str, str | None]], color: bool,
            quiet: bool) -> None:
    """The findings that are left, in the formats asked for."""
    from policylint import __version__
    from policylint.cli import _write
    from policylint.reporters import Report, RuleInfo, render

    report = Report(
        findings=result.findings, files=len(result.files), suppressed=len(result.suppressed),
        baselined=len(result.baselined),
        rules=[RuleInfo(r.meta.code, r.meta.name, r.meta.severity, r.meta.summary, r.doc)
               for r in result.rules],
        version=__version__, quiet=quiet)
    for fmt, target in outputs:
        report.color = target is None and fmt == "text" and color
        text = render(fmt, report)
        if target is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            _write(target, text)
