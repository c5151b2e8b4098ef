"""Intrinsics with the wrong argument shapes, anywhere (conditions included), end as Unknown or
PL001 at the node, never as a reader crash (PL000) that drops the template's other findings."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import json_findings

# (condition, BucketName) in YAML short form; each template also holds a bucket without CORS
# whose PL100 must survive whatever the malformed node does.
YAML_SHAPES = [
    ("!Equals [!Ref [Env], prod]", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Equals [!Ref {a: 1}, prod]", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Equals [prod]", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Equals prod", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Not [!Equals [!Ref [Env], x]]", "!If [IsProd, acme-prod, acme-dev]"),
    ("!And [!Condition [Other], !Equals [a, a]]", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Or prod", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Equals [!FindInMap [[M], a, b], x]", "!If [IsProd, acme-prod, acme-dev]"),
    ("!Equals [!Ref Env, prod]", "!If [IsProd, acme-prod]"),
    ("!Equals [!Ref Env, prod]", "!If [[IsProd], acme-prod, acme-dev]"),
    ("!Equals [!Ref Env, prod]", "!If IsProd"),
    ("!Equals [!Ref Env, prod]", "!Ref [Env]"),
    ("!Equals [!Ref Env, prod]", "!Sub [[a], {}]"),
    ("!Equals [!Ref Env, prod]", "!Join [[a], [b]]"),
    ("!Equals [!Ref Env, prod]", "!Select [[0], [a]]"),
    ("!Equals [!Ref Env, prod]", "!GetAtt [[Images], Arn]"),
    ("!Equals [!Ref Env, prod]", "!FindInMap [{a: 1}, [b], c]"),
]

_YAML = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {{Type: String, Default: dev}}
Mappings:
  M: {{a: {{b: c}}}}
Conditions:
  IsProd: {cond}
  Other: !Equals [a, a]
Resources:
  Images:
    Type: AWS::S3::Bucket
    Metadata: {{policylint: {{labeling-input: true}}}}
    Properties:
      BucketName: {name}
"""


@pytest.mark.parametrize("cond, name", YAML_SHAPES)
def test_malformed_intrinsics_in_yaml_keep_the_other_findings(tmp_path: Path, cond: str,
                                                              name: str) -> None:
    (tmp_path / "t.yaml").write_text(_YAML.format(cond=cond, name=name))
    assert json_findings(["--no-cache", "."], tmp_path) == [("PL100", "t.yaml", 10, 3)]


def _json_template(cond: object, name: object) -> dict[str, object]:
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
            "Conditions": {"IsProd": cond, "Other": {"Fn::Equals": ["a", "a"]}},
            "Resources": {"Images": {
                "Type": "AWS::S3::Bucket",
                "Metadata": {"policylint": {"labeling-input": True}},
                "Properties": {"BucketName": name}}}}


_IF = {"Fn::If": ["IsProd", "acme-prod", "acme-dev"]}
JSON_SHAPES = [
    ({"Fn::Equals": [{"Ref": ["Env"]}, "prod"]}, _IF),
    ({"Fn::Equals": [{"Ref": {"Env": 1}}, "prod"]}, _IF),
    ({"Fn::Equals": ["prod"]}, _IF),
    ({"Fn::Not": {"Fn::Equals": ["a", "b"]}}, _IF),
    ({"Fn::And": [{"Condition": ["Other"]}]}, _IF),
    ({"Condition": {"Other": 1}}, _IF),
    ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, {"Fn::If": ["IsProd", "a"]}),
    ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, {"Fn::If": [{"Ref": ["IsProd"]}, "a", "b"]}),
    ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, {"Ref": [["Env"]]}),
]


@pytest.mark.parametrize("cond, name", JSON_SHAPES)
def test_malformed_intrinsics_in_json_keep_the_other_findings(tmp_path: Path, cond: object,
                                                              name: object) -> None:
    text = json.dumps(_json_template(cond, name), indent=2)
    (tmp_path / "t.json").write_text(text)
    line = text.split("\n").index('    "Images": {') + 1
    assert json_findings(["--no-cache", "."], tmp_path) == [("PL100", "t.json", line, 5)]
