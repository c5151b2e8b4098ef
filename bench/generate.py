"""A deterministic synthetic monorepo for the benchmark.

``generate(dest, scale)`` writes, for ``scale`` = 1: 40 Terraform modules (3-6 files each, with
labeling buckets with and without CORS, inline and separate CORS resources, Ground Truth jobs,
Step Functions definitions, variables-only and outputs-only files), 24 CloudFormation templates
(YAML and JSON), 16 CORS documents (JSON and XML), 12 Ground Truth manifests, 12 request files,
6 ASL definitions and 6 worker templates. The same seed and scale always give the same bytes, so
runs on different days compare.

Also: ``big_terraform(path, megabytes)`` and ``big_manifest(path, bytes)`` for the memory checks.
"""
from __future__ import annotations

import json
import os
import random
import sys

TASKS = ("BoundingBox", "ImageMultiClass", "SemanticSegmentation", "NamedEntityRecognition",
         "TextMultiClass", "VideoObjectTracking", "3DPointCloudObjectDetection")
REGION = "us-east-1"
GOOD_CORS_HCL = """  cors_rule {
    allowed_headers = []
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
    expose_headers  = ["Access-Control-Allow-Origin"]
  }
"""


def _w(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# --- Terraform -------------------------------------------------------------------------------

def _tf_bucket(name: str, bucket: str, cors: str, rnd: random.Random) -> str:
    """A bucket with no CORS, an inline cors_rule, or a separate cors configuration."""
    tags = ""
    if rnd.random() < 0.3:
        tags = '  tags = {\n    Team = "vision"\n    "policylint:labeling-input" = "true"\n  }\n'
    out = f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "{bucket}"\n{tags}'
    if cors == "inline":
        out += GOOD_CORS_HCL
    out += "}\n\n"
    out += (f'resource "aws_s3_bucket_versioning" "{name}" {{\n'
            f'  bucket = aws_s3_bucket.{name}.id\n'
            '  versioning_configuration {\n    status = "Enabled"\n  }\n}\n\n')
    out += (f'resource "aws_s3_bucket_public_access_block" "{name}" {{\n'
            f'  bucket                  = aws_s3_bucket.{name}.id\n'
            '  block_public_acls       = true\n  block_public_policy     = true\n'
            '  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\n')
    if cors == "resource":
        out += (f'resource "aws_s3_bucket_cors_configuration" "{name}" {{\n'
                f'  bucket = aws_s3_bucket.{name}.id\n\n  cors_rule {{\n'
                '    allowed_headers = ["*"]\n    allowed_methods = ["GET", "HEAD", "PUT"]\n'
                '    allowed_origins = ["*"]\n    expose_headers  = ["Access-Control-Allow-Origin"]\n'
                '    max_age_seconds = 3000\n  }\n}\n\n')
    return out


def _tf_labeling_job(i: int, bucket_ref: str, task: str) -> str:
    return f'''resource "aws_sagemaker_labeling_job" "job_{i}" {{
  labeling_job_name = "job-{i}-${{var.environment}}"
  label_attribute_name = "label"
  role_arn = aws_iam_role.labeling.arn

  input_config {{
    data_source {{
      s3_data_source {{
        manifest_s3_uri = "s3://${{{bucket_ref}.bucket}}/manifests/input-{i}.manifest"
      }}
    }}
  }}

  output_config {{
    s3_output_path = "s3://${{aws_s3_bucket.output.bucket}}/output/"
  }}

  human_task_config {{
    number_of_human_workers_per_data_object = 1
    task_time_limit_in_seconds = 300
    task_title = "Label images {i}"
    task_description = "Draw boxes around objects"
    workteam_arn = var.workteam_arn
    pre_human_task_lambda_arn = "arn:aws:lambda:{REGION}:432418664414:function:PRE-{task}"
    annotation_consolidation_config {{
      annotation_consolidation_lambda_arn = "arn:aws:lambda:{REGION}:432418664414:function:ACS-{task}"
    }}
    ui_config {{
      ui_template_s3_uri = "s3://${{aws_s3_bucket.output.bucket}}/templates/ui.liquid"
    }}
  }}
}}

'''


def _tf_sfn(i: int, bucket_ref: str, task: str) -> str:
    return f'''resource "aws_sfn_state_machine" "labeling_{i}" {{
  name     = "labeling-{i}"
  role_arn = aws_iam_role.labeling.arn
  definition = jsonencode({{
    StartAt = "Label"
    States = {{
      Label = {{
        Type     = "Task"
        Resource = "arn:aws:states:::sagemaker:createLabelingJob.sync"
        Parameters = {{
          LabelingJobName    = "sfn-{i}"
          LabelAttributeName = "label"
          RoleArn            = aws_iam_role.labeling.arn
          InputConfig = {{
            DataSource = {{
              S3DataSource = {{
                ManifestS3Uri = "s3://${{{bucket_ref}.bucket}}/input.manifest"
              }}
            }}
          }}
          OutputConfig = {{ S3OutputPath = "s3://${{aws_s3_bucket.output.bucket}}/out/" }}
          HumanTaskConfig = {{
            PreHumanTaskLambdaArn = "arn:aws:lambda:{REGION}:432418664414:function:PRE-{task}"
          }}
        }}
        End = true
      }}
    }}
  }})
}}

'''


def _tf_common(i: int) -> str:
    """The output bucket and role of module ``i``. Bucket names are unique per module, as S3
    names are in real repositories (one shared name in every module would make the benchmark
    measure a name clash: every use binds to every same-named bucket)."""
    return f'''resource "aws_s3_bucket" "output" {{
  bucket = "${{var.prefix}}-{i}-labeling-output"
}}

data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com", "states.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "labeling" {{
  name               = "${{var.prefix}}-{i}-labeling"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

'''


def _tf_variables(n: int, rnd: random.Random) -> str:
    out = ('variable "prefix" {\n  type    = string\n  default = "acme"\n}\n\n'
           'variable "environment" {\n  type    = string\n  default = "dev"\n}\n\n'
           'variable "workteam_arn" {\n  type = string\n}\n\n')
    for j in range(n):
        out += (f'variable "setting_{j}" {{\n  description = "Tunable {j} for the pipeline"\n'
                f'  type        = number\n  default     = {rnd.randint(1, 1000)}\n}}\n\n')
    return out


def _tf_outputs(names: list[str]) -> str:
    return "".join(f'output "{n}_arn" {{\n  value = aws_s3_bucket.{n}.arn\n}}\n\n' for n in names)


def _tf_unrelated(i: int, rnd: random.Random) -> str:
    """Resources that hold no bucket, CORS or labeling reference (the prefilter's food)."""
    out = ""
    for j in range(rnd.randint(4, 10)):
        out += (f'resource "aws_lambda_function" "fn_{i}_{j}" {{\n'
                f'  function_name = "fn-{i}-{j}"\n  runtime       = "python3.12"\n'
                '  handler       = "app.handler"\n  role          = aws_iam_role.labeling.arn\n'
                '  filename      = "build/app.zip"\n  memory_size   = 256\n  timeout       = 30\n'
                '  environment {\n    variables = {\n      STAGE = var.environment\n'
                f'      INDEX = "{j}"\n    }}\n  }}\n}}\n\n'
                f'resource "aws_cloudwatch_log_group" "fn_{i}_{j}" {{\n'
                f'  name              = "/aws/lambda/fn-{i}-{j}"\n  retention_in_days = 14\n}}\n\n')
    return out


def terraform_module(folder: str, i: int, rnd: random.Random) -> None:
    names: list[str] = []
    main = _tf_common(i)
    for j in range(rnd.randint(1, 3)):
        name = f"images_{j}"
        cors = rnd.choice(("none", "inline", "resource", "resource"))
        main += _tf_bucket(name, f"acme-{i}-images-{j}", cors, rnd)
        names.append(name)
    _w(os.path.join(folder, "main.tf"), main)
    _w(os.path.join(folder, "variables.tf"), _tf_variables(rnd.randint(3, 12), rnd))
    _w(os.path.join(folder, "outputs.tf"), _tf_outputs(names))
    task = rnd.choice(TASKS)
    labeling = ""
    if rnd.random() < 0.6:
        labeling += _tf_labeling_job(i, f"aws_s3_bucket.{names[0]}", task)
    if rnd.random() < 0.4:
        labeling += _tf_sfn(i, f"aws_s3_bucket.{names[-1]}", task)
    if labeling:
        _w(os.path.join(folder, "labeling.tf"), labeling)
    _w(os.path.join(folder, "lambda.tf"), _tf_unrelated(i, rnd))
    if rnd.random() < 0.3:
        _w(os.path.join(folder, "versions.tf"),
           'terraform {\n  required_version = ">= 1.5"\n  required_providers {\n'
           '    aws = {\n      source  = "hashicorp/aws"\n      version = "~> 5.0"\n    }\n  }\n}\n')


# --- CloudFormation ------------------------------------------------------------------------

def _cfn_template(i: int, rnd: random.Random) -> dict[str, object]:
    resources: dict[str, object] = {}
    with_cors = rnd.random() < 0.5
    bucket_props: dict[str, object] = {"BucketName": f"acme-cfn-{i}-input"}
    if with_cors:
        bucket_props["CorsConfiguration"] = {"CorsRules": [{
            "AllowedHeaders": [], "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
            "ExposedHeaders": ["Access-Control-Allow-Origin"]}]}
    resources["InputBucket"] = {"Type": "AWS::S3::Bucket", "Properties": bucket_props}
    resources["OutputBucket"] = {"Type": "AWS::S3::Bucket",
                                 "Properties": {"BucketName": f"acme-cfn-{i}-output"}}
    task = rnd.choice(TASKS)
    definition = {
        "StartAt": "Label",
        "States": {"Label": {
            "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createLabelingJob.sync",
            "Parameters": {
                "LabelingJobName": f"cfn-{i}", "LabelAttributeName": "label",
                "InputConfig": {"DataSource": {"S3DataSource": {
                    "ManifestS3Uri": f"s3://acme-cfn-{i}-input/in.manifest"}}},
                "OutputConfig": {"S3OutputPath": f"s3://acme-cfn-{i}-output/out/"},
                "HumanTaskConfig": {"PreHumanTaskLambdaArn":
                                    f"arn:aws:lambda:{REGION}:432418664414:function:PRE-{task}"}},
            "End": True}}}
    resources["LabelingStateMachine"] = {
        "Type": "AWS::StepFunctions::StateMachine",
        "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                       "DefinitionString": json.dumps(definition, indent=2)}}
    resources["Role"] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": ["states.amazonaws.com"]},
            "Action": "sts:AssumeRole"}]}}}
    for j in range(rnd.randint(4, 12)):
        resources[f"Queue{j}"] = {"Type": "AWS::SQS::Queue",
                                  "Properties": {"VisibilityTimeout": 30 + j,
                                                 "QueueName": {"Fn::Sub": f"${{AWS::StackName}}-q{j}"}}}
        resources[f"Topic{j}"] = {"Type": "AWS::SNS::Topic",
                                  "Properties": {"TopicName": {"Fn::Sub": f"${{AWS::StackName}}-t{j}"}}}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"Labeling pipeline {i}",
            "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
            "Resources": resources,
            "Outputs": {"InputBucketName": {"Value": {"Ref": "InputBucket"}}}}


