"""JSON output, version 1 (a contract: see docs/output.md)."""
from __future__ import annotations

import json
from typing import Any

from policylint.model import Finding
from policylint.reporters import Report


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    return {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity.label,
        "message": f.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "subject": f.subject,
        "bucket": f.bucket,
        "related": [{"path": r.location.path, "line": r.location.line,
                     "column": r.location.column, "message": r.message} for r in f.related],
        "fix": ({"description": f.fix.description, "snippet": f.fix.snippet}
                if f.fix else None),
        "fingerprint": f.fingerprint,
    }


def render(report: Report) -> str:
    counts = report.counts()
    doc = {
        "version": 1,
        "tool": {"name": "policylint", "version": report.version},
        "findings": [finding_dict(f) for f in report.findings],
        "summary": {"files": report.files, "findings": len(report.findings), **counts,
                    "suppressed": report.suppressed},
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
