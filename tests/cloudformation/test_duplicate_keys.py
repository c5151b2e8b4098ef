"""Issue 15 item 7: a duplicate mapping key in a template is a PL001 warning at the second key;
reading goes on with the last value, as CloudFormation does, and the rest is never dropped."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

YAML = '''AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-old
      BucketName: acme-images
      Tags:
        - {Key: "policylint:labeling-input", Value: "true"}
  Other:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-other
      Tags:
        - {Key: "policylint:labeling-input", Value: "true"}
'''
JSON = '''{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Images": {
      "Type": "AWS::S3::Bucket",
      "Properties": {
        "BucketName": "acme-old",
        "BucketName": "acme-images",
        "Tags": [{"Key": "policylint:labeling-input", "Value": "true"}]
      }
    },
    "Other": {
      "Type": "AWS::S3::Bucket",
      "Properties": {"BucketName": "acme-other",
        "Tags": [{"Key": "policylint:labeling-input", "Value": "true"}]}
    }
  }
}
'''


@pytest.mark.parametrize(("name", "text", "dup", "images", "other"), [
    ("template.yaml", YAML, (7, 7), (3, 3), (10, 3)),
    ("template.json", JSON, (8, 9), (4, 5), (12, 5)),
])
def test_duplicate_key_is_a_warning_and_the_last_value_wins(
        repo: Path, name: str, text: str, dup: tuple[int, int], images: tuple[int, int],
        other: tuple[int, int]) -> None:
    write_tree(repo, {name: text})
    code, out, _ = run_cli(["--format", "json"], repo)
    doc = json.loads(out)
    got = [(f["rule"], f["severity"], f["line"], f["column"], f["bucket"])
           for f in doc["findings"]]
    assert got == [("PL100", "error", *images, "acme-images"),
                   ("PL001", "warning", *dup, None),
                   ("PL100", "error", *other, "acme-other")]
    assert code == 1


def test_duplicate_resources_keep_the_last(repo: Path) -> None:
    write_tree(repo, {"t.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
                               '  B:\n    Type: AWS::S3::Bucket\n'
                               '  B:\n    Type: AWS::S3::Bucket\n    Properties:\n'
                               '      BucketName: acme-b\n'
                               '      Tags: [{Key: "policylint:labeling-input", Value: "1"}]\n'})
    code, out, _ = run_cli(["--format", "json"], repo)
    got = [(f["rule"], f["line"], f["column"]) for f in json.loads(out)["findings"]]
    assert got == [("PL001", 5, 3), ("PL100", 5, 3)]