def _yaml(obj: object, indent: int = 0) -> str:
    """A small YAML emitter (block style) so the generator needs no PyYAML, with short-form
    intrinsics where CloudFormation authors use them."""
    pad = "  " * indent
    if isinstance(obj, dict):
        if len(obj) == 1:
            (k, v), = obj.items()
            if k == "Ref":
                return f"!Ref {v}"
            if k == "Fn::Sub" and isinstance(v, str):
                return f"!Sub {json.dumps(v)}"
            if k == "Fn::GetAtt" and isinstance(v, list):
                return f"!GetAtt {'.'.join(v)}"
        lines = []
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v and not _is_short(v):
                lines.append(f"{pad}{k}:\n{_yaml(v, indent + 1)}")
            else:
                lines.append(f"{pad}{k}: {_scalar(v, indent)}")
        return "\n".join(lines)
    if isinstance(obj, list):
        lines = []
        for v in obj:
            if isinstance(v, (dict, list)) and v and not _is_short(v):
                body = _yaml(v, indent + 1).lstrip()
                lines.append(f"{pad}- {body}")
            else:
                lines.append(f"{pad}- {_scalar(v, indent)}")
        return "\n".join(lines)
    return pad + _scalar(obj, indent)


def _is_short(v: object) -> bool:
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("Ref", "Fn::Sub", "Fn::GetAtt")


