"""The AWS SDK for JavaScript in Lambda code (issue 14 item 4): v2 methods and v3 commands for
putBucketCors, createLabelingJob, startHumanLoop and the A2I built-ins (analyzeDocument,
detectModerationLabels with a HumanLoopConfig), in CommonJS and ESM files; ``process.env.X``
and ``event.ResourceProperties.X`` bound by policylint.bind to the template that runs the code.
Every fixture is written here: a SAM template whose function (CodeUri src/, Handler
index.handler) sets INPUT_BUCKET to the bucket Images, and the function's code."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli

from policylint.discover import JAVASCRIPT, classify

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: js-images
  StartFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs20.x
      Environment:
        Variables:
          INPUT_BUCKET: !Ref Images
"""


def _tree(root: Path, name: str, code: str, template: str = TEMPLATE) -> Path:
    (root / "template.yaml").write_text(template)
    (root / "src").mkdir(exist_ok=True)
    (root / "src" / name).write_text(code)
    return root


def _scan(root: Path) -> dict[str, Any]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    result: dict[str, Any] = json.loads(out)
    return result


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in scan["findings"]]


def _related(scan: dict[str, Any], line: int) -> list[tuple[str, int, int, str]]:
    found = [f for f in scan["findings"] if f["line"] == line]
    return [(r["path"], r["line"], r["column"], r["message"]) for r in found[0]["related"]]


V2_CORS_CJS = """\
const AWS = require("aws-sdk");
const s3 = new AWS.S3();

exports.handler = async (event) => {
  const bucket = process.env.INPUT_BUCKET;
  await s3.putBucketCors({
    Bucket: bucket,
    CORSConfiguration: {
      CORSRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: ["*"] }],
    },
  }).promise();
  await new AWS.SageMaker().createLabelingJob({
    LabelingJobName: "v2-job",
    InputConfig: { DataSource: { S3DataSource: {
      ManifestS3Uri: "s3://" + bucket + "/in.manifest" } } },
  }).promise();
};
"""


def test_v2_commonjs_put_bucket_cors_without_get_is_pl101(tmp_path: Path) -> None:
    scan = _scan(_tree(tmp_path, "index.js", V2_CORS_CJS))
    assert _keys(scan) == [("PL101", "src/index.js", 6, 9)]
    related = _related(scan, 6)
    assert ("src/index.js", 15, 22,
            "JavaScript createLabelingJob v2-job: input manifest (defined)") in related
    assert ("template.yaml", 16, 11, "environment variable INPUT_BUCKET = js-images") in related


V3_ESM = """\
import { S3Client, PutBucketCorsCommand } from "@aws-sdk/client-s3";
import * as sm from "@aws-sdk/client-sagemaker";

const s3 = new S3Client({});
const client = new sm.SageMakerClient({});

export const handler = async () => {
  await s3.send(new PutBucketCorsCommand({
    Bucket: process.env["INPUT_BUCKET"],
    CORSConfiguration: { CORSRules: [{ AllowedMethods: ["PUT"], AllowedOrigins: ["*"] }] },
  }));
  await client.send(new sm.CreateLabelingJobCommand({
    LabelingJobName: "v3-job",
    InputConfig: { DataSource: { S3DataSource: {
      ManifestS3Uri: `s3://${process.env.INPUT_BUCKET}/in.manifest` } } },
  }));
};
"""


@pytest.mark.parametrize("name", ["index.mjs", "index.ts", "index.js"])
def test_v3_esm_commands_are_the_same_class(tmp_path: Path, name: str) -> None:
    scan = _scan(_tree(tmp_path, name, V3_ESM))
    assert _keys(scan) == [("PL101", f"src/{name}", 8, 17)]
    assert (f"src/{name}", 15, 22,
            "JavaScript CreateLabelingJobCommand v3-job: input manifest (defined)") \
        in _related(scan, 8)


