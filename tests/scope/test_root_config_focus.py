"""Issue 15 items 1-3: the same repository gets the same verdict however it is named.

The analysis root is the scanned path's repository (git root; outside git the working directory
when the path lies below it, else the path or its folder), configuration is found from there,
and named paths narrow what is reported, never what is known."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import json_findings, run_cli, write_tree

from policylint.scope import analysis_root

BUCKET_TF = '''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
}
'''
JOB = '''{
  "LabelingJobName": "receipts",
  "InputConfig": {"DataSource": {"S3DataSource": {
    "ManifestS3Uri": "s3://acme-images/in.manifest"}}},
  "OutputConfig": {"S3OutputPath": "s3://acme-out/"},
  "HumanTaskConfig": {"PreHumanTaskLambdaArn":
    "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox"}
}
'''
CORS_DOC = '[{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]\n'
SCRIPT = ("#!/bin/sh\naws s3api put-bucket-cors --bucket acme-images "
          "--cors-configuration file://cors/images.json\n")


def _repo(root: Path) -> Path:
    write_tree(root, {"infra/main.tf": BUCKET_TF, "jobs/receipts-job.json": JOB})
    (root / ".git").mkdir(exist_ok=True)
    return root


# --- item 1: the root ------------------------------------------------------------------------

def test_root_is_the_git_root_of_the_path_not_a_common_parent(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # something beside the repository that must not be read
    write_tree(tmp_path, {"beside/main.tf": BUCKET_TF.replace("images", "other")})
    assert analysis_root(str(repo / "infra" / "main.tf"), str(elsewhere)) == str(repo)
    code, out, _ = run_cli([str(repo / "infra" / "main.tf"), "--format", "json"], elsewhere)
    assert code == 1
    assert '"beside/' not in out and "acme-other" not in out
    got = json_findings([str(repo / "infra" / "main.tf")], elsewhere)
    assert got == [("PL100", str(repo / "infra" / "main.tf"), 1, 1)]


def test_root_outside_git(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    write_tree(plain, {"a/b/x.tf": BUCKET_TF})
    other = tmp_path / "other"
    other.mkdir()
    # below the working directory: the working directory
    assert analysis_root(str(plain / "a/b"), str(plain)) == str(plain)
    assert analysis_root(str(plain / "a/b/x.tf"), str(plain)) == str(plain)
    # not below it: the folder itself, or a file's folder
    assert analysis_root(str(plain / "a"), str(other)) == str(plain / "a")
    assert analysis_root(str(plain / "a" / "b" / "x.tf"), str(other)) == str(plain / "a" / "b")


def test_root_never_above_the_git_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {"outer/.git/HEAD": "", "outer/inner/.git/HEAD": "",
                          "outer/inner/x.tf": BUCKET_TF})
    assert analysis_root(str(tmp_path / "outer/inner/x.tf"),
                         str(tmp_path / "outer")) == str(tmp_path / "outer/inner")


# --- item 2: configuration from the root -----------------------------------------------------

def test_config_is_found_from_the_scanned_path_not_the_working_directory(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    write_tree(repo, {".policylint.yaml": "ignore: [PL100]\n"})
    elsewhere = tmp_path / "elsewhere"
    write_tree(elsewhere, {".policylint.yaml": "ignore: [PL200]\n"})
    assert json_findings([str(repo)], elsewhere) == []
    assert json_findings([str(repo / "infra" / "main.tf")], elsewhere) == []
    # --config still wins
    got = json_findings([str(repo), "--config", str(elsewhere / ".policylint.yaml")], elsewhere)
    assert got == [("PL100", str(repo / "infra" / "main.tf"), 1, 1)]


def test_config_below_the_root_is_found_from_the_scanned_folder(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    write_tree(repo, {"infra/.policylint.yaml": "ignore: [PL100]\n"})
    assert json_findings(["infra"], repo) == []
    assert json_findings(["."], repo) == [("PL100", "infra/main.tf", 1, 1)]


@pytest.mark.parametrize("pyproject", [
    '[tool]\npolicylint.labeling.buckets = ["acme-*"]\n',
    '[tool.policylint]\nlabeling.buckets = ["acme-*"]\n',
    '[tool.policylint.labeling]\nbuckets = ["acme-*"]\n',
    'tool.policylint.labeling = { buckets = ["acme-*"] }\n',
])
def test_pyproject_dotted_keys_are_read(tmp_path: Path, pyproject: str) -> None:
    repo = write_tree(tmp_path / "r", {"main.tf": BUCKET_TF, "pyproject.toml": pyproject})
    (repo / ".git").mkdir()
    assert json_findings(["."], repo) == [("PL100", "main.tf", 1, 1)]


def test_pyproject_without_policylint_is_not_config(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "r", {"main.tf": BUCKET_TF,
                                       "pyproject.toml": '[tool.ruff]\nline-length = 99\n'})
    (repo / ".git").mkdir()
    assert json_findings(["."], repo) == []


def test_invalid_pyproject_that_names_policylint_is_exit_2(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "r", {"pyproject.toml": '[tool.policylint]\nselect = [\n'})
    (repo / ".git").mkdir()
    code, _out, err = run_cli(["."], repo)
    assert code == 2 and "invalid TOML" in err


# --- item 3: named paths narrow what is reported ---------------------------------------------

def test_a_named_folder_keeps_evidence_from_outside_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    whole = json_findings(["."], repo)
    assert whole == [("PL100", "infra/main.tf", 1, 1)]
    assert json_findings(["infra/"], repo) == whole
    assert json_findings(["infra/", "jobs/"], repo) == whole
    # the finding's evidence is in jobs/: it is reported for jobs/ (and for the job file)
    assert json_findings(["jobs"], repo) == whole
    assert json_findings(["jobs/receipts-job.json"], repo) == whole
    # severity is the same however the repository is named
    for args in (["."], ["infra"], ["jobs/receipts-job.json"]):
        code, out, _ = run_cli([*args, "--format", "json"], repo)
        assert code == 1 and '"severity": "error"' in out


def test_a_named_folder_without_anything_of_the_finding_reports_nothing(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    write_tree(repo, {"docs/readme.md": "nothing\n"})
    assert json_findings(["docs"], repo) == []


def test_a_cors_document_outside_the_named_folder_still_counts(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    write_tree(repo, {"cors/images.json": CORS_DOC, "scripts/cors.sh": SCRIPT})
    whole = json_findings(["."], repo)
    assert ("PL101", "cors/images.json", 1, 1) in whole
    assert all(r != "PL100" for r, *_ in whole)
    # naming infra/ neither forgets the CORS document nor calls the bucket "without CORS"
    assert json_findings(["infra"], repo) == [f for f in whole if f[0] == "PL101"]


def test_a_cors_files_entry_outside_the_named_folder_still_counts(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    write_tree(repo, {"cors/images.json": CORS_DOC,
                      ".policylint.yaml": "cors-files:\n  cors/images.json: acme-images\n"})
    assert [r for r, *_ in json_findings(["infra/main.tf"], repo)] == ["PL101"]


def test_a_folder_named_from_inside_a_subfolder(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    assert json_findings(["."], repo / "infra") == [("PL100", "main.tf", 1, 1)]
    assert json_findings(["../jobs"], repo / "infra") == [("PL100", "main.tf", 1, 1)]


def test_a_real_git_repository(tmp_path: Path) -> None:
    repo = tmp_path / "g"
    repo.mkdir()
    if subprocess.run(["git", "init", "-q", str(repo)], capture_output=True).returncode:
        pytest.skip("git is not available")
    _repo(repo)
    assert json_findings([str(repo / "jobs")], tmp_path) == [
        ("PL100", "g/infra/main.tf", 1, 1)]
