"""SARIF ``fixes`` and ``invocations``: every finding ``--fix`` fixes carries that exact edit
(applying its replacements gives the bytes ``--fix`` writes), and the run's exit code and reader
limits are in ``invocations``; validated against the schema and read back with sarif-tools."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, run_cli
from integ_support import validate_sarif

FIX_CASES = REPO / "tests" / "fixtures" / "fix"
CASES = [("terraform", []), ("terraform_json", []), ("cloudformation", []), ("cors_json", []),
         ("cors_xml", []), ("pl104", ["--select", "PL104", "--fail-on", "note"])]  # PL104 is fixed on request


def _copy(case: str, dest: Path) -> Path:
    shutil.copytree(FIX_CASES / case / "input", dest)
    return dest


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".sarif"}


def _apply_bytes(data: bytes, reps: list[dict[str, Any]]) -> bytes:
    """The replacements by byte span of the original file; insertions at one point keep the
    order of the results (the order --fix uses)."""
    out, pos = [], 0
    for r in sorted(reps, key=lambda r: (r["deletedRegion"]["byteOffset"],
                                         r["deletedRegion"]["byteLength"])):
        start, length = r["deletedRegion"]["byteOffset"], r["deletedRegion"]["byteLength"]
        out += [data[pos:start], r["insertedContent"]["text"].encode("utf-8")]
        pos = start + length
    return b"".join(out) + data[pos:]


def _apply_lines(text: str, reps: list[dict[str, Any]]) -> str:
    """The same replacements by line and code-point column (end exclusive)."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = [(offset(d["startLine"], d["startColumn"]), offset(d["endLine"], d["endColumn"]),
              r["insertedContent"]["text"]) for r in reps for d in [r["deletedRegion"]]]
    out, pos = [], 0
    for a, b, new in sorted(spans, key=lambda s: (s[0], s[1])):
        out += [text[pos:a], new]
        pos = b
    return "".join(out) + text[pos:]


def _replacements(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every distinct replacement of every result's fix, by file (findings sharing one fix
    carry the same edit)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for res in doc["runs"][0]["results"]:
        for fix in res.get("fixes", []):
            for ch in fix["artifactChanges"]:
                assert ch["artifactLocation"]["uriBaseId"] == "SRCROOT"
                reps = out.setdefault(ch["artifactLocation"]["uri"], [])
                reps += [r for r in ch["replacements"] if r not in reps]
    return out


@pytest.mark.parametrize(("case", "select"), CASES, ids=[c for c, _ in CASES])
def test_applying_the_sarif_fixes_gives_the_bytes_fix_writes(case: str, select: list[str],
                                                             tmp_path: Path) -> None:
    scanned = _copy(case, tmp_path / "scanned")
    fixed = _copy(case, tmp_path / "fixed")
    before = _files(scanned)
    code, _, err = run_cli(["--no-cache", *select, "--format", "sarif:out.sarif", "."],
                           scanned)
    assert code == 1, err
    doc = json.loads((scanned / "out.sarif").read_text(encoding="utf-8"))
    validate_sarif(doc)
    assert _files(scanned) == before  # the SARIF run wrote nothing but its report
    run_cli(["--no-cache", *select, "--fix", "."], fixed)
    want = _files(fixed)
    changed = {p for p in want if want[p] != before[p]}
    reps = _replacements(doc)
    assert set(reps) == changed and changed
    for path, file_reps in reps.items():
        assert _apply_bytes(before[path], file_reps) == want[path]
        bom = b"\xef\xbb\xbf" if before[path].startswith(b"\xef\xbb\xbf") else b""
        text = before[path][len(bom):].decode("utf-8")
        assert bom + _apply_lines(text, file_reps).encode("utf-8") == want[path]
    # each result with a fix is one --fix fixes: the fixed run no longer reports it
    code, _, _ = run_cli(["--no-cache", *select, "--format", "sarif:after.sarif", "."], fixed)
    after = json.loads((fixed / "after.sarif").read_text(encoding="utf-8"))
    left = {r["partialFingerprints"]["policylint/v1"] for r in after["runs"][0]["results"]}
    with_fix = {r["partialFingerprints"]["policylint/v1"]
                for r in doc["runs"][0]["results"] if r.get("fixes")}
    assert with_fix and not with_fix & left
    assert all("fixes" not in r for r in after["runs"][0]["results"])


def test_a_finding_fix_refuses_has_no_sarif_fix(tmp_path: Path) -> None:
    work = _copy("refusals", tmp_path / "w")
    run_cli(["--no-cache", "--format", "sarif:out.sarif", "."], work)
    doc = json.loads((work / "out.sarif").read_text(encoding="utf-8"))
    validate_sarif(doc)
    _, out, _ = run_cli(["--no-cache", "--diff", "."], work)
    reps = _replacements(doc)
    # a file --diff leaves alone gets no SARIF replacement
    diffed = {line[len("+++ b/"):] for line in out.splitlines() if line.startswith("+++ b/")}
    assert set(reps) == diffed


TAGGED = b'''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags = { "policylint:labeling-input" = "true" }
}
'''


def test_invocations_give_the_exit_code_and_reader_limits(tmp_path: Path) -> None:
    from sarif import loader  # sarif-tools, in the test extra

    (tmp_path / "main.tf").write_bytes(TAGGED)
    (tmp_path / "big.tf").write_bytes(b"# filler\n" * 200)
    (tmp_path / ".policylint.yaml").write_text("max-file-size: 1000\n", encoding="utf-8")
    code, _, err = run_cli(["--no-cache", "--format", "sarif:out.sarif", "."], tmp_path)
    doc = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    validate_sarif(doc)
    [inv] = doc["runs"][0]["invocations"]
    assert inv["executionSuccessful"] is True
    assert inv["exitCode"] == code == 1, err
    [note] = inv["toolExecutionNotifications"]
    assert note["level"] == "note" and note["descriptor"] == {"id": "PL001"}
    assert note["message"]["text"] == ("file skipped: 1800 bytes is over the size limit of 1000 "
                                       "(max-file-size)")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "big.tf"
    sarif = loader.load_sarif_file(str(tmp_path / "out.sarif"))
    assert [(r["Code"], r["Location"], r["Line"]) for r in sarif.get_records()] == [
        ("PL001", "big.tf", 1), ("PL100", "main.tf", 1)]
    [result] = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "PL100"]
    [fix] = result["fixes"]
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "main.tf", "uriBaseId": "SRCROOT"}


def test_a_clean_run_says_exit_code_zero_and_no_notification(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "logs" {\n  bucket = "l"\n}\n',
                                      encoding="utf-8")
    code, _, _ = run_cli(["--no-cache", "--format", "sarif:out.sarif", "."], tmp_path)
    doc = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    validate_sarif(doc)
    assert code == 0
    assert doc["runs"][0]["invocations"] == [{"executionSuccessful": True, "exitCode": 0}]
