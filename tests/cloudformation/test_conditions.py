"""Resource-level ``Condition:`` and possible condition combinations (issue 15, items 5 and 6).

A branch in which a resource does not exist is never judged, and neither is a combination of
conditions that no deployment can reach. Each template is written as a document and read both
as YAML (long-form intrinsics) and as JSON; a short-form YAML template checks the same with
tags. Positions are found in the written text, then compared exactly.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FindingKey, json_findings

from policylint.readers.cloudformation.evaluate import Template
from policylint.readers.cloudformation.scenarios import MAX_ASSIGNMENTS, Scenarios

GET = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
       "ExposedHeaders": ["Access-Control-Allow-Origin"]}
PUT = {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}
NO = {"Ref": "AWS::NoValue"}
LABELING = {"policylint": {"labeling-input": True}}


def _if(cond: str, yes: Any, no: Any) -> dict[str, Any]:
    return {"Fn::If": [cond, yes, no]}


def _cors(rules: Any) -> dict[str, Any]:
    return {"CorsRules": rules}


def _bucket(cors: Any, condition: str | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {"Type": "AWS::S3::Bucket", "Metadata": LABELING,
                           "Properties": {"CorsConfiguration": cors}}
    if condition is not None:
        res["Condition"] = condition
    return res


PARAMETERS = {"Env": {"Type": "String", "AllowedValues": ["dev", "prod"]},
              "Stage": {"Type": "String", "AllowedValues": ["live"]},
              "Free": {"Type": "String"}}
CONDITIONS = {
    "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
    "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    "IsLive": {"Fn::Equals": [{"Ref": "Stage"}, "live"]},
    "ProdAndLive": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "IsLive"}]},
    "ProdOrDev": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["dev", {"Ref": "Env"}]}]},
    "FreeA": {"Fn::Equals": [{"Ref": "Free"}, "a"]},
    "FreeB": {"Fn::Equals": [{"Ref": "Free"}, "b"]},
    "InUs": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]},
    "NotInUs": {"Fn::Not": [{"Fn::Equals": ["us-east-1", {"Ref": "AWS::Region"}]}]},
}
RESOURCES = {
    # a condition and its negation: never both true, never both false
    "Negation": _bucket(_cors([_if("IsProd", GET, NO), _if("NotProd", GET, NO)])),
    # Equals of one parameter with two values: never both true
    "Exclusive": _bucket(_if("FreeA", _if("FreeB", _cors([PUT]), _cors([GET])), _cors([GET]))),
    # a one-value AllowedValues fixes IsLive: ProdAndLive is IsProd
    "Single": _bucket(_if("ProdAndLive", _cors([GET]),
                          _if("IsProd", _cors([PUT]), _cors([GET])))),
    # AllowedValues [dev, prod]: ProdOrDev always holds
    "Either": _bucket(_if("ProdOrDev", _cors([GET]), _cors([PUT]))),
    # a pseudo parameter compared twice, in two spellings
    "Region": _bucket(_cors([_if("InUs", GET, NO), _if("NotInUs", GET, NO)])),
    # possible: Free is neither a nor b
    "Possible": _bucket(_if("FreeA", _cors([GET]), _if("FreeB", _cors([GET]), _cors([PUT])))),
    # resource Condition: the NoValue branch is where the bucket does not exist
    "ProdOnly": _bucket(_if("IsProd", _cors([GET]), NO), condition="IsProd"),
    # its negation decides the CORS of a bucket that exists only outside prod
    "DevOnly": _bucket(_cors([_if("IsProd", PUT, GET)]), condition="NotProd"),
    # the same CORS without a Condition: the branch without CORS is judged
    "Always": _bucket(_if("IsProd", _cors([GET]), NO)),
}
TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": PARAMETERS,
            "Conditions": CONDITIONS, "Resources": RESOURCES}


def _position(text: str, resource: str, key: str) -> tuple[int, int]:
    """(line, column) of ``key`` after the resource's own key in ``text``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.strip().startswith((f"{resource}:", f'"{resource}":')))
    for i in range(start, len(lines)):
        for spelling in (f"{key}:", f'"{key}":'):
            col = lines[i].find(spelling)
            if col >= 0 and lines[i][:col].strip() in ("", "-"):
                return i + 1, col + 1
    raise AssertionError(f"{key} not found under {resource}")


def _write(tmp_path: Path, fmt: str) -> tuple[str, str]:
    if fmt == "json":
        text = json.dumps(TEMPLATE, indent=2) + "\n"
        name = "template.json"
    else:
        text = yaml.safe_dump(TEMPLATE, sort_keys=False, width=200)
        name = "template.yaml"
    (tmp_path / name).write_text(text)
    return name, text


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_only_possible_combinations_and_existing_resources_are_judged(
        tmp_path: Path, fmt: str) -> None:
    name, text = _write(tmp_path, fmt)
    expected: list[FindingKey] = [
        ("PL101", name, *_position(text, "Possible", "CorsConfiguration")),
        # the branch without CorsConfiguration, where the bucket exists
        ("PL101", name, *_position(text, "Always", "CorsConfiguration")),
    ]
    got = json_findings(["."], tmp_path)
    assert sorted(got) == sorted(expected)


def _short_yaml() -> str:
    return """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Images:
    Type: AWS::S3::Bucket
    Condition: IsProd
    Properties:
      BucketName: acme-images
      CorsConfiguration: !If
        - IsProd
        - CorsRules:
            - AllowedMethods: [GET]
              AllowedOrigins: ["*"]
              ExposedHeaders: [Access-Control-Allow-Origin]
        - !Ref AWS::NoValue
  Job:
    Type: AWS::StepFunctions::StateMachine
    Condition: IsProd
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
                    ManifestS3Uri: !If [IsProd, !Sub "s3://${Images}/in.manifest", !Ref AWS::NoValue]
            End: true
"""


