"""Output and state that can be abused (issue 16, items 10-12): a baseline never accepts
policylint's own errors; CI output never lets file content become a workflow command."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from plrel_support import TAGGED_TF, make_tree, run_cli

BROKEN_CORS = '{"CORSRules": [\n'  # PL001 at line 2


def _tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path, {"main.tf": TAGGED_TF, "cors.json": BROKEN_CORS,
                                "broken.xml": '<?xml version="1.0" encoding="x-bogus"?>\n'
                                              "<CORSConfiguration/>\n"})


def test_write_baseline_leaves_out_policylints_own_errors_and_says_so(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    run = run_cli(tree, ".", "--write-baseline", "baseline.json", "--format", "json")
    assert run.rc == 1
    assert run.findings == [("PL001", "broken.xml", 1), ("PL001", "cors.json", 2)]
    assert run.stderr == ("policylint: 2 internal or parse error(s) (PL000, PL001) left out of "
                          "baseline.json: a baseline never accepts them; fix them, or exclude "
                          "the files\n")
    doc = json.loads((tree / "baseline.json").read_text())
    assert [(e["rule"], e["path"]) for e in doc["findings"]] == [("PL100", "main.tf")]
    again = run_cli(tree, ".", "--baseline", "baseline.json", "--format", "json")
    assert (again.rc, again.findings) == (1, run.findings)


def test_an_old_baseline_holding_internal_and_parse_errors_is_ignored_for_them(
        tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    full = run_cli(tree, ".", "--format", "json")
    entries = [{"fingerprint": f["fingerprint"], "rule": f["rule"], "path": f["path"],
                "subject": "", "count": 1} for f in full.report["findings"]]
    # an entry without a rule field (hand-edited) does not let a PL001 through either
    entries.append({"fingerprint": full.report["findings"][0]["fingerprint"], "count": 3})
    (tree / "old.json").write_text(json.dumps({"version": 1, "tool": "policylint",
                                                "findings": entries}))
    run = run_cli(tree, ".", "--baseline", "old.json", "--format", "json")
    assert (run.rc, run.findings) == (1, [("PL001", "broken.xml", 1), ("PL001", "cors.json", 2)])
    assert ("PL100", "main.tf", 1) in full.findings  # accepted by the baseline, as it should


# GitHub workflow-command payloads: each would run as a command if it started a line
PAYLOADS = ["::stop-commands::pwned", "::error file=x.tf,line=1::forged",
            "::add-mask::secret", "::set-output name=x::y", "::warning::w", "##[error]legacy",
            "  ::notice::indented"]
_ANNOTATION = re.compile(r"^::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,endLine=\d+"
                         r"(,endColumn=\d+)?,title=PL\d{3}::")


def _hostile_ci_tree(tmp_path: Path) -> Path:
    files: dict[str, str | bytes] = {}
    for i, payload in enumerate(PAYLOADS):
        value = json.dumps("x\n" + payload)[1:-1].replace("\\n", "\\n")  # HCL string escapes
        cr = json.dumps("y\r" + payload)[1:-1]
        files[f"t{i}/main.tf"] = (
            f'resource "aws_s3_bucket" "b" {{\n  bucket = "{cr}"\n'
            f'  tags = {{ "policylint:labeling-input" = "{value}%0A{payload}" }}\n}}\n')
        # a folder named by the payload, and one whose name holds a raw line break
        safe = payload.replace("/", "_")
        files[f"{safe}/main.tf"] = TAGGED_TF
        files[f"n{i}\n{safe}\r{safe}/main.tf"] = TAGGED_TF
    files["m/data.manifest"] = "".join(
        json.dumps({f"k\n{p}": 1, "source-ref": f"s3://acme-images/a\n{p}.jpg"}) + "\n"
        for p in PAYLOADS)
    files["c/cors.json"] = json.dumps({"CORSRules": [{"AllowedMethods": [f"GET\n{p}"],
                                                      "AllowedOrigins": ["*"]}
                                                     for p in PAYLOADS]})
    return make_tree(tmp_path, files)


def _command_lines(stdout: str) -> list[str]:
    """Lines GitHub's runner would run as workflow commands (it splits on CR, LF and CRLF)."""
    lines = re.split(r"\r\n|\r|\n", stdout)
    return [ln.strip() for ln in lines if ln.strip().startswith(("::", "##["))]


@pytest.mark.parametrize("fmt", ["text", "github", "junit", "sarif", "json"])
def test_no_file_name_or_value_becomes_a_workflow_command(tmp_path: Path, fmt: str) -> None:
    tree = _hostile_ci_tree(tmp_path)
    plain = run_cli(tree, ".", "--format", "json")
    assert plain.rc == 1
    n = len(plain.report["findings"])
    assert n >= 3 * len(PAYLOADS)  # the hostile names and values are in findings
    run = run_cli(tree, ".", "--format", fmt, env={"GITHUB_ACTIONS": "true"})
    assert run.rc == 1, run.stderr
    commands = _command_lines(run.stdout)
    # only our own annotations, one per finding, each well formed (text and github print them)
    assert len(commands) == (n if fmt in ("text", "github") else 0), commands[:5]
    assert all(_ANNOTATION.match(c) for c in commands), [c for c in commands
                                                       if not _ANNOTATION.match(c)][:3]
    if fmt == "text":  # the hostile strings are shown, visibly neutralised
        assert "\n\\::stop-commands::pwned" in run.stdout and "\\r::add-mask::" in run.stdout
    if fmt == "junit":
        ET.fromstring(run.stdout)  # still valid XML, with the same messages once parsed
        plain_junit = run_cli(tree, ".", "--format", "junit")
        assert _failures(run.stdout) == _failures(plain_junit.stdout)
    if fmt in ("json", "sarif"):
        json.loads(run.stdout)


def _failures(xml: str) -> list[tuple[str, str]]:
    root = ET.fromstring(xml)
    # a raw CR in XML text reads as LF once parsed (XML's line-end rule); &#13; reads as CR
    return [((f.get("message") or "").replace("\r", "\n"), (f.text or "").replace("\r", "\n"))
            for f in root.iter("failure")]