LABELING_ONLY = {
    "v2": """\
const { SageMaker } = require("aws-sdk");
const params = {
  LabelingJobName: "only",
  InputConfig: { DataSource: { S3DataSource: {
    ManifestS3Uri: `s3://${process.env.INPUT_BUCKET}/in.manifest` } } },
};
exports.handler = () => new SageMaker().createLabelingJob(params).promise();
""",
    "v3": """\
const { CreateLabelingJobCommand } = require("@aws-sdk/client-sagemaker");
const params = {
  LabelingJobName: "only",
  InputConfig: { DataSource: { S3DataSource: {
    ManifestS3Uri: `s3://${process.env.INPUT_BUCKET}/in.manifest` } } },
};
exports.handler = (c) => c.send(new CreateLabelingJobCommand(params));
""",
}


@pytest.mark.parametrize("spelling", sorted(LABELING_ONLY))
def test_create_labeling_job_on_a_sam_bucket_is_pl100_at_the_bucket(
        tmp_path: Path, spelling: str) -> None:
    scan = _scan(_tree(tmp_path, "index.cjs", LABELING_ONLY[spelling]))
    assert _keys(scan) == [("PL100", "template.yaml", 4, 3)]
    api = "createLabelingJob" if spelling == "v2" else "CreateLabelingJobCommand"
    assert _related(scan, 4)[1] == ("src/index.cjs", 5, 20,
                                    f"JavaScript {api} only: input manifest (defined)")


HUMAN_LOOP = {
    "v2": """\
const AWS = require("aws-sdk");
const a2i = new AWS.AugmentedAIRuntime();
exports.handler = async () => a2i.startHumanLoop({
  HumanLoopName: "loop",
  FlowDefinitionArn: "arn:aws:sagemaker:us-east-1:111122223333:flow-definition/f",
  HumanLoopInput: {
    InputContent: JSON.stringify({ taskObject: `s3://${process.env.INPUT_BUCKET}/a.jpg` }),
  },
}).promise();
""",
    "v3": """\
import { StartHumanLoopCommand } from "@aws-sdk/client-sagemaker-a2i-runtime";
export const handler = async (client) => client.send(new StartHumanLoopCommand({
  HumanLoopName: "loop",
  FlowDefinitionArn: "arn:aws:sagemaker:us-east-1:111122223333:flow-definition/f",
  HumanLoopInput: {
    InputContent: JSON.stringify({ taskObject: `s3://${process.env.INPUT_BUCKET}/a.jpg` }),
  },
}));
""",
}


@pytest.mark.parametrize("spelling", sorted(HUMAN_LOOP))
def test_start_human_loop_json_stringify_input(tmp_path: Path, spelling: str) -> None:
    name = "index.js" if spelling == "v2" else "index.mjs"
    line = 7 if spelling == "v2" else 6
    scan = _scan(_tree(tmp_path, name, HUMAN_LOOP[spelling]))
    assert _keys(scan) == [("PL100", "template.yaml", 4, 3)]
    api = "startHumanLoop" if spelling == "v2" else "StartHumanLoopCommand"
    related = _related(scan, 4)[1]
    assert related[:3] == (f"src/{name}", line, 19)
    assert related[3].startswith(f"JavaScript {api}")


BUILTINS = {
    "analyzeDocument": """\
const AWS = require("aws-sdk");
exports.handler = () => new AWS.Textract().analyzeDocument({
  Document: { S3Object: { Bucket: process.env.INPUT_BUCKET, Name: "form.png" } },
  FeatureTypes: ["FORMS"],
  HumanLoopConfig: { HumanLoopName: "h", FlowDefinitionArn: "arn:aws:sagemaker:us-east-1:1:flow-definition/f" },
}).promise();
""",
    "DetectModerationLabelsCommand": """\
import { DetectModerationLabelsCommand } from "@aws-sdk/client-rekognition";
export const handler = (c) => c.send(new DetectModerationLabelsCommand({
  Image: { S3Object: { Bucket: process.env.INPUT_BUCKET, Name: "photo.jpg" } },
  HumanLoopConfig: { HumanLoopName: "h", FlowDefinitionArn: "arn:aws:sagemaker:us-east-1:1:flow-definition/f" },
}));
""",
}


