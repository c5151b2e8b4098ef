"""The Terraform comment prefilter: skipping the comment walk never loses a directive."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import json_findings, write_tree

from policylint.readers.terraform.parse import may_hold_directive, parse_hcl

MAIN = '''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
}

resource "aws_sagemaker_labeling_job" "job" {
  labeling_job_name    = "job"
  label_attribute_name = "label"
  role_arn             = "arn:aws:iam::123456789012:role/x"

  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://${aws_s3_bucket.images.bucket}/in.manifest"
      }
    }
  }
}
'''


@pytest.mark.parametrize(("text", "expected"), [
    ("# a plain comment\nx = 1\n", False),
    ("x = 1 // nothing here\n", False),
    ("# café, still nothing\n", False),
    ("# POLICYLINT: disable=PL100\n", True),
    ("/* PolicyLint: labeling-input */\n", True),
    ("# polıcylint: disable=PL100\n", True),  # dotless i: the directive regexes accept it
])
def test_may_hold_directive(text: str, expected: bool) -> None:
    assert may_hold_directive(text.encode("utf-8")) is expected


def test_comments_are_collected_only_when_they_can_matter() -> None:
    plain = parse_hcl("a.tf", b"# hello\nx = 1\n")
    marked = parse_hcl("b.tf", b"# hello\n# policylint: labeling-input\nx = 1\n")
    assert plain.comments == []
    assert [(c.text, c.loc.line) for c in marked.comments] == [
        ("# hello", 1), ("# policylint: labeling-input", 2)]


def test_without_directive_the_finding_stays(repo: Path) -> None:
    write_tree(repo, {"main.tf": "# owned by the vision team\n" + MAIN})
    assert json_findings(["."], repo) == [("PL100", "main.tf", 2, 1)]


def test_a_suppression_above_a_comment_run_still_applies(repo: Path) -> None:
    text = '# policylint: disable=PL100 reason="owned by team X"\n# vision team\n' + MAIN
    write_tree(repo, {"main.tf": text})
    assert json_findings(["."], repo) == []


def test_a_labeling_input_comment_still_declares(repo: Path) -> None:
    text = '# policylint: labeling-input\nresource "aws_s3_bucket" "raw" {\n  bucket = "raw"\n}\n'
    write_tree(repo, {"main.tf": text})
    assert json_findings(["."], repo) == [("PL100", "main.tf", 2, 1)]
