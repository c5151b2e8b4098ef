"""Fuzzing: the YAML loader only ever raises YAMLPosError, and the reader never raises at all,
whatever shape the template has (intrinsics in odd places, wrong types, conditions)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint import yamlpos
from policylint.model import Facts
from policylint.readers import LocalContext, Source, Unit
from policylint.readers.cloudformation import read

KEYS = ["Ref", "Fn::If", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::GetAtt", "Fn::FindInMap",
        "Condition", "Type", "Properties", "Metadata", "policylint", "disable", "rule", "reason",
        "labeling-input", "BucketName", "Tags", "Key", "Value", "CorsConfiguration", "CorsRules",
        "AllowedMethods", "AllowedOrigins", "ExposeHeaders", "MaxAge", "Definition",
        "DefinitionString", "DefinitionUri", "DefinitionSubstitutions", "StartAt", "States",
        "Resource", "Parameters", "InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri",
        "RoleArn", "Policies", "PolicyDocument", "Statement", "Action", "Roles", "B", "R", "C"]
SCALARS = ["AWS::S3::Bucket", "AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine",
           "AWS::IAM::Role", "AWS::IAM::Policy", "Custom::Job", "AWS::NoValue", "B", "R", "C",
           "GET", "*", "Task", "s3://acme-x/m", "s3://${B}/m", "${B.Arn}", "iam:PassRole",
           "s3:GetObject", "sagemaker:CreateLabelingJob", "arn:aws:states:::sagemaker:"
           "createLabelingJob", "PL100", "x.json", "", "${AWS::Region}"]

values = st.recursive(
    st.one_of(st.sampled_from(SCALARS), st.integers(-3, 3), st.booleans(), st.none()),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=40)
templates = st.fixed_dictionaries({
    "Conditions": st.dictionaries(st.sampled_from(["C", "D"]), values, max_size=2),
    "Parameters": st.dictionaries(st.sampled_from(["P", "B"]), values, max_size=2),
    "Resources": st.dictionaries(st.sampled_from(["B", "R", "C", "M", "J"]), values, max_size=5),
})


def _read(text: str, tmp: Path, name: str) -> Facts:
    unit = Unit("cloudformation", name, (Source(name, str(tmp / name), text.encode(),
                                               "cloudformation"),))
    return read(unit, LocalContext(root=str(tmp)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(list("ab:-[]{}!&*|>#'\" \n\t,?%@`0")
                                + ["!Ref ", "<<: ", "&a ", "*a", "- ", "!GetAtt "]),
                max_size=40).map("".join))
def test_yaml_loader_raises_only_its_own_error(text: str) -> None:
    try:
        yamlpos.load(text, intrinsics=True)
    except yamlpos.YAMLPosError as exc:
        assert exc.line >= 1 and exc.column >= 1


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates)
def test_reader_never_raises(tmp_path_factory: Any, doc: dict[str, Any]) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    for text, name in ((json.dumps(doc), "t.json"), (yaml.safe_dump(doc), "t.yaml")):
        facts = _read(text, tmp, name)
        assert isinstance(facts, Facts)
