"""The job summary's escaping and links (policylint.summary) and ``--github-summary``'s usage
errors; the whole summary, through the action's step script, is in
tests/integrations/test_action.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from policylint.cli import main
from policylint.summary import _blob_base, _link, escape


@pytest.mark.parametrize("raw, escaped", [
    ("a|b", "a\\|b"),
    ("`code`", "\\`code\\`"),
    ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
    ("&amp;", "&amp;amp;"),
    ("[x](https://evil)", "\\[x\\](https://evil)"),
    ("![i](u)", "\\!\\[i\\](u)"),
    ("*a* _b_ ~c~ $d$ \\e", "\\*a\\* \\_b\\_ \\~c\\~ \\$d\\$ \\\\e"),
    ("one\ntwo\r\nthree\rfour\u2028five\x85six\vseven\fend", "one two three four five six seven end"),
    ("nul\x00esc\x1b", "nul\ufffdesc\ufffd"),
    ("bad\udcff", "bad\\udcff"),
])
def test_escape_leaves_literal_text_on_one_line(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


def test_links_only_inside_the_repository() -> None:
    base = _blob_base({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
                       "GITHUB_SHA": "f00"})
    assert base == "https://github.com/o/r/blob/f00/"
    assert _link(base, "a b/c(1).tf", 7, "L") == "[L](https://github.com/o/r/blob/f00/a%20b/c%281%29.tf#L7)"
    assert _link(base, "caf\udce9.tf", 2, "L") == "[L](https://github.com/o/r/blob/f00/caf%E9.tf#L2)"
    assert _link(base, "../outside.tf", 1, "L") == "L"
    assert _link(base, "/abs/x.tf", 1, "L") == "L"
    assert _link(base, "C:/x.tf", 1, "L") == "L"
    assert _link(None, "x.tf", 1, "L") == "L"
    assert _blob_base({"GITHUB_SERVER_URL": "javascript:alert(1)", "GITHUB_REPOSITORY": "o/r",
                       "GITHUB_SHA": "f00"}) is None
    assert _blob_base({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r"}) is None


@pytest.mark.parametrize("argv, message", [
    (["--github-summary", ""], "--github-summary: the file name is empty"),
    (["--github-summary", "s.md", "--fix"], "--github-summary summarises a check, not --fix"),
    (["--github-summary", "s.md", "--show-inventory"],
     "--github-summary summarises a check, not --show-inventory"),
])
def test_summary_usage_errors(argv: list[str], message: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--no-cache"]) == 2
    assert capsys.readouterr().err == f"policylint: error: {message}\n"


def test_summary_shows_the_first_findings_and_every_bucket(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    (tmp_path / ".git").mkdir()
    tf = "".join(f'resource "aws_s3_bucket" "b{i:02}" {{\n  bucket = "in-{i:02}"\n'
                 f'  tags = {{ "policylint:labeling-input" = "true" }}\n}}\n'
                 for i in range(25))
    (tmp_path / "main.tf").write_text(tf, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for var in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"):
        monkeypatch.delenv(var, raising=False)
    assert main(["--no-cache", "-q", "--github-summary", "s.md"]) == 1
    capsys.readouterr()
    lines = (tmp_path / "s.md").read_text(encoding="utf-8").splitlines()
    assert lines[2] == ("25 error(s), 0 warning(s), 0 note(s) in 1 file(s); 0 suppressed, "
                        "0 baselined.")
    assert "| PL100 | labeling-bucket-without-cors | 25 |" in lines
    assert "### Labeling buckets (25)" in lines
    assert [ln for ln in lines if ln.startswith("| in-")] == [
        f"| in-{i:02} | no CORS | 1 | main.tf:{4 * i + 1}:1 |" for i in range(25)]
    assert "### Findings (the first 20 of 25)" in lines
    rows = [ln for ln in lines if ln.startswith("| error | PL100 |")]
    assert len(rows) == 20
    assert rows[0].startswith("| error | PL100 | main.tf:1:1 | S3 bucket aws\\_s3\\_bucket.b00 ")
    assert rows[-1].startswith("| error | PL100 | main.tf:77:1 | ")
