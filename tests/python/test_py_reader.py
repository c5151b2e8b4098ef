"""The Python reader: calls, positions, PL001 notes, the prefilter.

Fixture tests/fixtures/python/basic/:
- job.py: create_labeling_job with an f-string manifest in py-images-bucket (line 10, the value
  at column 67) and a partly known PreHumanTaskLambdaArn (image task);
- cors.py: put_bucket_cors on py-images-bucket whose rules (a name assigned above) lack GET;
- unrelated.py: no API named: never parsed.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli

from policylint.readers import python as pyreader


def _scan(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache", *args], root)
    assert code in (0, 1), err
    return code, json.loads(out)


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, str, int, int]]:
    return [(f["rule"], f["severity"], f["path"], f["line"], f["column"])
            for f in scan["findings"]]


@pytest.fixture()
def basic(tmp_path: Path) -> Path:
    return copy_fixture("python/basic", tmp_path)


def test_put_bucket_cors_without_get_fails_for_labeling_bucket(basic: Path) -> None:
    code, scan = _scan(basic)
    assert code == 1
    assert _keys(scan) == [("PL101", "error", "cors.py", 5, 1)]
    evidence = [r["message"] for r in scan["findings"][0]["related"]]
    assert any("create_labeling_job cats" in m for m in evidence), evidence


def test_create_labeling_job_alone_is_unverifiable(basic: Path) -> None:
    (basic / "cors.py").unlink()
    code, scan = _scan(basic)
    assert code == 0
    assert _keys(scan) == [("PL102", "warning", "job.py", 10, 67)]
    assert "py-images-bucket" in scan["findings"][0]["message"]


def test_unrelated_python_is_not_parsed(basic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    parsed: list[str] = []
    real = ast.parse

    def counting(source: Any, filename: str = "<unknown>", *a: Any, **k: Any) -> Any:
        parsed.append(str(filename))
        return real(source, filename, *a, **k)

    monkeypatch.setattr(ast, "parse", counting)
    for i in range(30):
        (basic / f"mod{i}.py").write_text("import os\nx = os.getcwd()\n", encoding="utf-8")
    # unrelated code of the same neighbourhood: boto3, S3 and SageMaker calls that are not
    # labeling ones, nested packages, a notebook; none names an API the reader understands
    pkg = basic / "svc" / "deep" / "pkg"
    pkg.mkdir(parents=True)
    for i in range(200):
        (pkg / f"m{i}.py").write_text(
            "import boto3\ns3 = boto3.client('s3')\n"
            f"s3.upload_file('a', 'bucket-{i}', 'k')\n"
            "boto3.client('sagemaker').create_training_job(TrainingJobName='t')\n",
            encoding="utf-8")
    (pkg / "explore.ipynb").write_text(json.dumps({"cells": [{
        "cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
        "source": ["import sagemaker\n", "sagemaker.Session().default_bucket()\n"]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    (basic / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    _scan(basic)
    assert sorted(Path(p).name for p in parsed) == ["cors.py", "job.py"]
    parsed.clear()
    # a one-file (pre-commit) run widens the scan to the repository for context: still only
    # the files that passed the prefilter are parsed
    code, _out, err = run_cli(["main.tf", "--no-cache"], basic)
    assert code in (0, 1), err
    assert sorted(Path(p).name for p in parsed) == ["cors.py", "job.py"]


def test_prefilter_admits_every_call_the_reader_understands() -> None:
    from policylint import discover
    from policylint.readers.python import calls

    assert discover.PYTHON_MARKS is calls.PREFILTER
    # resource verbs (BucketCors(n).put(), Bucket(n).Cors().delete()) pass through their
    # receiver's mark; every other method the reader handles is a mark or contains one
    verbs = {"put", "delete", "create"}
    a2i_builtins = {"analyze_document", "detect_moderation_labels"}  # only with HumanLoopConfig
    for name in set(calls.HANDLERS) - verbs - a2i_builtins:
        assert discover.python_prefilter(f"x.{name}(".encode()), name
    for name in a2i_builtins:
        assert not discover.python_prefilter(f"x.{name}(Document=d)".encode())
        assert discover.python_prefilter(f"x.{name}(HumanLoopConfig=h)".encode())
    for verb in sorted(verbs - {"create"}):
        assert discover.python_prefilter(f"s3.BucketCors('b').{verb}()".encode())
        assert discover.python_prefilter(f"s3.Bucket('b').Cors().{verb}()".encode())


def test_python2_file_is_a_note_only_when_prefiltered(basic: Path) -> None:
    (basic / "old.py").write_text('print "put_bucket_cors"\n', encoding="utf-8")
    (basic / "old_unrelated.py").write_text('print "hello"\n', encoding="utf-8")
    (basic / "cors.py").unlink()
    _code, scan = _scan(basic)
    assert ("PL001", "note", "old.py", 1, 1) in _keys(scan)
    assert all(f["path"] != "old_unrelated.py" for f in scan["findings"])


def test_parse_counter_counts() -> None:
    before = pyreader.PARSES[0]
    pyreader.parse("x = 1\n", "a.py")
    assert pyreader.PARSES[0] == before + 1


def test_sagemaker_default_bucket_is_one_named_unknown_with_a_command_fix(tmp_path: Path) -> None:
    from policylint.model import SageMakerDefaultBucket

    (tmp_path / "job.py").write_text(
        "import boto3, sagemaker\n"
        "bucket = sagemaker.session.Session().default_bucket()\n"
        "boto3.client('sagemaker').create_labeling_job(\n"
        "    LabelingJobName='j',\n"
        "    InputConfig={'DataSource': {'S3DataSource': {\n"
        "        'ManifestS3Uri': 's3://' + bucket + '/in.manifest'}}})\n")
    code, scan = _scan(tmp_path)
    assert code == 0
    assert _keys(scan) == [("PL102", "warning", "job.py", 6, 26)]
    finding = scan["findings"][0]
    assert "the SageMaker default bucket sagemaker-<region>-<account-id>" in finding["message"]
    assert finding["fix"]["snippet"].startswith(
        "aws s3api put-bucket-cors --bucket sagemaker-<region>-<account-id> ")
    from policylint.readers.python.evaluate import SAGEMAKER_DEFAULT_BUCKET, bound

    assert isinstance(bound(SAGEMAKER_DEFAULT_BUCKET), SageMakerDefaultBucket)
