"""--aws and aws-audit against a real S3 API on 127.0.0.1 (moto's server mode), and botocore's
Stubber for the SageMaker calls moto does not implement. Nothing here reaches the internet."""
from __future__ import annotations

import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conftest import run_cli, write_tree

boto3 = pytest.importorskip("boto3", reason="boto3 (the aws extra) is not installed")
moto_server = pytest.importorskip("moto.server", reason="moto[server] is not installed")

JOB = {"LabelingJobName": "cats", "InputConfig": {"DataSource": {"S3DataSource": {
    "ManifestS3Uri": "s3://external-images/input.manifest"}}},
    "OutputConfig": {"S3OutputPath": "s3://labels-out/"},
    "HumanTaskConfig": {"PreHumanTaskLambdaArn":
                        "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox"}}
GET_RULE = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}
PUT_RULE = {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture()
def aws_env(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    requests = boto3.client("s3", endpoint_url=endpoint)
    for b in requests.list_buckets().get("Buckets", []):
        name = b["Name"]
        for obj in requests.list_objects_v2(Bucket=name).get("Contents", []):
            requests.delete_object(Bucket=name, Key=obj["Key"])
        requests.delete_bucket(Bucket=name)
    return env


def _bucket(name: str, rules: list[dict[str, Any]] | None) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=name)
    if rules is not None:
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})


def _findings(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = run_cli([*args, "--format", "json", "--no-cache"], cwd, env)
    assert code in (0, 1), err
    return code, json.loads(out)["findings"]


def _keys(found: list[dict[str, Any]]) -> list[tuple[str, str, int, int]]:
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in found]


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    return write_tree(tmp_path, {"jobs/cats.json": json.dumps(JOB, indent=1)})


def test_static_run_is_one_warning(repo: Path, aws_env: dict[str, str]) -> None:
    code, found = _findings(["."], repo, aws_env)
    assert code == 0 and _keys(found) == [("PL102", "jobs/cats.json", 6, 22)]


def test_live_bucket_allowing_only_put_is_pl101_at_the_pl102s_place(
        repo: Path, aws_env: dict[str, str]) -> None:
    _bucket("external-images", [PUT_RULE])
    code, found = _findings([".", "--aws"], repo, aws_env)
    assert code == 1 and _keys(found) == [("PL101", "jobs/cats.json", 6, 22)]
    related = [r["message"] for r in found[0]["related"]]
    assert any(m.startswith("live: s3://external-images (123456789012, us-east-1, read at ")
               for m in related), related


