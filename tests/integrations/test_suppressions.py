"""Suppressions end to end, both ways: inline XML comments, config entries, PL002 for bad ones,
--strict for unused ones, --no-inline-suppressions for audits, and the counts in the summary."""
from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import pytest
from conftest import copy_fixture, findings_of, run_cli

from policylint import safexml, suppress
from policylint.model import Location
from policylint.readers.cors import xml_suppressions

FRAMES = "cors/fail_frames.xml"
IMAGES = "cors/fail_images.json"
BOTH = [("PL101", FRAMES, 1, 1), ("PL101", IMAGES, 1, 2)]
REASON = 'reason="served through CloudFront, which adds CORS"'


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    return copy_fixture("integrations/repo", tmp_path)


def _json(repo: Path, *args: str) -> tuple[int, list[tuple[str, str, int, int]], dict[str, int]]:
    code, out, err = run_cli([*args, "--format", "json"], repo)
    assert code in (0, 1), err
    return code, findings_of(out), json.loads(out)["summary"]


def _frames(repo: Path, text: str) -> None:
    (repo / FRAMES).write_text(text, encoding="utf-8")


FRAMES_XML = """<CORSConfiguration>
  <CORSRule>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedOrigin>https://labeling.example.com</AllowedOrigin>
  </CORSRule>
</CORSConfiguration>
"""


def _config(repo: Path, extra: str) -> None:
    path = repo / ".policylint.yaml"
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


# --- inline (XML comments) ------------------------------------------------------------------

def test_comment_before_the_root_suppresses(fixture_repo: Path) -> None:
    _frames(fixture_repo, f"<!-- policylint: disable=PL101 {REASON} -->\n" + FRAMES_XML)
    code, found, summary = _json(fixture_repo)
    assert (code, found, summary["suppressed"]) == (1, [("PL101", IMAGES, 1, 2)], 1)


def test_comment_ending_the_roots_first_line_suppresses(fixture_repo: Path) -> None:
    _frames(fixture_repo, FRAMES_XML.replace(
        "<CORSConfiguration>\n",
        f"<CORSConfiguration>  <!-- policylint: disable=labeling-bucket-cors-without-get "
        f"{REASON} -->\n"))
    code, found, summary = _json(fixture_repo)
    assert (found, summary["suppressed"]) == ([("PL101", IMAGES, 1, 2)], 1)


def test_comment_inside_the_root_above_a_rule_covers_that_rule(fixture_repo: Path) -> None:
    """One rule for every format (docs/suppressions.md): a comment on its own line is about the
    unit directly below it, here the <CORSRule>, not the document (PL101 is at the root)."""
    _frames(fixture_repo, FRAMES_XML.replace(
        "<CORSConfiguration>\n",
        f"<CORSConfiguration>\n  <!-- policylint: disable=labeling-bucket-cors-without-get "
        f"{REASON} -->\n"))
    code, found, summary = _json(fixture_repo, "--strict")
    assert found == [("PL101", FRAMES, 1, 1), ("PL002", FRAMES, 2, 3), ("PL101", IMAGES, 1, 2)]
    assert summary["suppressed"] == 0


def test_comment_inside_a_rule_does_not_cover_the_root(fixture_repo: Path) -> None:
    """The finding is at <CORSConfiguration>: a comment in a <CORSRule> governs only that rule."""
    _frames(fixture_repo, FRAMES_XML.replace(
        "  <CORSRule>\n", f"  <CORSRule>\n    <!-- policylint: disable=PL101 {REASON} -->\n"))
    code, found, summary = _json(fixture_repo, "--strict")
    assert found == [("PL101", FRAMES, 1, 1), ("PL002", FRAMES, 3, 5), ("PL101", IMAGES, 1, 2)]
    assert summary["suppressed"] == 0


def test_other_rule_in_comment_does_not_suppress(fixture_repo: Path) -> None:
    _frames(fixture_repo, f"<!-- policylint: disable=PL100 {REASON} -->\n" + FRAMES_XML)
    assert _json(fixture_repo)[1] == [("PL101", FRAMES, 2, 1), ("PL101", IMAGES, 1, 2)]


