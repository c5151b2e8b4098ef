"""SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` lists every loaded rule (so ``ruleIndex`` is stable across runs),
with its documentation as ``help``. Each result carries its region, the evidence chain as
``relatedLocations`` and the policylint fingerprint as a partial fingerprint (which survives
unrelated edits, as the baseline does). A finding ``--fix`` would fix carries that edit as
``fixes`` (exact ``deletedRegion`` and ``insertedContent``); ``invocations`` gives the exit code and
a notification for each reader limit hit (a file over max-file-size, an exhausted evaluation
budget). Paths relative to the working directory are given against
the ``SRCROOT`` base; ``originalUriBaseIds`` says where that is when the report knows it.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any
from urllib.parse import quote

from policylint.model import Finding, Location, Severity
from policylint.reporters import FixChange, Report, RuleInfo

SCHEMA_URI = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
              "sarif-schema-2.1.0.json")
SRCROOT = "SRCROOT"
# where each rule's documentation is: helpUri is DOCS_BASE + "#" + the rule's anchor in rules.md
INFORMATION_URI = "https://github.com/OWNER/policylint"
DOCS_BASE = INFORMATION_URI + "/blob/main/docs/rules.md"
FINGERPRINT_KEY = "policylint/v1"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_SECTION = re.compile(r"^## (?P<title>.+?)\s*$", re.M)


def doc_section(doc: str, title: str) -> str:
    """The text under ``## title`` in a rule docstring (empty when absent)."""
    parts = _SECTION.split(doc)
    # split gives [preamble, title1, body1, title2, body2, ...]
    for i in range(1, len(parts) - 1, 2):
        if parts[i].strip().lower() == title.lower():
            return parts[i + 1].strip()
    return ""


def _plain(markdown: str) -> str:
    """Markdown turned into readable plain text: headings lose their hashes, code fences go, and
    what is inside a code block stays as it is (``# policylint: disable=...`` is a comment there,
    not a heading)."""
    lines = []
    in_code = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        lines.append(line if in_code else re.sub(r"^#+\s*", "", line))
    return "\n".join(lines).strip()


def help_uri(rule: RuleInfo, base: str = DOCS_BASE) -> str:
    """The rule's section in docs/rules.md (its heading is ``## CODE name``)."""
    return f"{base}#{rule.code.lower()}-{rule.name}"


def rule_descriptor(rule: RuleInfo, docs_base: str = DOCS_BASE) -> dict[str, Any]:
    doc = rule.doc.strip()
    full = doc_section(doc, "What it does") or rule.summary
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _sentence(rule.summary)},
        "fullDescription": {"text": " ".join(_plain(full).split())},
        "helpUri": help_uri(rule, docs_base),
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["policylint", "s3-cors", "human-labeling"],
                       "precision": "very-high"},
    }
    if doc:
        descriptor["help"] = {"text": _plain(doc), "markdown": doc}
    return descriptor


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text.endswith(".") else text + "."


