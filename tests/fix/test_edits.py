"""Edit builders on their own: layouts the end-to-end fixtures do not cover."""
from __future__ import annotations

import yaml

from policylint import snippets
from policylint.fix import cloudformation, cors_doc, jsonedit, source
from policylint.fix.apply import rule_present
from policylint.fix.plan import Target
from policylint.fix.source import Edit, SourceFile
from policylint.model import (
    Bucket,
    CorsConfig,
    CorsRule,
    CorsSource,
    Format,
    LinkedBucket,
    Location,
    Project,
    RuleNeed,
)
from policylint import jsonpos


def _src(text: str, path: str = "t") -> SourceFile:
    got = source.from_bytes(path, "/nonexistent/" + path, text.encode())
    assert not isinstance(got, str)
    return got


def _applied(src: SourceFile, edits: list[Edit] | str) -> str:
    assert not isinstance(edits, str), edits
    return source.apply(src, edits).decode()


DASH_ALONE = """Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      CorsConfiguration:
        CorsRules:
          -
            AllowedMethods:
              - GET
            AllowedOrigins:
              - "*"
"""


def test_yaml_rule_before_an_item_whose_dash_stands_alone() -> None:
    src = _src(DASH_ALONE)
    config = CorsConfig(None, (), Location("t", 5, 7, 11, 1), CorsSource.INLINE,
                        Format.CLOUDFORMATION_YAML)
    out = _applied(src, cloudformation.add_rule(src, config, snippets.GROUND_TRUTH, 0))
    assert out == DASH_ALONE.replace("        CorsRules:\n", """        CorsRules:
          - AllowedMethods:
              - GET
            AllowedOrigins:
              - "*"
            ExposedHeaders:
              - Access-Control-Allow-Origin
""")
    rules = yaml.safe_load(out)["Resources"]["B"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert [r["AllowedMethods"] for r in rules] == [["GET"], ["GET"]]
    assert rules[0]["ExposedHeaders"] == ["Access-Control-Allow-Origin"]


def test_xml_rule_keeps_the_namespace_prefix() -> None:
    text = ('<s3:CORSConfiguration xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/">\n'
            "  <s3:CORSRule>\n    <s3:AllowedMethod>PUT</s3:AllowedMethod>\n"
            "    <s3:AllowedOrigin>*</s3:AllowedOrigin>\n  </s3:CORSRule>\n"
            "</s3:CORSConfiguration>\n")
    src = _src(text)
    out = _applied(src, cors_doc.xml_edits(src, snippets.BASIC))
    assert out == text.replace("  </s3:CORSRule>\n", "  </s3:CORSRule>\n  <s3:CORSRule>\n"
                               "    <s3:AllowedMethod>GET</s3:AllowedMethod>\n"
                               "    <s3:AllowedOrigin>*</s3:AllowedOrigin>\n"
                               "  </s3:CORSRule>\n")


def test_json_key_into_an_empty_object() -> None:
    text = '{\n  "Properties": {}\n}\n'
    src = _src(text)
    doc = jsonpos.loads(src.text)
    out = _applied(src, [jsonedit.insert_key(src, doc["Properties"], "CorsConfiguration",
                                             {"CorsRules": []})])
    assert out == ('{\n  "Properties": {\n    "CorsConfiguration": {\n      "CorsRules": []\n'
                   '    }\n  }\n}\n')


def _project(rule: CorsRule) -> tuple[Project, Target]:
    bucket = Bucket("t#B", "B", "b", Location("t", 1, 1), Format.CLOUDFORMATION_YAML)
    lb = LinkedBucket("b", bucket, cors=[CorsConfig(None, (rule,), Location("t", 2, 1),
                                                    CorsSource.INLINE,
                                                    Format.CLOUDFORMATION_YAML)])
    return Project(buckets=[lb]), Target("k", "t", lb, need=RuleNeed.GET_EXPOSING_ORIGIN)


def test_rule_present_wants_every_part_of_the_added_rule() -> None:
    full = CorsRule(("GET",), ("*",), (), ("access-control-allow-origin",))
    project, target = _project(full)
    assert rule_present(project, target)
    project, target = _project(CorsRule(("GET",), ("*",)))
    assert not rule_present(project, target)
