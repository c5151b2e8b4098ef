"""What the fixer needs from the readers is typed fields on the model, not string hints."""
from __future__ import annotations

from pathlib import Path

from conftest import write_tree

from policylint.config import Config
from policylint.engine import RunOptions, run
from policylint.model import ModuleCall, Project
from policylint.plugins import builtin_rules


def _project(root: Path) -> Project:
    result = run(Config(), builtin_rules(), RunOptions(paths=["."], cwd=str(root),
                                                       use_cache=False, jobs=1))
    return result.project


def test_terraform_module_calls_are_typed(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf": """\
module "images" {
  source    = "terraform-aws-modules/s3-bucket/aws"
  bucket    = "acme-images"
  cors_rule = [{ allowed_methods = ["PUT"], allowed_origins = ["*"] }]
}

resource "aws_s3_bucket" "raw" {
  bucket = "acme-raw"
}

resource "aws_s3_bucket_cors_configuration" "raw" {
  bucket = aws_s3_bucket.raw.id
  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = ["*"]
  }
}
"""})
    p = _project(root)
    by_address = {lb.bucket.address: lb for lb in p.buckets if lb.bucket is not None}
    made = by_address["module.images.aws_s3_bucket.this[0]"]
    assert made.bucket is not None and made.bucket.module_call == ModuleCall("images", True)
    assert [c.module_call for c in made.cors] == [ModuleCall("images", True)]
    own = by_address["aws_s3_bucket.raw"]
    assert own.bucket is not None and own.bucket.module_call is None
    assert [c.module_call for c in own.cors] == [None]
    # no string hints left for Terraform: the old insert_at/module_dir/ref were never read
    assert {b.fix_hints for b in (made.bucket, own.bucket)} == {()}
    assert {c.fix_hints for c in made.cors + own.cors} == {()}


def test_custom_resource_rules_key_and_applied_document_are_typed(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "t.yaml": """\
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-images
  Cors:
    Type: Custom::PutBucketCors
    Properties:
      ServiceToken: arn:aws:lambda:us-east-1:123456789012:function:put-cors
      Bucket: !Ref Images
      CORSRules:
        - AllowedMethods: [PUT]
          AllowedOrigins: ["*"]
""", "cors.json": '{"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]}\n',
        "deploy.sh": "aws s3api put-bucket-cors --bucket acme-raw "
                     "--cors-configuration file://cors.json\n"})
    p = _project(root)
    custom = [c for lb in p.buckets for c in lb.cors if c.format.value == "cloudformation-yaml"]
    assert [c.rules_key for c in custom] == ["CORSRules"]
    applied = [c for lb in p.buckets for c in lb.cors if c.document is not None]
    assert [str(c.applied_at) for c in applied] == ["deploy.sh:1:1"]
