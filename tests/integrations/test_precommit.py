"""The pre-commit hooks with the real pre-commit framework: in a temporary git repository whose
.pre-commit-config.yaml points at this checkout, a bad change blocks the commit and shows the
finding, and the fixed change passes.

pre-commit builds its own virtualenv and pip-installs policylint from the checkout's HEAD commit
(PyPI is the only network it needs), in a temporary PRE_COMMIT_HOME: about 15 s."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, REPO

from policylint import discover

HOOKS = REPO / ".pre-commit-hooks.yaml"
BAD = '{"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]}\n'
FIXED = '{"CORSRules": [{"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["*"]}]}\n'


def _hooks() -> dict[str, dict[str, object]]:
    return {h["id"]: h for h in yaml.safe_load(HOOKS.read_text(encoding="utf-8"))}


def test_hook_definitions() -> None:
    hooks = _hooks()
    assert sorted(hooks) == ["policylint", "policylint-all"]
    one, every = hooks["policylint"], hooks["policylint-all"]
    assert (one["language"], one["entry"], one["require_serial"], one["types"],
            one["always_run"]) == ("python", "policylint --staged-deletions", True, ["text"], True)
    assert (every["language"], every["entry"], every["require_serial"], every["pass_filenames"],
            every["always_run"]) == ("python", "policylint", True, False, True)


@pytest.mark.parametrize("name, selected", [
    ("main.tf", True), ("prod.tfvars", True), ("stack.tf.json", True),
    ("flow.asl.json", True), ("cors.json", True), ("cors.xml", True), ("t.yaml", True),
    ("t.yml", True), ("t.template", True), ("t.cfn", True), ("in.manifest", True),
    ("in.jsonl", True), ("task.html", True), ("task.liquid", True), ("deploy.sh", True),
    ("infra/Makefile", True), ("Dockerfile", True), ("buildspec.yml", True),
    ("README.md", False), ("app.py", False), ("image.png", False), ("notes.txt", False),
])
def test_files_pattern_selects_what_policylint_reads(name: str, selected: bool) -> None:
    pattern = re.compile(str(_hooks()["policylint"]["files"]))
    assert bool(pattern.search(name)) is selected


def test_files_pattern_covers_every_script_name_discover_knows() -> None:
    pattern = re.compile(str(_hooks()["policylint"]["files"]))
    names = [*discover.SCRIPT_NAMES, *(f"x{s}" for s in discover.SCRIPT_SUFFIXES)]
    assert [n for n in names if not pattern.search(n)] == []


def _git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.skipif(not (REPO / ".git").exists(), reason="the checkout is not a git repository")
def test_real_pre_commit_blocks_a_bad_change_and_passes_the_fix(tmp_path: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout.strip()
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "integrations" / "repo", work)
    (work / "cors" / "fail_images.json").write_text(
        (work / "cors" / "pass_ok.json").read_text(encoding="utf-8"), encoding="utf-8")
    frames = work / "cors" / "fail_frames.xml"
    frames.write_text(frames.read_text(encoding="utf-8").replace(
        "https://labeling.example.com", "*"), encoding="utf-8")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO.as_posix()}\n    rev: {head}\n    hooks:\n"
        "      - id: policylint\n      - id: policylint-all\n", encoding="utf-8")
    (tmp_path / "gitconfig").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GIT_", "PRE_COMMIT", "GITHUB_", "POLICYLINT"))}
    # git config isolated from the developer's (hooks paths, signing); HOME kept for pip's cache
    env.update(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
               GIT_CONFIG_GLOBAL=str(tmp_path / "gitconfig"), GIT_CONFIG_NOSYSTEM="1", GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com", NO_COLOR="1")
    assert _git(work, "init", "-q", env=env).returncode == 0
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=work,
                               env=env, capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr

    _git(work, "add", "-A", env=env)
    good = _git(work, "commit", "-q", "-m", "good CORS", env=env)
    assert good.returncode == 0, good.stdout + good.stderr

    (work / "cors" / "fail_images.json").write_text(BAD, encoding="utf-8")
    _git(work, "add", "cors/fail_images.json", env=env)
    bad = _git(work, "commit", "-m", "drop GET", env=env)
    output = bad.stdout + bad.stderr
    assert bad.returncode == 1, output
    assert re.search(r"policylint \(labeling buckets need S3 CORS\)\.+Failed", output), output
    assert re.search(r"policylint \(whole repository\)\.+Failed", output), output
    assert ("cors/fail_images.json:1:2: PL101 [error] CORS of S3 bucket acme-images has no rule "
            "allowing GET from *") in output
    log = _git(work, "log", "--format=%s", env=env).stdout.splitlines()
    assert log == ["good CORS"]

    (work / "cors" / "fail_images.json").write_text(FIXED, encoding="utf-8")
    _git(work, "add", "cors/fail_images.json", env=env)
    fixed = _git(work, "commit", "-m", "restore GET", env=env)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert re.search(r"policylint \(labeling buckets need S3 CORS\)\.+Passed",
                     fixed.stdout + fixed.stderr)
    assert _git(work, "log", "--format=%s", env=env).stdout.splitlines() == [
        "restore GET", "good CORS"]

    # a commit that only deletes the CORS document a script applies fails (issue 15 item 4);
    # a commit touching nothing policylint reads passes
    (work / "infra").mkdir()
    (work / "infra" / "main.tf").write_text(
        'resource "aws_s3_bucket" "extra" {\n  bucket = "acme-extra"\n'
        '  tags   = { "policylint:labeling-input" = "true" }\n}\n', encoding="utf-8")
    (work / "deploy").mkdir()
    (work / "deploy" / "cors.sh").write_text(
        "aws s3api put-bucket-cors --bucket acme-extra --cors-configuration file://cors.json\n",
        encoding="utf-8")
    (work / "deploy" / "cors.json").write_text(FIXED, encoding="utf-8")
    _git(work, "add", "-A", env=env)
    added = _git(work, "commit", "-m", "extra bucket", env=env)
    assert added.returncode == 0, added.stdout + added.stderr
    (work / "README.md").write_text("notes\n", encoding="utf-8")
    _git(work, "add", "README.md", env=env)
    notes = _git(work, "commit", "-m", "notes", env=env)
    assert notes.returncode == 0, notes.stdout + notes.stderr
    _git(work, "rm", "-q", "deploy/cors.json", env=env)
    gone = _git(work, "commit", "-m", "delete the CORS document", env=env)
    output = gone.stdout + gone.stderr
    assert gone.returncode == 1, output
    assert re.search(r"policylint \(labeling buckets need S3 CORS\)\.+Failed", output), output
    assert "infra/main.tf:1:1: PL100 [error]" in output, output
    assert "deploy/cors.json that a script applies does not exist" in output, output
