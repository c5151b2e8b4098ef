"""Issue 15 items 18-19: S3 answers a GET with the first rule that matches it, so PL103/PL104
judge that rule, in order; unknown rule fields make them unverified (PL102), never a violation."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import json_findings, run_cli, write_tree

GET = '{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}'
GET_EXPOSE = ('{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], '
              '"ExposeHeaders": ["Access-Control-Allow-Origin"]}')
MEDIA = ('{"AllowedHeaders": ["*"], "AllowedMethods": ["GET", "HEAD", "PUT"], '
         '"AllowedOrigins": ["*"], "ExposeHeaders": ["Access-Control-Allow-Origin"]}')
OTHER = '{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://app.example.com"]}'


def _job(task: str) -> str:
    return json.dumps({
        "LabelingJobName": "j",
        "InputConfig": {"DataSource": {"S3DataSource": {
            "ManifestS3Uri": "s3://acme-data/in.manifest"}}},
        "OutputConfig": {"S3OutputPath": "s3://acme-data/out/"},
        "HumanTaskConfig": {"PreHumanTaskLambdaArn":
                            f"arn:aws:lambda:us-east-1:432418664414:function:PRE-{task}"}},
        indent=2) + "\n"


def _repo(repo: Path, rules: list[str], task: str) -> Path:
    doc = "[\n" + ",\n".join(f"  {r}" for r in rules) + "\n]\n"
    return write_tree(repo, {"cors.json": doc, "jobs/job.json": _job(task),
                             ".policylint.yaml": "cors-files:\n  cors.json: acme-data\n"})


@pytest.mark.parametrize(("rules", "expected"), [
    # the plain GET rule answers first (and exposes nothing: PL104 at it)
    ([GET, MEDIA], [("PL103", "cors.json", 1, 1), ("PL104", "cors.json", 2, 3)]),
    ([MEDIA, GET], []),
    ([OTHER, MEDIA], []),  # a rule for another origin does not match the labeling UI
    ([OTHER, GET], [("PL103", "cors.json", 1, 1), ("PL104", "cors.json", 3, 3)]),
])
def test_pl103_judges_the_first_get_rule(repo: Path, rules: list[str],
                                         expected: list[tuple[str, str, int, int]]) -> None:
    _repo(repo, rules, "3DPointCloudObjectDetection")
    assert json_findings(["."], repo) == expected


@pytest.mark.parametrize(("rules", "expected"), [
    ([GET, GET_EXPOSE], [("PL104", "cors.json", 2, 3)]),  # the first GET rule exposes nothing
    ([OTHER, GET, GET_EXPOSE], [("PL104", "cors.json", 3, 3)]),
    ([GET_EXPOSE, GET], []),
])
def test_pl104_judges_the_first_get_rule(repo: Path, rules: list[str],
                                         expected: list[tuple[str, str, int, int]]) -> None:
    _repo(repo, rules, "BoundingBox")
    assert json_findings(["."], repo) == expected


def test_fix_inserts_before_the_first_get_rule_and_the_relint_passes(repo: Path) -> None:
    _repo(repo, [GET, MEDIA], "3DPointCloudObjectDetection")
    code, _out, err = run_cli(["--fix"], repo)
    assert code == 0, err
    fixed = json.loads((repo / "cors.json").read_text(encoding="utf-8"))
    assert fixed[0]["AllowedMethods"] == ["GET", "HEAD", "PUT"]
    assert fixed[1:] == [json.loads(GET), json.loads(MEDIA)]
    assert json_findings(["."], repo) == []


# --- item 19: unknown fields ------------------------------------------------------------------

TF = '''variable "headers" {}
variable "expose" {}
variable "methods" {}
resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
}
resource "aws_s3_bucket_cors_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  cors_rule {
    allowed_methods = METHODS
    allowed_origins = ["*"]
    allowed_headers = HEADERS
    expose_headers  = EXPOSE
  }
}
'''


@pytest.mark.parametrize(("task", "methods", "headers", "expose", "why"), [
    ("3DPointCloudObjectDetection", '["GET", "HEAD", "PUT"]', "var.headers",
     '["Access-Control-Allow-Origin"]', "also allows HEAD and PUT with AllowedHeaders *"),
    ("VideoObjectTracking", 'concat(["GET"], var.methods)', '["*"]',
     '["Access-Control-Allow-Origin"]', "a rule's methods or origins are not known"),
    ("BoundingBox", '["GET"]', "[]", "var.expose", "exposes Access-Control-Allow-Origin"),
])
def test_unknown_rule_fields_are_unverified_not_violations(
        repo: Path, task: str, methods: str, headers: str, expose: str, why: str) -> None:
    write_tree(repo, {"main.tf": TF.replace("METHODS", methods).replace("HEADERS", headers)
                      .replace("EXPOSE", expose), "jobs/job.json": _job(task)})
    code, out, _ = run_cli(["--format", "json"], repo)
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [
        ("PL102", "main.tf", 7, 1)]
    assert why in findings[0]["message"]
    assert code == 0
