"""Each Terraform file is parsed once per run (issue 17.3), however many module calls and units
read it: a per-run memo keyed by path and content hash. Counted, never timed."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import json_findings, write_tree

from policylint.readers.terraform import module as tf_module

CHILD = {
    "modules/store/main.tf": (
        'variable "name" {}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = var.name\n}\n'
        'output "id" {\n  value = aws_s3_bucket.b.id\n}\n'),
    "modules/store/versions.tf": 'terraform {\n  required_version = ">= 1.0"\n}\n',
}


def _root(name: str) -> str:
    return (f'module "in" {{\n  source = "../modules/store"\n  name = "{name}-in"\n}}\n'
            f'module "out" {{\n  source = "../modules/store"\n  name = "{name}-out"\n}}\n'
            'resource "aws_sagemaker_labeling_job" "j" {\n  input_config {\n'
            '    data_source {\n      s3_data_source {\n'
            '        manifest_s3_uri = "s3://${module.in.id}/m.manifest"\n'
            '      }\n    }\n  }\n}\n')


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Count real parses (memo misses) per display path, with an empty memo."""
    seen: Counter[str] = Counter()
    real = tf_module._parse

    def spy(path: str, data: bytes) -> object:
        seen[path] += 1
        return real(path, data)

    monkeypatch.setattr(tf_module, "_parse", spy)
    monkeypatch.setattr(tf_module, "_memo", {})
    monkeypatch.setattr(tf_module, "_memo_bytes", 0)
    return seen


def test_a_child_module_called_by_many_is_parsed_once(repo: Path, parses: Counter[str]) -> None:
    write_tree(repo, {**CHILD, "team-a/main.tf": _root("a"), "team-b/main.tf": _root("b")})
    found = json_findings(["--no-cache", "--jobs", "1", "."], repo)
    # the run really evaluated the child for both roots: each input bucket lacks CORS
    assert [(f[0], f[1]) for f in found] == [("PL100", "modules/store/main.tf")] * 2
    # four calls of the child from two roots, plus the child's own unit: one parse each
    assert parses == Counter({"modules/store/main.tf": 1, "modules/store/versions.tf": 1,
                              "team-a/main.tf": 1, "team-b/main.tf": 1})


def test_changed_bytes_are_parsed_again(repo: Path, parses: Counter[str]) -> None:
    write_tree(repo, {**CHILD, "team-a/main.tf": _root("a")})
    json_findings(["--no-cache", "--jobs", "1", "."], repo)
    json_findings(["--no-cache", "--jobs", "1", "."], repo)
    assert parses["team-a/main.tf"] == 1  # same bytes, same process: from the memo
    write_tree(repo, {"team-a/main.tf": _root("a2")})
    json_findings(["--no-cache", "--jobs", "1", "."], repo)
    assert parses["team-a/main.tf"] == 2 and parses["modules/store/main.tf"] == 1


def test_big_files_stay_out_of_the_memo(repo: Path, parses: Counter[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tf_module, "MEMO_MAX_FILE", 10)
    write_tree(repo, {**CHILD, "team-a/main.tf": _root("a")})
    json_findings(["--no-cache", "--jobs", "1", "."], repo)
    # its own unit and the root's unit each parse it (within a unit, a folder is read once)
    assert parses["modules/store/main.tf"] == 2
    assert tf_module._memo == {}
