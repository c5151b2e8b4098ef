"""What a run knows and what it reports: the analysis root, the folders walked, and the focus.

The root is the scanned path's repository (its git root; outside git the working directory
when the path lies below it, else the path itself or its folder), never a common parent of
the working directory and the path. The whole root is always read, so the verdict does not
depend on how policylint is called; paths named on the command line only narrow which
findings are reported (those located in, or with evidence in, the named paths).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from policylint.config import Config
from policylint.discover import git_root
from policylint.model import Finding
from policylint.paths import display_path

TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


@dataclass(frozen=True)
class Scope:
    root: str  # absolute analysis root
    focus: frozenset[str] | None  # real paths named on the command line; None: report all
    named_files: frozenset[str]  # real paths of named files (read even when git-ignored)


def analysis_root(path: str, cwd: str) -> str:
    """The repository of ``path`` (absolute)."""
    found = git_root(path)
    if found is not None:
        return found
    if inside(path, cwd):
        return os.path.abspath(cwd)
    return path if os.path.isdir(path) else os.path.dirname(path)


def staged_deletions(start: str) -> list[str]:
    """Absolute paths of the files that the staged commit deletes (``git diff --cached``), for
    the pre-commit hook, which is never given them. [] outside git or when git fails."""
    import subprocess

    top = git_root(start)
    if top is None:
        return []
    try:
        out = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=D", "-z"],
                             cwd=top, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    if out.returncode != 0:
        return []
    names = out.stdout.decode("utf-8", "surrogateescape").split("\0")
    return [os.path.join(top, n) for n in names if n]


def plan(paths: list[str], cwd: str) -> Scope:
    abs_paths = [os.path.abspath(os.path.join(cwd, p)) for p in paths] or [os.path.abspath(cwd)]
    root = analysis_root(abs_paths[0], cwd)
    files = frozenset(os.path.realpath(p) for p in abs_paths if os.path.isfile(p))
    whole = any(os.path.isdir(p) and inside(root, p) for p in abs_paths)
    focus = None if whole else frozenset(os.path.realpath(p) for p in abs_paths)
    return Scope(root, focus, files)


def inside(path: str, root: str) -> bool:
    real, r = os.path.realpath(path), os.path.realpath(root)
    return real == r or real.startswith(r.rstrip(os.sep) + os.sep)


def exclude_patterns(config: Config, root: str) -> list[str]:
    """Config excludes are relative to the config's folder; the walker's to the root."""
    out = []
    base = os.path.relpath(config.base_dir, root).replace(os.sep, "/") if config.source else "."
    for pat in config.exclude:
        if base in (".", "") or base.startswith(".."):
            out.append(pat)
        else:
            neg = pat.startswith("!")
            body = pat[1:] if neg else pat
            anchored = "/" in body.rstrip("/")
            body = body.lstrip("/")
            full = f"{base}/{body}" if anchored else f"{base}/**/{body}"
            out.append(("!" if neg else "") + full)
    return out


def focus(findings: list[Finding], named: frozenset[str], cwd: str) -> list[Finding]:
    """Keep findings whose location or evidence lies in the named paths: a named folder covers
    everything below it; a named Terraform file its whole module folder (the module is one
    unit); any other named file the file itself."""
    paths: set[str] = set()
    dirs: set[str] = set()
    tf_dirs: set[str] = set()
    for real in named:
        shown = display_path(real, cwd)
        if os.path.isdir(real):
            dirs.add(shown)
        else:
            paths.add(shown)
            if real.endswith(TERRAFORM_SUFFIXES):
                tf_dirs.add(display_path(os.path.dirname(real), cwd))

    def hit(path: str) -> bool:
        if path in paths:
            return True
        if any(d == "." and not path.startswith("/") or path.startswith(d.rstrip("/") + "/")
               for d in dirs):
            return True
        # the module unit is the folder's Terraform files, not every file in the folder
        parent = path.rsplit("/", 1)[0] if "/" in path else "."
        return parent in tf_dirs and path.endswith(TERRAFORM_SUFFIXES)

    return [f for f in findings
            if hit(f.location.path) or any(hit(r.location.path) for r in f.related)]
