"""``--fix`` and ``--diff``: turn findings into minimal text edits, verify them, write them.

Flow: fixable findings → targets (plan.py) → edits per format → one overlay of edited
bytes → re-lint in memory → keep only fixes that remove their findings and add none →
write atomically (``--fix``) or print a unified diff (``--diff``).
"""
from __future__ import annotations

import os
import sys
from typing import Any

from policylint import output
from policylint.fix.apply import Outcome, fix_project
from policylint.fix.report import colorize, render_diff, render_summary

__all__ = ["apply_fixes", "fix_project", "Outcome"]


def apply_fixes(result: Any, config: Any, rules: Any, opts: Any, *, write: bool,
                outputs: list[tuple[str, str | None]], color: bool = False,
                fail_on: str | None = None, quiet: bool = False) -> int:
    """Run the fixes for a finished lint run; returns the exit code."""
    outcome = fix_project(result, config, rules, opts, write=write)
    if not write:
        diff = render_diff(outcome)
        output.write_console(colorize(diff) if color else diff)
        output.write_console(render_summary(outcome, write=False), sys.stderr)
        return 1 if outcome.changed else 0
    summary = render_summary(outcome, write=True)
    console_text = any(fmt == "text" and target is None for fmt, target in outputs)
    output.write_console(summary, sys.stdout if console_text else sys.stderr)
    code = output.exit_code(outcome.after.findings, fail_on or getattr(config, "fail_on", None))
    output.emit(outcome.after, outputs, color=color, quiet=quiet, root=os.getcwd(),
                exit_code=code)
    return code