def _scalar(v: object, indent: int) -> str:
    if isinstance(v, (dict, list)):
        return _yaml(v, indent) if v else ("{}" if isinstance(v, dict) else "[]")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    if "\n" in s:
        body = "\n".join("  " * (indent + 1) + line for line in s.splitlines())
        return "|\n" + body
    return json.dumps(s)


def cloudformation(path: str, i: int, rnd: random.Random, as_json: bool) -> None:
    t = _cfn_template(i, rnd)
    _w(path, json.dumps(t, indent=2) + "\n" if as_json else _yaml(t) + "\n")


# --- labeling files --------------------------------------------------------------------------

def cors_document(path: str, i: int) -> None:
    if path.endswith(".xml"):
        _w(path, '<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n'
                 f'  <CORSRule>\n    <ID>rule-{i}</ID>\n    <AllowedOrigin>*</AllowedOrigin>\n'
                 '    <AllowedMethod>GET</AllowedMethod>\n    <MaxAgeSeconds>3000</MaxAgeSeconds>\n'
                 '  </CORSRule>\n</CORSConfiguration>\n')
        return
    rules = [{"AllowedHeaders": [], "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
              "ExposeHeaders": ["Access-Control-Allow-Origin"]}]
    _w(path, json.dumps({"CORSRules": rules}, indent=2) + "\n")


