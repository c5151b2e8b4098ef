"""Shared helpers for the --fix tests: fixture projects, CLI runs, snapshots."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import run_cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fix"
UPDATE = bool(os.environ.get("POLICYLINT_UPDATE_SNAPSHOTS"))


def copy_case(name: str, dest: Path) -> Path:
    """The case's input project, copied to ``dest/name`` (tests never edit fixtures)."""
    work = dest / name
    shutil.copytree(FIXTURES / name / "input", work)
    return work


def run(argv: list[str], cwd: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """``policylint ARGV --no-cache`` in ``cwd``, through the shared ``conftest.run_cli``; the
    test stays in ``cwd`` afterwards (some go on running the CLI there)."""
    monkeypatch.chdir(cwd)
    return run_cli(argv + ["--no-cache"], cwd, {"NO_COLOR": "1"})


def findings(cwd: Path, capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    _rc, out, _err = run(["--format", "json", "."], cwd, capsys, monkeypatch)
    return [(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]]


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def check_snapshot(name: str, work: Path) -> None:
    """Every file of the fixed project equals ``expected/`` (changed files) or ``input/``."""
    expected_dir = FIXTURES / name / "expected"
    before = files(FIXTURES / name / "input")
    after = files(work)
    assert sorted(after) == sorted(before)
    for rel, data in after.items():
        snap = expected_dir / rel
        if UPDATE and data != before[rel]:
            snap.parent.mkdir(parents=True, exist_ok=True)
            snap.write_bytes(data)
        want = snap.read_bytes() if snap.exists() else before[rel]
        assert data == want, f"{rel} differs from its snapshot"


def check_text_snapshot(path: Path, text: str) -> None:
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def only_insertions(before: bytes, after: bytes) -> bool:
    """True when ``after`` is ``before`` with text inserted: every original byte is still there,
    unchanged and in order (so no line outside an edit changed)."""
    # ``before`` must be a subsequence of ``after``: a greedy scan decides it exactly (difflib's
    # SequenceMatcher is a heuristic: on repeated rules it can align an insertion as a
    # replacement, which made this check fail on a correct edit)
    rest = iter(after)
    return all(byte in rest for byte in before)
