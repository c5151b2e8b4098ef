"""The Terraform reader through the real CLI and engine: exact (rule, path, line, column)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import copy_fixture, json_findings, run_cli, write_tree


def test_constructs(tmp_path: Path) -> None:
    """Tags, comments, inline/dynamic/resource CORS, for_each and count instances, labeling
    jobs, Step Functions (jsonencode, heredoc, file, templatefile), suppressions, PL001."""
    root = copy_fixture("terraform/constructs", tmp_path)
    assert json_findings(["."], root) == [
        ("PL001", "broken.tf", 2, 12),
        ("PL100", "broken.tf", 6, 1),  # analysed after the syntax error
        ("PL100", "main.tf", 35, 1),  # fail_tagged (tag inside merge())
        ("PL101", "main.tf", 51, 3),  # fail_inline: the cors_rule blocks
        ("PL101", "main.tf", 71, 3),  # fail_dynamic: the dynamic block
        ("PL201", "main.tf", 104, 1),  # fail_conflict: inline + resource
        ("PL100", "main.tf", 113, 1),  # fail_team["green"] (teams from *.auto.tfvars)
        ("PL101", "main.tf", 121, 1),  # fail_team["red"]
        ("PL200", "main.tf", 125, 24),  # "FETCH", at the list item
        ("PL100", "main.tf", 130, 1),  # shard[0]: the labeling job's manifest
        ("PL002", "main.tf", 143, 1),  # suppression without reason
        ("PL100", "main.tf", 144, 1),  # ... which does not apply
        ("PL100", "sfn.tf", 1, 1),  # heredoc definition
        ("PL100", "sfn.tf", 5, 1),  # file() definition
        ("PL100", "sfn.tf", 9, 1),  # templatefile() definition
        ("PL102", "sfn.tf", 64, 59),  # ManifestS3Uri.$ inside jsonencode
    ]


def _by_rule(root: Path) -> list[dict[str, object]]:
    code, out, err = run_cli([".", "--format", "json"], root)
    assert code in (0, 1), err
    return list(json.loads(out)["findings"])


def test_constructs_subjects_and_evidence(tmp_path: Path) -> None:
    root = copy_fixture("terraform/constructs", tmp_path)
    found = {(f["rule"], f["line"], f["path"]): f for f in _by_rule(root)}
    assert found[("PL100", 113, "main.tf")]["subject"] == 'aws_s3_bucket.fail_team["green"]'
    assert found[("PL100", 113, "main.tf")]["bucket"] == "acme-prod-green"
    assert found[("PL100", 130, "main.tf")]["bucket"] == "acme-prod-shard-0"
    heredoc = found[("PL100", 1, "sfn.tf")]["related"]
    assert {"path": "sfn.tf", "line": 30, "column": 32} in [
        {k: r[k] for k in ("path", "line", "column")} for r in heredoc]  # type: ignore[union-attr]
    template = found[("PL100", 9, "sfn.tf")]["related"]
    assert ("machine.json.tpl", 9) in [(r["path"], r["line"]) for r in template]  # type: ignore[index,union-attr]
    fix = found[("PL100", 35, "main.tf")]["fix"]
    assert "bucket = aws_s3_bucket.fail_tagged.id" in fix["snippet"]  # type: ignore[index]


def test_modules_two_levels_deep(tmp_path: Path) -> None:
    """for_each module instances, outputs through two levels, a remote module that is neither local, initialised nor modelled
    (Unknown), and
    a bucket that does not depend on inputs reported once, by its own module folder."""
    root = copy_fixture("terraform/modules", tmp_path)
    findings = _by_rule(root)
    got = [(f["rule"], f["path"], f["line"], f["subject"]) for f in findings]
    assert got == [
        ("PL102", "live/main.tf", 35, "ManifestS3Uri"),
        ("PL100", "modules/store/main.tf", 9,
         'module.data["video"].module.store.aws_s3_bucket.this'),
        ("PL104", "modules/store/main.tf", 20,
         'module.data["images"].module.store.aws_s3_bucket.this'),
        ("PL100", "modules/store/main.tf", 30, "aws_s3_bucket.fixed"),
        # bucket_prefix: no name, but bound by identity to the module's own report of it
        ("PL100", "modules/store/main.tf", 38, "aws_s3_bucket.prefixed"),
    ]
    assert [(r["path"], r["line"]) for r in findings[-1]["related"]] == [  # type: ignore[union-attr]
        ("modules/store/main.tf", 38), ("live/main.tf", 47)]
    assert "module.remote comes from 'cloudposse/s3-bucket/aws'" in str(
        findings[0]["message"])


def test_plan_json(tmp_path: Path) -> None:
    root = copy_fixture("terraform/plan", tmp_path)
    findings = _by_rule(root)
    assert [(f["rule"], f["path"], f["line"], f["subject"]) for f in findings] == [
        ("PL100", "plan.json", 8, "aws_s3_bucket.fail_images"),
        ("PL101", "plan.json", 65, "module.data.aws_s3_bucket.this"),
    ]


def test_plan_json_utf16_any_name(tmp_path: Path) -> None:
    """Detected by content under any name, UTF-16 with BOM (PowerShell's redirection)."""
    text = (Path(__file__).parent.parent / "fixtures/terraform/plan/plan.json").read_text()
    root = write_tree(tmp_path / "repo", {"out/tfplan-output.json": text.encode("utf-16")})
    (root / ".git").mkdir()
    assert json_findings(["."], root) == [
        ("PL100", "out/tfplan-output.json", 8, 11),
        ("PL101", "out/tfplan-output.json", 65, 15),
    ]


PRECOMMIT = {
    "infra/main.tf": (
        'resource "aws_s3_bucket" "images" {\n'
        '  bucket = "acme-precommit-images"\n'
        "  tags = {\n"
        '    "policylint:labeling-input" = "true"\n'
        "  }\n"
        "}\n"),
    "infra/cors.tf": (
        'resource "aws_s3_bucket_cors_configuration" "images" {\n'
        "  bucket = aws_s3_bucket.images.id\n"
        "\n"
        "  cors_rule {\n"
        '    allowed_methods = ["PUT"]\n'
        '    allowed_origins = ["*"]\n'
        "  }\n"
        "}\n"),
    "infra/variables.tf": 'variable "region" {\n  default = "us-east-1"\n}\n',
    "clean/main.tf": (
        'resource "aws_s3_bucket" "ok" {\n'
        '  bucket = "acme-precommit-ok"\n'
        '  tags   = { "policylint:labeling-input" = "true" }\n'
        "}\n"),
    "clean/cors.tf": (
        'resource "aws_s3_bucket_cors_configuration" "ok" {\n'
        "  bucket = aws_s3_bucket.ok.id\n"
        "  cors_rule {\n"
        '    allowed_methods = ["GET"]\n'
        '    allowed_origins = ["*"]\n'
        "  }\n"
        "}\n"),
}


def _git_repo(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", PRECOMMIT)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def test_precommit_file_arguments(tmp_path: Path) -> None:
    """Editing cors.tf surfaces the PL101 about the bucket declared in main.tf; a clean module
    stays clean whichever of its files is given."""
    root = _git_repo(tmp_path)
    assert json_findings(["infra/cors.tf"], root) == [("PL101", "infra/cors.tf", 1, 1)]
    assert json_findings(["infra/main.tf"], root) == [("PL101", "infra/cors.tf", 1, 1)]
    assert json_findings(["infra/variables.tf"], root) == [("PL101", "infra/cors.tf", 1, 1)]
    for name in ("clean/main.tf", "clean/cors.tf"):
        assert json_findings([name], root) == []


def test_one_file_run_does_not_import_tree_sitter(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cors.json": '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]\n'})
    (tmp_path / ".git").mkdir()
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "policylint", "cors.json"],
                          cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [ln.rsplit("|", 1)[-1].strip() for ln in proc.stderr.splitlines()
                if ln.startswith("import time:")]
    assert "policylint.cli" in imported
    assert not [m for m in imported if m.startswith(("tree_sitter", "policylint.readers.terraform"))]


def _chain(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
    return [(f["rule"], f["path"], f["line"], f["column"], f["subject"],
             tuple((r["path"], r["line"], r["column"]) for r in f["related"]))  # type: ignore[attr-defined]
            for f in findings]


def test_json_syntax_documents_iam_and_comments(tmp_path: Path) -> None:
    """.tf.json and .tfvars.json, jsondecode(file()) CORS documents, bucket_prefix buckets bound
    by identity, IAM-inferred inputs (one severity lower), `//` and trailing comments with
    character columns after non-ASCII text, generic manifest_s3_uri resources."""
    root = copy_fixture("terraform/more", tmp_path)
    findings = _by_rule(root)
    assert _chain(findings) == [
        ("PL100", "iam.tf", 1, 1, "aws_s3_bucket.a2i_in",
         (("iam.tf", 1, 1), ("iam.tf", 18, 21))),
        ("PL102", "iam.tf", 32, 12, "acme-a2i-elsewhere", (("iam.tf", 32, 12),)),
        # the RoleArn of a createLabelingJob task in a state machine
        ("PL100", "iam.tf", 48, 1, "aws_s3_bucket.gt_frames",
         (("iam.tf", 48, 1), ("iam.tf", 62, 7))),
        ("PL101", "main.tf", 9, 1, "aws_s3_bucket.fail_document",
         (("main.tf", 5, 1), ("main.tf", 5, 44), ("main.tf", 9, 1))),
        ("PL100", "main.tf", 21, 1, "aws_s3_bucket.fail_prefix",
         (("main.tf", 21, 1), ("main.tf", 22, 34), ("main.tf", 30, 27))),
        ("PL104", "main.tf", 51, 3, "aws_s3_bucket.note_expose",
         (("main.tf", 45, 1), ("main.tf", 42, 21), ("main.tf", 49, 1))),
        # point-cloud job: input and output buckets need GET, HEAD, PUT and headers *
        ("PL103", "main.tf", 62, 1, "aws_s3_bucket.fail_points[0]",
         (("main.tf", 57, 1), ("main.tf", 76, 27), ("main.tf", 62, 1))),
        ("PL103", "main.tf", 62, 1, "aws_s3_bucket.fail_points[1]",
         (("main.tf", 57, 1), ("main.tf", 81, 22), ("main.tf", 62, 1))),
        ("PL104", "main.tf", 65, 3, "aws_s3_bucket.fail_points[0]",
         (("main.tf", 57, 1), ("main.tf", 76, 27), ("main.tf", 62, 1))),
        ("PL100", "main.tf.json", 5, 7, "aws_s3_bucket.fail_json",
         (("main.tf.json", 5, 7), ("main.tf.json", 7, 9))),
    ]
    severities = {(f["rule"], f["line"]): f["severity"] for f in findings}
    assert severities[("PL100", 1)] == "warning"  # inferred from IAM: one level lower
    assert severities[("PL100", 48)] == "warning"
    assert findings[-1]["bucket"] == "acme-fromjson-bucket"  # *.auto.tfvars.json
    assert "cors.json applies" in str(findings[3]["related"])


def test_precommit_on_a_library_module_reports_its_instances(tmp_path: Path) -> None:
    """Editing a module's file reports what its callers make of it (the repository is the
    context), and nothing about the callers' own files."""
    root = copy_fixture("terraform/modules", tmp_path)
    assert json_findings(["modules/store/main.tf"], root) == [
        ("PL100", "modules/store/main.tf", 9, 1),
        ("PL104", "modules/store/main.tf", 20, 3),
        ("PL100", "modules/store/main.tf", 30, 1),
        ("PL100", "modules/store/main.tf", 38, 1),
    ]
    # from the caller: its own findings, and those whose evidence lies in it (the labeling
    # job in live/main.tf feeds module.data["images"])
    assert json_findings(["live/main.tf"], root) == [
        ("PL102", "live/main.tf", 35, 27),
        ("PL104", "modules/store/main.tf", 20, 3),
        ("PL100", "modules/store/main.tf", 38, 1),
    ]


JOB = '''resource "aws_sagemaker_labeling_job" "t" {
  human_task_config {
    pre_human_task_lambda_arn = "arn:${data.aws_partition.current.partition}:lambda:${var.region}:081040173940:function:PRE-%s"
  }
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://acme-unscanned/x.manifest"
      }
    }
  }
}
'''


def test_task_type_is_read_from_a_partly_unknown_arn(repo: Path) -> None:
    """The provider's own test config builds the ARN from data sources; the task type is still
    literal: a text task needs nothing, an image task is judged."""
    write_tree(repo, {"text/main.tf": JOB % "NamedEntityRecognition",
                      "image/main.tf": JOB % "BoundingBox"})
    assert json_findings(["."], repo) == [("PL102", "image/main.tf", 8, 27)]


def test_document_problems_reported_once(tmp_path: Path) -> None:
    """A CORS document decoded by jsondecode(file()) is also a CORS file: its PL200 comes once,
    from the document's own reader, with its S3 field names."""
    root = copy_fixture("terraform/more", tmp_path)
    doc = root / "cors.json"
    doc.write_text(doc.read_text().replace('"PUT"', '"FETCH"'))
    findings = _by_rule(root)
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings
            if f["rule"] == "PL200"] == [("PL200", "cors.json", 4, 26)]
    assert "AllowedMethods has 'FETCH'" in str(findings[0]["message"])
