"""Facts of single templates: fix hints, suppression scopes, comments, CORS under conditions."""
from __future__ import annotations

from pathlib import Path

from policylint.model import Facts, Format, Location, Unknown
from policylint.readers import LocalContext, ReadOptions, Source, Unit
from policylint.readers.cloudformation import read
from policylint.readers.cloudformation.load import comments


def facts_of(text: str, tmp_path: Path, name: str = "t.yaml",
             options: ReadOptions | None = None) -> Facts:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ctx = LocalContext(root=str(tmp_path), options=options or ReadOptions())
    unit = Unit("cloudformation", name, (Source(name, str(path), text.encode(), "cloudformation"),))
    return read(unit, ctx)


BLOCK = """\
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-images
      CorsConfiguration:
        CorsRules:
          - AllowedMethods: [PUT]
            AllowedOrigins: ["*"]
  Bare:
    Type: AWS::S3::Bucket
"""


def test_block_style_locations(tmp_path: Path) -> None:
    facts = facts_of(BLOCK, tmp_path)
    images, bare = facts.buckets
    assert images.location == Location("t.yaml", 2, 3, 9, 34)
    assert bare.location.line == 10
    (config,) = facts.cors
    assert config.location == Location("t.yaml", 6, 7, 9, 34)
    assert config.format is Format.CLOUDFORMATION_YAML
    # the fixer finds its places in the text: the reader hands it no layout hints
    assert [b.fix_hints for b in facts.buckets] == [(), ()] and config.fix_hints == ()


def test_flow_style_and_json_formats(tmp_path: Path) -> None:
    flow = facts_of("Resources:\n  B: {Type: AWS::S3::Bucket, Properties: {CorsConfiguration: "
                    "{CorsRules: [{AllowedMethods: [GET], AllowedOrigins: ['*']}]}}}\n", tmp_path)
    assert flow.buckets[0].format is Format.CLOUDFORMATION_YAML
    assert flow.cors[0].location.line == 2 and flow.cors[0].fix_hints == ()
    js = facts_of('{"Resources": {"B": {"Type": "AWS::S3::Bucket",\n'
                  '  "Properties": {"BucketName": "x-y-z"}}}}\n', tmp_path, "t.json")
    assert js.buckets[0].format is Format.CLOUDFORMATION_JSON
    assert js.buckets[0].fix_hints == ()


def test_comment_suppressions_scope_the_resource_or_the_line(tmp_path: Path) -> None:
    text = """\
Resources:
  # policylint: disable=PL100 reason="above the resource"
  Images:
    Type: AWS::S3::Bucket  # policylint: disable=PL101 reason='in the resource'
Outputs:
  Name: {Value: x}  # policylint: disable=PL102 reason="on its own line"
"""
    sups = facts_of(text, tmp_path).suppressions
    assert [(s.rules, s.reason, s.location.line, s.scope.line, s.scope.end_line)
            for s in sups] == [
        (("PL100",), "above the resource", 2, 2, 4),
        (("PL101",), "in the resource", 4, 3, 4),
        (("PL102",), "on its own line", 6, 6, 6),
    ]


def test_metadata_suppressions_and_their_problems(tmp_path: Path) -> None:
    text = """\
Metadata:
  policylint:
    disable: {rule: PL100}
Resources:
  Images:
    Type: AWS::S3::Bucket
    Metadata:
      policylint:
        disable:
          - {rule: PL100, reason: ok, expires: 2030-01-01}
          - {reason: no rule}
          - {rule: PL101, reason: ok, owner: me}
"""
    sups = facts_of(text, tmp_path).suppressions
    assert [(s.rules, s.expires, s.location.line, s.scope.line, s.problem) for s in sups] == [
        ((), None, 3, 1, "Metadata policylint.disable must be a list of {rule, reason}"),
        (("PL100",), "2030-01-01", 10, 5, None),
        ((), None, 11, 5, "a Metadata suppression needs rule: (the code to disable)"),
        (("PL101",), None, 12, 5,
         "unknown field 'owner' in a Metadata suppression (expected rule, reason, expires)"),
    ]


def test_comments_are_found_outside_quotes_only() -> None:
    text = ("a: '# policylint: not a comment'\n"
            "b: \"x # policylint: neither\"  # policylint: labeling-input\n"
            "c: x#policylint: glued, not a comment\n")
    assert comments(text) == [(2, 31, "policylint: labeling-input")]


def test_declarations_by_tag_value(tmp_path: Path) -> None:
    text = """\
Resources:
  Disabled:
    Type: AWS::S3::Bucket
    Properties: {Tags: [{Key: team:labeling, Value: "false"}]}
  Enabled:
    Type: AWS::S3::Bucket
    Properties: {Tags: [{Key: team:labeling, Value: images}]}
"""
    facts = facts_of(text, tmp_path, options=ReadOptions(tag_key="team:labeling"))
    assert [len(b.declared) for b in facts.buckets] == [0, 1]
    strict = facts_of(text, tmp_path, options=ReadOptions(tag_key="team:labeling",
                                                          tag_value="yes"))
    assert [len(b.declared) for b in strict.buckets] == [0, 0]


def test_rule_under_condition_and_too_many_conditions(tmp_path: Path) -> None:
    conds = "".join(f"  C{i}: !Equals [!Ref P, '{i}']\n" for i in range(4))
    text = f"""\
Parameters: {{P: {{Type: String}}}}
Conditions:
{conds}Resources:
  One:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration:
        CorsRules:
          - !If [C0, {{AllowedMethods: [GET], AllowedOrigins: ['*']}}, !Ref AWS::NoValue]
  Many:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration:
        CorsRules: !If [C0, !If [C1, [], !If [C2, [], !If [C3, [], []]]], []]
"""
    facts = facts_of(text, tmp_path)
    one = [c for c in facts.cors if c.target and c.target.text == "One"]
    assert [(c.condition, len(c.rules), c.group) for c in one] == [  # type: ignore[arg-type]
        ("condition C0 is true", 1, "t.yaml#One:cors"),
        ("condition C0 is false", 0, "t.yaml#One:cors"),
    ]
    many = [c for c in facts.cors if c.target and c.target.text == "Many"]
    assert [c.rules for c in many] == [Unknown(
        "CorsConfiguration depends on 4 conditions (C0, C1, C2, C3); at most 3 are evaluated")]


def test_unparseable_definition_string_is_skipped_quietly(tmp_path: Path) -> None:
    text = """\
Resources:
  M:
    Type: AWS::StepFunctions::StateMachine
    Properties:
      DefinitionString: "{not json"
  N:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: ../outside.json
"""
    facts = facts_of(text, tmp_path)
    assert (facts.uses, facts.errors) == ([], [])


def test_not_a_mapping_is_a_parse_error(tmp_path: Path) -> None:
    facts = facts_of("- AWSTemplateFormatVersion\n", tmp_path)
    assert [(e.message, e.location.line) for e in facts.errors] == [
        ("not a CloudFormation template: the document is not a mapping", 1)]
    other = facts_of("- Type: AWS::S3::Bucket\n- Resources: []\n", tmp_path)
    assert (other.errors, other.buckets) == ([], [])
