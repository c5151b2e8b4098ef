"""--fix verification re-reads only what an edit can change: the edited units and the units that
read the edited files (issue 12 item 6). Counted in units read and files parsed, not in time."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import write_tree

from policylint import cli, readphase
from policylint.readers.terraform import module as tf_module

TAG = '  tags   = { "policylint:labeling-input" = "true" }\n'
GOOD_CORS = """\
resource "aws_s3_bucket_cors_configuration" "b" {{
  bucket = aws_s3_bucket.b.id
  cors_rule {{
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }}
}}
"""
GOOD_TEMPLATE = """\
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-t{i}
      Tags: [{{Key: "policylint:labeling-input", Value: "true"}}]
      CorsConfiguration:
        CorsRules: [{{AllowedMethods: [GET], AllowedOrigins: ["*"]}}]
"""


def _repo(tmp_path: Path) -> Path:
    """20 units: a local module whose bucket lacks CORS, the root module that calls it, and 18
    clean units (9 Terraform folders, 9 templates) that read nothing of the module."""
    files: dict[str, str] = {
        ".git/HEAD": "",
        "modules/store/main.tf": 'resource "aws_s3_bucket" "data" {\n  bucket = "acme-data"\n'
                                 + TAG + "}\n",
        "app/main.tf": 'module "store" {\n  source = "../modules/store"\n}\n',
    }
    for i in range(9):
        files[f"tf{i}/main.tf"] = (f'resource "aws_s3_bucket" "b" {{\n  bucket = "acme-{i}"\n'
                                   + TAG + "}\n\n" + GOOD_CORS.format())
        files[f"cfn{i}.yaml"] = GOOD_TEMPLATE.format(i=i)
    # a comment naming the test: bytes no other test parsed (the parse memo is per process)
    return write_tree(tmp_path, {k: (f"# {tmp_path.name}\n" + v if k.endswith(".tf") else v)
                                 for k, v in files.items()})


def _spy(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[str, bool]], list[str]]:
    units: list[tuple[str, bool]] = []  # (unit key, read over an overlay)
    parsed: list[str] = []
    real_read, real_parse = readphase.read_unit, tf_module.parse_hcl

    def read(kind: str, key: str, *args: Any, **kw: Any) -> Any:
        units.append((key, kw.get("overlay") is not None))
        return real_read(kind, key, *args, **kw)

    def parse(path: str, data: bytes, *args: Any) -> Any:
        parsed.append(path)
        return real_parse(path, data, *args)

    monkeypatch.setattr(readphase, "read_unit", read)
    monkeypatch.setattr(tf_module, "parse_hcl", parse)
    return units, parsed


@pytest.mark.parametrize("cache", [False, True])
def test_verification_reads_the_edited_unit_and_its_dependants_only(
        cache: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setenv("NO_COLOR", "1")
    flags = [] if cache else ["--no-cache"]
    if cache:  # a warm cache: the first run of --fix reads nothing, yet knows what each read
        assert cli.main(["--format", "json", "."] + flags) == 1
    capsys.readouterr()
    units, parsed = _spy(monkeypatch)
    assert cli.main(["--fix", "--jobs", "1", "."] + flags) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "fixed PL100 modules/store/main.tf:2: aws_s3_bucket.data" in out
    first = sorted(k for k, over in units if not over)
    verified = sorted(k for k, over in units if over)
    assert len(first) == (0 if cache else 20)
    assert verified == ["app", "modules/store"]
    # verification parses the edited file once over its new bytes (for its own unit and as
    # app's child: the per-run memo) and nothing else; a cold run parsed the 11 .tf files
    # first, and the fixer took the edited file's parse from that run (the warm run's parses
    # came from the in-process run that warmed the cache)
    cold = ["app/main.tf", "modules/store/main.tf"] + [f"tf{i}/main.tf" for i in range(9)]
    assert parsed == ([] if cache else cold) + ["modules/store/main.tf"]
    monkeypatch.undo()
    monkeypatch.chdir(root)
    assert cli.main(["--format", "json", "--no-cache", "."]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_a_file_not_written_is_relinted_from_its_own_unit_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails leaves the disk as it was: the report after it re-reads nothing."""
    from policylint.fix import apply

    root = _repo(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.setattr(apply, "write_atomic", lambda src, new: "disk full")
    units, _parsed = _spy(monkeypatch)
    assert cli.main(["--fix", "--jobs", "1", "--no-cache", "."]) == 1
    assert "disk full" in capsys.readouterr().out
    assert sorted(k for k, over in units if over) == ["app", "modules/store"]  # verification
