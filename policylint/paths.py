"""How a path is shown in findings, and the baseline fingerprint built from it."""
from __future__ import annotations

import hashlib
import os


def display_path(abspath: str, cwd: str) -> str:
    """Relative to ``cwd`` when below it, absolute otherwise; POSIX separators; printable."""
    rel = os.path.relpath(abspath, cwd)
    if rel == os.curdir:
        return "."
    if rel.startswith(os.pardir):
        rel = os.path.abspath(abspath)
    rel = rel.replace(os.sep, "/")
    # a name that is not UTF-8 (held as surrogate escapes) could be neither printed nor hashed
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fingerprint(rule: str, path: str, subject: str, bucket: str | None) -> str:
    """Stable across unrelated edits: (rule, path, subject, bucket), never a line number."""
    h = hashlib.sha256("\x1f".join((rule, path, subject, bucket or ""))
                       .encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]
