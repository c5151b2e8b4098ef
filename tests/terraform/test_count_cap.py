"""A count above the per-block cap is cut and reported at the block, never cut silently (a
tagged instance past a silent cut would vanish from the report); later blocks are still read."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import json_findings, run_cli, write_tree


def test_large_count_is_reported_not_cut_silently(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": (
        'resource "aws_s3_bucket" "many" {\n  count  = 3000\n  bucket = "b-${count.index}"\n}\n'
        'resource "aws_s3_bucket" "fail_after" {\n  bucket = "after"\n'
        '  tags   = { "policylint:labeling-input" = "true" }\n}\n')})
    code, out, _ = run_cli(["--no-cache", "--format", "json"], root)
    got = [(f["rule"], f["severity"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert got == [
        ("PL001", "warning", 1, "count is 3000: only the first 1000 instances are analysed"),
        ("PL100", "error", 5, "S3 bucket aws_s3_bucket.fail_after (after) holds human labeling "
                              "input data but has no CORS configuration")]


def test_count_under_the_cap_is_read_whole(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": (
        'resource "aws_s3_bucket" "many" {\n  count  = 900\n  bucket = "b-${count.index}"\n'
        '  tags   = { "policylint:labeling-input" = count.index == 899 ? "true" : "false" }\n}\n')})
    assert json_findings(["--no-cache"], root) == [("PL100", "main.tf", 1, 1)]