@pytest.mark.parametrize("directive, message", [
    ("disable=PL101", 'suppression has no reason: add reason="why this is safe"'),
    ("disable=PL999 reason=\"x\"", "suppression names unknown rule PL999"),
    ("disable=PL101 reason=\"x\" expires=2020-01-31",
     "suppression of PL101 expired on 2020-01-31: fix the finding or renew it"),
    ("disable=PL101 reason=\"x\" expires=someday",
     "suppression has an invalid expiry date 'someday' (use YYYY-MM-DD)"),
    ("disable=PL101 because", "malformed suppression: unexpected 'because' (expected "
                              "disable=CODES reason=\"...\" [expires=YYYY-MM-DD])"),
    ("disable=PL101 reason=\"unclosed", "malformed suppression: No closing quotation"),
])
def test_bad_inline_suppressions_are_pl002_and_not_applied(
        fixture_repo: Path, directive: str, message: str) -> None:
    _frames(fixture_repo, f"<!-- policylint: {directive} -->\n" + FRAMES_XML)
    code, out, _ = run_cli(["--format", "json"], fixture_repo)
    doc = json.loads(out)
    got = [(f["rule"], f["path"], f["line"], f["column"], f["severity"], f["message"])
           for f in doc["findings"]]
    assert got == [("PL002", FRAMES, 1, 1, "warning", message),
                   ("PL101", FRAMES, 2, 1, "error", got[1][5]),
                   ("PL101", IMAGES, 1, 2, "error", got[2][5])]
    assert doc["summary"]["suppressed"] == 0


def test_future_expiry_still_applies(fixture_repo: Path) -> None:
    _frames(fixture_repo,
            f"<!-- policylint: disable=PL101 {REASON} expires=2999-12-31 -->\n" + FRAMES_XML)
    assert _json(fixture_repo)[1] == [("PL101", IMAGES, 1, 2)]


def test_no_inline_suppressions_for_audits(fixture_repo: Path) -> None:
    _frames(fixture_repo, f"<!-- policylint: disable=PL101 {REASON} -->\n" + FRAMES_XML)
    code, found, summary = _json(fixture_repo, "--no-inline-suppressions")
    assert (found, summary["suppressed"]) == (
        [("PL101", FRAMES, 2, 1), ("PL101", IMAGES, 1, 2)], 0)


def test_strict_reports_an_inline_suppression_that_matched_nothing(fixture_repo: Path) -> None:
    _frames(fixture_repo, f"<!-- policylint: disable=PL104 {REASON} -->\n" + FRAMES_XML)
    assert _json(fixture_repo)[1] == [("PL101", FRAMES, 2, 1), ("PL101", IMAGES, 1, 2)]
    code, out, _ = run_cli(["--strict", "--quiet"], fixture_repo)
    assert out.splitlines()[:2] == [
        f"{FRAMES}:1:1: PL002 [warning] suppression of PL104 matched no finding",
        f"{FRAMES}:2:1: PL101 [error] CORS of S3 bucket acme-frames has no rule allowing GET "
        "from *; "
        "it holds human labeling input data"]


def test_text_summary_counts_suppressed(fixture_repo: Path) -> None:
    _frames(fixture_repo, f"<!-- policylint: disable=PL101 {REASON} -->\n" + FRAMES_XML)
    code, out, _ = run_cli(["--quiet"], fixture_repo)
    assert out.splitlines()[-1] == "Found 1 error in 3 files (1 suppressed)."


# --- config suppressions --------------------------------------------------------------------

@pytest.mark.parametrize("entry", [
    "  - rule: PL101\n    bucket: acme-fra*\n    reason: owned by the media team\n",
    "  - rule: labeling-bucket-cors-without-get\n    path: cors/*.xml\n    reason: media team\n",
    "  - rule: PL101\n    path: cors\n    subject: acme-frames\n    reason: media team\n",
    "  - rule: PL101\n    path: cors/fail_frames.xml\n    reason: media team\n"
    "    expires: '2999-01-01'\n",
])
def test_config_suppression_matches(fixture_repo: Path, entry: str) -> None:
    _config(fixture_repo, "suppress:\n" + entry)
    code, found, summary = _json(fixture_repo, "--strict")
    assert (found, summary["suppressed"]) == ([("PL101", IMAGES, 1, 2)], 1)


@pytest.mark.parametrize("entry", [
    "  - rule: PL101\n    bucket: acme-other\n    reason: not this bucket\n",
    "  - rule: PL101\n    path: infra/**\n    reason: not this path\n",
    "  - rule: PL101\n    subject: aws_s3_bucket.x\n    reason: not this subject\n",
    "  - rule: PL100\n    bucket: acme-frames\n    reason: not this rule\n",
])
def test_config_suppression_that_does_not_match(fixture_repo: Path, entry: str) -> None:
    _config(fixture_repo, "suppress:\n" + entry)
    assert _json(fixture_repo) == (1, BOTH, _json(fixture_repo)[2])
    assert _json(fixture_repo)[2]["suppressed"] == 0
    # --strict names the unused entry at its line (the config's line 8 is "suppress:")
    found = _json(fixture_repo, "--strict")[1]
    assert found == [("PL002", ".policylint.yaml", 9, 1), *BOTH]


