"""Intrinsic functions, evaluated statically: known values, Unknown with a reason, conditions."""
from __future__ import annotations

from typing import Any

import pytest

from policylint import yamlpos
from policylint.model import Unknown
from policylint.readers.cloudformation.evaluate import NO_VALUE, Template

DOC = """\
Parameters:
  Env: {Type: String, Default: dev}
  NoDefault: {Type: String}
  Names: {Type: CommaDelimitedList, Default: "a, b"}
Mappings:
  Regions:
    dev: {Bucket: acme-dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  Always: !Equals [x, x]
  Never: !Not [!Condition Always]
  Both: !And [!Condition Always, !Condition IsProd]
  Either: !Or [!Condition Always, !Condition IsProd]
Resources:
  Images: {Type: AWS::S3::Bucket, Properties: {BucketName: !Sub "acme-${Env}-images"}}
  Unnamed: {Type: AWS::S3::Bucket}
  Role: {Type: AWS::IAM::Role}
  Topic: {Type: AWS::SNS::Topic}
"""


@pytest.fixture(scope="module")
def tpl() -> Template:
    return Template(yamlpos.load(DOC, intrinsics=True))


def ev(tpl: Template, text: str) -> Any:
    return tpl.value(yamlpos.load(text, intrinsics=True))


@pytest.mark.parametrize(("expr", "expected"), [
    ("!Ref Env", "dev"),
    ("!Ref Names", ["a", "b"]),
    ('!Sub "s3://${Env}-x/${!Literal}"', "s3://dev-x/${Literal}"),
    ("!Sub ['${A}-${Env}', {A: !Ref Env}]", "dev-dev"),
    ("!Join ['-', [a, !Ref Env, 1]]", "a-dev-1"),
    ("!Select [1, !Split [',', 'x,y,z']]", "y"),
    ("!FindInMap [Regions, !Ref Env, Bucket]", "acme-dev"),
    ("!FindInMap [Regions, prod, Bucket, {DefaultValue: fallback}]", "fallback"),
    ("!If [Always, yes-branch, no-branch]", "yes-branch"),
    ("!If [Never, yes-branch, no-branch]", "no-branch"),
    ("{k: !Ref 'AWS::NoValue', j: 1}", {"j": 1}),
    # the key part of an S3 URI may stay unknown: the bucket is still named
    ('!Sub "s3://acme/${AWS::Region}/m"', "s3://acme/${AWS::Region}/m"),
])
def test_known_values(tpl: Template, expr: str, expected: Any) -> None:
    assert ev(tpl, f"v: {expr}")["v"] == expected


@pytest.mark.parametrize(("expr", "reason"), [
    ("!Ref NoDefault", "parameter NoDefault has no Default"),
    ('!Sub "${AWS::AccountId}-data"', "AWS::AccountId is known only at deploy time"),
    ("!ImportValue shared", "Fn::ImportValue is known only at deploy time"),
    ("!GetAtt Topic.TopicName", "Topic.TopicName is known only at deploy time"),
    ("!Ref Missing", "Ref to Missing, which the template does not define"),
    ("!If [IsProd, a, b]", "condition IsProd depends on values known only at deploy time"),
    ("!Select [5, [a]]", "Fn::Select index is out of range"),
    ("!FindInMap [Regions, prod, Bucket]", "Fn::FindInMap key prod is not in the mapping"),
])
def test_unknown_values_say_why(tpl: Template, expr: str, reason: str) -> None:
    assert ev(tpl, f"v: {expr}")["v"] == Unknown(reason)


def test_conditions(tpl: Template) -> None:
    assert tpl.condition("Always") is True
    assert tpl.condition("Never") is False
    assert tpl.condition("Either") is True
    assert isinstance(tpl.condition("Both"), Unknown)  # IsProd depends on a parameter
    assert tpl.condition("Both", {"IsProd": True}) is True


def test_bucket_references_resolve_to_names_or_stay_bound(tpl: Template) -> None:
    images = ev(tpl, "v: !Sub 's3://${Images}/x'")["v"]
    assert tpl.bucket_of_placeholder(images[5:-2]) == "Images"
    assert tpl.resolve(images) == "s3://acme-dev-images/x"
    assert tpl.readable(ev(tpl, "v: !GetAtt Unnamed.Arn")["v"]) == "arn:aws:s3:::${Unnamed}"
    assert tpl.bucket_name("Unnamed") == Unknown(
        "BucketName is not set: CloudFormation generates the name")


def test_choose_keeps_positioned_branches(tpl: Template) -> None:
    node = yamlpos.load("v: !If [IsProd, {a: 1}, !Ref 'AWS::NoValue']", intrinsics=True)["v"]
    assert tpl.choose(node, {"IsProd": True}) == {"a": 1}
    assert tpl.choose(node, {"IsProd": False}) is NO_VALUE
    assert isinstance(tpl.choose(node), Unknown)
    assert tpl.conditions_in(node) == ["IsProd"]


def test_lenient_document_text_keeps_unknown_parts(tpl: Template) -> None:
    node = yamlpos.load("v: !Join ['', ['{\"a\": \"', !GetAtt Topic.TopicName, '\"}']]",
                        intrinsics=True)["v"]
    assert tpl.document_text(node) == '{"a": "${Topic.TopicName}"}'


def test_deep_nesting_is_unknown_not_a_crash(tpl: Template) -> None:
    node: Any = "x"
    for _ in range(200):
        node = {"Fn::Join": ["", [node]]}
    assert tpl.value(node) == Unknown("the value is nested too deeply to evaluate")
