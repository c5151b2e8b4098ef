"""One bucket block, many module instances (found through the long fuzz run's duplicate check,
issue 16): a library module called twice (or nested in two calls) gives one PL100 per
instance at the same ``aws_s3_bucket`` block, and ``--fix`` used to insert one identical
``aws_s3_bucket_cors_configuration`` block per instance into the module's file — a file that
Terraform refuses (duplicate resource). One edit now fixes every instance; the class: two
calls, a call with count, nested calls."""
from __future__ import annotations

from pathlib import Path

import pytest

from fix_support import findings, run

MODULE = ('variable "name" {}\n\nresource "aws_s3_bucket" "b" {\n  bucket = var.name\n'
          '  tags   = { "policylint:labeling-input" = "true" }\n}\n')


@pytest.mark.parametrize("calls, nested, count", [
    ('module "one" {\n  source = "./modules/b"\n  name   = "acme-one"\n}\n'
     'module "two" {\n  source = "./modules/b"\n  name   = "acme-two"\n}\n', False, 2),
    ('module "many" {\n  source = "./modules/b"\n  count  = 3\n'
     '  name   = "acme-${count.index}"\n}\n', False, 3),
    ('module "outer" {\n  source = "./modules/w"\n}\nmodule "outer2" {\n'
     '  source = "./modules/w"\n}\n', True, 0),  # 0: how many instances report is ownership's
])
def test_one_block_fixes_every_instance(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch, calls: str,
                                        nested: bool, count: int) -> None:
    work = tmp_path / "p"
    (work / ".git").mkdir(parents=True)
    (work / "modules" / "b").mkdir(parents=True)
    (work / "modules" / "b" / "main.tf").write_text(MODULE, encoding="utf-8")
    if nested:
        (work / "modules" / "w").mkdir()
        (work / "modules" / "w" / "main.tf").write_text(
            'module "x" {\n  source = "../b"\n  name   = "acme-x"\n}\n'
            'module "y" {\n  source = "../b"\n  name   = "acme-y"\n}\n', encoding="utf-8")
    (work / "main.tf").write_text(calls, encoding="utf-8")
    before = findings(work, capsys, monkeypatch)
    assert set(before) == {("PL100", "modules/b/main.tf", 3)} and len(before) >= 2
    assert count == 0 or len(before) == count
    count = len(before)
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 0, out
    assert f"fixed {count} finding(s) in 1 file(s); 0 finding(s) left" in out.splitlines()
    text = (work / "modules" / "b" / "main.tf").read_text(encoding="utf-8")
    assert text.startswith(MODULE)
    assert text.count('resource "aws_s3_bucket_cors_configuration"') == 1
    assert findings(work, capsys, monkeypatch) == []
