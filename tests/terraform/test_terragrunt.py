"""Terragrunt: terragrunt.hcl evaluates the module its terraform.source names with its inputs
(tests/fixtures/terraform/terragrunt)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import copy_fixture, json_findings, run_cli, write_tree

from policylint import discover


def _findings(root: Path, *args: str) -> list[dict[str, Any]]:
    code, out, err = run_cli(["--no-cache", "--format", "json", *args], root)
    assert code in (0, 1), err
    return json.loads(out)["findings"]  # type: ignore[no-any-return]


def test_fixture_tree(tmp_path: Path) -> None:
    root = copy_fixture("terraform/terragrunt", tmp_path)
    got = [(f["rule"], f["path"], f["line"], f["column"], f["bucket"]) for f in _findings(root)]
    assert got == [
        # tfr:// source of terraform-aws-modules/s3-bucket: the built-in model, at the
        # file's inputs; the labeling tag comes from the included root's inputs
        ("PL100", "live/prod/registry/terragrunt.hcl", 9, 1, "acme-registry"),
        # local source with //: include (root inputs: tags with read_terragrunt_config of
        # env.hcl through find_in_parent_folders), own locals, inputs
        ("PL100", "modules/bucket/main.tf", 9, 1, "acme-prod-images"),
        # no_merge include; name from a dependency (unknown), get_env default for the tag
        ("PL100", "modules/bucket/main.tf", 9, 1, None),
        # frames passes: cors_origins = ["*"] in its inputs
    ]
    images = _findings(root)[1]
    assert [(r["path"], r["line"]) for r in images["related"]] == [
        ("modules/bucket/main.tf", 9), ("live/prod/images/terragrunt.hcl", 13),
        ("modules/bucket/main.tf", 11)]


def test_one_terragrunt_file_alone_is_judged_with_its_parents(tmp_path: Path) -> None:
    """pre-commit on one terragrunt.hcl: its module's facts are reported."""
    root = copy_fixture("terraform/terragrunt", tmp_path)
    assert json_findings(["--no-cache", "live/prod/images/terragrunt.hcl"], root) == [
        ("PL100", "modules/bucket/main.tf", 9, 1)]


def test_fix_goes_into_the_module(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        ".git/HEAD": "",
        "modules/store/main.tf": 'variable "name" {}\n\nresource "aws_s3_bucket" "this" {\n'
                                 '  bucket = var.name\n'
                                 '  tags   = { "policylint:labeling-input" = "true" }\n}\n',
        "live/a/terragrunt.hcl": 'terraform {\n  source = "../../modules/store"\n}\n\n'
                                 'inputs = {\n  name = "acme-a"\n}\n'})
    assert json_findings(["--no-cache"], root) == [("PL100", "modules/store/main.tf", 3, 1)]
    code, out, _ = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out
    assert 'resource "aws_s3_bucket_cors_configuration" "this"' in (
        root / "modules/store/main.tf").read_text()


def test_remote_source_uses_the_single_cached_copy(tmp_path: Path) -> None:
    module = ('variable "name" {}\n\nresource "aws_s3_bucket" "b" {\n  bucket = var.name\n'
              '  tags   = { "policylint:labeling-input" = "true" }\n}\n')
    tg = ('terraform {\n  source = "git::https://example.com/acme/infra.git//modules/store'
          '?ref=v1.0.0"\n}\n\ninputs = {\n  name = "acme-cached"\n}\n')
    root = write_tree(tmp_path, {
        ".git/HEAD": "", "live/terragrunt.hcl": tg,
        "live/.terragrunt-cache/h1/h2/modules/store/main.tf": module})
    doc = _findings(root)
    assert [(f["rule"], f["path"], f["line"], f["bucket"]) for f in doc] == [
        ("PL100", "live/.terragrunt-cache/h1/h2/modules/store/main.tf", 3, "acme-cached")]
    # two copies: which one Terragrunt uses is not known, so neither is read
    write_tree(root, {"live/.terragrunt-cache/h3/h4/modules/store/main.tf": module})
    assert json_findings(["--no-cache"], root) == []


def test_terragrunt_cache_is_not_a_scan_target(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        ".git/HEAD": "",
        "live/.terragrunt-cache/h1/h2/main.tf":
            'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n'
            '  tags   = { "policylint:labeling-input" = "true" }\n}\n',
        "live/.terragrunt-cache/h1/h2/terragrunt.hcl": 'terraform {\n  source = "."\n}\n'})
    assert json_findings(["--no-cache"], root) == []


