"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff.

Format: ``::error file=PATH,line=L,col=C,endLine=L2,title=PL100::message``. GitHub's escaping:
``%``, CR and LF in the message; the same plus ``:`` and ``,`` in property values. The message
carries the fix, so the annotation alone says what to change. Severity maps to ``error``,
``warning`` and ``notice``.
"""
from __future__ import annotations

from policylint.model import Finding, Severity
from policylint.reporters import Report

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(f: Finding) -> str:
    loc = f.location
    props = [] if loc.logical else [
        f"file={escape_property(loc.path)}", f"line={loc.line}", f"col={loc.column}",
        f"endLine={max(loc.end_line, loc.line)}"]
    if not loc.logical and loc.end_line == loc.line and loc.end_column > loc.column:
        props.append(f"endColumn={loc.end_column}")
    props.append(f"title={escape_property(f.rule)}")
    message = f"{loc.path}: {f.message} [{f.name}]" if loc.logical else f"{f.message} [{f.name}]"
    if f.fix is not None:
        message += f"\nfix: {f.fix.description}\n{f.fix.snippet.rstrip()}"
    return f"::{_LEVEL[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(command(f) + "\n" for f in report.findings)
