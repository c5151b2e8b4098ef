"""The progress bar: on a terminal only, never in pipes or CI logs; counts files (not units) from the pool."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from conftest import write_tree

from policylint import cli, readphase
from policylint.progress import Progress

GOOD = '{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n'


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(repo: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> str:
    for name in ("CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(Progress.__init__, "__defaults__", (0.0,))  # no half-second delay
    monkeypatch.setattr(readphase, "POOL_MIN_UNITS", 2)
    monkeypatch.setattr(readphase, "POOL_MIN_BYTES", 0)
    err = _Tty()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.chdir(repo)
    assert cli.main(["--no-cache", "--jobs", "2", "."]) == 0
    return err.getvalue()


@pytest.fixture
def tree(repo: Path) -> Path:
    return write_tree(repo, {f"c{i}.json": GOOD for i in range(6)})


def test_shown_on_a_terminal_and_cleared(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _run(tree, monkeypatch, {})
    assert "6/6 files" in out
    assert out.endswith("\r" + " " * 60 + "\r")


def test_never_in_ci(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(tree, monkeypatch, {"CI": "true"}) == ""


def test_never_in_a_pipe(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_Tty, "isatty", lambda self: False)
    assert _run(tree, monkeypatch, {}) == ""


def test_counts_files_not_units(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a Terraform module directory is one unit of three files; with two CORS files, 5 files
    tf = 'resource "aws_s3_bucket" "b%d" {\n  bucket = "acme-%d"\n}\n'
    tree = write_tree(repo, {**{f"infra/m{i}.tf": tf % (i, i) for i in range(3)},
                             "a.json": GOOD, "b.json": GOOD})
    out = _run(tree, monkeypatch, {})
    assert "5/5 files" in out
    assert "/3 " not in out
