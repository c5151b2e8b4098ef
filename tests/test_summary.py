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
