"""File names that are not UTF-8 (names are bytes on Linux) work end to end, in a real process
whose stdout is strict UTF-8: the real bytes are kept (surrogate escapes), every report is valid
UTF-8 — JSON ``\\udcXX`` escapes that give the bytes back through ``os.fsencode``, SARIF URIs that
percent-encode them, ``\\xXX`` in text, github and junit — and ``--fix`` edits the real file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import pytest

REPO = Path(__file__).resolve().parents[1]
TAGGED = b'''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags = { "policylint:labeling-input" = "true" }
}
'''
# a folder, a file, and both; Latin-1, and bytes that are never UTF-8
NAMES = [b"caf\xe9/main.tf", b"main-\xe9t\xe9.tf", b"d\xff\xfe/n\xe4me.tf"]


def _tree(tmp_path: Path, name: bytes) -> bytes:
    root = os.fsencode(tmp_path / "repo")
    target = os.path.join(root, name)
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(TAGGED)
    except (OSError, UnicodeError) as exc:  # a file system that stores only UTF-8 names
        pytest.skip(f"this file system refuses the name {name!r}: {exc}")
    return root


def _run(root: bytes, *args: str) -> tuple[int, bytes, bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYLINT", "GITHUB"))}
    env.update(PYTHONIOENCODING="utf-8:strict", NO_COLOR="1", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "policylint", "--no-cache", *args], cwd=root,
                          capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def _shown(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


@pytest.mark.parametrize("name", NAMES, ids=_shown)
def test_json_keeps_the_real_bytes(tmp_path: Path, name: bytes) -> None:
    root = _tree(tmp_path, name)
    rc, out, err = _run(root, "--format", "json", ".")
    assert (rc, err) == (1, b"")
    doc = json.loads(out.decode("utf-8"))  # strict UTF-8
    [f] = doc["findings"]
    assert (f["rule"], f["line"], f["column"]) == ("PL100", 1, 1)
    assert os.fsencode(f["path"]) == name
    assert {os.fsencode(r["path"]) for r in f["related"]} == {name}
    assert b"\\udc" in out  # the escape, not the raw byte nor U+FFFD
    assert "\ufffd".encode() not in out


@pytest.mark.parametrize("name", NAMES, ids=_shown)
def test_sarif_uris_percent_encode_the_real_bytes(tmp_path: Path, name: bytes) -> None:
    sys.path.insert(0, str(REPO / "tests" / "integrations"))
    from integ_support import validate_sarif
    from sarif import loader  # sarif-tools

    root = _tree(tmp_path, name)
    rc, _, err = _run(root, "--format", "sarif:out.sarif", ".")
    assert (rc, err) == (1, b"")
    out = os.path.join(root, b"out.sarif")
    doc = json.loads(Path(os.fsdecode(out)).read_bytes().decode("utf-8"))
    validate_sarif(doc)
    [res] = doc["runs"][0]["results"]
    uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == quote(name, safe="/") and unquote_to_bytes(uri) == name
    [change] = res["fixes"][0]["artifactChanges"]
    assert unquote_to_bytes(change["artifactLocation"]["uri"]) == name
    records = loader.load_sarif_file(os.fsdecode(out)).get_records()
    assert [(r["Code"], r["Location"], r["Line"]) for r in records] == [("PL100", uri, 1)]


@pytest.mark.parametrize("fmt", ["text", "github", "junit"])
def test_text_formats_show_the_bytes_as_hex_escapes(tmp_path: Path, fmt: str) -> None:
    name = NAMES[0]
    root = _tree(tmp_path, name)
    rc, out, err = _run(root, "--format", fmt, ".")
    assert (rc, err) == (1, b"")
    text = out.decode("utf-8")  # valid UTF-8
    first = {"text": "caf\\xe9/main.tf:1:1: PL100 [error] ",
             "github": "::error file=caf\\xe9/main.tf,line=1,col=1,",
             "junit": '<?xml version="1.0"'}[fmt]
    assert text.startswith(first)
    if fmt == "junit":
        case = ET.fromstring(out).find("testsuite/testcase")
        assert case is not None and case.get("file") == "caf\\xe9/main.tf"


@pytest.mark.parametrize("name", NAMES, ids=_shown)
def test_fix_edits_the_real_file(tmp_path: Path, name: bytes) -> None:
    root = _tree(tmp_path, name)
    rc, out, err = _run(root, "--diff", ".")
    assert rc == 1
    assert out.decode("utf-8").startswith(f"--- a/{_shown(name)}\n+++ b/{_shown(name)}\n")
    rc, out, err = _run(root, "--fix", ".")
    assert rc == 0, err
    assert out.decode("utf-8").startswith(f"fixed PL100 {_shown(name)}:1: aws_s3_bucket.images")
    with open(os.path.join(root, name), "rb") as fh:
        fixed = fh.read()
    assert fixed.startswith(TAGGED) and b'resource "aws_s3_bucket_cors_configuration"' in fixed
    assert sorted(p for _, _, files in os.walk(root) for p in files) == sorted(
        [os.path.basename(name)])  # no other file written, no stray temporary file
    rc, out, _ = _run(root, "--format", "json", ".")
    assert (rc, json.loads(out)["findings"]) == (0, [])
