"""Issue 15 items 5 and 6: a resource whose ``Condition`` never holds is never created, so it
is never judged (no finding for its bucket, its CORS or its state machine); one whose
``Condition`` always holds is judged as unconditional. A condition is decided by literals, by
other conditions (``Fn::Not``/``Fn::And``/``Fn::Or``, ``Condition``) and by what a parameter's
constraints allow (one allowed value fixes it; a value outside ``AllowedValues``,
``AllowedPattern``, the lengths or a ``Number``'s range is never passed). A parameter's
``Default`` rules nothing out: every other admitted value can be passed at deploy time.

Each template is written as a document and read as YAML (long form) and as JSON; short-form
YAML is checked on its own. Positions are found in the written text, then compared exactly.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import json_findings

from policylint.readers.cloudformation.evaluate import Template
from policylint.readers.cloudformation.scenarios import existence

GET = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
       "ExposedHeaders": ["Access-Control-Allow-Origin"]}
PUT = {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}
LABELING = {"policylint": {"labeling-input": True}}

PARAMETERS: dict[str, Any] = {
    "Stage": {"Type": "String", "AllowedValues": ["live"]},
    "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "prod"},
    "Digits": {"Type": "String", "AllowedPattern": "[0-9]+"},
    "Short": {"Type": "String", "MaxLength": 3, "MinLength": 2},
    "Count": {"Type": "Number", "MinValue": 1, "MaxValue": 9},
    "Free": {"Type": "String", "Default": "a"},
    "FromSsm": {"Type": "AWS::SSM::Parameter::Value<String>", "AllowedValues": ["live"]},
}
CONDITIONS: dict[str, Any] = {
    "Always": {"Fn::Equals": ["a", "a"]},
    "Never": {"Fn::Equals": ["a", "b"]},
    "NotAlways": {"Fn::Not": [{"Condition": "Always"}]},
    "NotNever": {"Fn::Not": [{"Condition": "Never"}]},
    "AndNever": {"Fn::And": [{"Condition": "Always"}, {"Condition": "Never"}]},
    "OrNever": {"Fn::Or": [{"Condition": "Never"}, {"Fn::Equals": ["1", 2]}]},
    "Nested": {"Fn::And": [{"Condition": "NotNever"}, {"Condition": "AndNever"}]},
    "IsLive": {"Fn::Equals": [{"Ref": "Stage"}, "live"]},
    "NotLive": {"Fn::Not": [{"Condition": "IsLive"}]},
    "IsDead": {"Fn::Equals": ["dead", {"Ref": "Stage"}]},
    "IsTest": {"Fn::Equals": [{"Ref": "Env"}, "test"]},
    "IsDev": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "DevOrProd": {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "IsProd"}]},
    "Neither": {"Fn::Not": [{"Condition": "DevOrProd"}]},
    "DigitsWord": {"Fn::Equals": [{"Ref": "Digits"}, "prod"]},
    "TooLong": {"Fn::Equals": [{"Ref": "Short"}, "toolong"]},
    "TooShort": {"Fn::Equals": [{"Ref": "Short"}, "x"]},
    "Zero": {"Fn::Equals": [{"Ref": "Count"}, "0"]},
    "NotANumber": {"Fn::Equals": [{"Ref": "Count"}, "many"]},
    "FreeB": {"Fn::Equals": [{"Ref": "Free"}, "b"]},
    "SsmLive": {"Fn::Equals": [{"Ref": "FromSsm"}, "live"]},
}
NEVER = ["Never", "NotAlways", "AndNever", "OrNever", "Nested", "NotLive", "IsDead", "IsTest",
         "Neither", "DigitsWord", "TooLong", "TooShort", "Zero", "NotANumber"]
ALWAYS = ["Always", "NotNever", "IsLive", "DevOrProd"]
SOMETIMES = ["IsDev", "IsProd", "FreeB", "SsmLive"]


def _bucket(condition: str, cors: Any = None) -> dict[str, Any]:
    res: dict[str, Any] = {"Type": "AWS::S3::Bucket", "Condition": condition,
                           "Metadata": LABELING}
    if cors is not None:
        res["Properties"] = {"CorsConfiguration": cors}
    return res


def _machine(condition: str, manifest: Any) -> dict[str, Any]:
    return {"Type": "AWS::StepFunctions::StateMachine", "Condition": condition, "Properties": {
        "Definition": {"StartAt": "L", "States": {"L": {
            "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createLabelingJob",
            "Parameters": {"InputConfig": {"DataSource": {"S3DataSource": {
                "ManifestS3Uri": manifest}}}},
            "End": True}}}}}


def _resources(condition: str) -> dict[str, Any]:
    """A bucket without CORS, one whose CORS has no GET rule, one whose CORS has GET only where
    the condition holds, and a state machine that reads a bucket nobody defines."""
    return {
        f"{condition}NoCors": _bucket(condition),
        f"{condition}Put": _bucket(condition, {"CorsRules": [PUT]}),
        f"{condition}If": _bucket(condition, {"Fn::If": [condition, {"CorsRules": [GET]},
                                                         {"CorsRules": [PUT]}]}),
        f"{condition}Job": _machine(condition, "s3://elsewhere/in.manifest"),
    }


def _template(conditions: list[str]) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for c in conditions:
        resources.update(_resources(c))
    return {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": PARAMETERS,
            "Conditions": CONDITIONS, "Resources": resources}


def _write(tmp_path: Path, doc: dict[str, Any], fmt: str) -> tuple[str, str]:
    if fmt == "json":
        text, name = json.dumps(doc, indent=2) + "\n", "template.json"
    else:
        text, name = yaml.safe_dump(doc, sort_keys=False, width=200), "template.yaml"
    (tmp_path / name).write_text(text)
    return name, text


def _position(text: str, resource: str, key: str | None = None,
              value: bool = False) -> tuple[int, int]:
    """(line, column) of the resource's key, or of ``key`` under it (``value``: of its value)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.strip().startswith((f"{resource}:", f'"{resource}":')))
    if key is None:
        line = lines[start]
        return start + 1, len(line) - len(line.lstrip()) + 1
    for i in range(start, len(lines)):
        for spelling in (f"{key}:", f'"{key}":'):
            col = lines[i].find(spelling)
            if col >= 0 and lines[i][:col].strip() in ("", "-"):
                if value:
                    rest = lines[i][col + len(spelling):]
                    col += len(spelling) + len(rest) - len(rest.lstrip())
                return i + 1, col + 1
    raise AssertionError(f"{key} not found under {resource}")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("condition", NEVER)
