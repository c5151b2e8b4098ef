"""Baselines, both ways: accepted findings stay quiet across unrelated edits (a resource moved
twenty lines down), new findings still fail, and a bad baseline file is a usage error."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import copy_fixture, findings_of, run_cli

from policylint import baseline
from policylint.model import Finding, Location, Severity

FRAMES = "cors/fail_frames.xml"
IMAGES = "cors/fail_images.json"


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    return copy_fixture("integrations/repo", tmp_path)


def _write_baseline(repo: Path) -> dict[str, object]:
    code, out, err = run_cli(["--write-baseline", "baseline.json", "--quiet"], repo)
    assert (code, err) == (0, "")
    assert out == "All checks passed: no findings in 3 files (2 in baseline).\n"
    doc: dict[str, object] = json.loads((repo / "baseline.json").read_text(encoding="utf-8"))
    return doc


def test_written_baseline_content(fixture_repo: Path) -> None:
    doc = _write_baseline(fixture_repo)
    assert doc["version"] == 1
    entries = doc["findings"]
    assert isinstance(entries, list)
    assert [(e["rule"], e["path"], e["subject"], e["bucket"], e["count"]) for e in entries] \
        == sorted([("PL101", FRAMES, "acme-frames", "acme-frames", 1),
                   ("PL101", IMAGES, "acme-images", "acme-images", 1)],
                  key=lambda e: [x["fingerprint"] for x in entries if x["path"] == e[1]][0])
    assert all(len(e["fingerprint"]) == 32 for e in entries)


def test_baselined_findings_pass_and_are_counted(fixture_repo: Path) -> None:
    _write_baseline(fixture_repo)
    code, out, _ = run_cli(["--baseline", "baseline.json", "--quiet"], fixture_repo)
    assert (code, out) == (0, "All checks passed: no findings in 3 files (2 in baseline).\n")
    code, out, _ = run_cli(["--quiet"], fixture_repo)
    assert code == 1  # without the baseline, both findings are back


def test_moving_the_resource_twenty_lines_down_stays_baselined(fixture_repo: Path) -> None:
    _write_baseline(fixture_repo)
    frames = fixture_repo / FRAMES
    padding = "".join(f"<!-- unrelated edit {i} -->\n" for i in range(20))
    frames.write_text(padding + frames.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, _ = run_cli(["--format", "json"], fixture_repo)
    assert findings_of(out) == [("PL101", FRAMES, 21, 1), ("PL101", IMAGES, 1, 2)]
    code, out, _ = run_cli(["--baseline", "baseline.json", "--format", "json"], fixture_repo)
    assert (code, findings_of(out)) == (0, [])


def test_a_new_finding_still_fails(fixture_repo: Path) -> None:
    _write_baseline(fixture_repo)
    (fixture_repo / "cors" / "fail_new.json").write_text(
        '{"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]}\n',
        encoding="utf-8")
    cfg = fixture_repo / ".policylint.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "  cors/fail_new.json: acme-new\n",
                   encoding="utf-8")
    code, out, _ = run_cli(["--baseline", "baseline.json", "--format", "json"], fixture_repo)
    assert (code, findings_of(out)) == (1, [("PL101", "cors/fail_new.json", 1, 2)])


def test_a_further_finding_with_a_known_fingerprint_is_new(fixture_repo: Path) -> None:
    """Two PL200 problems in one document share (rule, path, subject, bucket): the baseline
    remembers how many it accepted."""
    doc = fixture_repo / "cors" / "fail_invalid.json"
    doc.write_text('{"CORSRules": [{"AllowedMethods": ["get"], "AllowedOrigins": ["*"]}]}\n',
                   encoding="utf-8")
    _write_baseline_any(fixture_repo)
    doc.write_text('{"CORSRules": [{"AllowedMethods": ["get", "put"], "AllowedOrigins": ["*"]}]}\n',
                   encoding="utf-8")
    code, out, _ = run_cli(["--baseline", "baseline.json", "--format", "json"], fixture_repo)
    assert (code, findings_of(out)) == (1, [("PL200", "cors/fail_invalid.json", 1, 43)])


def _write_baseline_any(repo: Path) -> None:
    code, _, err = run_cli(["--write-baseline", "baseline.json"], repo)
    assert (code, err) == (0, "")


@pytest.mark.parametrize("content, message", [
    ("not json", "is not valid JSON"),
    ('{"version": 2, "findings": []}', "is not a policylint baseline (version 1)"),
    ('[]', "is not a policylint baseline (version 1)"),
])
def test_bad_baseline_is_a_usage_error(fixture_repo: Path, content: str, message: str) -> None:
    (fixture_repo / "baseline.json").write_text(content, encoding="utf-8")
    code, out, err = run_cli(["--baseline", "baseline.json"], fixture_repo)
    assert (code, out) == (2, "")
    assert message in err


def test_missing_baseline_is_a_usage_error(fixture_repo: Path) -> None:
    code, _, err = run_cli(["--baseline", "nope.json"], fixture_repo)
    assert code == 2
    assert err.startswith("policylint: error: --baseline: cannot read nope.json: ")


def _finding(line: int, fingerprint: str) -> Finding:
    return Finding("PL200", "invalid-cors-configuration", Severity.ERROR, "m",
                   Location("a.json", line, 1), subject="a.json", fingerprint=fingerprint)


def test_split_uses_counts_in_file_order() -> None:
    a1, a2, b = _finding(1, "aa"), _finding(5, "aa"), _finding(3, "bb")
    assert baseline.split([a2, b, a1], {"aa": 1, "bb": 1}) == ([a2], [a1, b])
    assert baseline.split([a2, b, a1], {"aa": 2}) == ([b], [a1, a2])
    assert baseline.split([a1], set()) == ([a1], [])


def test_dump_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(baseline.dump([_finding(1, "aa"), _finding(5, "aa"), _finding(3, "bb")]),
                    encoding="utf-8")
    assert baseline.load(str(path)) == {"aa": 2, "bb": 1}
