"""The inventory names a declared use plainly: no service or modality is known for it."""
from __future__ import annotations

from pathlib import Path

from conftest import run_cli, write_tree


def test_declared_use_reads_as_a_labeling_input(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": (
        'resource "aws_s3_bucket" "fail_images" {\n  bucket = "acme-images"\n'
        '  tags   = { "policylint:labeling-input" = "true" }\n}\n')})
    code, out, _ = run_cli(["--show-inventory", "--no-cache"], root)
    assert code == 0
    assert ("    use: labeling input (declared) at main.tf:3:3: tagged "
            "policylint:labeling-input=true") in out.splitlines()