def test_expired_config_suppression_is_pl002_and_not_applied(fixture_repo: Path) -> None:
    _config(fixture_repo, "suppress:\n  - rule: PL101\n    bucket: acme-frames\n"
                          "    reason: until the migration\n    expires: '2020-06-30'\n")
    code, out, _ = run_cli(["--quiet"], fixture_repo)
    assert out.splitlines() == [
        ".policylint.yaml:9:1: PL002 [warning] config suppression 1 of PL101 expired on 2020-06-30: "
        "fix the finding or renew it",
        f"{FRAMES}:1:1: PL101 [error] CORS of S3 bucket acme-frames has no rule allowing GET from *; "
        "it holds human labeling input data",
        f"{IMAGES}:1:2: PL101 [error] CORS of S3 bucket acme-images has no rule allowing GET from *; "
        "it holds human labeling input data",
        "Found 2 errors and 1 warning in 3 files."]


@pytest.mark.parametrize("entry, message", [
    ("  - rule: PL101\n    bucket: acme-frames\n",
     "'suppress.0': 'reason' is a required property"),
    ("  - rule: PL555\n    reason: x\n", "'suppress.0.rule': unknown rule 'PL555'"),
    ("  - rule: PL101\n    reason: x\n    expires: soon\n", "'suppress.0.expires': 'soon' does "
     "not match"),
])
def test_invalid_config_suppression_is_a_configuration_error(
        fixture_repo: Path, entry: str, message: str) -> None:
    _config(fixture_repo, "suppress:\n" + entry)
    code, out, err = run_cli([], fixture_repo)
    assert (code, out) == (2, "")
    assert message in err


# --- units ----------------------------------------------------------------------------------

def test_xml_comment_scopes() -> None:
    doc = safexml.parse_document(b"<!-- a -->\n<R>\n  <!-- b -->\n  <C>\n    <!-- c -->\n"
                                 b"  </C>\n</R>\n<!-- d -->\n")
    assert [(c.text.strip(), c.line, c.column, c.scope) for c in doc.comments] == [
        ("a", 1, 1, (1, 1, 7, 5)),
        ("b", 3, 3, (2, 1, 7, 5)),
        ("c", 5, 5, (4, 3, 6, 7)),
        ("d", 8, 1, (8, 1, 8, 1)),
    ]


def test_xml_suppressions_of_a_broken_document_are_none() -> None:
    assert xml_suppressions("x.xml", b"<!-- policylint: disable=PL101 reason=\"x\" --><R>") == []


def test_config_entry_lines(tmp_path: Path) -> None:
    cfg = tmp_path / ".policylint.yaml"
    cfg.write_text("select: [PL1]\nsuppress:\n  - rule: PL101\n    reason: one\n"
                   "  - reason: two\n    rule: PL100\n", encoding="utf-8")
    entries = [{"rule": "PL101", "reason": "one"}, {"rule": "PL100", "reason": "two"}]
    assert suppress.entry_lines(str(cfg), entries) == [3, 5]
    assert suppress.entry_lines(str(tmp_path / "missing.yaml"), entries) == [1, 1]


def test_parse_comment_ignores_other_directives() -> None:
    here = Location("a.xml", 1, 1)
    assert suppress.parse_comment(" policylint: labeling-input ", here, here) is None
    assert suppress.parse_comment(" just a comment ", here, here) is None
    got = suppress.parse_comment(' policylint: disable=PL101,PL104 reason="x y" -->', here, here)
    assert got is not None
    assert (got.rules, got.reason, got.expires, got.problem) == (("PL101", "PL104"), "x y",
                                                                 None, None)


def test_apply_counts_and_unused() -> None:
    from policylint.model import Finding, Severity, Suppression

    f = Finding("PL101", "n", Severity.ERROR, "m", Location("a.xml", 3, 1))
    used = Suppression(("PL101",), "r", None, Location("a.xml", 1, 1), Location("a.xml", 1, 1, 9, 1))
    unused = Suppression(("PL101",), "r", None, Location("b.xml", 1, 1), Location("b.xml", 1, 1, 9, 1))
    outcome = suppress.apply([f], [used, unused], [], today=_dt.date(2026, 1, 1))
    assert (outcome.kept, outcome.suppressed) == ([], [f])
    assert outcome.unused == [("suppression of PL101 matched no finding", Location("b.xml", 1, 1))]


def test_pyproject_array_of_tables_suppressions(tmp_path: Path) -> None:
    """`[[tool.policylint.suppress]]` alone makes pyproject.toml the configuration."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text(
        'resource "aws_s3_bucket" "fail_images" {\n  # policylint: labeling-input\n'
        '  bucket = "acme-images"\n}\n', encoding="utf-8")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[[tool.policylint.suppress]]\nrule = "PL100"\n'
        'bucket = "acme-*"\nreason = "owned by the data team"\n\n'
        '[[tool.policylint.suppress]]\nrule = "PL101"\nreason = "nothing to match"\n',
        encoding="utf-8")
    code, found, summary = _json(repo, "--strict")
    assert (code, found, summary["suppressed"]) == (0, [("PL002", "pyproject.toml", 9, 1)], 1)