def test_a_resource_that_is_never_created_is_never_judged(
        tmp_path: Path, fmt: str, condition: str) -> None:
    _write(tmp_path, _template([condition]), fmt)
    assert json_findings(["."], tmp_path) == []


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("condition", ALWAYS)
def test_a_resource_that_is_always_created_is_judged_as_unconditional(
        tmp_path: Path, fmt: str, condition: str) -> None:
    name, text = _write(tmp_path, _template([condition]), fmt)
    got = json_findings(["."], tmp_path)
    assert sorted(got) == sorted([
        ("PL100", name, *_position(text, f"{condition}NoCors")),
        ("PL101", name, *_position(text, f"{condition}Put", "CorsConfiguration")),
        # the If's false branch is never taken: the GET branch passes
        ("PL102", name, *_position(text, f"{condition}Job", "ManifestS3Uri", value=True)),
    ])


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("condition", SOMETIMES)
def test_a_resource_created_in_some_deployments_is_judged_where_it_exists(
        tmp_path: Path, fmt: str, condition: str) -> None:
    # a Default (Env, Free) rules no value out: the condition is judged both ways; AllowedValues
    # of an SSM parameter type constrain the name passed, not the value it resolves to
    name, text = _write(tmp_path, _template([condition]), fmt)
    got = json_findings(["."], tmp_path)
    assert sorted(got) == sorted([
        ("PL100", name, *_position(text, f"{condition}NoCors")),
        ("PL101", name, *_position(text, f"{condition}Put", "CorsConfiguration")),
        ("PL102", name, *_position(text, f"{condition}Job", "ManifestS3Uri", value=True)),
    ])


def test_never_and_always_side_by_side(tmp_path: Path) -> None:
    name, text = _write(tmp_path, _template(["Never", "IsLive"]), "yaml")
    assert sorted(json_findings(["."], tmp_path)) == sorted([
        ("PL100", name, *_position(text, "IsLiveNoCors")),
        ("PL101", name, *_position(text, "IsLivePut", "CorsConfiguration")),
        ("PL102", name, *_position(text, "IsLiveJob", "ManifestS3Uri", value=True))])


