"""How a path is shown in findings, and the baseline fingerprint built from it."""
from __future__ import annotations

import hashlib
import os


def display_path(abspath: str, cwd: str) -> str:
    """Relative to ``cwd`` when below it, absolute otherwise; POSIX separators. A name that is not
    UTF-8 keeps its bytes as surrogate escapes (``os.fsdecode``), so that ``--fix`` opens the
    real file and each reporter writes the real bytes its own way (docs/output.md)."""
    rel = os.path.relpath(abspath, cwd)
    if rel == os.curdir:
        return "."
    if rel.startswith(os.pardir):
        rel = os.path.abspath(abspath)
    return rel.replace(os.sep, "/")


def fingerprint(rule: str, path: str, subject: str, bucket: str | None) -> str:
    """Stable across unrelated edits: (rule, path, subject, bucket), never a line number."""
    h = hashlib.sha256("\x1f".join((rule, path, subject, bucket or ""))
                       .encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]