@pytest.mark.parametrize(("rules", "expected"), [
    (None, [("PL100", "jobs/cats.json", 6, 22)]),
    ([GET_RULE], [("PL104", "jobs/cats.json", 6, 22)]),  # Ground Truth: expose header note
    ([{**GET_RULE, "ExposeHeaders": ["Access-Control-Allow-Origin"]}], []),
    ([{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://example.com"]}],
     [("PL101", "jobs/cats.json", 6, 22)]),
])
def test_live_rules_are_judged_like_declared_ones(repo: Path, aws_env: dict[str, str],
                                                  rules: list[dict[str, Any]] | None,
                                                  expected: list[tuple[str, str, int, int]]
                                                  ) -> None:
    _bucket("external-images", rules)
    _code, found = _findings([".", "--aws"], repo, aws_env)
    assert _keys(found) == expected


def test_missing_bucket_stays_pl102_naming_the_api_error(repo: Path,
                                                        aws_env: dict[str, str]) -> None:
    _code, found = _findings([".", "--aws"], repo, aws_env)
    assert _keys(found) == [("PL102", "jobs/cats.json", 6, 22)]
    assert "--aws could not read its live CORS: NoSuchBucket" in found[0]["message"]


def test_bucket_deleted_mid_run(repo: Path, aws_env: dict[str, str],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The bucket exists when the run starts and is gone when its CORS is read."""
    _bucket("external-images", [GET_RULE])
    from policylint.live import aws

    real = aws.read_cors

    def deleting(account: Any, bucket: str, s3: Any = None) -> Any:
        client = boto3.client("s3")
        client.delete_bucket_cors(Bucket=bucket)
        client.delete_bucket(Bucket=bucket)
        return real(account, bucket, s3)

    monkeypatch.setattr(aws, "read_cors", deleting)
    _code, found = _findings([".", "--aws"], repo, aws_env)
    assert _keys(found) == [("PL102", "jobs/cats.json", 6, 22)]
    assert "NoSuchBucket" in found[0]["message"]


def test_no_network_is_a_finding_not_a_crash(repo: Path, aws_env: dict[str, str]) -> None:
    env = {**aws_env, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # nothing listens there
    _code, found = _findings([".", "--aws"], repo, env)
    assert _keys(found) == [("PL102", "jobs/cats.json", 6, 22)]
    assert "cannot reach AWS" in found[0]["message"]


def test_access_denied_is_pl102(repo: Path, aws_env: dict[str, str], endpoint: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's IAM enforcement: a user allowed only sts:GetCallerIdentity cannot read CORS."""
    from moto import settings

    _bucket("external-images", [GET_RULE])
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="only-sts", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    env = {**aws_env, "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    monkeypatch.setattr(settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    _code, found = _findings([".", "--aws"], repo, env)
    assert _keys(found) == [("PL102", "jobs/cats.json", 6, 22)]
    assert "AccessDenied" in found[0]["message"]


def test_drift_pl105_on_a_declared_bucket(tmp_path: Path, aws_env: dict[str, str]) -> None:
    write_tree(tmp_path, {"main.tf": (
        'resource "aws_s3_bucket" "images" {\n'
        '  bucket = "drift-images"\n'
        '  tags   = { "policylint:labeling-input" = "true" }\n'
        '}\n'
        'resource "aws_s3_bucket_cors_configuration" "images" {\n'
        '  bucket = aws_s3_bucket.images.id\n'
        '  cors_rule {\n'
        '    allowed_methods = ["GET"]\n'
        '    allowed_origins = ["*"]\n'
        '  }\n'
        '}\n')})
    _bucket("drift-images", [GET_RULE])
    assert _keys(_findings([".", "--aws"], tmp_path, aws_env)[1]) == []
    boto3.client("s3").put_bucket_cors(Bucket="drift-images",
                                       CORSConfiguration={"CORSRules": [PUT_RULE]})
    _code, found = _findings([".", "--aws"], tmp_path, aws_env)
    assert _keys(found) == [("PL105", "main.tf", 5, 1)]
    assert "the live bucket does not allow GET from *" in found[0]["message"]
    boto3.client("s3").delete_bucket_cors(Bucket="drift-images")
    _code, found = _findings([".", "--aws"], tmp_path, aws_env)
    assert _keys(found) == [("PL105", "main.tf", 5, 1)]
    assert "has no CORS configuration" in found[0]["message"]
    # without --aws nothing is read, and the static verdict passes
    assert _keys(_findings(["."], tmp_path, aws_env)[1]) == []


def test_config_aws_section_is_validated(repo: Path, aws_env: dict[str, str]) -> None:
    (repo / ".policylint.yaml").write_text("aws:\n  regoin: us-east-1\n")
    code, _out, err = run_cli([".", "--aws"], repo, aws_env)
    assert code == 2 and "aws.regoin" in err


def test_missing_boto3_is_exit_2_naming_the_extra(repo: Path, aws_env: dict[str, str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "boto3" else real(name, *a))
    code, _out, err = run_cli([".", "--aws"], repo, aws_env)
    assert code == 2 and "pip install boto3 (the policylint[aws] extra)" in err


def test_no_aws_call_and_no_boto3_import_without_the_flag(repo: Path) -> None:
    import subprocess

    code = ("import sys\n"
            "from policylint import cli\n"
            "rc = cli.main(['.', '--no-cache'])\n"
            "assert not any(m == 'boto3' or m.startswith(('boto3.', 'botocore'))"
            " for m in sys.modules), 'boto3 imported'\n"
            "print('ok', rc)\n")
    got = subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2])})
    assert got.returncode == 0 and got.stdout.endswith("ok 0\n"), got.stderr


# --- aws-audit: SageMaker through botocore's Stubber (moto has no labeling-job API) -----------

class _Account:
    def __init__(self, clients: dict[str, Any]) -> None:
        self.clients, self.account, self.region = clients, "123456789012", "us-east-1"

    def client(self, service: str) -> Any:
        return self.clients[service]


def _stubbed_sagemaker(now: _dt.datetime) -> tuple[Any, Any]:
    from botocore.stub import ANY, Stubber

    sm = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="x")
    stub = Stubber(sm)
    arn = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/cats"
    summary = {"LabelingJobName": "cats", "LabelingJobArn": arn, "CreationTime": now,
               "LastModifiedTime": now, "LabelingJobStatus": "InProgress",
               "LabelCounters": {}, "WorkteamArn": "arn:aws:sagemaker:us-east-1:1:workteam/x",
               "PreHumanTaskLambdaArn": JOB["HumanTaskConfig"]["PreHumanTaskLambdaArn"]}
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [summary]},
                      {"MaxResults": 100, "StatusEquals": "InProgress"})
    stub.add_response("list_labeling_jobs", {"LabelingJobSummaryList": [summary]},
                      {"MaxResults": 100, "CreationTimeAfter": ANY})
    stub.add_response("describe_labeling_job", {
        "LabelingJobStatus": "InProgress", "LabelCounters": {}, "CreationTime": now,
        "LastModifiedTime": now, "JobReferenceCode": "x", "LabelingJobName": "cats",
        "LabelingJobArn": arn, "LabelAttributeName": "label",
        "InputConfig": JOB["InputConfig"], "OutputConfig": JOB["OutputConfig"],
        "RoleArn": "arn:aws:iam::123456789012:role/gt",
        "HumanTaskConfig": {"WorkteamArn": "arn:aws:sagemaker:us-east-1:1:workteam/x",
                            "UiConfig": {"UiTemplateS3Uri": "s3://ui/t.liquid"},
                            "PreHumanTaskLambdaArn": JOB["HumanTaskConfig"]["PreHumanTaskLambdaArn"],
                            "TaskTitle": "t", "TaskDescription": "d",
                            "NumberOfHumanWorkersPerDataObject": 1,
                            "TaskTimeLimitInSeconds": 60,
                            "AnnotationConsolidationConfig": {
                                "AnnotationConsolidationLambdaArn": "arn:aws:lambda:x"}}},
        {"LabelingJobName": "cats"})
    stub.add_response("list_flow_definitions", {"FlowDefinitionSummaries": [{
        "FlowDefinitionName": "review", "FlowDefinitionArn":
        "arn:aws:sagemaker:us-east-1:123456789012:flow-definition/review",
        "FlowDefinitionStatus": "Active", "CreationTime": now}]}, {"MaxResults": 100})
    stub.activate()
    a2i = boto3.client("sagemaker-a2i-runtime", region_name="us-east-1", aws_access_key_id="x",
                       aws_secret_access_key="x")
    a2i_stub = Stubber(a2i)
    a2i_stub.add_response("list_human_loops", {"HumanLoopSummaries": [
        {"HumanLoopName": "l1", "HumanLoopStatus": "Completed", "CreationTime": now}]},
        {"FlowDefinitionArn": ANY, "CreationTimeAfter": ANY, "MaxResults": 100})
    a2i_stub.activate()
    return sm, a2i