SHORT = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
    AllowedValues: [live]
  Env:
    Type: String
    Default: prod
Conditions:
  Never: !Equals [a, b]
  Live: !Equals [!Ref Stage, live]
  NotLive: !Not [!Condition Live]
  Dead: !And [!Condition Live, !Equals [!Ref Stage, dead]]
  Prod: !Equals [!Ref Env, prod]
Resources:
  Images:
    Type: AWS::S3::Bucket
    Condition: CONDITION
    Metadata:
      policylint:
        labeling-input: true
    Properties:
      CorsConfiguration: !If
        - Prod
        - CorsRules:
            - AllowedMethods: [GET]
              AllowedOrigins: ["*"]
              ExposedHeaders: [Access-Control-Allow-Origin]
        - !Ref AWS::NoValue
  Job:
    Type: AWS::StepFunctions::StateMachine
    Condition: CONDITION
    Properties:
      Definition:
        StartAt: L
        States:
          L:
            Type: Task
            Resource: arn:aws:states:::sagemaker:createLabelingJob
            Parameters:
              InputConfig:
                DataSource:
                  S3DataSource:
                    ManifestS3Uri: !If [Live, !Sub "s3://${Images}/in.manifest", s3://x/m]
            End: true
"""


@pytest.mark.parametrize("condition", ["Never", "NotLive", "Dead"])
def test_short_form_never_created(tmp_path: Path, condition: str) -> None:
    (tmp_path / "template.yaml").write_text(SHORT.replace("CONDITION", condition))
    assert json_findings(["."], tmp_path) == []


def test_short_form_always_created(tmp_path: Path) -> None:
    # Live always holds: the manifest is the bucket's; where Prod is false (the Default is
    # prod, but dev can be passed) the bucket has no CORS
    (tmp_path / "template.yaml").write_text(SHORT.replace("CONDITION", "Live"))
    assert json_findings(["."], tmp_path) == [("PL101", "template.yaml", 23, 7)]


def test_a_fixed_parameter_decides_an_if_in_a_state_machine(tmp_path: Path) -> None:
    text = SHORT.replace("    Condition: CONDITION\n", "").replace(
        "!If\n        - Prod", "!If\n        - Live")
    (tmp_path / "template.yaml").write_text(text)
    assert json_findings(["."], tmp_path) == []  # Live holds: its manifest, its GET rule


def _exists(condition: Any, parameters: dict[str, Any] | None = None,
            conditions: dict[str, Any] | None = None) -> bool | None:
    tpl = Template({"Parameters": parameters or PARAMETERS,
                    "Conditions": {**CONDITIONS, **(conditions or {}), "C": condition}})
    return existence(tpl, {"Type": "AWS::S3::Bucket", "Condition": "C"})


def test_existence() -> None:
    for name in NEVER:
        assert _exists({"Condition": name}) is False, name
    for name in ALWAYS:
        assert _exists({"Condition": name}) is True, name
    for name in SOMETIMES:
        assert _exists({"Condition": name}) is None, name
    # an undefined or cyclic condition: not known, judged where it holds
    assert _exists({"Condition": "Missing"}) is None
    assert _exists({"Condition": "C"}) is None
    # a pattern RE2 cannot read rules nothing out
    assert _exists({"Fn::Equals": [{"Ref": "P"}, "x"]},
                   {"P": {"Type": "String", "AllowedPattern": "(?<=a)b"}}) is None
    # a single allowed value that breaks the pattern: the pattern is the one not read right
    assert _exists({"Fn::Equals": [{"Ref": "P"}, "x"]},
                   {"P": {"Type": "String", "AllowedValues": ["x"],
                          "AllowedPattern": "[0-9]+"}}) is True
    # list parameters are not single values: not constrained
    assert _exists({"Fn::Equals": [{"Ref": "P"}, "x"]},
                   {"P": {"Type": "CommaDelimitedList", "AllowedValues": ["y"]}}) is None


def test_a_resource_without_condition_exists() -> None:
    tpl = Template({"Conditions": CONDITIONS})
    assert existence(tpl, {"Type": "AWS::S3::Bucket"}) is True
