"""Shared test helpers: run the CLI in-process and read its JSON findings.

Kept small and stable on purpose: other test modules import ``run_cli``, ``json_findings``,
``findings_of``, ``write_tree``, ``repo_tree`` and ``copy_fixture`` from here. They are the one
in-process CLI runner and the one tree writer; ``tests/reliability/plrel_support.py`` adds a
sandboxed subprocess run (timeout, memory limit, audit of what is opened) on the same trees.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import pytest

from policylint import cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"

# (rule, path, line, column): what a finding is, for exact expectations.
FindingKey = tuple[str, str, int, int]

# Environment variables that change the output; cleared for every run so that a developer's
# shell or CI (GITHUB_ACTIONS adds annotations, FORCE_COLOR adds colour) cannot change results.
_VOLATILE_ENV = ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "CI", "POLICYLINT_DEBUG")


@contextlib.contextmanager
def _environment(cwd: Path | str, env: Mapping[str, str] | None) -> Iterator[None]:
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    try:
        for name in _VOLATILE_ENV:
            os.environ.pop(name, None)
        os.environ.update(env or {})
        os.chdir(cwd)
        yield
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def run_cli(args: Sequence[str], cwd: Path | str,
            env: Mapping[str, str] | None = None) -> tuple[int, str, str]:
    """Run ``policylint ARGS`` in ``cwd`` in-process: (exit code, stdout, stderr).

    stdout is not a TTY (so no colour unless FORCE_COLOR is given in ``env``)."""
    out, err = io.StringIO(), io.StringIO()
    with _environment(cwd, env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(args))
        except SystemExit as exc:  # argparse's --help and --version exit this way
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    return code, out.getvalue(), err.getvalue()


def findings_of(json_text: str) -> list[FindingKey]:
    """(rule, path, line, column) of every finding in a ``--format json`` output, in order."""
    doc = json.loads(json_text)
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in doc["findings"]]


def json_findings(args: Sequence[str], cwd: Path | str,
                  env: Mapping[str, str] | None = None) -> list[FindingKey]:
    """Run with ``--format json`` and return the findings' (rule, path, line, column).

    Fails the test on a usage or internal error (exit 2 or 3)."""
    code, out, err = run_cli([*args, "--format", "json"], cwd, env)
    assert code in (0, 1), f"exit {code}: {err}"
    return findings_of(out)


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create ``files`` (relative path → text or bytes) under ``root``; return ``root``."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def repo_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """``root`` as its own repository (a ``.git`` marker stops config lookup and discovery
    there) holding ``files``; return ``root``. The one tree helper: other helpers build on it."""
    (root / ".git").mkdir(parents=True, exist_ok=True)
    return write_tree(root, files)


def copy_fixture(name: str, dest: Path) -> Path:
    """Copy ``tests/fixtures/NAME`` to ``dest/NAME`` as its own repository (a ``.git`` marker
    stops config lookup and discovery there) and return the copy."""
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    (target / ".git").mkdir(exist_ok=True)
    return target


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes seconds (packaging); still in the default run")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository root (config lookup and discovery stop here)."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".git").mkdir()
    return root