def manifest(path: str, i: int, lines: int) -> None:
    rows = [json.dumps({"source-ref": f"s3://acme-{i % 7}-images-0/img/{k:06d}.jpg",
                        "metadata": {"camera": k % 4}}) for k in range(lines)]
    _w(path, "\n".join(rows) + "\n")


def request(path: str, i: int, rnd: random.Random) -> None:
    task = rnd.choice(TASKS)
    body = {"LabelingJobName": f"req-{i}", "LabelAttributeName": "label",
            "InputConfig": {"DataSource": {"S3DataSource": {
                "ManifestS3Uri": f"s3://acme-{i % 5}-images-0/manifests/{i}.manifest"}}},
            "OutputConfig": {"S3OutputPath": f"s3://acme-{i % 5}-labeling-output/out/"},
            "RoleArn": "arn:aws:iam::123456789012:role/labeling",
            "HumanTaskConfig": {
                "WorkteamArn": "arn:aws:sagemaker:us-east-1:123456789012:workteam/private-crowd/x",
                "UiConfig": {"UiTemplateS3Uri": f"s3://acme-{i % 5}-labeling-output/ui.liquid"},
                "PreHumanTaskLambdaArn": f"arn:aws:lambda:{REGION}:432418664414:function:PRE-{task}",
                "TaskTitle": "Label", "TaskDescription": "Label the objects",
                "NumberOfHumanWorkersPerDataObject": 1, "TaskTimeLimitInSeconds": 300,
                "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn":
                    f"arn:aws:lambda:{REGION}:432418664414:function:ACS-{task}"}}}
    _w(path, json.dumps(body, indent=2) + "\n")


