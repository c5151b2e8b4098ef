"""Done-when of issue 7: every fixable finding in examples/ is gone after --fix, and the fixed
Terraform still passes terraform fmt. examples/ is maintained elsewhere, so this test asserts the
property (no fixable rule left, fixes happened), not a snapshot."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fix_support import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FIXABLE = {"PL100", "PL101", "PL103", "PL104"}
TERRAFORM = shutil.which("terraform")


def _rules(work: Path, capsys: pytest.CaptureFixture[str],
           monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    _rc, out, _err = run(["--format", "json", "."], work, capsys, monkeypatch)
    return [(f["rule"], f["path"]) for f in json.loads(out)["findings"]]


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="examples/ is not in this checkout")
def test_every_fixable_finding_in_examples_is_fixed(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns(".policylint_cache"))
    before = _rules(work, capsys, monkeypatch)
    fixable = [r for r in before if r[0] in FIXABLE]
    assert fixable, "examples/ should show at least one fixable finding"
    tf_dirs = sorted({p.parent for p in work.rglob("*.tf")})
    fmt_before = {d: _fmt_ok(d) for d in tf_dirs} if TERRAFORM else {}

    rc, out, _err = run(["--fix", "--select", ",".join(sorted(FIXABLE | {"PL1", "PL2"})), "."],
                        work, capsys, monkeypatch)
    assert f"fixed {len(fixable)} finding(s)" in out
    after = _rules(work, capsys, monkeypatch)
    assert [r for r in after if r[0] in FIXABLE] == []
    assert [r for r in after if r not in before] == []  # nothing new
    for d, ok in fmt_before.items():
        if ok:
            assert _fmt_ok(d), d


def _fmt_ok(folder: Path) -> bool:
    assert TERRAFORM is not None
    return subprocess.run([TERRAFORM, "fmt", "-check", str(folder)], capture_output=True,
                          check=False).returncode == 0