def test_audit_reads_jobs_manifests_and_flows(aws_env: dict[str, str]) -> None:
    from policylint.link import LinkOptions, link
    from policylint.live import audit

    now = _dt.datetime(2026, 12, 1, tzinfo=_dt.timezone.utc)
    sm, a2i = _stubbed_sagemaker(now)
    _bucket("external-images", None)
    _bucket("frames", [PUT_RULE])
    boto3.client("s3").put_object(Bucket="external-images", Key="input.manifest", Body=(
        b'{"source-ref": "s3://frames/a.jpg"}\n{"source-ref": "s3://frames/b.jpg"}\n'
        b'{"source-ref": "s3://never-read/c.jpg"}\n'))
    account = _Account({"sagemaker": sm, "sagemaker-a2i-runtime": a2i,
                        "s3": boto3.client("s3")})
    got = audit.run(account, read_manifests=2, clock=lambda: now)
    assert (got.jobs, got.flows, got.loops) == (1, 1, 1)
    names = sorted(u.target.name for u in got.facts.uses if isinstance(u.target.name, str))
    assert names == ["external-images", "frames"]
    assert all(u.location.path.endswith("labeling-job/cats") for u in got.facts.uses)
    project = link(got.facts, LinkOptions())
    assert sorted(str(b.name) for b in project.buckets) == ["external-images", "frames"]


