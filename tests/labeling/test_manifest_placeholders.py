"""Issue 15 item 17: a manifest whose source-ref buckets are placeholders is an unverified use
(PL102 once per file), never silently dropped."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import json_findings, run_cli, write_tree


@pytest.mark.parametrize("uri", ["s3://$BUCKET/a.jpg", "s3://${bucket}/a.jpg",
                                 "s3://<your-bucket>/a.jpg", "s3://{{ bucket }}/a.jpg",
                                 "s3://%(bucket)s/a.jpg"])
@pytest.mark.parametrize("name", ["in.manifest", "data/in.jsonl"])
def test_placeholder_bucket_is_pl102_once_per_file(repo: Path, uri: str, name: str) -> None:
    lines = [json.dumps({"source-ref": uri.replace("a.jpg", f"{i}.jpg")}) for i in range(3)]
    write_tree(repo, {name: "\n".join(lines) + "\n"})
    code, out, _ = run_cli(["--format", "json"], repo)
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [
        ("PL102", name, 1, 16)]
    assert "placeholder" in findings[0]["message"]
    assert "(and 2 more lines)" in findings[0]["related"][0]["message"]
    assert code == 0


def test_placeholder_beside_real_buckets(repo: Path) -> None:
    write_tree(repo, {"in.manifest": '{"source-ref": "s3://acme-real/a.jpg"}\n'
                                     '{"source-ref": "s3://$B/b.jpg"}\n',
                      "main.tf": 'resource "aws_s3_bucket" "real" {\n  bucket = "acme-real"\n}\n'})
    assert json_findings(["."], repo) == [("PL102", "in.manifest", 2, 16),
                                          ("PL100", "main.tf", 1, 1)]


def test_text_manifest_with_placeholder_needs_nothing(repo: Path) -> None:
    write_tree(repo, {"in.manifest": '{"source": "hello s3://$B/x"}\n'})
    assert json_findings(["."], repo) == []
