"""--fix on Terraform and CloudFormation projects: snapshots of every fix kind, terraform fmt and
cfn-lint stay clean, a second --fix changes nothing, only insertions, refusals explained."""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from fix_support import (
    FIXTURES,
    check_snapshot,
    check_text_snapshot,
    copy_case,
    files,
    findings,
    only_insertions,
    run,
)

TERRAFORM = shutil.which("terraform")
CFN_LINT = Path(sys.executable).with_name("cfn-lint")

BEFORE = {
    "terraform": [
        ("PL100", "main.tf", 6), ("PL100", "main.tf", 14), ("PL101", "main.tf", 38),
        ("PL101", "main.tf", 52), ("PL101", "main.tf", 64), ("PL200", "main.tf", 64),
        ("PL100", "main.tf", 69), ("PL100", "main.tf", 69), ("PL103", "main.tf", 80),
        ("PL104", "main.tf", 83), ("PL100", "modules/store/main.tf", 6),
    ],
    "cloudformation": [
        ("PL100", "cdk.out/Stack.template.json", 3), ("PL101", "compact.yaml", 9),
        ("PL100", "compact.yaml", 13), ("PL100", "template.json", 4),
        ("PL101", "template.json", 15), ("PL100", "template.yaml", 14),
        ("PL100", "template.yaml", 23), ("PL100", "template.yaml", 30),
        ("PL101", "template.yaml", 43), ("PL101", "template.yaml", 57),
        ("PL101", "template.yaml", 67), ("PL101", "template.yaml", 84),
    ],
    "terraform_json": [("PL100", "main.tf.json", 4), ("PL101", "main.tf.json", 14)],
}
AFTER = {
    "terraform": [],
    "cloudformation": [("PL100", "cdk.out/Stack.template.json", 3)],
    "terraform_json": [],
}
REFUSED = {
    "terraform": [],
    "terraform_json": [],
    "cloudformation": [
        "not fixed PL100 cdk.out/Stack.template.json:3: FailGenerated: the bucket comes from "
        "generated output (a plan or synthesized template): add the rule in its source"],
}


@pytest.mark.parametrize("case", sorted(BEFORE))
def test_fix_matches_snapshot_and_is_idempotent(case: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case(case, tmp_path)
    assert findings(work, capsys, monkeypatch) == BEFORE[case]
    before = files(work)

    rc, out, _err = run(["--diff", "."], work, capsys, monkeypatch)
    assert rc == 1
    check_text_snapshot(FIXTURES / case / "expected.diff", out)
    assert files(work) == before

    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == (1 if AFTER[case] else 0)
    assert [line for line in out.splitlines() if line.startswith("not fixed")] == REFUSED[case]
    check_snapshot(case, work)
    assert findings(work, capsys, monkeypatch) == AFTER[case]
    after = files(work)
    for rel in before:
        assert only_insertions(before[rel], after[rel]), rel

    run(["--fix", "."], work, capsys, monkeypatch)
    assert files(work) == after
    assert run(["--diff", "."], work, capsys, monkeypatch)[:2] == (0, "")


def _fmt_ok(folder: Path) -> bool:
    assert TERRAFORM is not None
    got = subprocess.run([TERRAFORM, "fmt", "-check", "-recursive", str(folder)],
                         capture_output=True, text=True, check=False)
    return got.returncode == 0


@pytest.mark.skipif(TERRAFORM is None, reason="terraform binary not installed")
def test_fixed_terraform_passes_terraform_fmt(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case("terraform", tmp_path)
    assert _fmt_ok(work)
    run(["--fix", "."], work, capsys, monkeypatch)
    assert files(work) != files(FIXTURES / "terraform" / "input")
    assert _fmt_ok(work)


def _cfn_lint(paths: list[Path]) -> Counter[tuple[str, str]]:
    """cfn-lint problems as (rule, message) pairs: line numbers move when rules are added."""
    got = subprocess.run([str(CFN_LINT), "--format", "parseable", *map(str, paths)],
                         capture_output=True, text=True, check=False)
    out: Counter[tuple[str, str]] = Counter()
    for line in got.stdout.splitlines():
        parts = line.split(":", 6)
        if len(parts) == 7:
            out[(parts[5], parts[6])] += 1
    return out


@pytest.mark.skipif(not CFN_LINT.exists(), reason="cfn-lint not installed in this environment")
def test_fixed_templates_gain_no_cfn_lint_problem(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case("cloudformation", tmp_path)
    templates = [work / "template.yaml", work / "compact.yaml", work / "template.json"]
    before = _cfn_lint(templates)
    run(["--fix", "."], work, capsys, monkeypatch)
    assert all(t.read_bytes() != (FIXTURES / "cloudformation" / "input" / t.name).read_bytes()
               for t in templates)
    assert _cfn_lint(templates) - before == Counter()
