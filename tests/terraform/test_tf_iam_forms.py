"""Terraform IAM: every way a policy reaches a labeling job's execution role counts for the
inferred inputs (tests/fixtures/terraform/iam-forms)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import copy_fixture, run_cli, write_tree


def _findings(root: Path) -> list[dict[str, Any]]:
    code, out, err = run_cli(["--no-cache", "--format", "json"], root)
    assert code in (0, 1), err
    return json.loads(out)["findings"]  # type: ignore[no-any-return]


def test_every_attachment_form_infers_inputs(tmp_path: Path) -> None:
    root = copy_fixture("terraform/iam-forms", tmp_path)
    got = [(f["rule"], f["severity"], f["path"], f["line"], f["column"], f["subject"])
           for f in _findings(root)]
    assert got == [
        # aws_iam_policy_attachment roles = [...] (the output bucket is not an input)
        ("PL100", "warning", "main.tf", 3, 1, "aws_s3_bucket.fail_attached"),
        # aws_iam_role managed_policy_arns
        ("PL100", "warning", "main.tf", 7, 1, "aws_s3_bucket.fail_managed"),
        ("PL102", "warning", "main.tf", 53, 27, "acme-manifests-elsewhere"),
        # merged policy document passed into a module through a variable: the current
        # document's Sid "Read" replaces the source's, an override adds a statement and
        # replaces Sid "Kept" (so pass_replaced and pass_overridden are no inputs)
        ("PL100", "warning", "merged.tf", 5, 1, "aws_s3_bucket.fail_current"),
        ("PL100", "warning", "merged.tf", 9, 1, "aws_s3_bucket.fail_override"),
    ]


def test_evidence_names_the_policy_and_its_attachment(tmp_path: Path) -> None:
    root = copy_fixture("terraform/iam-forms", tmp_path)
    related = {f["subject"]: [(r["path"], r["line"], r["column"], r["message"])
                              for r in f["related"]][1] for f in _findings(root)}
    assert related["aws_s3_bucket.fail_attached"][:3] == ("main.tf", 25, 19)
    assert "role aws_iam_role.labeling (aws_iam_policy.attached via " \
        "aws_iam_policy_attachment.labeling)" in related["aws_s3_bucket.fail_attached"][3]
    assert "(aws_iam_policy.managed via managed_policy_arns)" in \
        related["aws_s3_bucket.fail_managed"][3]
    assert related["aws_s3_bucket.fail_current"][:3] == ("role/main.tf", 10, 12)
    assert "role module.reviewer.aws_iam_role.this (module.reviewer.aws_iam_role_policy.this)" \
        in related["aws_s3_bucket.fail_current"][3]


ROLE_AND_JOB = """\
resource "aws_s3_bucket" "in" {
  bucket = "acme-in"
}

resource "aws_iam_role" "r" {
  name = "r"
}

resource "aws_sagemaker_labeling_job" "j" {
  role_arn = aws_iam_role.r.arn
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://acme-in/x.manifest"
      }
    }
  }
}
"""


def test_policy_attachment_to_another_role_is_no_evidence(tmp_path: Path) -> None:
    extra = """
resource "aws_s3_bucket" "other" {
  bucket = "acme-other"
}

resource "aws_iam_role" "other" {
  name = "other"
}

resource "aws_iam_policy" "p" {
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject",
    Resource = "${aws_s3_bucket.other.arn}/*" }] })
}

resource "aws_iam_policy_attachment" "a" {
  name       = "a"
  roles      = [aws_iam_role.other.name]
  policy_arn = aws_iam_policy.p.arn
}
"""
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": ROLE_AND_JOB + extra})
    assert [(f["rule"], f["line"], f["subject"]) for f in _findings(root)] == [
        ("PL100", 1, "aws_s3_bucket.in")]


def test_unknown_override_drops_statements_it_could_replace(tmp_path: Path) -> None:
    """An override document that is not known may replace any statement with a Sid: those are
    not evidence; a statement without Sid stands (an override only replaces by Sid)."""
    extra = """
variable "override" {}

resource "aws_s3_bucket" "sid" {
  bucket = "acme-sid"
}

resource "aws_s3_bucket" "nosid" {
  bucket = "acme-nosid"
}

data "aws_iam_policy_document" "d" {
  statement {
    sid       = "Maybe"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.sid.arn}/*"]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.nosid.arn}/*"]
  }
  override_policy_documents = [var.override]
}

resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = data.aws_iam_policy_document.d.json
}
"""
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": 'provider "aws" {}\n' +
                                 ROLE_AND_JOB + extra})
    assert [(f["rule"], f["line"], f["subject"]) for f in _findings(root)] == [
        ("PL100", 2, "aws_s3_bucket.in"), ("PL100", 27, "aws_s3_bucket.nosid")]
