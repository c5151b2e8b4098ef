"""Discovery: classification by name and a cheap content sniff, and a walk that honours
.gitignore and config ``exclude`` and skips .git, .terraform and node_modules."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import json_findings, write_tree

from policylint import discover
from policylint.discover import Walker, classify, find_root

CORS_JSON = b'{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n'
CORS_XML = b"<CORSConfiguration><CORSRule/></CORSConfiguration>\n"
BAD_CORS = '[{"AllowedOrigins": ["*"]}]\n'  # PL200 at 1:2


@pytest.mark.parametrize("name, head, kind", [
    ("main.tf", b"", discover.TERRAFORM),
    ("prod.tfvars", b"", discover.TERRAFORM),
    ("main.tf.json", b"{}", discover.TERRAFORM),
    ("MAIN.TF", b"", discover.TERRAFORM),
    ("flow.asl.json", b"{}", discover.ASL),
    ("input.manifest", b"", discover.MANIFEST),
    ("input.jsonl", b"", discover.MANIFEST),
    ("data.json", b'{"source-ref": "s3://b/k.jpg"}\n', discover.MANIFEST),
    ("task.html", b"<crowd-form></crowd-form>", discover.TEMPLATE),
    ("task.liquid", b'<img src="s3://b/k.jpg">', discover.TEMPLATE),
    ("index.html", b"<html><body>hello</body></html>", None),
    ("cors.xml", b'<?xml version="1.0"?>\n<CORSConfiguration>', discover.CORS),
    ("question.xml", b"<HTMLQuestion xmlns='x'>", discover.MTURK),
    ("pom.xml", b"<project/>", None),
    ("cors.json", CORS_JSON, discover.CORS),
    ("rule.json", b'{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}', discover.CORS),
    ("cors.yaml", b"AllowedOrigins: ['*']\n", None),
    ("utf16.json", '{"CORSRules": []}'.encode("utf-16"), discover.CORS),
    ("template.yaml", b"AWSTemplateFormatVersion: '2010-09-09'\n", discover.CLOUDFORMATION),
    ("stack.json", b'{"Resources": {"B": {"Type": "AWS::S3::Bucket"}}}', discover.CLOUDFORMATION),
    ("stack.template", b"Resources:\n  B:\n    Type: AWS::S3::Bucket\n", discover.CLOUDFORMATION),
    ("plan.json", b'{"format_version": "1.2", "terraform_version": "1.11.0"}', discover.PLAN),
    ("job.json", b'{"LabelingJobName": "x", "InputConfig": {}}', discover.REQUEST),
    ("machine.json", b'{"StartAt": "A", "States": {}}', discover.ASL),
    ("deploy.sh", b"aws s3api put-bucket-cors --bucket b", discover.SCRIPT),
    ("Makefile", b"cors:\n\taws s3api put-bucket-cors --bucket b\n", discover.SCRIPT),
    ("build.sh", b"echo hello", None),
    ("ci.yml", b"run: aws s3api put-bucket-cors --bucket b\n", discover.SCRIPT),
    ("package.json", b'{"name": "x"}', None),
    ("README.md", b"CORSRules", None),
    ("logo.png", b"\x89PNG", None),
])
def test_classify(name: str, head: bytes, kind: str | None) -> None:
    assert classify(name, head) == kind


def _walk(root: Path, exclude: list[str] | None = None, top: Path | None = None) -> list[str]:
    w = Walker(str(root), exclude or [])
    w.walk(str(top or root))
    return sorted(os.path.relpath(f.path, root).replace(os.sep, "/") for f in w.result.files)


def test_skip_dirs_but_scan_cdk_out(repo: Path) -> None:
    write_tree(repo, {d + "/cors.json": CORS_JSON for d in (
        ".git", ".terraform", "node_modules", "a/node_modules", "cdk.out", "src")})
    write_tree(repo, {"cors.json": CORS_JSON, "notes.txt": "CORSRules"})
    assert _walk(repo) == ["cdk.out/cors.json", "cors.json", "src/cors.json"]


def test_gitignore_files_folders_negation_and_nesting(repo: Path) -> None:
    write_tree(repo, {
        ".gitignore": "build/\n*.gen.json\n!keep.gen.json\n/rooted.json\n",
        "build/cors.json": CORS_JSON, "a.gen.json": CORS_JSON, "keep.gen.json": CORS_JSON,
        "rooted.json": CORS_JSON, "sub/rooted.json": CORS_JSON,
        "sub/.gitignore": "local.json\n", "sub/local.json": CORS_JSON,
        "other/local.json": CORS_JSON, "cors.xml": CORS_XML,
    })
    assert _walk(repo) == ["cors.xml", "keep.gen.json", "other/local.json", "sub/rooted.json"]


def test_gitignore_above_the_walked_folder_applies(repo: Path) -> None:
    write_tree(repo, {".gitignore": "secret/\n", "app/secret/cors.json": CORS_JSON,
                      "app/cors.json": CORS_JSON})
    assert _walk(repo, top=repo / "app") == ["app/cors.json"]


def test_exclude_patterns(repo: Path) -> None:
    write_tree(repo, {"fixtures/cors.json": CORS_JSON, "a/fixtures/cors.json": CORS_JSON,
                      "docs/cors.json": CORS_JSON, "cors.json": CORS_JSON,
                      "x/old.json": CORS_JSON})
    assert _walk(repo, ["fixtures/", "/docs", "**/old.json"]) == ["cors.json"]


def test_symlinks_neither_loop_nor_leave_the_tree(repo: Path, tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"cors.json": CORS_JSON})
    write_tree(repo, {"in/cors.json": CORS_JSON})
    os.symlink(repo / "in", repo / "in" / "loop")
    os.symlink(outside, repo / "out")
    os.symlink(outside / "cors.json", repo / "linked.json")
    assert _walk(repo) == ["in/cors.json"]


def test_find_root(repo: Path) -> None:
    write_tree(repo, {"a/b/x.json": ""})
    assert find_root(str(repo / "a" / "b")) == str(repo)
    assert find_root(str(repo / "a" / "b" / "x.json")) == str(repo)


def test_cli_honours_gitignore_and_exclude(repo: Path) -> None:
    write_tree(repo, {".gitignore": "ignored/\n", "ignored/bad.json": BAD_CORS,
                      "excluded/bad.json": BAD_CORS, "node_modules/bad.json": BAD_CORS,
                      ".terraform/bad.json": BAD_CORS, "src/bad.json": BAD_CORS,
                      "README.md": "not scanned", ".policylint.yaml": "exclude: [excluded/]\n"})
    assert json_findings([], repo) == [("PL200", "src/bad.json", 1, 2)]


def test_cli_given_a_single_file_reports_that_file(repo: Path) -> None:
    write_tree(repo, {"a/bad.json": BAD_CORS, "b/bad.json": BAD_CORS})
    assert json_findings(["a/bad.json"], repo) == [("PL200", "a/bad.json", 1, 2)]


@pytest.mark.parametrize("pattern, path, matches", [
    ("*[!a]a*a", "ba/aa", False), ("[!x]", "a/b", True), ("a[!x]b", "a/b", False),
    ("a[^x]b", "a/b", False), ("a[!x]b", "acb", True), ("x[!a]*", "xb/c", True)])
def test_negated_bracket_never_matches_the_separator(pattern: str, path: str,
                                                     matches: bool) -> None:
    """git's wildmatch: ``[!a]`` (or ``[^a]``) matches one character of a name, never ``/``."""
    from policylint import ignore

    compiled = ignore.compile_pattern(pattern)
    assert compiled is not None
    assert bool(compiled.regex.match(path)) is matches
