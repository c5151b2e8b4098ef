"""Issue 15 item 9: an unknown count/for_each on a CORS configuration or a module makes the
CORS's existence unknown: a labeling bucket whose only CORS may not exist is PL102, never a
pass."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import json_findings, run_cli, write_tree

BUCKET = '''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}
'''
CORS = '''resource "aws_s3_bucket_cors_configuration" "images" {
  COUNTER
  bucket = aws_s3_bucket.images.id
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
'''


@pytest.mark.parametrize("counter", [
    "count = var.enabled ? 1 : 0",
    "count = var.n",
    'for_each = var.names',
    "for_each = toset(var.names)",
    "count = length(data.aws_s3_objects.x.keys)",
])
def test_unknown_count_on_the_cors_configuration_is_unverified(repo: Path, counter: str) -> None:
    write_tree(repo, {"main.tf": BUCKET + CORS.replace("COUNTER", counter)
        + 'variable "enabled" {}\nvariable "n" {}\nvariable "names" {}\n'})
    code, out, _ = run_cli(["--format", "json"], repo)
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [
        ("PL102", "main.tf", 5, 1)]
    assert "aws_s3_bucket_cors_configuration.images may not exist" in findings[0]["message"]
    assert code == 0  # a warning


@pytest.mark.parametrize(("counter", "expected"), [
    ("count = var.enabled ? 1 : 0", []),  # with a default: known
    ("count = 1", []),
    ("count = 0", [("PL100", "main.tf", 1, 1)]),
    ('for_each = toset(["a"])', []),
])
def test_known_count_is_judged(repo: Path, counter: str, expected: list[tuple[str, str, int, int]]
                               ) -> None:
    write_tree(repo, {"main.tf": BUCKET + CORS.replace("COUNTER", counter)
                      + 'variable "enabled" {\n  default = true\n}\n'})
    assert json_findings(["."], repo) == expected


def test_cors_in_a_module_with_unknown_count(repo: Path) -> None:
    write_tree(repo, {
        "main.tf": BUCKET + 'variable "on" {}\nmodule "cors" {\n  source = "./cors"\n'
                   '  count  = var.on ? 1 : 0\n  bucket = aws_s3_bucket.images.id\n}\n',
        "cors/main.tf": 'variable "bucket" {}\n' + CORS.replace("COUNTER", "").replace(
            "aws_s3_bucket.images.id", "var.bucket")})
    assert json_findings(["."], repo) == [("PL102", "cors/main.tf", 2, 1)]


def test_inventory_does_not_claim_get_from_star(repo: Path) -> None:
    write_tree(repo, {"main.tf": BUCKET + CORS.replace("COUNTER", "count = var.on ? 1 : 0")
                      + 'variable "on" {}\n'})
    code, out, _ = run_cli(["--show-inventory"], repo)
    assert code in (0, 1)
    assert "allows GET from *" not in out
    assert "may not exist" in out
