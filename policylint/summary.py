"""``--github-summary FILE``: a GitHub job summary in Markdown (the action appends it to
``$GITHUB_STEP_SUMMARY``): the counts by rule, a table of the labeling buckets (name, CORS
verdict, evidence count, where defined) and the first findings, linked to the file and line in
the repository at the commit (``$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA/...``).

Every value that comes from a scanned file is escaped: no line break, pipe, backtick, HTML or
link syntax of its own survives, so it cannot break a table, and no line of the summary starts
with anything but the summary's own Markdown.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any, Mapping
from urllib.parse import quote

from policylint.model import Finding

MAX_FINDINGS = 20
MAX_BUCKETS = 50

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# what is Markdown inside a line of a table cell: emphasis, code, links and images, strikethrough,
# math, the cell separator, HTML (a cell never starts a line, so # - + . need no escape)
_PUNCT = re.compile(r"([\\`*_\[\]!|~$<>])")


def escape(text: str) -> str:
    """``text`` as one inline run of literal Markdown text, safe in a table cell."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", _LINE_BREAKS.sub(" ", text))
    text = text.replace("&", "&amp;")
    text = _PUNCT.sub(lambda m: "&lt;" if m.group(1) == "<" else
                      "&gt;" if m.group(1) == ">" else "\\" + m.group(1), text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates


def _blob_base(env: Mapping[str, str]) -> str | None:
    server, repo, sha = (env.get(k, "") for k in
                         ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if not (server.startswith(("https://", "http://")) and repo and sha):
        return None
    return f"{server.rstrip('/')}/{quote(repo, safe='/')}/blob/{quote(sha, safe='')}/"


def _link(base: str | None, path: str, line: int, label: str) -> str:
    """``label`` (already escaped) linked to ``path#Lline`` in the repository, when the path
    is one inside it."""
    parts = path.replace("\\", "/").split("/")
    if base is None or not path or path.startswith("/") or ".." in parts or ":" in parts[0]:
        return label
    url = base + quote(path.encode("utf-8", "surrogateescape"), safe="/") + f"#L{line}"
    return f"[{label}]({url})"


def _where(base: str | None, path: str, line: int, column: int) -> str:
    return _link(base, path, line, escape(f"{path}:{line}:{column}"))


def _verdict(b: dict[str, Any]) -> str:
    from policylint import inventory

    parts = [f"applies {m['document']}, which does not exist" for m in b["missing_cors"]]
    parts += [inventory._verdict(c) for c in b["cors"]]
    return "; ".join(parts) if parts else "no CORS"


def _bucket_rows(project_data: dict[str, Any], base: str | None) -> list[str]:
    buckets = [b for b in project_data["buckets"] if b["labeling"]]
    if not buckets:
        return []
    rows = ["", f"### Labeling buckets ({len(buckets)})", "",
            "| Bucket | CORS | Evidence | Defined at |", "| --- | --- | ---: | --- |"]
    for b in buckets[:MAX_BUCKETS]:
        name = b["name"] if b["name"] is not None else f"unknown: {b['name_unknown']}"
        at = b["defined_at"]
        where = (_where(base, at["path"], at["line"], at["column"]) if at is not None
                 else "outside the scanned files")
        rows.append(f"| {escape(name)} | {escape(_verdict(b))} | {len(b['labeling'])} "
                    f"| {where} |")
    if len(buckets) > MAX_BUCKETS:
        rows += ["", f"… and {len(buckets) - MAX_BUCKETS} more (`policylint --show-inventory` "
                 "lists them all)."]
    return rows


def _finding_rows(findings: list[Finding], base: str | None) -> list[str]:
    shown = findings[:MAX_FINDINGS]
    head = (f"### Findings (the first {len(shown)} of {len(findings)})"
            if len(findings) > len(shown) else f"### Findings ({len(findings)})")
    rows = ["", head, "", "| Severity | Rule | Where | Message |", "| --- | --- | --- | --- |"]
    for f in shown:
        loc = f.location
        where = (escape(loc.path) if loc.logical
                 else _where(base, loc.path, loc.line, loc.column))
        rows.append(f"| {f.severity.label} | {escape(f.rule)} | {where} | {escape(f.message)} |")
    return rows


def render(result: Any, env: Mapping[str, str]) -> str:
    """The Markdown summary of ``result`` (an engine Result)."""
    from policylint import inventory

    base = _blob_base(env)
    findings: list[Finding] = result.findings
    sev = Counter(f.severity.label for f in findings)
    lines = ["## policylint", "",
             f"{sev['error']} error(s), {sev['warning']} warning(s), {sev['note']} note(s) "
             f"in {len(result.files)} file(s); {len(result.suppressed)} suppressed, "
             f"{len(result.baselined)} baselined."]
    if findings:
        names = {r.meta.code: r.meta.name for r in result.rules}
        by_rule = Counter(f.rule for f in findings)
        lines += ["", "### Findings by rule", "", "| Rule | Name | Findings |",
                  "| --- | --- | ---: |"]
        lines += [f"| {escape(code)} | {escape(names.get(code, ''))} | {n} |"
                  for code, n in sorted(by_rule.items())]
    lines += _bucket_rows(inventory.inventory(result.project), base)
    if findings:
        lines += _finding_rows(findings, base)
    return "\n".join(lines) + "\n"
