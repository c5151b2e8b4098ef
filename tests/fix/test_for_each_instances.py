"""Issue 15 item 12: count/for_each instances are fixable one by one: a configuration of
``img["a"]`` does not stop ``--fix`` from adding one for ``img["b"]``; a configuration that may
cover the instance (a non-literal index) makes it unverified (PL102), and --fix adds nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from fix_support import findings, run

JOBS = """
resource "aws_sagemaker_labeling_job" "j_{n}" {{
  input_config {{
    data_source {{
      s3_data_source {{
        manifest_s3_uri = "s3://acme-img-{n}/in.manifest"
      }}
    }}
  }}
}}
"""

RULE = """  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
    expose_headers  = ["Access-Control-Allow-Origin"]
  }
"""


def _project(tmp_path: Path, meta: str, own: str, keys: tuple[str, str]) -> Path:
    work = tmp_path / "p"
    work.mkdir()
    (work / ".git").mkdir()
    text = (f'resource "aws_s3_bucket" "img" {{\n  {meta}\n  bucket = "acme-img-${{{own}}}"\n}}\n'
            f'\nresource "aws_s3_bucket_cors_configuration" "img_first" {{\n'
            f"  bucket = aws_s3_bucket.img[{keys[0]}].id\n{RULE}}}\n")
    text += "".join(JOBS.format(n=n) for n in ("a", "b") if meta.startswith("for_each")) or \
        "".join(JOBS.format(n=n) for n in ("0", "1"))
    (work / "main.tf").write_text(text, encoding="utf-8")
    return work


@pytest.mark.parametrize(("meta", "own", "keys", "addr"), [
    ('for_each = toset(["a", "b"])', "each.key", ('"a"', '"b"'), 'aws_s3_bucket.img["b"]'),
    ("count = 2", "count.index", ("0", "1"), "aws_s3_bucket.img[1]"),
])
def test_sibling_instance_with_own_configuration_is_fixed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        meta: str, own: str, keys: tuple[str, str], addr: str) -> None:
    work = _project(tmp_path, meta, own, keys)
    assert findings(work, capsys, monkeypatch) == [("PL100", "main.tf", 1)]
    before = (work / "main.tf").read_text(encoding="utf-8")
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 0
    bucket = addr.replace("aws_s3_bucket.img", "acme-img-").replace('["', "").replace(
        '"]', "").replace("[", "").replace("]", "")
    assert out.splitlines() == [f"fixed PL100 main.tf:1: {addr} ({bucket})",
                                "fixed 1 finding(s) in 1 file(s); 0 finding(s) left",
                                "All checks passed: no findings in 1 file."]
    after = (work / "main.tf").read_text(encoding="utf-8")
    name = "img_" + bucket.rsplit("-", 1)[1]
    start = after.index(f'resource "aws_s3_bucket_cors_configuration" "{name}" {{')
    added = after[start:after.index("\n}\n", start) + 3]
    # one new resource for this instance, nothing else changed
    assert added.splitlines()[1] == f"  bucket = {addr}.id"
    assert after.replace("\n" + added, "", 1) == before
    assert findings(work, capsys, monkeypatch) == []


def test_configuration_that_may_cover_the_instance_is_not_fixed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = _project(tmp_path, 'for_each = toset(["a", "b"])', "each.key", ('"a"', '"b"'))
    text = (work / "main.tf").read_text(encoding="utf-8")
    # a second configuration indexed by a value policylint cannot read may be img["b"]'s (or
    # img["a"]'s): both buckets are unverified (issue 15 item 9), and --fix adds nothing
    text += ('\nresource "aws_s3_bucket_cors_configuration" "img_other" {\n'
             "  bucket = aws_s3_bucket.img[var.which].id\n" + RULE + "}\n"
             'variable "which" {\n  type = string\n}\n')
    (work / "main.tf").write_text(text, encoding="utf-8")
    line = text.splitlines().index('resource "aws_s3_bucket_cors_configuration" "img_other" {') + 1
    assert findings(work, capsys, monkeypatch) == [("PL102", "main.tf", line)] * 2
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 0
    assert out.splitlines()[0] == "fixed 0 finding(s) in 0 file(s); 2 finding(s) left"
    assert (work / "main.tf").read_text(encoding="utf-8") == text


def test_own_unreadable_configuration_is_left_alone(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = _project(tmp_path, 'for_each = toset(["a", "b"])', "each.key", ('"a"', '"b"'))
    text = (work / "main.tf").read_text(encoding="utf-8")
    # img["b"]'s own configuration, with rules policylint cannot read: unverified, and --fix
    # adds no second configuration beside it
    text += ('\nresource "aws_s3_bucket_cors_configuration" "img_b" {\n'
             '  bucket = aws_s3_bucket.img["b"].id\n'
             "  dynamic \"cors_rule\" {\n    for_each = var.rules\n    content {\n"
             "      allowed_methods = cors_rule.value.methods\n"
             "      allowed_origins = cors_rule.value.origins\n    }\n  }\n}\n"
             'variable "rules" {\n  type = list(any)\n}\n')
    (work / "main.tf").write_text(text, encoding="utf-8")
    line = text[:text.index('resource "aws_s3_bucket_cors_configuration" "img_b"')].count("\n") + 1
    assert findings(work, capsys, monkeypatch) == [("PL102", "main.tf", line)]
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 0
    assert out.splitlines()[0] == "fixed 0 finding(s) in 0 file(s); 1 finding(s) left"
    assert (work / "main.tf").read_text(encoding="utf-8") == text
