"""A CDK app scanned with its synthesized cdk.out: each bucket is reported once, at its source
construct (the template's aws:cdk:path names it), never as two buckets or two CORS
definitions."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

STACK = """import * as cdk from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

export class ReviewStack extends cdk.Stack {
  constructor(scope: cdk.App, id: string) {
    super(scope, id);
    const images = new s3.Bucket(this, 'ReviewImages', {CORS});
    cdk.Tags.of(images).add('policylint:labeling-input', 'true');
  }
}
"""


def _template(cors: bool) -> dict[str, object]:
    props: dict[str, object] = {"Tags": [{"Key": "policylint:labeling-input", "Value": "true"}]}
    if cors:
        props["CorsConfiguration"] = {"CorsRules": [
            {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}
    return {"Resources": {"ReviewImages1A2B3C4D": {
        "Type": "AWS::S3::Bucket", "Properties": props,
        "Metadata": {"aws:cdk:path": "ReviewStack/ReviewImages/Resource"}}}}


def _app(root: Path, cors: bool) -> None:
    (root / "lib").mkdir()
    rule = "{ cors: [{ allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['*'] }] }"
    (root / "lib" / "stack.ts").write_text(STACK.replace("{CORS}", rule if cors else "{}"))
    (root / "cdk.json").write_text('{"app": "npx ts-node bin/app.ts"}\n')
    (root / "cdk.out").mkdir()
    (root / "cdk.out" / "ReviewStack.template.json").write_text(
        json.dumps(_template(cors), indent=1))


def _keys(root: Path) -> list[tuple[str, str, int, int]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(out)["findings"]]


def test_one_finding_at_the_source(tmp_path: Path) -> None:
    _app(tmp_path, cors=False)
    assert _keys(tmp_path) == [("PL100", "lib/stack.ts", 7, 5)]


def test_source_and_synthesized_cors_are_not_two_definitions(tmp_path: Path) -> None:
    _app(tmp_path, cors=True)
    assert _keys(tmp_path) == []


def test_synthesized_alone_is_still_read(tmp_path: Path) -> None:
    _app(tmp_path, cors=False)
    (tmp_path / "lib" / "stack.ts").unlink()
    assert _keys(tmp_path) == [("PL100", "cdk.out/ReviewStack.template.json", 3, 3)]
