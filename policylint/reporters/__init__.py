"""Reporters turn findings into text. Each module exposes ``render(report: Report) -> str``.

Reporters import only the model and this module.
"""
from __future__ import annotations

import importlib
import re
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


@dataclass(frozen=True)
class Replacement:
    """One exact edit of a file, for SARIF ``fixes``: the region replaced (1-based lines,
    code-point columns, end exclusive; and the same span in bytes from the file's first byte) and
    the text put there (with the file's own line breaks)."""

    path: str
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    byte_offset: int
    byte_length: int
    inserted: str


@dataclass(frozen=True)
class FixChange:
    """What ``--fix`` would do about one finding."""

    description: str
    replacements: tuple[Replacement, ...]


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
    fixes: dict[str, FixChange] = field(default_factory=dict)  # by finding fingerprint
    exit_code: int | None = None  # the run's exit code (SARIF invocations); None = unsaid

    def counts(self) -> dict[str, int]:
        c = {"errors": 0, "warnings": 0, "notes": 0}
        for f in self.findings:
            c[{Severity.ERROR: "errors", Severity.WARNING: "warnings",
               Severity.NOTE: "notes"}[f.severity]] += 1
        return c


# GitHub's runner reads a job's output line by line (CR, LF and CRLF end a line) and runs a line
# that starts, after blanks, with ``::`` (``::error``, ``::stop-commands::``, ``::add-mask::``) or
# with the legacy ``##[``: a file name or a value holding a line break must never start one.
_COMMAND_START = re.compile(r"^([ \t\f\v]*)(::|##\[)", re.MULTILINE)


def neutralise_commands(text: str, xml: bool = False) -> str:
    """``text`` with no line that a CI runner would take as a workflow command: a CR inside a
    line is shown as ``\\r`` (``&#13;`` in XML), a line starting with ``::`` or ``##[`` gets a
    ``\\`` before it (in XML, its first character becomes a character reference, which reads the
    same once parsed)."""
    if xml:
        text = text.replace("\r", "&#13;")
        return _COMMAND_START.sub(
            lambda m: m.group(1) + ("&#58;:" if m.group(2) == "::" else "&#35;#["), text)
    text = text.replace("\r\n", "\n").replace("\r", "\\r")
    return _COMMAND_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


# A name that is not UTF-8 holds its undecodable bytes as lone surrogates (U+DC80..U+DCFF,
# ``os.fsdecode``). Every report is valid UTF-8: JSON and SARIF write each as the JSON escape of
# that code point, ``\udcXX`` (``os.fsencode(json.loads(doc)[...])`` gives back the real bytes;
# SARIF URIs percent-encode the real bytes); text, github and junit show the byte as ``\xXX``.
_JSON_FORMATS = ("json", "sarif")


def escape_surrogates(text: str) -> str:
    """Lone surrogates as the six characters ``\\udcXX`` (a JSON string escape)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def show_bytes(text: str) -> str:
    """The undecodable bytes of a name as ``\\xXX``, the rest as it is."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def available() -> list[str]:
    return list(REPORTERS)


def render(fmt: str, report: Report) -> str:
    mod = importlib.import_module(REPORTERS[fmt])
    out: str = mod.render(report)
    return escape_surrogates(out) if fmt in _JSON_FORMATS else show_bytes(out)
