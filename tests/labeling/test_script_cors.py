"""CORS applied by scripts to buckets that no IaC defines, linked to labeling uses by name.

Fixture: tests/fixtures/labeling/script-cors/ — a manifest names five buckets, each given CORS
by a shell script, a Makefile or a GitHub workflow:

- script-only-images: ``file://../cors/images-cors.json`` (relative to the script) allows GET
  only from https://example.com → PL101 at the document;
- script-inline-bucket: inline JSON in a variable, PUT only → PL101 at the JSON in the script;
- script-twice: a document (shell) and inline JSON (Makefile) → PL201 naming both;
- script-missing-doc: the document does not exist → PL100 (the command fails at deploy time and
  leaves the bucket without CORS), at the manifest line, naming the missing document (issue 15);
- script-gh-bucket: ``file://cors/ok-cors.json`` (relative to the repo root) from a workflow
  ``run:`` block with ``${{ env.BUCKET }}`` → passes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli

SNAPSHOTS = Path(__file__).parent.parent / "fixtures" / "labeling" / "snapshots"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_fixture("labeling/script-cors", tmp_path_factory.mktemp("script"))


@pytest.fixture(scope="module")
def scan(root: Path) -> dict[str, Any]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 1, err
    return json.loads(out)


def test_findings(scan: dict[str, Any]) -> None:
    got = [(f["rule"], f["severity"], f["path"], f["line"], f["column"], f["bucket"])
           for f in scan["findings"]]
    assert got == [
        ("PL101", "error", "cors/images-cors.json", 2, 3, "script-only-images"),
        ("PL201", "error", "cors/ok-cors.json", 2, 3, "script-twice"),
        ("PL100", "error", "data/train.manifest", 4, 16, "script-missing-doc"),
        ("PL101", "error", "scripts/inline.sh", 3, 8, "script-inline-bucket"),
    ]


def test_conflict_names_every_source(scan: dict[str, Any]) -> None:
    pl201 = next(f for f in scan["findings"] if f["rule"] == "PL201")
    assert pl201["message"] == ("S3 bucket script-twice has 2 CORS definitions (Makefile:5:70, "
                                "cors/ok-cors.json:2:3): only the last applied survives")


def test_missing_document_says_why(scan: dict[str, Any]) -> None:
    pl100 = next(f for f in scan["findings"] if f["rule"] == "PL100")
    assert pl100["message"] == (
        "S3 bucket script-missing-doc holds Ground Truth input data but has no CORS "
        "configuration: the CORS document scripts/missing.json that a script applies does not "
        "exist, so the command fails at deploy time and leaves the bucket without CORS")
    assert [(r["path"], r["line"], r["column"]) for r in pl100["related"]][-2:] == [
        ("scripts/apply-cors.sh", 10, 1), ("scripts/missing.json", 1, 1)]


def _snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    assert path.read_text(encoding="utf-8") == text, f"inventory differs from {path}"


def test_inventory_text_snapshot(root: Path) -> None:
    code, out, err = run_cli([".", "--show-inventory", "--no-cache"], root)
    assert code == 0, err
    _snapshot("script-cors.inventory.txt", out)


def test_inventory_json_snapshot(root: Path) -> None:
    code, out, err = run_cli([".", "--show-inventory", "--format", "json", "--no-cache"], root)
    assert code == 0, err
    doc = json.loads(out)
    assert [b["name"] for b in doc["buckets"]] == [
        "script-gh-bucket", "script-inline-bucket", "script-missing-doc", "script-only-images",
        "script-twice"]
    _snapshot("script-cors.inventory.json", out)


def test_inline_suppressions_in_scripts_and_templates(repo: Path) -> None:
    from conftest import json_findings, write_tree

    write_tree(repo, {
        "apply.sh": ("# policylint: disable=PL101 reason=\"origins are restricted on purpose\"\n"
                     "CORS='[{\"AllowedMethods\": [\"GET\"], \"AllowedOrigins\": [\"https://a\"]}]'\n"
                     "aws s3api put-bucket-cors --bucket supp-b --cors-configuration \"$CORS\"\n"),
        "task.html": ("<crowd-form>\n"
                      "  <!-- policylint: disable=PL102 reason=\"bucket of the data team\" -->\n"
                      "  <img src=\"s3://supp-nowhere/a.jpg\">\n"
                      "  <img src=\"s3://supp-b/b.jpg\">\n"
                      "</crowd-form>\n"),
    })
    assert json_findings([".", "--no-cache"], repo) == []
    code, out, err = run_cli([".", "--no-cache", "--no-inline-suppressions", "--format", "json"],
                             repo)
    assert code == 1, err
    got = [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(out)["findings"]]
    assert got == [("PL101", "apply.sh", 2, 7), ("PL102", "task.html", 3, 13)]