def _quote(path: str, safe: str) -> str:
    """Percent-encoding of the name's real bytes (a name that is not UTF-8 holds them as
    surrogate escapes)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe=safe)


def artifact_location(path: str) -> dict[str, Any]:
    """A relative path is resolved against SRCROOT; an absolute one becomes a file URI."""
    if os.path.isabs(path):
        return {"uri": "file://" + _quote(path.replace(os.sep, "/"), "/:")}
    return {"uri": _quote(path, "/"), "uriBaseId": SRCROOT}


def region(loc: Location) -> dict[str, int]:
    out = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    end_line = max(loc.end_line, out["startLine"])
    out["endLine"] = end_line
    if loc.end_column >= 1 and (end_line > out["startLine"] or loc.end_column >= out["startColumn"]):
        out["endColumn"] = loc.end_column
    return out


def physical(loc: Location) -> dict[str, Any]:
    if loc.logical:  # aws-audit: a labeling job or flow definition, by ARN
        return {"logicalLocations": [{"fullyQualifiedName": loc.path, "kind": "resource"}]}
    return {"physicalLocation": {"artifactLocation": artifact_location(loc.path),
                                 "region": region(loc)}}


def _markdown(f: Finding) -> str:
    parts = [f.message]
    if f.why:
        parts.append(f"**Why:** {f.why}")
    if f.fix is not None:
        lang = f.fix.language if f.fix.language != "text" else ""
        parts.append(f"**Fix:** {f.fix.description}\n\n```{lang}\n{f.fix.snippet.rstrip()}\n```")
    return "\n\n".join(parts)


def sarif_fix(change: FixChange) -> dict[str, Any]:
    """One ``fix``: per file, its replacements (exact regions, in lines/columns and in bytes)."""
    by_path: dict[str, list[dict[str, Any]]] = {}
    for r in change.replacements:
        deleted = {"startLine": r.start_line, "startColumn": r.start_column,
                   "endLine": r.end_line, "endColumn": r.end_column,
                   "byteOffset": r.byte_offset, "byteLength": r.byte_length}
        by_path.setdefault(r.path, []).append(
            {"deletedRegion": deleted, "insertedContent": {"text": r.inserted}})
    return {"description": {"text": change.description},
            "artifactChanges": [{"artifactLocation": artifact_location(path),
                                 "replacements": reps} for path, reps in by_path.items()]}


def is_reader_limit(f: Finding) -> bool:
    """A file or expression a reader left out on purpose (max-file-size, evaluation budget):
    PL001 below error severity."""
    return f.rule == "PL001" and f.severity is not Severity.ERROR


def invocation(report: Report) -> dict[str, Any]:
    """Whether the run completed (no reader crashed: no PL000), its exit code, and a
    notification for each reader limit hit."""
    inv: dict[str, Any] = {
        "executionSuccessful": not any(f.rule == "PL000" for f in report.findings)}
    if report.exit_code is not None:
        inv["exitCode"] = report.exit_code
    notes = [{"level": _LEVEL[f.severity], "message": {"text": f.message},
              "locations": [physical(f.location)],
              "descriptor": {"id": f.rule}}
             for f in report.findings if is_reader_limit(f)]
    if notes:
        inv["toolExecutionNotifications"] = notes
    return inv


def result(f: Finding, index: dict[str, int],
           fixes: dict[str, FixChange] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message, "markdown": _markdown(f)},
        "locations": [physical(f.location)],
    }
    if f.rule in index:
        out["ruleIndex"] = index[f.rule]
    if f.related:
        out["relatedLocations"] = [
            {"id": i, **physical(r.location), "message": {"text": r.message}}
            for i, r in enumerate(f.related, start=1)]
    change = (fixes or {}).get(f.fingerprint) if f.fingerprint else None
    if change is not None:
        out["fixes"] = [sarif_fix(change)]
    if f.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    props: dict[str, Any] = {"subject": f.subject}
    if f.bucket is not None:
        props["bucket"] = f.bucket
    if f.fix is not None:
        props["fix"] = {"description": f.fix.description, "snippet": f.fix.snippet,
                        "language": f.fix.language}
    out["properties"] = props
    return out


def _rules(report: Report) -> list[RuleInfo]:
    """The loaded rules, plus a bare entry for any finding whose rule the report does not list."""
    rules = list(report.rules)
    known = {r.code for r in rules}
    for f in report.findings:
        if f.rule not in known:
            known.add(f.rule)
            rules.append(RuleInfo(f.rule, f.name, f.severity, f.name, ""))
    return rules


def log(report: Report) -> dict[str, Any]:
    rules = _rules(report)
    index = {r.code: i for i, r in enumerate(rules)}
    base = os.environ.get("POLICYLINT_DOCS_BASE") or DOCS_BASE
    driver: dict[str, Any] = {"name": "policylint", "informationUri": INFORMATION_URI,
                              "rules": [rule_descriptor(r, base) for r in rules]}
    if report.version:
        driver["version"] = report.version
        driver["semanticVersion"] = report.version
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if report.root:
        root = report.root.replace(os.sep, "/").rstrip("/") + "/"
        root = root if root.startswith("/") else "/" + root  # C:/x/ → file:///C:/x/
        run["originalUriBaseIds"] = {SRCROOT: {"uri": "file://" + _quote(root, "/:")}}
    run["columnKind"] = "unicodeCodePoints"
    run["invocations"] = [invocation(report)]
    run["results"] = [result(f, index, report.fixes) for f in report.findings]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return json.dumps(log(report), indent=2, ensure_ascii=False) + "\n"
