"""The CLI's output options end to end on a fixture repository: every format, FORMAT:FILE,
--output, and annotations under GITHUB_ACTIONS."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import copy_fixture, findings_of, run_cli
from integ_support import validate_sarif

EXPECTED = [("PL101", "cors/fail_frames.xml", 1, 1), ("PL101", "cors/fail_images.json", 1, 2)]


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    return copy_fixture("integrations/repo", tmp_path)


def test_json_findings(fixture_repo: Path) -> None:
    code, out, err = run_cli(["--format", "json"], fixture_repo)
    assert (code, err) == (1, "")
    assert findings_of(out) == EXPECTED


def test_sarif_to_file_and_text_to_console(fixture_repo: Path) -> None:
    code, out, err = run_cli(["--format", "text", "--format", "sarif:out/report.sarif"],
                             fixture_repo)
    assert (code, err) == (1, "")
    assert out.startswith("cors/fail_frames.xml:1:1: PL101 [error] ")
    assert out.endswith("Found 2 errors in 3 files.\n")
    doc = json.loads((fixture_repo / "out" / "report.sarif").read_text(encoding="utf-8"))
    validate_sarif(doc)
    run = doc["runs"][0]
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == fixture_repo.as_uri() + "/"
    got = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"])
           for r in run["results"]]
    assert got == EXPECTED
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"PL000", "PL001", "PL002", "PL100", "PL101", "PL102", "PL103", "PL104", "PL200",
            "PL201"} <= set(rules)
    assert rules["PL101"]["help"]["markdown"].startswith("## What it does")
    assert run["results"][0]["ruleIndex"] == list(rules).index("PL101")
    assert [loc["physicalLocation"]["artifactLocation"]["uri"]
            for loc in run["results"][1]["relatedLocations"]] == [
        ".policylint.yaml", "cors/fail_images.json"]


def test_junit(fixture_repo: Path) -> None:
    code, out, _ = run_cli(["--format", "junit"], fixture_repo)
    assert code == 1
    cases = [(c.get("name"), c.find("failure").get("type"))  # type: ignore[union-attr]
             for c in ET.fromstring(out).iter("testcase")]
    assert cases == [("PL101 cors/fail_frames.xml:1:1", "PL101"),
                     ("PL101 cors/fail_images.json:1:2", "PL101")]


def test_github_format(fixture_repo: Path) -> None:
    code, out, _ = run_cli(["--format", "github"], fixture_repo)
    assert code == 1
    assert [line.split("::")[1] for line in out.splitlines()] == [
        "error file=cors/fail_frames.xml,line=1,col=1,endLine=6,title=PL101",
        "error file=cors/fail_images.json,line=1,col=2,endLine=1,endColumn=13,title=PL101"]


def test_text_under_github_actions_adds_annotations(fixture_repo: Path) -> None:
    code, out, _ = run_cli([], fixture_repo, env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    text, _, annotations = out.partition("Found 2 errors in 3 files.\n")
    assert text.startswith("cors/fail_frames.xml:1:1: PL101 [error]")
    assert [line[:40] for line in annotations.splitlines()] == [
        "::error file=cors/fail_frames.xml,line=1",
        "::error file=cors/fail_images.json,line=",
    ]
    code, out, _ = run_cli([], fixture_repo)
    assert "::error" not in out


def test_output_writes_the_first_format(fixture_repo: Path) -> None:
    code, out, _ = run_cli(["--format", "junit", "--output", "report.xml"], fixture_repo)
    assert (code, out) == (1, "")
    root = ET.parse(fixture_repo / "report.xml").getroot()
    assert root.find("testsuite").get("failures") == "2"  # type: ignore[union-attr]


def test_two_console_formats_are_a_usage_error(fixture_repo: Path) -> None:
    code, out, err = run_cli(["--format", "text", "--format", "json"], fixture_repo)
    assert (code, out) == (2, "")
    assert err == ("policylint: error: only one --format can write to the console; give the "
                   "others a FILE\n")


def test_unknown_format_is_a_usage_error(fixture_repo: Path) -> None:
    code, _, err = run_cli(["--format", "html"], fixture_repo)
    assert code == 2
    assert err == ("policylint: error: unknown format 'html' (choose from text, json, sarif, "
                   "junit, github)\n")


def test_clean_repository_in_every_format(fixture_repo: Path) -> None:
    cors = fixture_repo / "cors"
    (cors / "fail_images.json").write_text((cors / "pass_ok.json").read_text(encoding="utf-8"),
                                           encoding="utf-8")
    frames = (cors / "fail_frames.xml").read_text(encoding="utf-8")
    (cors / "fail_frames.xml").write_text(
        frames.replace("https://labeling.example.com", "*"), encoding="utf-8")
    code, out, _ = run_cli(["--format", "text", "--format", "sarif:r.sarif",
                            "--format", "junit:r.xml", "--format", "json:r.json"], fixture_repo)
    assert (code, out) == (0, "All checks passed: no findings in 3 files.\n")
    sarif = json.loads((fixture_repo / "r.sarif").read_text(encoding="utf-8"))
    validate_sarif(sarif)
    assert sarif["runs"][0]["results"] == []
    assert json.loads((fixture_repo / "r.json").read_text(encoding="utf-8"))["summary"] == {
        "files": 3, "findings": 0, "errors": 0, "warnings": 0, "notes": 0, "suppressed": 0}
    assert ET.parse(fixture_repo / "r.xml").getroot().find(
        "testsuite/testcase").get("name") == "no findings in 3 files"  # type: ignore[union-attr]


def test_annotations_only_on_the_console(fixture_repo: Path) -> None:
    code, out, _ = run_cli(["--format", "json", "--format", "text:report.txt"], fixture_repo,
                           env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    assert findings_of(out) == EXPECTED
    text = (fixture_repo / "report.txt").read_text(encoding="utf-8")
    assert text.endswith("Found 2 errors in 3 files.\n")
    assert "::error" not in text
