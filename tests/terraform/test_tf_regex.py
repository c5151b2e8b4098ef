"""regex(), regexall() and replace() with /pattern/: RE2 semantics as in Terraform, linear time
(a catastrophic pattern ends at once), RE2's syntax limits as errors (unknown with the reason),
nothing printed by RE2 itself."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policylint.model import Unknown
from tests.terraform.test_tf_evaluate import module


def _local(tmp_path: Path, expr: str) -> Any:
    return module(tmp_path, {"main.tf": f"locals {{\n  x = {expr}\n}}\n"}).local("x")


@pytest.mark.parametrize("expr, expected", [
    ('regex("[a-z]+-(\\\\d+)", "bucket acme-42 x")', ["42"]),
    ('regex("acme-\\\\d+", "bucket acme-42 x")', "acme-42"),
    ('regex("(?P<name>[a-z]+)-(?P<n>\\\\d+)", "acme-42")', {"name": "acme", "n": "42"}),
    ('regex("(a)(b)?", "a")', ["a", None]),
    ('regexall("\\\\d+", "a1b22c333")', ["1", "22", "333"]),
    ('regexall("(\\\\w)(\\\\d)", "a1 b2")', [["a", "1"], ["b", "2"]]),
    ('regexall("x", "abc")', []),
    ('regexall("(a|a)*$", "aa!")', [[None]]),
    ('regexall("x*", "ab")', ["", "", ""]),
    ('replace("aa!", "/(a|a)*$/", "x")', "aa!x"),
    ('replace("ab", "/x*/", "-")', "-a-b-"),
    ('length(regexall("^arn:", "arn:aws:s3:::b"))', 1),
    ('can(regex("^x", "abc"))', False),
    ('replace("acme-42", "/(\\\\d+)/", "n$1")', "acme-n42"),
    ('replace("acme-42", "/(?P<d>\\\\d+)/", "<$${d}>")', "acme-<42>"),
    ('replace("a.b", "/\\\\./", "$$\\\\")', "a$\\b"),
    ('replace("ab", "/(a)/", "$9")', "b"),
    ('replace("AbC", "/(?i)[a-c]/", "x")', "xxx"),
    ('replace("a/b", "/", "-")', "a-b"),
])
def test_terraform_regex_functions(tmp_path: Path, expr: str, expected: Any) -> None:
    assert _local(tmp_path, expr) == expected


@pytest.mark.parametrize("pattern", ["(a)\\\\1", "(?=a)", "(?!a)", "(?<=a)b", "(?<!a)b",
                                     "a++", "[a-", "((a{1000}){1000}){1000}", "(?P<n>a)(b)"])
def test_patterns_re2_refuses_are_unknown_with_terraforms_reason(
        tmp_path: Path, pattern: str, capfd: pytest.CaptureFixture[str]) -> None:
    got = _local(tmp_path, f'regex("{pattern}", "aab")')
    assert isinstance(got, Unknown)
    assert got.reason.startswith("invalid regular expression: "), got.reason
    assert capfd.readouterr() == ("", "")  # RE2 logs parse errors unless told not to


@pytest.mark.parametrize("call", [
    'regex("(a+)+$", local.s)', 'regexall("(a|a)*$", local.s)',
    'replace(local.s, "/^(([a-z])+.)+[A-Z]([a-z])+$/", "x")', 'can(regex("(a*)*b", local.s))'])
def test_catastrophic_patterns_end_at_once(tmp_path: Path, call: str) -> None:
    """With Python's backtracking ``re`` each of these runs for longer than the universe; RE2
    is linear in the text. (The hang guard is the reliability tests' deadline.)"""
    from tests.reliability.test_reliability_fuzz import deadline

    m = module(tmp_path, {"main.tf": f'locals {{\n  s = "{"a" * 5000}!"\n  x = {call}\n}}\n'})
    with deadline(10):
        got = m.local("x")
    assert got in ([[None]], False) or got == "a" * 5000 + "!" or (
        isinstance(got, Unknown) and "did not match" in got.reason), got


def test_re2_is_imported_only_when_a_pattern_is_evaluated(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from policylint.readers.terraform import evaluate; "
            "print(json.dumps('re2' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) is False
