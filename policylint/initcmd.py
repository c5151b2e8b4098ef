"""``policylint init [PATH]``: write a ``.policylint.yaml`` for the repository of PATH from what
a scan finds there — the labeling input buckets (with their evidence as comments) and the CORS
documents a script applies to a bucket — and print the pre-commit entry and the workflow that run
policylint. It never overwrites a configuration: one already there is a usage error (exit 2)."""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from policylint.args import _Parser
from policylint.errors import UsageError

PRE_COMMIT = """\
# .pre-commit-config.yaml
repos:
  - repo: https://github.com/OWNER/policylint   # policylint's repository
    rev: FULL_COMMIT_SHA                       # or a release tag
    hooks:
      - id: policylint
"""

WORKFLOW = """\
# .github/workflows/policylint.yml
name: policylint
on: [pull_request, push]
permissions:
  contents: read
jobs:
  policylint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683  # v4.2.2
      - uses: OWNER/policylint@FULL_COMMIT_SHA  # policylint's repository, pinned
"""

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
_NOT_PRINTABLE = re.compile(r"[^\t\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _comment(text: str) -> str:
    """``text`` as the rest of one YAML comment line: no line break, nothing YAML refuses."""
    return _NOT_PRINTABLE.sub("\N{REPLACEMENT CHARACTER}", _LINE_BREAKS.sub(" ", text))


def _scalar(value: str) -> str:
    import yaml

    out: str = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1 << 20)
    return out.strip().removesuffix("...").strip()


def _glob_literal(name: str) -> str:
    """``name`` as a ``labeling.buckets`` glob (fnmatch) that matches only itself."""
    return re.sub(r"([*?\[])", r"[\1]", name)


def _at(d: dict[str, Any]) -> str:
    return f"{d['path']}:{d['line']}:{d['column']}"


def _bucket_lines(buckets: list[dict[str, Any]]) -> tuple[list[str], int]:
    lines = ["labeling:", "  # name globs of labeling input buckets; found by policylint init:"]
    names: list[str] = []
    for b in buckets:
        if not b["needs_cors"]:
            continue
        evidence = [f"  #   evidence at {_at(u)} ({u['confidence']}): {_comment(u['evidence'])}"
                    for u in b["labeling"] if u["needs_cors"]]
        name = b["name"]
        if name is None:
            why = f"its name is not known statically ({_comment(b['name_unknown'] or '')})"
        elif b["defined_at"] is None:  # an entry would only move its PL102 from the evidence
            why = "defined outside the scanned files"
        else:
            why = ""
        if why:
            lines.append(f"  # not listed: {_comment(name or '?')}, {why}")
            lines += evidence
            continue
        if name in names:
            continue
        names.append(name)
        lines.append(f"  # {_comment(name)}: {b['address']} ({b['format']}) defined at "
                     f"{_at(b['defined_at'])}")
        lines += evidence
    if names:
        lines.append("  buckets:")
        lines += [f"    - {_scalar(_glob_literal(n))}" for n in names]
    else:
        lines.append("  buckets: []  # none found")
    return lines, len(names)


def _cors_lines(data: dict[str, Any], root: str) -> tuple[list[str], int]:
    lines = ["cors-files:", "  # CORS documents and the bucket a script applies each to:"]
    entries: dict[str, str] = {}
    for b in data["buckets"]:
        for c in b["cors"]:
            doc, applied = c["document"], c["applied_at"]
            if not (doc and applied and isinstance(b["name"], str)) or doc in entries:
                continue
            if not os.path.isfile(os.path.join(root, doc)):
                continue
            entries[doc] = b["name"]
            lines.append(f"  # {_comment(doc)} is applied at {_comment(applied)}")
            lines.append(f"  {_scalar(doc)}: {_scalar(b['name'])}")
    if not entries:
        lines[-1] = "cors-files: {}  # no script applies a CORS document to a named bucket"
        lines.pop(0)
    unbound = sorted({c["document"] for c in data["unbound_cors"] if c["document"]})
    if unbound:
        lines.append("# CORS documents applied to no bucket (add DOCUMENT: BUCKET under "
                     "cors-files to bind one):")
        lines += [f"#   {_comment(d)}" for d in unbound]
    return lines, len(entries)


def render(data: dict[str, Any], root: str) -> tuple[str, int, int]:
    """The configuration for ``data`` (an inventory, paths relative to ``root``), with how many
    buckets and CORS documents it lists."""
    head = ["# policylint configuration, written by `policylint init` from a scan of this "
            "repository.", "# Keys and their meaning: README.md, Configuration."]
    buckets, n_buckets = _bucket_lines(data["buckets"])
    cors, n_documents = _cors_lines(data, root)
    return "\n".join(head + buckets + cors) + "\n", n_buckets, n_documents


def _existing_config(root: str) -> str | None:
    from policylint.config import CONFIG_NAMES, _pyproject_has_section

    for name in CONFIG_NAMES:
        if os.path.lexists(os.path.join(root, name)):
            return os.path.join(root, name)
    pyproject = os.path.join(root, "pyproject.toml")
    if os.path.isfile(pyproject) and _pyproject_has_section(pyproject):
        return pyproject + " [tool.policylint]"
    return None


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="policylint init",
                description="Write .policylint.yaml for the repository of PATH from what a scan "
                            "finds, and print the pre-commit entry and the workflow. Never "
                            "overwrites a configuration.")
    p.add_argument("path", nargs="?", default=".", metavar="PATH",
                   help="a folder of the repository (default: .)")
    return p


def init_main(argv: list[str]) -> int:
    from policylint import engine, inventory, plugins
    from policylint.config import Config
    from policylint.scope import analysis_root

    args = _parser().parse_args(argv)
    if not os.path.isdir(args.path):
        raise UsageError(f"init: no such folder: {args.path}")
    cwd = os.getcwd()
    root = analysis_root(os.path.abspath(args.path), cwd)
    existing = _existing_config(root)
    if existing is not None:
        raise UsageError(f"init: a configuration already exists: {os.path.relpath(existing, cwd)}"
                         " (policylint init never overwrites one; edit it, or remove it first)")
    rules = plugins.load_rules([])
    result = engine.run(Config(), rules, engine.RunOptions(paths=[root], cwd=root,
                                                           use_cache=False))
    data = inventory.inventory(result.project)
    text, buckets, documents = render(data, root)
    target = os.path.join(root, ".policylint.yaml")
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise UsageError(f"init: a configuration already exists: "
                         f"{os.path.relpath(target, cwd)}") from None
    except OSError as exc:
        raise UsageError(f"init: cannot write {target}: {exc.strerror or exc}") from None
    sys.stdout.write(f"wrote {os.path.relpath(target, cwd)}: {buckets} labeling bucket(s), "
                     f"{documents} CORS document(s) bound by a script\n\n"
                     f"Run it at each commit with pre-commit:\n\n{PRE_COMMIT}\n"
                     f"and on GitHub with the action:\n\n{WORKFLOW}")
    return 0
