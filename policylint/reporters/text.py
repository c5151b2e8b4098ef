"""Human output: ``path:line:col: CODE message``, then the why, the chain of evidence and the fix
in the file's own language; a closing summary line. Colour only when asked (a TTY, no NO_COLOR)."""
from __future__ import annotations

from policylint.model import Finding, Severity
from policylint.reporters import Report

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_COLOURS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.NOTE: "\x1b[36m"}
_CYAN = "\x1b[36m"
_GREEN = "\x1b[32m"


def _c(text: str, code: str, on: bool) -> str:
    return f"{code}{text}{_RESET}" if on else text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def head_line(f: Finding, color: bool) -> str:
    """``path:line:col: CODE [severity] message``: the first line of a finding, and the whole of
    it under ``--quiet`` (so a note and an error never look the same)."""
    loc = f.location
    return (f"{_c(f'{loc}:', _BOLD, color)} "
            f"{_c(f.rule, _BOLD + _COLOURS[f.severity], color)} "
            f"{_c(f'[{f.severity.label}]', _COLOURS[f.severity], color)} {f.message}")


def render_finding(f: Finding, color: bool) -> str:
    lines = [head_line(f, color)]
    if f.why:
        lines.append(f"  {_c('why:', _DIM, color)} {f.why}")
    for r in f.related:
        lines.append(f"  {_c('=', _CYAN, color)} {r.location}: {r.message}")
    if f.fix is not None:
        lines.append(f"  {_c('fix:', _GREEN, color)} {f.fix.description}"
                     f"{' (' + f.fix.language + ')' if f.fix.language not in ('text',) else ''}:")
        for sl in f.fix.snippet.rstrip("\n").splitlines():
            lines.append(f"      {sl}" if sl else "")
    return "\n".join(lines)


def summary_line(report: Report) -> str:
    c = report.counts()
    files = _plural(report.files, "file")
    extra = []
    if report.suppressed:
        extra.append(f"{report.suppressed} suppressed")
    if report.baselined:
        extra.append(f"{report.baselined} in baseline")
    tail = f" ({', '.join(extra)})" if extra else ""
    if not report.findings:
        return f"All checks passed: no findings in {files}{tail}."
    parts = [_plural(c[k + "s"], k) for k in ("error", "warning", "note") if c[k + "s"]]
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Found {joined} in {files}{tail}."


def render(report: Report) -> str:
    out: list[str] = []
    if not report.quiet:
        for f in report.findings:
            out.append(render_finding(f, report.color))
            out.append("")
    else:
        out.extend(head_line(f, report.color) for f in report.findings)
    out.append(summary_line(report))
    text = "\n".join(out) + "\n"
    if report.annotations:
        from policylint.reporters import github, neutralise_commands

        # under GitHub Actions, no file name or value may start a workflow command of its own
        text = neutralise_commands(text) + github.render(report)
    return text
