"""What --fix leaves alone, and says why; exit codes and output streams of --fix."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fix_support import FIXTURES, check_snapshot, copy_case, files, findings, run
from policylint import snippets
from policylint.fix import source, terraform
from policylint.model import Bucket, Format, Location

NOT_FIXED = [
    "not fixed PL100 main.tf:32: aws_s3_bucket.fail_unknown_count: the bucket has count or "
    "for_each: add an aws_s3_bucket_cors_configuration with the same count/for_each by hand",
]
LEFT = [("PL102", "main.tf", 34), ("PL100", "main.tf", 50)]


def test_refusals_are_explained_and_count_instances_are_fixed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case("refusals", tmp_path)
    assert findings(work, capsys, monkeypatch) == [
        ("PL100", "main.tf", 1), ("PL100", "main.tf", 1), ("PL102", "main.tf", 16),
        ("PL100", "main.tf", 32)]
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 1
    assert out.splitlines()[:4] == [
        "fixed PL100 main.tf:1: aws_s3_bucket.fail_count[0] (fail-count-0)",
        "fixed PL100 main.tf:1: aws_s3_bucket.fail_count[1] (fail-count-1)",
        *NOT_FIXED,
        "fixed 2 finding(s) in 1 file(s); 2 finding(s) left"]
    check_snapshot("refusals", work)
    assert findings(work, capsys, monkeypatch) == LEFT


def test_fix_with_json_output_keeps_stdout_machine_readable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case("refusals", tmp_path)
    rc, out, err = run(["--fix", "--format", "json", "."], work, capsys, monkeypatch)
    assert rc == 1
    assert [(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]] == LEFT
    assert err.splitlines()[2:3] == NOT_FIXED


def test_a_configuration_the_reader_did_not_bind_blocks_a_second_one() -> None:
    """Defence in depth: should a reader miss a configuration (e.g. one made only of dynamic
    blocks), PL100's fix must not add a second, conflicting one."""
    text = (FIXTURES / "refusals" / "input" / "main.tf").read_text()
    src = source.from_bytes("main.tf", "/nonexistent/main.tf", text.encode())
    assert not isinstance(src, str)
    bucket = Bucket("main.tf#aws_s3_bucket.fail_dynamic", "aws_s3_bucket.fail_dynamic",
                    "fail-dynamic", Location("main.tf", 11, 1, 14, 2), Format.TERRAFORM)
    assert terraform.add_configuration(src, bucket, snippets.BASIC) == (
        "aws_s3_bucket_cors_configuration.fail_dynamic (main.tf) already configures CORS for "
        "this bucket, in a way policylint cannot read (e.g. dynamic cors_rule): complete it by "
        "hand")


def test_fix_exit_code_follows_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case("pl104", tmp_path)
    (work / "scripts" / "cors.sh").unlink()  # leave only the PL104 note
    (work / "jobs" / "job2.json").unlink()
    assert findings(work, capsys, monkeypatch) == [("PL104", "cors/gt.json", 7)]
    before = files(work)
    assert run(["--fix", "."], work, capsys, monkeypatch)[0] == 0
    assert run(["--fix", "--fail-on", "note", "."], work, capsys, monkeypatch)[0] == 1
    assert files(work) == before
    assert run(["--diff", "."], work, capsys, monkeypatch)[:2] == (0, "")