def test_audit_cli_failure_of_listing_is_a_finding(tmp_path: Path,
                                                  aws_env: dict[str, str]) -> None:
    """moto has no ListLabelingJobs: the failure is a PL102 at the account's logical
    location, never a crash, and every format renders it (SARIF as a logical location)."""
    code, out, err = run_cli(["aws-audit", "--format", "json"], tmp_path, aws_env)
    assert code == 0, err
    found = json.loads(out)["findings"]
    assert [(f["rule"], f["path"]) for f in found] == [
        ("PL102", "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/*")]
    assert "ListLabelingJobs failed" in found[0]["message"]
    assert "account 123456789012, us-east-1" in err
    code, out, _err = run_cli(["aws-audit", "--format", "sarif"], tmp_path, aws_env)
    result = json.loads(out)["runs"][0]["results"][0]
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/*")
    code, out, _err = run_cli(["aws-audit", "--format", "text", "-q"], tmp_path, aws_env)
    assert out.splitlines()[0].startswith(
        "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/*: PL102")


def test_manifest_naming_an_external_bucket_goes_from_warning_to_error(
        tmp_path: Path, aws_env: dict[str, str]) -> None:
    write_tree(tmp_path, {"data/input.manifest":
                          '{"source-ref": "s3://partner-frames/a.jpg"}\n'
                          '{"source-ref": "s3://partner-frames/b.jpg"}\n'})
    code, found = _findings(["."], tmp_path, aws_env)
    assert (code, _keys(found)) == (0, [("PL102", "data/input.manifest", 1, 16)])
    _bucket("partner-frames", [PUT_RULE])
    code, found = _findings([".", "--aws"], tmp_path, aws_env)
    assert (code, _keys(found)) == (1, [("PL101", "data/input.manifest", 1, 16)])
    assert found[0]["severity"] == "error"


def test_sagemaker_default_bucket_is_named_through_sts(aws_env: dict[str, str]) -> None:
    from policylint.link import LinkOptions, link
    from policylint.live import Settings
    from policylint.live.verify import verify
    from policylint.model import (BucketRef, Confidence, Facts, LabelingUse, Location, Modality,
                                  Role, SageMakerDefaultBucket, Service)
    from policylint.rule import Options

    use = LabelingUse(Service.GROUND_TRUTH, Role.INPUT, Modality.IMAGE, "create_labeling_job",
                      Location("job.py", 7, 5), Confidence.DEFINED,
                      BucketRef(name=SageMakerDefaultBucket(), text="default_bucket()"))
    project = link(Facts(uses=[use]), LinkOptions())
    assert len(project.unbound_uses) == 1
    _bucket("sagemaker-us-east-1-123456789012", None)
    assert verify(project, Settings(), Options()) == 1
    assert project.unbound_uses == []
    (lb,) = project.buckets
    assert lb.name == "sagemaker-us-east-1-123456789012"
    assert lb.live is not None and lb.live.ok and lb.live.rules is None


def test_live_results_are_never_cached(repo: Path, aws_env: dict[str, str]) -> None:
    """With the cache on, a second run reads the account again: the verdict follows AWS."""
    _bucket("external-images", [PUT_RULE])
    args = [".", "--aws", "--format", "json"]
    code, out, err = run_cli(args, repo, aws_env)
    assert code == 1 and [f["rule"] for f in json.loads(out)["findings"]] == ["PL101"], err
    boto3.client("s3").put_bucket_cors(Bucket="external-images", CORSConfiguration={
        "CORSRules": [{**GET_RULE, "ExposeHeaders": ["Access-Control-Allow-Origin"]}]})
    code, out, err = run_cli(args, repo, aws_env)
    assert (code, json.loads(out)["findings"]) == (0, []), err
    assert (repo / ".policylint_cache").is_dir()  # the cache was used for the files


@pytest.mark.parametrize("code", ["SlowDown", "ExpiredToken", "AccessDenied"])
def test_each_api_failure_is_named(code: str) -> None:
    from botocore.exceptions import ClientError

    from policylint.live import aws

    class _S3:
        def get_bucket_cors(self, Bucket: str) -> None:  # noqa: N803 (boto3's spelling)
            raise ClientError({"Error": {"Code": code, "Message": "nope"}}, "GetBucketCors")

    account = aws.Account(None, None, "123456789012", "us-east-1")
    live = aws.read_cors(account, "b", _S3())
    assert (live.ok, live.error) == (False, f"{code}: nope")
