"""Issue 14 item 3: CDK bindings beyond a function's environment, in Python and TypeScript
apps. (a) an ``ssm.StringParameter`` whose value is ``bucket.bucketName`` binds
``get_parameter(Name=...)`` in any scanned code, as an AWS::SSM::Parameter does."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

_HANDLER = '''import boto3

ssm = boto3.client("ssm")
sm = boto3.client("sagemaker")


def handler(event, context):
    bucket = ssm.get_parameter(Name="{name}")["Parameter"]["Value"]
    sm.create_labeling_job(
        LabelingJobName="job",
        LabelAttributeName="label",
        InputConfig={{"DataSource": {{"S3DataSource": {{
            "ManifestS3Uri": f"s3://{{bucket}}/input.manifest"}}}}}},
        OutputConfig={{"S3OutputPath": "s3://acme-gt-output/"}},
        RoleArn="arn:aws:iam::111122223333:role/gt",
        HumanTaskConfig={{}},
    )
'''

_PY_SSM = '''from aws_cdk import Stack
from aws_cdk import aws_s3 as s3
import aws_cdk.aws_ssm as ssm


class LabelStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        images = s3.Bucket(self, "Images")
        other = s3.Bucket(self, "Other", bucket_name="acme-other")
        ssm.StringParameter(
            self, "InputParam",
            parameter_name="/gt/input-bucket",
            string_value=images.bucket_name,
        )
        ssm.StringParameter(self, "OtherParam", parameter_name="/gt/other",
                            string_value=other.bucket_name)
'''

_TS_SSM = '''import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';

export class LabelStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const images = new s3.Bucket(this, 'Images');
    const other = new s3.Bucket(this, 'Other', { bucketName: 'acme-other' });
    new StringParameter(this, 'InputParam', {
      parameterName: '/gt/input-bucket',
      stringValue: images.bucketName,
    });
    const name = '/gt/other';
    new StringParameter(this, 'OtherParam', { parameterName: name, stringValue: other.bucketName });
  }
}
'''


def _app(root: Path, stack: str, text: str, name: str) -> Path:
    (root / "cdk.json").write_text('{"app": "true"}\n')
    (root / stack).parent.mkdir(parents=True, exist_ok=True)
    (root / stack).write_text(text)
    (root / "fn").mkdir()
    (root / "fn" / "index.py").write_text(_HANDLER.format(name=name))
    return root


def _findings(root: Path) -> list[tuple[str, str, int, int, str]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    return [(f["rule"], f["path"], f["line"], f["column"], f["subject"])
            for f in json.loads(out)["findings"]]


def test_python_string_parameter_binds_get_parameter(tmp_path: Path) -> None:
    root = _app(tmp_path, "stacks/label_stack.py", _PY_SSM, "/gt/input-bucket")
    assert _findings(root) == [("PL100", "stacks/label_stack.py", 9, 9, "LabelStack/Images")]


def test_python_string_parameter_other_name(tmp_path: Path) -> None:
    root = _app(tmp_path, "stacks/label_stack.py", _PY_SSM, "/gt/other")
    assert _findings(root) == [("PL100", "stacks/label_stack.py", 10, 9, "LabelStack/Other")]


def test_typescript_string_parameter_binds_get_parameter(tmp_path: Path) -> None:
    root = _app(tmp_path, "lib/label-stack.ts", _TS_SSM, "/gt/input-bucket")
    assert _findings(root) == [("PL100", "lib/label-stack.ts", 8, 5, "LabelStack/Images")]


def test_typescript_string_parameter_const_name(tmp_path: Path) -> None:
    root = _app(tmp_path, "lib/label-stack.ts", _TS_SSM, "/gt/other")
    assert _findings(root) == [("PL100", "lib/label-stack.ts", 9, 5, "LabelStack/Other")]


def test_unknown_parameter_stays_unverified(tmp_path: Path) -> None:
    root = _app(tmp_path, "lib/label-stack.ts", _TS_SSM, "/gt/missing")
    assert _findings(root) == [
        ("PL102", "fn/index.py", 13, 30, "s3://{/gt/missing}/input.manifest")]


# (b) bucket.addEventNotification(..., s3n.LambdaDestination(fn)): the S3 event's bucket in
# fn's code is that bucket.

_EVENT_HANDLER = '''import boto3

sm = boto3.client("sagemaker")


def handler(event, context):
    bucket = event["Records"][0]["s3"]["bucket"]["name"]
    sm.create_labeling_job(
        LabelingJobName="job",
        LabelAttributeName="label",
        InputConfig={"DataSource": {"S3DataSource": {
            "ManifestS3Uri": f"s3://{bucket}/input.manifest"}}},
        OutputConfig={"S3OutputPath": "s3://acme-gt-output/"},
        RoleArn="arn:aws:iam::111122223333:role/gt",
        HumanTaskConfig={},
    )
'''

_PY_EVENT = '''from aws_cdk import Stack
from aws_cdk import aws_lambda as _lambda
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n


class EventStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        self.uploads = s3.Bucket(self, "Uploads", bucket_name="acme-uploads")
        quiet = s3.Bucket(self, "Quiet")
        self.fn = _lambda.Function(
            self, "OnUpload",
            runtime=_lambda.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=_lambda.Code.from_asset("fn"),
        )
        self.uploads.add_event_notification(
            s3.EventType.OBJECT_CREATED, s3n.LambdaDestination(self.fn))
'''

_TS_EVENT = '''import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import * as path from 'path';

export class EventStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const quiet = new s3.Bucket(this, 'Quiet', { bucketName: 'acme-quiet' });
    const uploads = new s3.Bucket(this, 'Uploads');
    const fn = new lambda.Function(this, 'OnUpload', {
      runtime: lambda.Runtime.PYTHON_3_12,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(path.join(__dirname, '..', 'fn')),
    });
    uploads.addEventNotification(s3.EventType.OBJECT_CREATED, new LambdaDestination(fn));
  }
}
'''


def _event_app(root: Path, stack: str, text: str) -> Path:
    (root / "cdk.json").write_text('{"app": "true"}\n')
    (root / stack).parent.mkdir(parents=True, exist_ok=True)
    (root / stack).write_text(text)
    (root / "fn").mkdir()
    (root / "fn" / "index.py").write_text(_EVENT_HANDLER)
    return root


def test_python_event_notification_binds_the_event_bucket(tmp_path: Path) -> None:
    root = _event_app(tmp_path, "stacks/event_stack.py", _PY_EVENT)
    assert _findings(root) == [("PL100", "stacks/event_stack.py", 10, 9, "EventStack/Uploads")]


def test_typescript_event_notification_binds_the_event_bucket(tmp_path: Path) -> None:
    root = _event_app(tmp_path, "lib/event-stack.ts", _TS_EVENT)
    assert _findings(root) == [("PL100", "lib/event-stack.ts", 11, 5, "EventStack/Uploads")]


def test_without_notification_the_event_bucket_stays_unverified(tmp_path: Path) -> None:
    root = _event_app(tmp_path, "lib/event-stack.ts", _TS_EVENT.replace(
        "uploads.addEventNotification", "quiet.addObjectCreatedNotification"))
    assert _findings(root) == [
        ("PL102", "fn/index.py", 12, 30, "s3://{name}/input.manifest")]


def test_typescript_notification_on_a_named_bucket(tmp_path: Path) -> None:
    root = _event_app(tmp_path, "lib/event-stack.ts", _TS_EVENT.replace(
        "uploads.addEventNotification", "quiet.addEventNotification"))
    assert _findings(root) == [("PL100", "lib/event-stack.ts", 10, 5, "EventStack/Quiet")]


# (c) sagemaker.CfnFlowDefinition: its outputConfig.s3OutputPath is A2I output (inventory
# evidence, as AWS::SageMaker::FlowDefinition gives; output needs no CORS, so no finding).

_PY_FLOW = '''from aws_cdk import Stack
from aws_cdk import aws_sagemaker as sagemaker


class FlowStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        sagemaker.CfnFlowDefinition(
            self, "Review",
            role_arn="arn:aws:iam::111122223333:role/a2i",
            human_loop_config=sagemaker.CfnFlowDefinition.HumanLoopConfigProperty(
                human_task_ui_arn="arn:aws:sagemaker:us-east-1:111122223333:human-task-ui/x",
                task_count=1, task_description="d", task_title="t",
                workteam_arn="arn:aws:sagemaker:us-east-1:111122223333:workteam/private-crowd/t"),
            output_config=sagemaker.CfnFlowDefinition.OutputConfigProperty(
                s3_output_path="s3://acme-a2i-out/reviews/"),
        )
'''

_TS_FLOW = '''import { Stack } from 'aws-cdk-lib';
import { CfnFlowDefinition } from 'aws-cdk-lib/aws-sagemaker';

const OUT = 's3://acme-a2i-out/reviews/';

export class FlowStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    new CfnFlowDefinition(this, 'Review', {
      roleArn: 'arn:aws:iam::111122223333:role/a2i',
      humanLoopConfig: { humanTaskUiArn: 'arn:x', taskCount: 1, taskDescription: 'd',
        taskTitle: 't', workteamArn: 'arn:y' },
      outputConfig: { s3OutputPath: OUT },
    });
  }
}
'''


def _inventory(root: Path) -> list[tuple[str, str, str, str, int, int, str]]:
    code, out, err = run_cli([".", "--show-inventory", "--format", "json", "--no-cache"], root)
    assert code == 0, err
    return [(b["name"], u["service"], u["role"], u["path"], u["line"], u["column"],
             u["confidence"]) for b in json.loads(out)["buckets"] for u in b["labeling"]]


def test_python_flow_definition_output_is_a2i_output(tmp_path: Path) -> None:
    (tmp_path / "flow_stack.py").write_text(_PY_FLOW)
    code, out, _err = run_cli([".", "--format", "json", "--no-cache"], tmp_path)
    assert code == 0 and json.loads(out)["findings"] == []
    assert _inventory(tmp_path) == [
        ("acme-a2i-out", "a2i", "output", "flow_stack.py", 16, 32, "defined")]


def test_typescript_flow_definition_output_is_a2i_output(tmp_path: Path) -> None:
    (tmp_path / "flow-stack.ts").write_text(_TS_FLOW)
    code, out, _err = run_cli([".", "--format", "json", "--no-cache"], tmp_path)
    assert code == 0 and json.loads(out)["findings"] == []
    assert _inventory(tmp_path) == [
        ("acme-a2i-out", "a2i", "output", "flow-stack.ts", 13, 37, "defined")]


# (d) inferred inputs through a role with a labeling signal: the execution role of a flow
# definition, a Ground Truth / A2I managed policy, or labeling actions; granted read on a bucket
# (grantRead or a policy statement). Outputs of its flow definitions are not inputs; a role
# that only trusts sagemaker.amazonaws.com is no evidence.

_PY_ROLES = '''from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker


class RoleStack(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        images = s3.Bucket(self, "Images")
        notebooks = s3.Bucket(self, "Notebooks")
        docs = s3.Bucket(self, "Docs")
        out = s3.Bucket(self, "Out", bucket_name="acme-a2i-out")
        clips = s3.Bucket(self, "Clips")
        gt = iam.Role(
            self, "GtRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(
                "AmazonSageMakerGroundTruthExecution")],
        )
        images.grant_read(gt)
        nb = iam.Role(self, "NotebookRole",
                      assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        notebooks.grant_read(nb)
        a2i = iam.Role(self, "A2iRole", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
        a2i.add_to_policy(iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[docs.arn_for_objects("*"), out.arn_for_objects("*")]))
        sagemaker.CfnFlowDefinition(
            self, "Review", role_arn=a2i.role_arn,
            human_loop_config={"humanTaskUiArn": "arn:x", "taskCount": 1,
                               "taskDescription": "d", "taskTitle": "t", "workteamArn": "arn:y"},
            output_config={"s3OutputPath": "s3://acme-a2i-out/reviews/"},
        )
        starter = iam.Role(self, "Starter", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        starter.add_to_policy(iam.PolicyStatement(actions=["sagemaker:StartHumanLoop"],
                                                  resources=["*"]))
        clips.grant_read_write(starter)
        starter.add_to_policy(iam.PolicyStatement(
            effect=iam.Effect.DENY, actions=["s3:GetObject"], resources=[notebooks.bucket_arn]))
'''

_TS_ROLES = '''import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';

export class RoleStack extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
    const images = new s3.Bucket(this, 'Images');
    const notebooks = new s3.Bucket(this, 'Notebooks');
    const docs = new s3.Bucket(this, 'Docs');
    const out = new s3.Bucket(this, 'Out', { bucketName: 'acme-a2i-out' });
    const clips = new s3.Bucket(this, 'Clips');
    const gt = new iam.Role(this, 'GtRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    });
    gt.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(
      'AmazonSageMakerGroundTruthExecution'));
    images.grantRead(gt);
    const nb = new iam.Role(this, 'NotebookRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    });
    notebooks.grantRead(nb);
    const a2i = new iam.Role(this, 'A2iRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
    });
    a2i.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [docs.arnForObjects('*'), out.bucketArn],
    }));
    new sagemaker.CfnFlowDefinition(this, 'Review', {
      roleArn: a2i.roleArn,
      humanLoopConfig: { humanTaskUiArn: 'arn:x', taskCount: 1, taskDescription: 'd',
        taskTitle: 't', workteamArn: 'arn:y' },
      outputConfig: { s3OutputPath: 's3://acme-a2i-out/reviews/' },
    });
    const starter = new iam.Role(this, 'Starter', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    starter.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['sagemaker:StartHumanLoop'], resources: ['*'] }));
    clips.grantReadWrite(starter);
    starter.addToPolicy(new iam.PolicyStatement({
      effect: iam.Effect.DENY, actions: ['s3:GetObject'], resources: [notebooks.bucketArn] }));
  }
}
'''


def _severity(root: Path) -> list[tuple[str, str, int, int, str, str]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    return [(f["rule"], f["path"], f["line"], f["column"], f["subject"], f["severity"])
            for f in json.loads(out)["findings"]]


def _evidence(root: Path) -> list[tuple[str, int, int, str]]:
    _code, out, _err = run_cli([".", "--format", "json", "--no-cache"], root)
    return [(f["subject"], r["line"], r["column"], r["message"].split(": the execution role")[0])
            for f in json.loads(out)["findings"] for r in f["related"][1:]]


_GT = "CDK role RoleStack/GtRole (holds the managed policy AmazonSageMakerGroundTruthExecution)"
_A2I = "CDK role RoleStack/A2iRole (execution role of the flow definition RoleStack/Review)"
_STARTER = "CDK role RoleStack/Starter (may sagemaker:StartHumanLoop)"


def test_python_roles_with_a_labeling_signal_infer_inputs(tmp_path: Path) -> None:
    (tmp_path / "role_stack.py").write_text(_PY_ROLES)
    assert _severity(tmp_path) == [
        ("PL100", "role_stack.py", 10, 9, "RoleStack/Images", "warning"),
        ("PL100", "role_stack.py", 12, 9, "RoleStack/Docs", "warning"),
        ("PL100", "role_stack.py", 14, 9, "RoleStack/Clips", "warning"),
    ]
    assert _evidence(tmp_path) == [("RoleStack/Images", 21, 9, _GT),
                                   ("RoleStack/Docs", 28, 24, _A2I),
                                   ("RoleStack/Clips", 38, 9, _STARTER)]


def test_typescript_roles_with_a_labeling_signal_infer_inputs(tmp_path: Path) -> None:
    (tmp_path / "role-stack.ts").write_text(_TS_ROLES)
    assert _severity(tmp_path) == [
        ("PL100", "role-stack.ts", 9, 5, "RoleStack/Images", "warning"),
        ("PL100", "role-stack.ts", 11, 5, "RoleStack/Docs", "warning"),
        ("PL100", "role-stack.ts", 13, 5, "RoleStack/Clips", "warning"),
    ]
    assert _evidence(tmp_path) == [("RoleStack/Images", 19, 5, _GT),
                                   ("RoleStack/Docs", 29, 19, _A2I),
                                   ("RoleStack/Clips", 42, 5, _STARTER)]


def test_roles_without_a_signal_are_no_evidence(tmp_path: Path) -> None:
    (tmp_path / "role_stack.py").write_text(_PY_ROLES.replace(
        "AmazonSageMakerGroundTruthExecution", "AmazonS3ReadOnlyAccess").replace(
        "role_arn=a2i.role_arn", "role_arn=\"arn:aws:iam::111122223333:role/a2i\"").replace(
        "sagemaker:StartHumanLoop", "sagemaker:DescribeHumanLoop"))
    (tmp_path / "role-stack.ts").write_text(_TS_ROLES.replace(
        "gt.addManagedPolicy", "nb.addManagedPolicy").replace(
        "actions: ['sagemaker:StartHumanLoop']", "actions: ['sagemaker:*']"))
    assert _severity(tmp_path) == [
        ("PL100", "role-stack.ts", 10, 5, "RoleStack/Notebooks", "warning"),
        ("PL100", "role-stack.ts", 11, 5, "RoleStack/Docs", "warning"),
    ]
