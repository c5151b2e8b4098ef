"""The fixer's guarantees: bytes outside the edit, CRLF and BOM kept; verification by re-linting;
atomic writes that refuse a file changed since it was read; PL104 only on request; refusals."""
from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

import pytest

from fix_support import FIXTURES, check_snapshot, copy_case, files, findings, only_insertions, run
from policylint.fix import apply as fix_apply
from policylint.fix import cors_doc, source
from policylint.fix.source import Edit

CONFIG = "cors-files:\n  cors/a.json: fail-bucket\nlabeling:\n  buckets: [fail-bucket]\n"
DOC = '{\n  "CORSRules": [\n    {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}\n  ]\n}\n'


def _project(tmp_path: Path, doc: bytes) -> Path:
    (tmp_path / "cors").mkdir()
    (tmp_path / ".policylint.yaml").write_text(CONFIG)
    (tmp_path / "cors" / "a.json").write_bytes(doc)
    return tmp_path


def test_crlf_and_bom_are_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    before = codecs.BOM_UTF8 + DOC.replace("\n", "\r\n").encode()
    work = _project(tmp_path, before)
    assert findings(work, capsys, monkeypatch) == [("PL101", "cors/a.json", 2)]
    rc, _out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    after = (work / "cors" / "a.json").read_bytes()
    assert rc == 0
    assert after == codecs.BOM_UTF8 + (
        '{\r\n  "CORSRules": [\r\n    {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]},'
        '\r\n    {"AllowedHeaders": [], "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],'
        ' "ExposeHeaders": []}\r\n  ]\r\n}\r\n').encode()
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert only_insertions(before, after)
    assert findings(work, capsys, monkeypatch) == []


def test_apply_splices_bytes_and_converts_line_breaks() -> None:
    data = codecs.BOM_UTF8 + "é\r\nb\r\n".encode()
    src = source.from_bytes("x", "/x", data)
    assert not isinstance(src, str)
    assert src.newline == "\r\n"
    out = source.apply(src, [Edit(3, 3, "new\n")])  # after "é\r\n"
    assert out == codecs.BOM_UTF8 + "é\r\nnew\r\nb\r\n".encode()
    with pytest.raises(ValueError):
        source.apply(src, [Edit(0, 2, "a"), Edit(1, 1, "b")])


def test_utf16_and_invalid_utf8_are_refused() -> None:
    assert source.from_bytes("x", "/x", codecs.BOM_UTF16_LE + "{}".encode("utf-16-le")) == \
        "x is UTF-16/32 encoded: --fix edits UTF-8 files only"
    got = source.from_bytes("x", "/x", b"{\xff}")
    assert isinstance(got, str) and got.startswith("x is not valid UTF-8")


def test_write_refuses_a_file_changed_since_it_was_read(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"[]\n")
    src = source.load("a.json", str(path))
    assert not isinstance(src, str)
    path.write_bytes(b"[1]\n")
    assert fix_apply.write_atomic(src, b"[2]\n") == \
        "a.json changed since it was read: not written (run --fix again)"
    assert path.read_bytes() == b"[1]\n"


def test_write_is_atomic_and_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"[]\n")
    os.chmod(path, 0o640)
    src = source.load("a.json", str(path))
    assert not isinstance(src, str)
    assert fix_apply.write_atomic(src, b"[2]\n") is None
    assert path.read_bytes() == b"[2]\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["a.json"]  # no temporary file left behind


