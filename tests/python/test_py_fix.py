"""--fix / --diff for put_bucket_cors calls whose CORSRules is a literal list (issue 13 item 7):
the rule is inserted into the list in the file's style, and the re-lint verifies it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

JOBS = ("boto3.client('sagemaker').create_labeling_job(LabelingJobName='j', InputConfig={"
        "'DataSource': {'S3DataSource': {'ManifestS3Uri': 's3://fx-images/m'}}})\n")
GT = ("{Q}AllowedHeaders{Q}: [], {Q}AllowedMethods{Q}: [{Q}GET{Q}], {Q}AllowedOrigins{Q}: "
      "[{Q}*{Q}], {Q}ExposeHeaders{Q}: [{Q}Access-Control-Allow-Origin{Q}]")


def _rule(quote: str) -> str:
    return "{" + GT.replace("{Q}", quote) + "}"


Q1, Q2 = "'", '"'
CASES = [
    # multi-line list with trailing commas, single quotes, through a name
    (("rules = [\n    {'AllowedMethods': ['PUT'], 'AllowedOrigins': ['https://a.example']},\n]\n"
      "s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={'CORSRules': rules})\n"),
     ("rules = [\n    {'AllowedMethods': ['PUT'], 'AllowedOrigins': ['https://a.example']},\n"
      f"    {_rule(Q1)},\n]\n"
      "s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={'CORSRules': rules})\n")),
    # one line, double quotes
    (('s3.put_bucket_cors(Bucket="fx-images", CORSConfiguration={"CORSRules": '
      '[{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]})\n'),
     ('s3.put_bucket_cors(Bucket="fx-images", CORSConfiguration={"CORSRules": '
      f'[{{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}}, {_rule(Q2)}]}})\n')),
    # multi-line without a trailing comma
    (("s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={'CORSRules': [\n"
      "        {'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']}\n    ]})\n"),
     ("s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={'CORSRules': [\n"
      "        {'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']},\n"
      f"        {_rule(Q1)}\n    ]}})\n")),
    # an empty list
    ("s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={'CORSRules': []})\n",
     f"s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={{'CORSRules': [{_rule(Q1)}]}})\n"),
]


@pytest.mark.parametrize("before,after", CASES)
def test_fix_inserts_the_rule_in_the_files_style(tmp_path: Path, before: str,
                                                   after: str) -> None:
    head = "import boto3\ns3 = boto3.client('s3')\n"
    (tmp_path / "job.py").write_text(head + before + JOBS)
    code, out, err = run_cli([".", "--no-cache", "--fix"], tmp_path)
    assert code == 0, out + err
    assert (tmp_path / "job.py").read_text() == head + after + JOBS
    code, out, _ = run_cli([".", "--no-cache", "--format", "json"], tmp_path)
    assert code == 0 and json.loads(out)["findings"] == []


def test_rules_built_by_an_expression_are_reported_not_edited(tmp_path: Path) -> None:
    text = ("import boto3\ns3 = boto3.client('s3')\n"
            "s3.put_bucket_cors(Bucket='fx-images', CORSConfiguration={'CORSRules': "
            "[{'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']}] + [{'AllowedMethods': ['POST'], 'AllowedOrigins': ['*']}]})\n" + JOBS)
    (tmp_path / "job.py").write_text(text)
    code, out, err = run_cli([".", "--no-cache", "--fix"], tmp_path)
    assert code == 1
    assert (tmp_path / "job.py").read_text() == text
    assert "--fix edits only a literal CORSRules list in a .py file" in out + err
