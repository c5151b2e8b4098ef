"""--fix on real public Terraform and CloudFormation files (../shared/corpus), with every named
bucket declared a labeling input: each fix is an insertion, terraform fmt and cfn-lint verdicts do
not get worse, a second run changes nothing, and what is left is explained."""
from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from fix_support import files, only_insertions, run

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
PARTS = [  # (corpus folder or file, where it goes in the scratch project)
    ("bridgecrewio__checkov/tests/terraform/graph/resources", "tf"),
    ("bridgecrewio__checkov/tests/cloudformation/parser", "cfn/parser"),
    ("bridgecrewio__checkov/tests/cloudformation/graph/graph_builder/resources", "cfn/graph"),
    ("aws-cloudformation__cfn-lint/test/fixtures/templates/good/override", "cfn/override"),
    ("awslabs__genai-idp-terraform/sources/scripts/sdlc/cfn", "cfn/sdlc"),
]
TERRAFORM = shutil.which("terraform")
CFN_LINT = Path(sys.executable).with_name("cfn-lint")


def _unformatted(root: Path, rels: list[str]) -> set[str]:
    """The given .tf files that ``terraform fmt -check`` would change (one run for all)."""
    assert TERRAFORM is not None
    got = subprocess.run([TERRAFORM, "fmt", "-check", "-list=true", "-recursive", str(root)],
                         capture_output=True, text=True, check=False)
    listed = {Path(line.strip()).resolve() for line in got.stdout.splitlines() if line.strip()}
    listed |= {(root / line.strip()).resolve() for line in got.stdout.splitlines()
               if line.strip()}
    return {rel for rel in rels if (root / rel).resolve() in listed}


def _cfn_lint(paths: list[Path]) -> Counter[tuple[str, str, str]]:
    got = subprocess.run([str(CFN_LINT), "--format", "parseable", *map(str, paths)],
                         capture_output=True, text=True, check=False)
    out: Counter[tuple[str, str, str]] = Counter()
    for line in got.stdout.splitlines():
        parts = line.split(":", 6)
        if len(parts) == 7:
            out[(parts[0], parts[5], parts[6])] += 1
    return out


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_fix_on_public_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "corpus"
    for src, dest in PARTS:
        if (CORPUS / src).is_dir():
            shutil.copytree(CORPUS / src, work / dest)
    (work / ".policylint.yaml").write_text('labeling:\n  buckets: ["*"]\n')
    before = files(work)

    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    after = files(work)
    changed = sorted(rel for rel in before if before[rel] != after[rel])
    assert len(changed) >= 20, out  # real files were fixed
    for rel in changed:
        assert only_insertions(before[rel], after[rel]), rel
    not_fixed = [line for line in out.splitlines() if line.startswith("not fixed")]
    assert all("generated output" in line for line in not_fixed), not_fixed

    rc, diff, _err = run(["--diff", "."], work, capsys, monkeypatch)
    assert (rc, diff) == (0, "")  # a second run changes nothing

    tf = [r for r in changed if r.endswith(".tf")]
    if TERRAFORM is not None and tf:
        orig = tmp_path / "orig"
        for rel in tf:
            (orig / rel).parent.mkdir(parents=True, exist_ok=True)
            (orig / rel).write_bytes(before[rel])
        assert _unformatted(work, tf) <= _unformatted(orig, tf)
    templates = [work / r for r in changed if not r.endswith(".tf")]
    if CFN_LINT.exists() and templates:
        now = _cfn_lint(templates)
        for t in templates:
            t.write_bytes(before[t.relative_to(work).as_posix()])
        assert now - _cfn_lint(templates) == Counter()