def test_broken_and_hostile_configs(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        ".git/HEAD": "",
        "a/terragrunt.hcl": "terraform {\n  source = \n",  # syntax error: PL001
        "b/terragrunt.hcl": 'include {\n  path = "terragrunt.hcl"\n}\n',  # includes itself
        "c/terragrunt.hcl": 'terraform {\n  source = "../nowhere"\n}\n',
        "d/terragrunt.hcl": 'locals {\n  a = local.b\n  b = local.a\n}\n'
                            'terraform {\n  source = local.a\n}\n'})
    assert [(r, p, line) for r, p, line, _c in json_findings(["--no-cache"], root)] == [
        ("PL001", "a/terragrunt.hcl", 1)]


def test_classification() -> None:
    assert discover.classify("terragrunt.hcl", b"") == discover.TERRAGRUNT
    assert discover.classify("env.hcl", b"") is None
    assert ".terragrunt-cache" in discover.SKIP_DIRS


MODEL_TG = """\
terraform {
  source = "tfr:///terraform-aws-modules/s3-bucket/aws?version=4.1.2"
}

inputs = {
  bucket = "acme-tg"
  tags   = { "policylint:labeling-input" = "true" }
%s}
"""


def test_model_under_terragrunt_is_fixed_in_its_inputs(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "live/terragrunt.hcl": MODEL_TG % ""})
    doc = _findings(root)
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in doc] == [
        ("PL100", "live/terragrunt.hcl", 5, 1)]
    assert ("live/terragrunt.hcl", 7, 3) in [(r["path"], r["line"], r["column"])
                                              for r in doc[0]["related"]]  # the tags input
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    assert (root / "live/terragrunt.hcl").read_text() == MODEL_TG % (
        "\n  cors_rule = [\n    {\n      allowed_methods = [\"GET\"]\n"
        "      allowed_origins = [\"*\"]\n    }\n  ]\n")
    assert json_findings(["--no-cache"], root) == []


def test_model_under_terragrunt_wrong_rule_is_extended(tmp_path: Path) -> None:
    rule = '  cors_rule = [{ allowed_methods = ["PUT"], allowed_origins = ["*"] }]\n'
    root = write_tree(tmp_path, {".git/HEAD": "", "live/terragrunt.hcl": MODEL_TG % rule})
    assert json_findings(["--no-cache"], root) == [("PL101", "live/terragrunt.hcl", 8, 3)]
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    assert '["*"] }, { allowed_methods = ["GET"], allowed_origins = ["*"] }]' in (
        root / "live/terragrunt.hcl").read_text()
    assert json_findings(["--no-cache"], root) == []


def test_deep_merge_and_exposed_parent_locals(tmp_path: Path) -> None:
    """merge_strategy = "deep" merges nested input maps; include.NAME.locals reads the parent's
    locals; path_relative_to_include names the child's folder."""
    module = ('variable "name" {}\nvariable "tags" {}\n\nresource "aws_s3_bucket" "b" {\n'
              '  bucket = var.name\n  tags   = var.tags\n}\n')
    parent = ('locals {\n  prefix = "acme"\n}\n\ninputs = {\n'
              '  tags = { "policylint:labeling-input" = "true" }\n}\n')
    child = ('include "root" {\n  path           = find_in_parent_folders("root.hcl")\n'
             '  merge_strategy = "deep"\n}\n\nterraform {\n  source = "../../modules/b"\n}\n\n'
             'inputs = {\n  name = "${include.root.locals.prefix}-${path_relative_to_include()}"\n'
             '  tags = { team = "ml" }\n}\n')
    root = write_tree(tmp_path, {".git/HEAD": "", "modules/b/main.tf": module,
                                 "live/root.hcl": parent, "live/raw/terragrunt.hcl": child})
    doc = _findings(root)
    assert [(f["rule"], f["path"], f["line"], f["bucket"]) for f in doc] == [
        ("PL100", "modules/b/main.tf", 4, "acme-raw")]
    # shallow (the default): the child's tags replace the parent's, so no labeling tag
    (root / "live/raw/terragrunt.hcl").write_text(child.replace('"deep"', '"shallow"'))
    assert json_findings(["--no-cache"], root) == []
