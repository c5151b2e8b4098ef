"""A count above the per-module instance cap is reported where the reader stopped, never cut
silently (a tagged bucket past a silent cut would vanish from the report)."""
from __future__ import annotations

from pathlib import Path

from conftest import json_findings, write_tree


def test_large_count_is_reported_not_cut_silently(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": (
        'resource "aws_s3_bucket" "many" {\n  count  = 3000\n  bucket = "b-${count.index}"\n}\n')})
    assert json_findings(["--no-cache"], root) == [("PL001", "main.tf", 1, 1)]


def test_count_under_the_cap_is_read_whole(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": (
        'resource "aws_s3_bucket" "many" {\n  count  = 1500\n  bucket = "b-${count.index}"\n'
        '  tags   = { "policylint:labeling-input" = count.index == 1499 ? "true" : "false" }\n}\n')})
    assert json_findings(["--no-cache"], root) == [("PL100", "main.tf", 1, 1)]