def test_short_form_resource_conditions_on_bucket_and_state_machine(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(_short_yaml())
    assert json_findings(["."], tmp_path) == []  # the manifest binds, the CORS passes


def test_without_the_resource_conditions_the_missing_branches_are_judged(tmp_path: Path) -> None:
    # the state machine exists in every deployment: where IsProd is false its manifest is
    # not known
    text = _short_yaml().replace("    Condition: IsProd\n    Properties:\n      Definition",
                                 "    Properties:\n      Definition")
    (tmp_path / "template.yaml").write_text(text)
    assert json_findings(["."], tmp_path) == [("PL102", "template.yaml", 34, 21)]
    # the bucket exists in every deployment: where IsProd is false it has no CORS
    text = _short_yaml().replace("    Condition: IsProd\n    Properties:\n      BucketName",
                                 "    Properties:\n      BucketName")
    (tmp_path / "template.yaml").write_text(text)
    assert json_findings(["."], tmp_path) == [("PL101", "template.yaml", 13, 7)]


def _possible(conditions: dict[str, Any], names: list[str], base: dict[str, bool] | None = None,
              parameters: dict[str, Any] | None = None) -> list[dict[str, bool]] | None:
    tpl = Template({"Parameters": parameters or PARAMETERS, "Conditions": conditions})
    return Scenarios(tpl).possible(names, base or {})


def test_scenarios_of_negation_and_exclusive_values() -> None:
    assert _possible(CONDITIONS, ["IsProd", "NotProd"]) == [
        {"IsProd": True, "NotProd": False}, {"IsProd": False, "NotProd": True}]
    assert _possible(CONDITIONS, ["FreeA", "FreeB"]) == [
        {"FreeA": True, "FreeB": False}, {"FreeA": False, "FreeB": True},
        {"FreeA": False, "FreeB": False}]
    assert _possible(CONDITIONS, ["IsLive"]) == [{"IsLive": True}]
    assert _possible(CONDITIONS, ["IsProd"], {"NotProd": True}) == [{"IsProd": False}]
    assert _possible(CONDITIONS, ["FreeA"], {"FreeA": True, "FreeB": True}) == []


def test_two_deploy_time_values_compared_give_a_free_atom() -> None:
    conditions = {"Same": {"Fn::Equals": [{"Ref": "Free"}, {"Ref": "AWS::Region"}]},
                  "NotSame": {"Fn::Not": [{"Condition": "Same"}]}}
    assert _possible(conditions, ["Same", "NotSame"]) == [
        {"Same": True, "NotSame": False}, {"Same": False, "NotSame": True}]


def test_undecidable_or_too_large_enumerations_are_not_known() -> None:
    assert _possible({"Loop": {"Condition": "Loop"}}, ["Loop"]) is None
    assert _possible({"Bad": {"Fn::Contains": ["a", "b"]}}, ["Bad"]) is None
    assert _possible(CONDITIONS, ["Missing"]) is None
    many = {f"C{i}": {"Fn::Equals": [{"Ref": f"P{i}"}, "x"]} for i in range(13)}
    params = {f"P{i}": {"Type": "String"} for i in range(13)}
    assert 2 ** 13 > MAX_ASSIGNMENTS
    assert _possible(many, list(many), parameters=params) is None


def test_shared_conditions_are_evaluated_once_per_assignment() -> None:
    # C30 refers to C0 through 2**30 paths: compiled and evaluated once per condition
    conditions: dict[str, Any] = {"C0": {"Fn::Equals": [{"Ref": "Free"}, "a"]}}
    for i in range(1, 31):
        conditions[f"C{i}"] = {"Fn::And": [{"Condition": f"C{i - 1}"},
                                           {"Condition": f"C{i - 1}"}]}
    conditions["NotC30"] = {"Fn::Not": [{"Condition": "C30"}]}
    assert _possible(conditions, ["C30", "NotC30"]) == [
        {"C30": True, "NotC30": False}, {"C30": False, "NotC30": True}]


def test_shared_conditions_under_a_resource_condition_are_decided_once(tmp_path: Path) -> None:
    conditions: dict[str, Any] = {"C0": {"Fn::Equals": [{"Ref": "Free"}, "a"]},
                                  "X": {"Fn::Equals": [{"Ref": "Other"}, "b"]}}
    for i in range(1, 31):
        conditions[f"C{i}"] = {"Fn::And": [{"Condition": f"C{i - 1}"},
                                           {"Condition": f"C{i - 1}"}]}
    machine = {"Type": "AWS::StepFunctions::StateMachine", "Condition": "X", "Properties": {
        "Definition": {"StartAt": "L", "States": {"L": {
            "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createLabelingJob",
            "Parameters": {"InputConfig": {"DataSource": {"S3DataSource": {
                "ManifestS3Uri": {"Fn::If": ["C30", "s3://a/m", "s3://b/m"]}}}}},
            "End": True}}}}}
    doc = {"AWSTemplateFormatVersion": "2010-09-09",
           "Parameters": {"Free": {"Type": "String"}, "Other": {"Type": "String"}},
           "Conditions": conditions, "Resources": {"Job": machine}}
    text = json.dumps(doc, indent=1)
    (tmp_path / "template.json").write_text(text)
    line, column = _position(text, "Job", "ManifestS3Uri")
    assert json_findings(["."], tmp_path) == [("PL102", "template.json", line, column)]