@pytest.mark.parametrize("api", sorted(BUILTINS))
def test_a2i_builtins_make_the_s3_object_bucket_input(tmp_path: Path, api: str) -> None:
    name = "index.js" if api == "analyzeDocument" else "index.mjs"
    scan = _scan(_tree(tmp_path, name, BUILTINS[api]))
    assert _keys(scan) == [("PL100", "template.yaml", 4, 3)]
    related = _related(scan, 4)[1]
    # at the bucket written in the S3Object (Document: column 35, Image: column 32)
    assert related[:3] == (f"src/{name}", 3, 35 if api == "analyzeDocument" else 32)
    assert f"JavaScript {api}" in related[3]


def test_builtin_without_human_loop_config_is_no_evidence(tmp_path: Path) -> None:
    code = BUILTINS["analyzeDocument"].replace("  HumanLoopConfig:", "  NoLoop:")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.js").write_text(code + "// putBucketCors\n")  # read, not used
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    assert _keys(_scan(tmp_path)) == []


CUSTOM = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Review:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: js-review
  StartJobFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Code: src/
      Role: arn:aws:iam::111122223333:role/r
  StartJob:
    Type: Custom::StartJob
    Properties:
      ServiceToken: !GetAtt StartJobFunction.Arn
      InputBucket: !Ref Review
"""

CUSTOM_CODE = """\
const { SageMakerClient, CreateLabelingJobCommand } = require("@aws-sdk/client-sagemaker");
exports.handler = async (event) => {
  const bucket = event.ResourceProperties.InputBucket;
  await new SageMakerClient({}).send(new CreateLabelingJobCommand({
    LabelingJobName: "custom",
    InputConfig: { DataSource: { S3DataSource: { ManifestS3Uri: `s3://${bucket}/m.manifest` } } },
  }));
};
"""


def test_custom_resource_property_binds_to_the_template(tmp_path: Path) -> None:
    scan = _scan(_tree(tmp_path, "index.js", CUSTOM_CODE, CUSTOM))
    assert _keys(scan) == [("PL100", "template.yaml", 3, 3)]


def test_unbound_env_is_pl102_not_a_guess(tmp_path: Path) -> None:
    (tmp_path / "job.mjs").write_text(LABELING_ONLY["v2"].replace("INPUT_BUCKET", "NOT_SET"))
    assert _keys(_scan(tmp_path)) == [("PL102", "job.mjs", 5, 20)]


@pytest.mark.parametrize("text,kind", [
    (b"s3.putBucketCors({})", JAVASCRIPT),
    (b"new PutBucketCorsCommand({})", JAVASCRIPT),
    (b"sm.createLabelingJob(p)", JAVASCRIPT),
    (b"new StartHumanLoopCommand(p)", JAVASCRIPT),
    (b"textract.analyzeDocument({HumanLoopConfig: c})", JAVASCRIPT),
    (b"textract.analyzeDocument({})", None),
    (b"s3.getObject({})", None),
])
def test_prefilter_names_the_sdk_calls(text: bytes, kind: str | None) -> None:
    assert classify("index.js", text) == kind
    assert classify("types.d.ts", text) is None


def test_grammar_imported_only_for_sdk_files(tmp_path: Path) -> None:
    (tmp_path / "app.js").write_text("const s3 = new AWS.S3(); s3.getObject({});\n")
    code = ("import sys\nfrom policylint.cli import main\nrc = main(['.', '--no-cache', '-q'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('tree_sitter')))\n")
    run = [sys.executable, "-c", code]
    out = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    (tmp_path / "cors.js").write_text("s3.putBucketCors({Bucket: 'b'});\n")
    out = subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert "tree_sitter_javascript" in out.strip().splitlines()[-1]
