"""CDK apps in Python (tests/fixtures/cdk/python/app_stack.py): buckets, cors, add_cors_rule,
CfnBucket cors_configuration, Tags.of().add, the marker comment, from_bucket_name, import
spellings, and --fix writing a keyword argument / a rule into the literal list."""
from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli


def _scan(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache", *args], root)
    assert code in (0, 1), err
    return code, json.loads(out)


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, int, int, str]]:
    return [(f["rule"], f["path"], f["line"], f["column"], f["subject"])
            for f in scan["findings"]]


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    return copy_fixture("cdk/python", tmp_path)


def test_buckets_cors_and_declarations(app: Path) -> None:
    code, scan = _scan(app)
    assert code == 1
    assert _keys(scan) == [
        ("PL100", "app_stack.py", 13, 9, "LabelingStack/FailImages"),
        ("PL101", "app_stack.py", 22, 35, "LabelingStack/FailPut"),
        ("PL101", "app_stack.py", 40, 66, "LabelingStack/FailCfn"),
        ("PL102", "app_stack.py", 45, 9, "owned-elsewhere"),
    ]
    by_rule = {f["subject"]: f for f in scan["findings"]}
    assert by_rule["LabelingStack/FailImages"]["bucket"] == "fail-images"
    assert by_rule["LabelingStack/FailImages"]["fix"]["snippet"] == (
        'cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.GET], allowed_origins=["*"])]')


@pytest.mark.parametrize("imports, prefix, tags", [
    ("import aws_cdk.aws_s3 as s3\nfrom aws_cdk import Tags", "s3.", "Tags"),
    ("import aws_cdk as cdk", "cdk.aws_s3.", "cdk.Tags"),
    ("from aws_cdk import aws_s3\nfrom aws_cdk.core import Tags", "aws_s3.", "Tags"),  # CDK v1
    ("from aws_cdk.aws_s3 import Bucket\nimport aws_cdk.core as core", "", "core.Tags"),
])
def test_import_spellings(tmp_path: Path, imports: str, prefix: str, tags: str) -> None:
    (tmp_path / "stack.py").write_text(
        f"{imports}\n\n"
        "class S:\n"
        "    def __init__(self):\n"
        f"        b = {prefix}Bucket(self, 'Images')\n"
        f"        {tags}.of(b).add('policylint:labeling-input', 'true')\n")
    code, scan = _scan(tmp_path)
    assert code == 1
    line = imports.count("\n") + 5
    assert _keys(scan) == [("PL100", "stack.py", line, 9, "S/Images")]


def test_marker_comment_and_false_tag(tmp_path: Path) -> None:
    (tmp_path / "stack.py").write_text(
        "from aws_cdk import aws_s3 as s3, Tags\n"
        "# policylint: labeling-input\n"
        "marked = s3.Bucket(None, 'Marked')\n"
        "off = s3.Bucket(None, 'Off')\n"
        "Tags.of(off).add('policylint:labeling-input', 'false')\n")
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL100", "stack.py", 3, 1, "Marked")]


def test_unknown_cors_is_unverified_not_a_violation(tmp_path: Path) -> None:
    (tmp_path / "stack.py").write_text(
        "from aws_cdk import aws_s3 as s3, Tags\n"
        "b = s3.Bucket(None, 'Images', cors=load_rules())\n"
        "Tags.of(b).add('policylint:labeling-input', 'true')\n")
    _code, scan = _scan(tmp_path)
    assert [f["rule"] for f in scan["findings"]] == ["PL102"]
    assert "cors is not known statically" in scan["findings"][0]["message"]


def test_suppression_comment(tmp_path: Path) -> None:
    (tmp_path / "stack.py").write_text(
        "from aws_cdk import aws_s3 as s3, Tags\n"
        "# policylint: disable=PL100 reason=\"served by CloudFront\"\n"
        "b = s3.Bucket(None, 'Images',\n"
        "              bucket_name='x')\n"
        "Tags.of(b).add('policylint:labeling-input', 'true')\n")
    code, scan = _scan(tmp_path)
    assert code == 0 and scan["findings"] == [] and scan["summary"]["suppressed"] == 1


def test_fix_writes_python_that_parses_and_passes(app: Path) -> None:
    code, out, err = run_cli([".", "--fix", "--no-cache"], app)
    text = (app / "app_stack.py").read_text()
    ast.parse(text)
    assert "            cors=[s3.CorsRule(allowed_methods=[s3.HttpMethods.GET], " \
           "allowed_origins=[\"*\"])],\n        )" in text
    _code, scan = _scan(app)
    assert _keys(scan) == [
        ("PL101", "app_stack.py", 41, 66, "LabelingStack/FailCfn"),  # CfnBucket: not edited
        ("PL102", "app_stack.py", 46, 9, "owned-elsewhere"),
    ]
