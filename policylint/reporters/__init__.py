"""Reporters turn findings into text. Each module exposes ``render(report: Report) -> str``.

Reporters import only the model and this module.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from policylint.model import Finding, Severity

REPORTERS: dict[str, str] = {
    "text": "policylint.reporters.text",
    "json": "policylint.reporters.json",
    "sarif": "policylint.reporters.sarif",
    "junit": "policylint.reporters.junit",
    "github": "policylint.reporters.github",
}


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str


@dataclass
class Report:
    findings: list[Finding]
    files: int = 0
    suppressed: int = 0
    baselined: int = 0
    rules: list[RuleInfo] = field(default_factory=list)
    version: str = ""
    color: bool = False
    quiet: bool = False
    annotations: bool = False  # GitHub workflow commands after the text output
    root: str = ""  # absolute folder that relative paths start from (SARIF SRCROOT); "" = unsaid

    def counts(self) -> dict[str, int]:
        c = {"errors": 0, "warnings": 0, "notes": 0}
        for f in self.findings:
            c[{Severity.ERROR: "errors", Severity.WARNING: "warnings",
               Severity.NOTE: "notes"}[f.severity]] += 1
        return c


def available() -> list[str]:
    return list(REPORTERS)


def render(fmt: str, report: Report) -> str:
    mod = importlib.import_module(REPORTERS[fmt])
    out: str = mod.render(report)
    return out
