"""The text and JSON output of a run over the examples-like fixture project, as committed
snapshots (tests/snapshots/). Only the version string is normalised.

After an intended change of the output: ``POLICYLINT_UPDATE_SNAPSHOTS=1 pytest
tests/test_output_snapshots.py`` and review the diff.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import copy_fixture, run_cli

from policylint import __version__

SNAPSHOTS = Path(__file__).parent / "snapshots"
VERSION = "<VERSION>"


def _normalise(text: str) -> str:
    return text.replace(f'"version": "{__version__}"', f'"version": "{VERSION}"')


def _check(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("POLICYLINT_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8", newline="\n")
    assert path.exists(), f"no snapshot {name}: run with POLICYLINT_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture("config/project", tmp_path_factory.mktemp("snap"))


@pytest.mark.parametrize("name, args", [
    ("project.txt", []),
    ("project-quiet.txt", ["--quiet"]),
    ("project.json", ["--format", "json"]),
])
def test_output_snapshot(project: Path, name: str, args: list[str]) -> None:
    code, out, err = run_cli(args, project)
    assert (code, err) == (1, "")
    _check(name, _normalise(out))


def test_json_snapshot_follows_the_contract() -> None:
    doc = json.loads((SNAPSHOTS / "project.json").read_text(encoding="utf-8"))
    assert list(doc) == ["version", "tool", "findings", "summary"]
    assert doc["version"] == 1 and doc["tool"] == {"name": "policylint", "version": VERSION}
    for f in doc["findings"]:
        assert list(f) == ["rule", "name", "severity", "message", "path", "line", "column",
                           "end_line", "end_column", "subject", "bucket", "related", "fix",
                           "fingerprint"]
        assert all(list(r) == ["path", "line", "column", "message"] for r in f["related"])
        assert f["fix"] is None or list(f["fix"]) == ["description", "snippet"]
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert doc["summary"] == {"files": 5, "findings": 4, "errors": 3, "warnings": 1, "notes": 0,
                              "suppressed": 0}
