"""Issue 13's done-when: a notebook uploads images, writes a manifest and calls
create_labeling_job on a bucket a SAM template creates without CORS → PL100 on that bucket with
the notebook call in its evidence; the same repository with the CORS rule added passes.

Fixture tests/fixtures/python/sam-notebook/: template.yaml (ImagesBucket, sam-nb-images, line 6)
and notebooks/label.ipynb (manifest line dict at 44:43, ManifestS3Uri f-string at 59:78).
"""
from __future__ import annotations

import json
from pathlib import Path

from conftest import copy_fixture, run_cli


def test_notebook_job_on_sam_bucket_without_cors_fails(tmp_path: Path) -> None:
    root = copy_fixture("python/sam-notebook", tmp_path)
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 1, err
    found = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"], f["bucket"]) for f in found] == [
        ("PL100", "template.yaml", 6, 3, "sam-nb-images")]
    related = [(r["path"], r["line"], r["column"], r["message"]) for r in found[0]["related"]]
    assert ("notebooks/label.ipynb", 59, 78,
            "Python create_labeling_job cats-boxes: input manifest (defined)") in related
    assert ("notebooks/label.ipynb", 44, 43,
            "Python manifest line (source-ref) built in code (inferred)") in related


def test_same_repository_with_cors_passes(tmp_path: Path) -> None:
    root = copy_fixture("python/sam-notebook", tmp_path)
    template = root / "template.yaml"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "      VersioningConfiguration:",
        "      CorsConfiguration:\n        CorsRules:\n          - AllowedMethods: [GET]\n"
        "            AllowedOrigins: ['*']\n"
        "            ExposedHeaders: [Access-Control-Allow-Origin]\n      VersioningConfiguration:"), encoding="utf-8")
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 0, err
    assert json.loads(out)["findings"] == []
