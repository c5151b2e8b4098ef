"""PL000 internal-error: a rule (or reader) that crashes is reported, and the run goes on."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings

TF = 'resource "aws_s3_bucket" "images" {\n  bucket = "acme-images"\n}\n'
CRASHING = '''"""A rule that crashes."""
from policylint.rule import RuleMeta, Severity

META = RuleMeta(code="PL990", name="crashes", severity=Severity.ERROR, summary="Crashes")


def check(project, options):
    raise RuntimeError("boom")
'''


def test_fails_on_a_crashing_rule(tmp_path: Path) -> None:
    files = {"main.tf": TF, "my_rules/crash.py": CRASHING,
             ".policylint.yaml": "rules-dirs: [my_rules]\n"}
    assert findings(tmp_path, files, "PL000,PL990") == [("PL000", "main.tf", 1, 1)]


def test_passes_when_nothing_crashes(tmp_path: Path) -> None:
    assert findings(tmp_path, {"main.tf": TF}, "PL000") == []
