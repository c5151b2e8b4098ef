"""GitHub Actions workflow commands (annotations), with GitHub's escaping."""
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
    props = [f"file={escape_property(loc.path)}", f"line={loc.line}", f"col={loc.column}",
             f"endLine={loc.end_line}", f"title={escape_property(f.rule + ' ' + f.name)}"]
    if loc.end_line == loc.line and loc.end_column > loc.column:
        props.append(f"endColumn={loc.end_column}")
    message = f.message
    if f.fix is not None:
        message += f"\nfix: {f.fix.description}\n{f.fix.snippet.rstrip()}"
    return f"::{_LEVEL[f.severity]} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    return "".join(command(f) + "\n" for f in report.findings)
