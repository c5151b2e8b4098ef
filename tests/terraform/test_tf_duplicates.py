"""A block declared twice in one module (found by the long fuzz run, issue 16): Terraform
refuses the configuration ("Duplicate resource ... configuration"); policylint read the first
block silently, so a labeling bucket declared second vanished and the run passed. Now each
repetition is a PL001 warning at the repeated block, naming the first (a configuration Terraform
cannot apply feeds no job, as CloudFormation's duplicate keys); the first block is still read.
The class: resources, data sources, module calls, variables, outputs and local values, in the
same file or in two files of the folder, HCL and JSON."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

BUCKET = 'resource "aws_s3_bucket" "b" {\n  bucket = "acme-dup"\n}\n'
LABELED = ('resource "aws_s3_bucket" "b" {\n  bucket = "acme-dup-2"\n'
           '  tags = { "policylint:labeling-input" = "true" }\n}\n')


def _scan(root: Path) -> tuple[int, list[tuple[str, str, int, int, str]]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    findings = json.loads(out)["findings"]
    assert {f["severity"] for f in findings if f["rule"] == "PL001"} <= {"warning"}
    return code, [(f["rule"], f["path"], f["line"], f["column"], f["message"])
                  for f in findings]


def test_the_fuzz_case_a_labeling_bucket_declared_second(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": BUCKET + LABELED})
    code, got = _scan(tmp_path)
    assert code == 0  # a warning: shown, not failing
    assert got == [("PL001", "main.tf", 4, 1,
                    "resource aws_s3_bucket.b is declared more than once (first at main.tf:1):"
                    " Terraform refuses this configuration; only the first is read")]


@pytest.mark.parametrize("first, second, what", [
    ('data "aws_s3_bucket" "d" {\n  bucket = "x"\n}\n',
     'data "aws_s3_bucket" "d" {\n  bucket = "y"\n}\n', "data source aws_s3_bucket.d"),
    ('module "m" {\n  source = "./m"\n}\n', 'module "m" {\n  source = "./n"\n}\n',
     "module call m"),
    ('variable "v" {\n  default = 1\n}\n', 'variable "v" {\n  default = 2\n}\n', "variable v"),
    ('output "o" {\n  value = 1\n}\n', 'output "o" {\n  value = 2\n}\n', "output o"),
    ("locals {\n  l = 1\n}\n", "locals {\n  x = 0\n}\nlocals {\n  l = 2\n}\n", "local value l"),
])
def test_every_kind_of_declaration(tmp_path: Path, first: str, second: str, what: str) -> None:
    write_tree(tmp_path, {"main.tf": first + second, "m/main.tf": "", "n/main.tf": ""})
    line = first.count("\n") + 1 + (4 if what.startswith("local") else 0)
    column = 3 if what.startswith("local") else 1
    _, got = _scan(tmp_path)
    assert got == [("PL001", "main.tf", line, column,
                    f"{what} is declared more than once (first at main.tf:"
                    f"{2 if what.startswith('local') else 1}): Terraform refuses this "
                    "configuration; only the first is read")]


def test_in_two_files_and_in_json(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "a.tf": BUCKET,
        "b.tf.json": json.dumps({"resource": {"aws_s3_bucket": {"b": {"bucket": "acme-j"}}}},
                                indent=2),
    })
    _, got = _scan(tmp_path)
    assert [g[:4] for g in got] == [("PL001", "b.tf.json", 4, 7)]
    assert got[0][4].startswith("resource aws_s3_bucket.b is declared more than once "
                                "(first at a.tf:1)")


def test_distinct_names_and_instances_are_not_duplicates(tmp_path: Path) -> None:
    write_tree(tmp_path, {"main.tf": (
        'resource "aws_s3_bucket" "a" {\n  bucket = "acme-a"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "acme-b"\n}\n'
        'data "aws_s3_bucket" "a" {\n  bucket = "acme-a"\n}\n'
        'resource "aws_s3_bucket_cors_configuration" "a" {\n  bucket = "acme-a"\n'
        '  cors_rule {\n    allowed_methods = ["GET"]\n    allowed_origins = ["*"]\n  }\n'
        '  cors_rule {\n    allowed_methods = ["PUT"]\n    allowed_origins = ["*"]\n  }\n}\n'
        "locals {\n  a = 1\n}\nlocals {\n  b = 2\n}\n")})
    assert _scan(tmp_path) == (0, [])
