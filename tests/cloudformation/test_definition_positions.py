"""Positions inside a ``DefinitionString`` built with ``Fn::Sub`` or ``Fn::Join`` (issue 15,
item 8): a finding's evidence lands on the state's value, whichever form builds the string, in
YAML and in JSON. Expected positions are those of the marked value in the written text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

STATE = ('{"StartAt": "L", "States": {"L": {"Type": "Task", '
         '"Resource": "arn:aws:states:::sagemaker:createLabelingJob", '
         '"Parameters": {"InputConfig": {"DataSource": {"S3DataSource": '
         '{"ManifestS3Uri": "s3://${Images}/MARK.manifest"}}}}, "End": true}}}')
BLOCK = """\
{"StartAt": "L", "States": {"L": {
  "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createLabelingJob",
  "Parameters": {"InputConfig": {"DataSource": {"S3DataSource": {
    "ManifestS3Uri": "s3://${Images}/MARK.manifest"}}}}, "End": true}}}"""


def _indent(text: str, n: int) -> str:
    return "\n".join(" " * n + line for line in text.split("\n"))


LONG_JOIN = """\
      DefinitionString:
        Fn::Join:
          - ""
          - - '{"StartAt": "L", "States": {"L": {"Type": "Task", '
            - "\\"Resource\\": \\"arn:aws:states:::sagemaker:createLabelingJob\\", "
            - '"Parameters": {"InputConfig": {"DataSource": {"S3DataSource": '
            - '{"ManifestS3Uri": "s3://'
            - !Ref Images
            - '/MARK.manifest"}}}}, "End": true}}}'"""


def _yaml_forms() -> dict[str, str]:
    return {
        "ShortSub": "      DefinitionString: !Sub |\n" + _indent(BLOCK, 8),
        "LongSub": "      DefinitionString:\n        Fn::Sub: |\n" + _indent(BLOCK, 10),
        "LongSubList": ("      DefinitionString:\n        Fn::Sub:\n          - |\n"
                        + _indent(BLOCK, 12) + "\n          - Unused: x"),
        "QuotedSub": "      DefinitionString: !Sub '" + STATE + "'",
        "LongJoin": LONG_JOIN,
    }


def _yaml(forms: dict[str, str]) -> str:
    out = ["Resources:", "  Images:", "    Type: AWS::S3::Bucket"]
    for name, body in forms.items():
        out += [f"  {name}:", "    Type: AWS::StepFunctions::StateMachine", "    Properties:",
                body.replace("MARK", name)]
    return "\n".join(out) + "\n"


def _expected(text: str, marks: list[str], needle: str) -> dict[str, tuple[int, int]]:
    """(line, column) of the value of ManifestS3Uri (its opening quote, written ``needle``)
    for each state machine: the last one at or before the line of its mark."""
    out: dict[str, tuple[int, int]] = {}
    lines = text.split("\n")
    for mark in marks:
        n = next(i for i, line in enumerate(lines) if f"/{mark}.manifest" in line)
        end = lines[n].find(f"/{mark}.manifest")
        while lines[n].rfind(needle + "s3://", 0, end) < 0:
            n -= 1
            end = len(lines[n])
        out[mark] = (n + 1, lines[n].rfind(needle + "s3://", 0, end) + 1)
    return out


def _evidence(tmp_path: Path) -> dict[str, tuple[int, int]]:
    code, out, err = run_cli([".", "--format", "json"], tmp_path)
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert [f["rule"] for f in findings] == ["PL100"]
    return {r["message"].split()[2].rstrip(","): (r["line"], r["column"])
            for r in findings[0]["related"] if r["message"].startswith("Step Functions")}


def test_yaml_forms_land_on_the_state(tmp_path: Path) -> None:
    forms = _yaml_forms()
    text = _yaml(forms)
    (tmp_path / "template.yaml").write_text(text)
    assert _evidence(tmp_path) == _expected(text, list(forms), '"')


@pytest.mark.parametrize("indent", [None, 2])
def test_json_sub_and_join_land_on_the_state(tmp_path: Path, indent: int | None) -> None:
    head, tail = STATE.split("${Images}")
    pieces = [part + ", " for part in head.split(", ")]
    pieces[-1] = pieces[-1][:-2]
    resources = {
        "Images": {"Type": "AWS::S3::Bucket"},
        "JsonSub": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "DefinitionString": {"Fn::Sub": STATE.replace("MARK", "JsonSub")}}},
        "JsonJoin": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "DefinitionString": {"Fn::Join": ["", [
                *pieces, {"Ref": "Images"}, tail.replace("MARK", "JsonJoin")]]}}},
    }
    text = json.dumps({"Resources": resources}, indent=indent)
    (tmp_path / "template.json").write_text(text)
    got = _evidence(tmp_path)
    expected = _expected(text, ["JsonSub", "JsonJoin"], '\\"')
    assert got == expected
