"""Notebooks: code cells as one module, positions inside the .ipynb JSON.

Fixture tests/fixtures/python/notebook/label.ipynb (indent=1 JSON, one source string per line):
- cell 2 assigns ``bucket = "nb-images"`` and has a ``%matplotlib`` magic (skipped);
- cell 3 calls create_labeling_job with ``f"s3://{bucket}/m.manifest"``: the f-string starts at
  line 31, column 78 of the file (after the escaped quotes before it);
- cell 4 is Python 2 (``print 'py2'``): a PL001 note at its first character (41:6), the rest
  of the notebook still read;
- cell 5 runs ``!aws s3api put-bucket-cors`` with PUT only: read by the script reader, PL101 at
  the inline document's CORSRules key (50:75).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import copy_fixture, run_cli

from policylint.readers.python import notebook


@pytest.fixture()
def nb(tmp_path: Path) -> Path:
    return copy_fixture("python/notebook", tmp_path)


def test_notebook_positions(nb: Path) -> None:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], nb)
    assert code == 1, err
    found = json.loads(out)["findings"]
    assert [(f["rule"], f["severity"], f["path"], f["line"], f["column"]) for f in found] == [
        ("PL001", "note", "label.ipynb", 41, 6),
        ("PL101", "error", "label.ipynb", 50, 75),
    ]
    related = [(r["message"], r["line"], r["column"]) for r in found[1]["related"]]
    assert ("Python create_labeling_job nb: input manifest (defined)", 31, 78) in related


def test_position_is_the_character_in_the_file(nb: Path) -> None:
    text = (nb / "label.ipynb").read_text(encoding="utf-8").splitlines()
    assert text[30][77:84] == 'f\\"s3:/'
    assert text[49][74:86] == '\\"CORSRules\\'


def test_escapes_map_each_character() -> None:
    raw = '"a\\"b\\u00e9\\n"'
    got = notebook._decode_map(raw, 0, 'a"b\u00e9\n')
    assert [off for _ch, off in got] == [1, 2, 4, 5, 11]


def test_writefile_cell_is_read_as_its_file(tmp_path: Path) -> None:
    nbdoc = {"cells": [{"cell_type": "code", "source": [
        "%%writefile start.py\n", "import boto3\n",
        ("boto3.client('s3').put_bucket_cors(Bucket='wf-bucket', CORSConfiguration="
         "{'CORSRules': [{'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']}]})\n")]},
        {"cell_type": "code", "source": ["%%bash\n", "echo hi\n"]},
        {"cell_type": "code", "source": [
            "import boto3\n", ("boto3.client('sagemaker').create_labeling_job(InputConfig="
                                "{'DataSource': {'S3DataSource': {'ManifestS3Uri': "
                                "'s3://wf-bucket/a.manifest'}}})")]}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "w.ipynb").write_text(json.dumps(nbdoc, indent=1), encoding="utf-8")
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], tmp_path)
    assert code == 1, err
    lines = (tmp_path / "w.ipynb").read_text(encoding="utf-8").splitlines()
    assert lines[7].startswith('    "boto3.client(')
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(out)["findings"]] \
        == [("PL101", "w.ipynb", 8, 6)]


def test_broken_notebook_json_is_a_note(tmp_path: Path) -> None:
    (tmp_path / "b.ipynb").write_text('{"cells": [ "create_labeling_job"', encoding="utf-8")
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], tmp_path)
    assert code == 0, err
    assert [(f["rule"], f["severity"], f["path"], f["line"]) for f in json.loads(out)["findings"]] \
        == [("PL001", "note", "b.ipynb", 1)]
