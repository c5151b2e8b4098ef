"""Where output goes: ``--format FORMAT[:FILE]`` and ``-o`` are never ambiguous, and
``--show-inventory`` honours them (text and json only)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import copy_fixture, findings_of, run_cli

from policylint.errors import UsageError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_fixture("config/project", tmp_path)


@pytest.mark.parametrize("args, message", [
    (["-o", "r.txt", "--format", "json", "--format", "sarif"],
     "--output r.txt: which format goes there is ambiguous (it could be any of json, sarif; "
     "give each format but one its own :FILE)"),
    (["-o", "r.txt", "--format", "json:a.json", "--format", "sarif:b.sarif"],
     "--output r.txt: which format goes there is ambiguous (every --format has its own :FILE)"),
    (["--format", "sarif:"], "--format sarif:: the file name after ':' is empty (write --format "
                             "sarif for the console, or sarif:FILE)"),
    (["--format", "text", "--format", "json:"], "--format json:: the file name after ':' is "
                                                "empty (write --format json for the console, or "
                                                "json:FILE)"),
    (["--output", "", "--format", "json"], "--output: the file name is empty"),
    (["--format", "json:r.out", "--format", "sarif:r.out"],
     "two formats would write to the same file: r.out"),
    (["-o", "r.out", "--format", "json", "--format", "sarif:r.out"],
     "two formats would write to the same file: r.out"),
    (["--format", "json", "--format", "sarif"],
     "only one --format can write to the console; give the others a FILE"),
])
def test_ambiguous_destinations_are_usage_errors(project: Path, args: list[str],
                                                 message: str) -> None:
    assert run_cli(args, project) == (2, "", f"policylint: error: {message}\n")
    assert sorted(p.name for p in project.iterdir() if p.suffix in (".txt", ".out", ".json",
                                                                      ".sarif")) == []


def test_output_goes_to_the_one_format_without_a_file(project: Path) -> None:
    code, out, err = run_cli(["--format", "sarif:r.sarif", "--format", "json", "-o", "r.json"],
                             project)
    assert (code, out, err) == (1, "", "")
    assert findings_of((project / "r.json").read_text()) == findings_of(
        run_cli(["--format", "json"], project)[1])
    assert json.loads((project / "r.sarif").read_text())["version"] == "2.1.0"


def test_a_windows_style_file_keeps_its_drive_colon(project: Path) -> None:
    from policylint.cli import _outputs, build_parser

    args = build_parser().parse_args(["--format", r"sarif:C:\reports\r.sarif"])
    assert _outputs(args) == [("sarif", r"C:\reports\r.sarif")]
    with pytest.raises(UsageError):
        _outputs(build_parser().parse_args(["--format", "sarif:", "-o", "x"]))


def test_inventory_as_json_to_the_console(project: Path) -> None:
    code, out, err = run_cli(["--show-inventory", "--format", "json"], project)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["version"] == 1
    assert "acme-labeling-images" in {b["name"] for b in doc["buckets"]}


def test_inventory_to_files(project: Path) -> None:
    console = run_cli(["--show-inventory", "--format", "json"], project)[1]
    text = run_cli(["--show-inventory"], project)[1]
    assert run_cli(["--show-inventory", "--format", "json", "-o", "inv.json"], project) == (
        0, "", "")
    assert (project / "inv.json").read_text(encoding="utf-8") == console
    assert run_cli(["--show-inventory", "--format", "json:a/inv.json", "--format", "text"],
                   project) == (0, text, "")
    assert (project / "a" / "inv.json").read_text(encoding="utf-8") == console
    assert run_cli(["--show-inventory", "-o", "inv.txt"], project) == (0, "", "")
    assert (project / "inv.txt").read_text(encoding="utf-8") == text


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github", "sarif:inv.sarif"])
def test_inventory_in_another_format_is_a_usage_error(project: Path, fmt: str) -> None:
    name = fmt.partition(":")[0]
    assert run_cli(["--show-inventory", "--format", fmt], project) == (
        2, "", f"policylint: error: --show-inventory writes text or json, not {name}\n")
    assert not (project / "inv.sarif").exists()
