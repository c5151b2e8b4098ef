"""Writing a finished run's report: the formats asked for, to the console or to files, and
the exit code it earns. Shared by a normal run (cli) and by ``--fix`` (its findings left)."""
from __future__ import annotations

import os
import sys
from typing import Any, Iterable

from policylint.errors import UsageError
from policylint.model import Finding, Severity

EXIT_OK, EXIT_FINDINGS = 0, 1


def write_atomic(path: str, text: str) -> None:
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, f".{os.path.basename(path)}.policylint-tmp")
    try:
        os.makedirs(d, exist_ok=True)  # --format sarif:reports/policylint.sarif
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def append_text(path: str, text: str) -> None:
    """Add ``text`` at the end of ``path`` (a job summary that other steps append to too)."""
    try:
        with open(path, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def emit(result: Any, outputs: list[tuple[str, str | None]], *, color: bool, quiet: bool,
         root: str) -> None:
    """Render ``result`` (an engine Result) in every (format, file or None for the console)."""
    from policylint import __version__
    from policylint.reporters import Report, RuleInfo, render

    report = Report(
        findings=result.findings, files=len(result.files), suppressed=len(result.suppressed),
        baselined=len(result.baselined),
        rules=[RuleInfo(r.meta.code, r.meta.name, r.meta.severity, r.meta.summary, r.doc)
               for r in result.rules],
        version=__version__, quiet=quiet, root=root)
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    for fmt, target in outputs:
        report.color = target is None and fmt == "text" and color
        # workflow commands only work on the console: never inside a --format text:FILE
        report.annotations = target is None and github
        text = render(fmt, report)
        if target is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_atomic(target, text)


def exit_code(findings: Iterable[Finding], fail_on: str | None) -> int:
    """1 when a finding is at or above ``fail_on`` (default error), or any rule crashed."""
    threshold = Severity.parse(fail_on or "error")
    failing = [f for f in findings if f.severity >= threshold or f.rule == "PL000"]
    return EXIT_FINDINGS if failing else EXIT_OK
