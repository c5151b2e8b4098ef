"""Output and state that can be abused (issue 16, items 10-12): a baseline never accepts
policylint's own errors; CI output never lets file content become a workflow command."""
from __future__ import annotations

import json
from pathlib import Path

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