def asl(path: str, i: int) -> None:
    d = {"Comment": f"labeling {i}", "StartAt": "Label", "States": {"Label": {
        "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createLabelingJob.sync",
        "Parameters": {"LabelingJobName.$": "$.name", "LabelAttributeName": "label",
                       "InputConfig": {"DataSource": {"S3DataSource": {
                           "ManifestS3Uri": f"s3://acme-asl-{i}/in.manifest"}}},
                       "OutputConfig": {"S3OutputPath": f"s3://acme-asl-{i}-out/"}},
        "End": True}}}
    _w(path, json.dumps(d, indent=2) + "\n")


def worker_template(path: str, i: int) -> None:
    _w(path, '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'
             '<crowd-form>\n  <crowd-bounding-box name="box"\n'
             f'    src="{{{{ task.input.taskObject | grant_read_access }}}}"\n'
             f'    header="Draw a box ({i})"\n    labels="[\'car\', \'person\']">\n'
             f'    <full-instructions><img src="https://acme-tpl-{i}.s3.amazonaws.com/example.jpg">'
             '</full-instructions>\n  </crowd-bounding-box>\n</crowd-form>\n')


# --- the monorepo ----------------------------------------------------------------------------

COUNTS = {"terraform": 40, "cloudformation": 24, "cors": 16, "manifest": 12, "request": 12,
          "asl": 6, "template": 6}


def generate(dest: str, scale: int = 1, seed: int = 8) -> dict[str, int]:
    """Write the monorepo under ``dest``; returns how many units of each kind it holds."""
    rnd = random.Random(seed)
    counts = {k: v * scale for k, v in COUNTS.items()}
    for i in range(counts["terraform"]):
        team = f"team{i % 8}"
        terraform_module(os.path.join(dest, "infra", team, f"module{i:04d}"), i, rnd)
    for i in range(counts["cloudformation"]):
        ext = "json" if i % 3 == 0 else "yaml"
        cloudformation(os.path.join(dest, "stacks", f"stack{i:04d}.{ext}"), i, rnd, ext == "json")
    for i in range(counts["cors"]):
        ext = "xml" if i % 4 == 0 else "json"
        cors_document(os.path.join(dest, "cors", f"cors{i:04d}.{ext}"), i)
    for i in range(counts["manifest"]):
        manifest(os.path.join(dest, "data", f"batch{i:04d}.manifest"), i, 200)
    for i in range(counts["request"]):
        request(os.path.join(dest, "jobs", f"job{i:04d}.json"), i, rnd)
    for i in range(counts["asl"]):
        asl(os.path.join(dest, "workflows", f"flow{i:04d}.asl.json"), i)
    for i in range(counts["template"]):
        worker_template(os.path.join(dest, "ui", f"task{i:04d}.liquid"), i)
    _w(os.path.join(dest, "README.md"), "Synthetic monorepo for the policylint benchmark.\n")
    return counts


def big_terraform(path: str, megabytes: int) -> None:
    """One Terraform file of about ``megabytes`` MB (buckets, CORS, jobs and noise)."""
    rnd = random.Random(20)
    target = megabytes * 1024 * 1024
    os.makedirs(os.path.dirname(path), exist_ok=True)
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(_tf_common(0))
        i = 0
        while written < target:
            chunk = _tf_bucket(f"b{i}", f"acme-big-{i}", rnd.choice(("none", "inline")), rnd)
            chunk += _tf_unrelated(i, rnd)
            fh.write(chunk)
            written += len(chunk)
            i += 1


def big_manifest(path: str, size: int) -> None:
    """A Ground Truth manifest of ``size`` bytes, written in blocks (never held in memory)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    line = json.dumps({"source-ref": "s3://acme-huge-images/img/000000000.jpg",
                       "class": 1}) + "\n"
    block = line * 16384
    written = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        while written < size:
            fh.write(block)
            written += len(block)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "bench-monorepo"
    factor = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print(generate(out, factor))
