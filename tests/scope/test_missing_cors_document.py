"""Issue 15 item 4: a script applying a file:// CORS document that does not exist leaves the
bucket without CORS (the command fails at deploy time): PL100, an error, never PL102."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import json_findings, run_cli, write_tree

BUCKET_TF = '''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}
'''
BUCKET_CFN = '''Resources:
  Images:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-images
      Tags:
        - {Key: "policylint:labeling-input", Value: "true"}
'''
GOOD = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]\n'


def _script(doc: str) -> str:
    return ("#!/bin/sh\nset -e\n"
            f"aws s3api put-bucket-cors --bucket acme-images --cors-configuration {doc}\n")


@pytest.mark.parametrize(("infra", "bucket_at"), [
    ({"infra/main.tf": BUCKET_TF}, ("infra/main.tf", 1, 1)),
    ({"template.yaml": BUCKET_CFN}, ("template.yaml", 2, 3)),
])
@pytest.mark.parametrize(("script", "doc", "shown"), [
    ("deploy/cors.sh", "file://cors.json", "deploy/cors.json"),  # beside the script
    ("deploy/cors.sh", "file://cors/rules.json", "deploy/cors/rules.json"),  # folder missing
    ("Makefile", "fileb://cors.json", "cors.json"),
])
def test_missing_document_is_pl100_error(repo: Path, infra: dict[str, str],
                                         bucket_at: tuple[str, int, int], script: str, doc: str,
                                         shown: str) -> None:
    body = _script(doc)
    if script == "Makefile":
        body = "cors:\n\t" + body.splitlines()[-1] + "\n"
    write_tree(repo, {**infra, script: body})
    code, out, _ = run_cli(["--format", "json"], repo)
    assert code == 1
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"], f["severity"]) for f in findings] == [
        ("PL100", *bucket_at, "error")]
    f = findings[0]
    assert f"the CORS document {shown} that a script applies does not exist" in f["message"]
    line = 3 if script != "Makefile" else 2
    related = {(r["path"], r["line"]) for r in f["related"]}
    assert (script, line) in related and (shown, 1) in related


def test_present_document_is_judged_and_its_deletion_fails(repo: Path) -> None:
    write_tree(repo, {"infra/main.tf": BUCKET_TF, "deploy/cors.sh": _script("file://cors.json"),
                      "deploy/cors.json": GOOD})
    assert json_findings(["."], repo) == []
    (repo / "deploy" / "cors.json").unlink()
    assert json_findings(["."], repo) == [("PL100", "infra/main.tf", 1, 1)]
    # and on the script alone
    assert json_findings(["deploy/cors.sh"], repo) == [("PL100", "infra/main.tf", 1, 1)]


def test_a_document_outside_the_root_is_only_unverified(tmp_path: Path, repo: Path) -> None:
    write_tree(tmp_path, {"outside.json": GOOD})
    write_tree(repo, {"infra/main.tf": BUCKET_TF,
                      "deploy/cors.sh": _script("file://../../outside.json")})
    got = json_findings(["."], repo)
    assert [r for r, *_ in got] == ["PL102"]


def test_a_second_source_that_exists_decides(repo: Path) -> None:
    write_tree(repo, {"infra/main.tf": BUCKET_TF, "deploy/cors.sh": _script("file://gone.json"),
                      "deploy/other.sh": _script("file://cors.json"),
                      "deploy/cors.json": GOOD})
    assert json_findings(["."], repo) == []


def test_staged_deletions_reports_what_the_deletion_breaks(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "g"
    repo.mkdir()
    env = {"GIT_CONFIG_GLOBAL": str(tmp_path / "none"), "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                       cwd=repo, check=True, capture_output=True, env={**env, "PATH": "/usr/bin:/bin"})

    git("init", "-q")
    write_tree(repo, {"infra/main.tf": BUCKET_TF, "deploy/cors.sh": _script("file://cors.json"),
                      "deploy/cors.json": GOOD, "other/template.yaml": BUCKET_CFN.replace(
                          "acme-images", "acme-other")})
    git("add", "-A")
    git("commit", "-q", "-m", "start")
    # nothing staged: nothing reported, although other/ has a bucket without CORS
    assert json_findings(["--staged-deletions"], repo) == []
    assert json_findings(["."], repo) == [("PL100", "other/template.yaml", 2, 3)]
    git("rm", "-q", "deploy/cors.json")
    assert json_findings(["--staged-deletions"], repo) == [("PL100", "infra/main.tf", 1, 1)]
    # with the commit's other files named, their findings join
    assert json_findings(["--staged-deletions", "other/template.yaml"], repo) == [
        ("PL100", "infra/main.tf", 1, 1), ("PL100", "other/template.yaml", 2, 3)]
