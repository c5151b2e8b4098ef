"""The positioned YAML loader: values, positions, intrinsics, and the bounds on bad input."""
from __future__ import annotations

import pytest

from policylint import yamlpos
from policylint.positioned import PDict, PList, Pos, plain

TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-images"
      Arn: !GetAtt Other.Arn.Deep
      Joined: !Join ['', [a, !Ref Env]]
      Script: |
        echo hi

  Flow: {Type: 'AWS::SNS::Topic', Properties: {N: [1, 2]}}
"""


def test_values_follow_yaml_1_1_except_timestamps() -> None:
    doc = yamlpos.load("a: yes\nb: 0x1f\nc: ~\nd: 1.5\ne: 2010-09-09\nf: '1'\n")
    assert doc == {"a": True, "b": 31, "c": None, "d": 1.5, "e": "2010-09-09", "f": "1"}


def test_intrinsics_become_long_forms() -> None:
    doc = yamlpos.load(TEMPLATE, intrinsics=True)
    props = doc["Resources"]["Images"]["Properties"]
    assert plain(props) == {
        "BucketName": {"Fn::Sub": "${AWS::StackName}-images"},
        "Arn": {"Fn::GetAtt": ["Other", "Arn.Deep"]},
        "Joined": {"Fn::Join": ["", ["a", {"Ref": "Env"}]]},
        "Script": "echo hi\n",
    }


def test_positions_of_keys_values_and_collections() -> None:
    doc = yamlpos.load(TEMPLATE, intrinsics=True)
    res = doc["Resources"]
    assert isinstance(res, PDict)
    assert res.key_pos("Images") == Pos(3, 3, 3, 9)
    # a block mapping ends at its last value, not at the next key
    assert res.value_pos("Images") == Pos(4, 5, 10, 16)
    assert res["Images"]["Properties"].value_pos("Script") == Pos(9, 15, 10, 16)
    assert res.value_pos("Flow") == Pos(12, 9, 12, 59)
    items = res["Flow"]["Properties"]["N"]
    assert isinstance(items, PList) and items.ipos == [Pos(12, 52, 12, 53), Pos(12, 55, 12, 56)]


def test_merge_keys_and_shared_aliases() -> None:
    doc = yamlpos.load("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n")
    assert doc["m"] == {"x": 1, "y": 3}
    assert doc["m"].key_pos("x") == Pos(1, 11, 1, 12)


@pytest.mark.parametrize(("text", "message", "line", "column"), [
    ("a: 1\nb: 2\na: 3\n", "duplicate key 'a' (first at line 1, again at line 3)", 3, 1),
    ("a: [\n", "did not find expected node content (while parsing a flow node)", 2, 1),
    ("a: !Ref x\n", "unsupported tag '!Ref'", 1, 4),
    ("- &a [*a]\n", "recursive alias *a (it refers to a node that contains it)", 1, 7),
    ("a: *nope\n", "undefined alias *nope", 1, 4),
    ("a\n---\nb\n", "expected a single document in the stream but found another document", 2, 1),
    ("a: \x07\n", "invalid character: control characters are not allowed", 1, 4),
    ("? [a]\n: 1\n", "a mapping key must be a plain value, not a mapping or a list", 1, 3),
])
def test_errors_have_positions(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(yamlpos.YAMLPosError) as info:
        yamlpos.load(text)
    assert (info.value.message, info.value.line, info.value.column) == (message, line, column)


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(yamlpos.YAMLPosError) as info:
        yamlpos.load("\n".join(lines) + "\n")
    assert info.value.message == "the document expands to more than 250000 nodes (YAML aliases)"
    assert info.value.line == 6


def test_nesting_is_bounded() -> None:
    with pytest.raises(yamlpos.YAMLPosError) as info:
        yamlpos.load("[" * 600 + "]" * 600)
    assert (info.value.message, info.value.line, info.value.column) == (
        "nesting deeper than 512 levels", 1, 513)


def test_empty_stream_is_none() -> None:
    assert yamlpos.load("") is None
    assert yamlpos.load("# only a comment\n") is None


@pytest.mark.parametrize("text, line, column", [
    ("a: [1,\n  b", 2, 4), ("a: {", 1, 5), ("Resources:\n  B: {Type: x", 2, 14)])
def test_error_at_the_end_of_a_stream_without_final_newline_points_inside_the_text(
        text: str, line: int, column: int) -> None:
    with pytest.raises(yamlpos.YAMLPosError) as info:
        yamlpos.load(text)
    assert (info.value.line, info.value.column) == (line, column)