def test_fix_refuses_a_file_changed_during_the_run(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    work = _project(tmp_path, DOC.encode())
    real = fix_apply.relint
    edited = b'{"CORSRules": [{"AllowedMethods": ["HEAD"], "AllowedOrigins": ["*"]}]}\n'

    def relint_then_edit(*args: object, **kwargs: object) -> object:
        got = real(*args, **kwargs)  # type: ignore[arg-type]
        (work / "cors" / "a.json").write_bytes(edited)  # someone saves the file meanwhile
        return got

    monkeypatch.setattr(fix_apply, "relint", relint_then_edit)
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 1
    assert (work / "cors" / "a.json").read_bytes() == edited
    assert ("not fixed PL101 cors/a.json:2: fail-bucket: cors/a.json changed since it was "
            "read: not written (run --fix again)") in out


def test_a_fix_that_would_not_remove_its_finding_is_not_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = _project(tmp_path, DOC.encode())
    monkeypatch.setattr(cors_doc, "s3_rule", lambda n: {"AllowedMethods": ["PUT"],
                                                        "AllowedOrigins": ["*"]})
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 1
    assert (work / "cors" / "a.json").read_bytes() == DOC.encode()
    assert ("not fixed PL101 cors/a.json:2: fail-bucket: the edit would not remove PL101 "
            "(not written)") in out


def test_a_fix_that_would_add_a_finding_is_not_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = _project(tmp_path, DOC.encode())
    monkeypatch.setattr(cors_doc, "s3_rule", lambda n: {"AllowedMethods": ["GET", "FETCH"],
                                                        "AllowedOrigins": ["*"]})
    rc, out, _err = run(["--diff", "."], work, capsys, monkeypatch)
    assert (rc, out) == (0, "")
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 1
    assert (work / "cors" / "a.json").read_bytes() == DOC.encode()
    assert "not fixed PL101 cors/a.json:2: fail-bucket: the edit would add PL200 at " \
           "cors/a.json:4:32 (not written)" in out


def test_pl104_is_fixed_only_on_request(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case("pl104", tmp_path)
    left = [("PL104", "cors/gt.json", 7), ("PL101", "scripts/cors.sh", 2)]
    assert findings(work, capsys, monkeypatch) == left
    before = files(work)
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 1  # the PL101 in the script is left
    assert files(work) == before
    assert out.splitlines()[:3] == [
        "not fixed PL104 cors/gt.json:7: fail-gt-images: PL104 is fixed only on request "
        "(--select PL104)",
        "not fixed PL101 scripts/cors.sh:2: fail-script-bucket: the CORS rules are inline in a "
        "script command: edit the command by hand",
        "fixed 0 finding(s) in 0 file(s); 2 finding(s) left"]

    rc, out, _err = run(["--fix", "--select", "PL104", "."], work, capsys, monkeypatch)
    assert rc == 0
    assert out.splitlines()[0] == "fixed PL104 cors/gt.json:7: fail-gt-images"
    check_snapshot("pl104", work)
    assert findings(work, capsys, monkeypatch) == [("PL101", "scripts/cors.sh", 2)]
    assert (FIXTURES / "pl104" / "expected" / "cors" / "gt.json").exists()


def test_terraform_crlf_file_gets_crlf_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    text = ('resource "aws_s3_bucket" "fail_crlf" {\n  bucket = "fail-crlf"\n'
            '  tags   = { "policylint:labeling-input" = "true" }\n}\n')
    before = codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode()
    (tmp_path / "main.tf").write_bytes(before)
    assert findings(tmp_path, capsys, monkeypatch) == [("PL100", "main.tf", 1)]
    assert run(["--fix", "."], tmp_path, capsys, monkeypatch)[0] == 0
    after = (tmp_path / "main.tf").read_bytes()
    assert after == codecs.BOM_UTF8 + (text + '\nresource "aws_s3_bucket_cors_configuration" '
                                       '"fail_crlf" {\n  bucket = aws_s3_bucket.fail_crlf.id\n\n'
                                       '  cors_rule {\n    allowed_methods = ["GET"]\n'
                                       '    allowed_origins = ["*"]\n  }\n}\n'
                                       ).replace("\n", "\r\n").encode()
    assert findings(tmp_path, capsys, monkeypatch) == []


def test_diff_is_coloured_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    work = _project(tmp_path, DOC.encode())
    _rc, plain, _err = run(["--diff", "."], work, capsys, monkeypatch)
    assert "\x1b[" not in plain
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    capsys.readouterr()
    from policylint import cli

    assert cli.main(["--diff", "--no-cache", "."]) == 1
    coloured = capsys.readouterr().out
    assert coloured.splitlines()[0] == "\x1b[1m--- a/cors/a.json\x1b[0m"
    assert "\x1b[32m+" in coloured
    assert coloured.replace("\x1b[0m", "").replace("\x1b[1m", "").replace(
        "\x1b[36m", "").replace("\x1b[32m", "").replace("\x1b[31m", "") == plain
