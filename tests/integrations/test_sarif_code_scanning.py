"""SARIF for GitHub code scanning: helpUri per rule (configurable docs base), informationUri on the
driver, help text that keeps code blocks intact; validated against the schema and read back with
a real SARIF consumer (Microsoft's sarif-tools)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from integ_support import sample_report, validate_sarif

from policylint.model import Severity
from policylint.reporters import RuleInfo, render
from policylint.reporters.sarif import DOCS_BASE, INFORMATION_URI

PL002_DOC = """## What it does
Checks suppressions.

## Example
```python
# policylint: disable=PL100
```

## Options
None.
"""


def test_every_rule_has_a_help_uri_into_the_rules_page() -> None:
    doc = json.loads(render("sarif", sample_report()))
    validate_sarif(doc)
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == INFORMATION_URI
    assert [r["helpUri"] for r in driver["rules"]] == [
        f"{DOCS_BASE}#pl101-labeling-bucket-cors-without-get",
        f"{DOCS_BASE}#pl102-labeling-bucket-unverified",
        f"{DOCS_BASE}#pl104-ground-truth-cors-expose-header"]
    anchors = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "\n## PL101 labeling-bucket-cors-without-get\n" in anchors  # the anchor exists


def test_the_docs_base_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYLINT_DOCS_BASE", "https://docs.example.org/rules.html")
    doc = json.loads(render("sarif", sample_report()))
    assert doc["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] == (
        "https://docs.example.org/rules.html#pl101-labeling-bucket-cors-without-get")


def test_help_keeps_code_blocks_intact() -> None:
    rule = RuleInfo("PL002", "invalid-suppression", Severity.WARNING, "Bad suppression",
                    PL002_DOC)
    report = sample_report(findings=[])
    report.rules = [rule]
    help_ = json.loads(render("sarif", report))["runs"][0]["tool"]["driver"]["rules"][0]["help"]
    assert help_["markdown"] == PL002_DOC.strip()
    assert help_["text"] == ("What it does\nChecks suppressions.\n\nExample\n"
                             "# policylint: disable=PL100\n\nOptions\nNone.")


def test_a_real_run_reads_back_with_sarif_tools(tmp_path: Path) -> None:
    from conftest import copy_fixture
    from sarif import loader  # sarif-tools, in the test extra

    repo = copy_fixture("integrations/repo", tmp_path)
    code, _, err = run_cli(["--format", "sarif:out.sarif"], repo)
    assert (code, err) == (1, "")
    validate_sarif(json.loads((repo / "out.sarif").read_text(encoding="utf-8")))
    sarif = loader.load_sarif_file(str(repo / "out.sarif"))
    assert sarif.get_distinct_tool_names() == ["policylint"]
    records = [(r["Code"], r["Location"], r["Line"], r["Severity"]) for r in sarif.get_records()]
    assert records == [("PL101", "cors/fail_frames.xml", 1, "error"),
                       ("PL101", "cors/fail_images.json", 1, "error")]
    [rule] = sarif.get_rules_by_id("PL101")
    assert rule["helpUri"] == f"{DOCS_BASE}#pl101-labeling-bucket-cors-without-get"
