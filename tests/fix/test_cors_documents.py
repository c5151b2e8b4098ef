"""--fix and --diff on S3 CORS documents (JSON in every shape, XML), end to end."""
from __future__ import annotations

from pathlib import Path

import pytest

from fix_support import (
    FIXTURES,
    check_snapshot,
    check_text_snapshot,
    copy_case,
    files,
    findings,
    only_insertions,
    run,
)

CASES = {
    "cors_json": [
        ("PL101", "cors/compact.json", 1), ("PL101", "cors/empty.json", 2),
        ("PL200", "cors/empty.json", 2), ("PL101", "cors/list.json", 1),
        ("PL101", "cors/script.json", 2), ("PL101", "cors/single.json", 1),
        ("PL101", "cors/wrapped.json", 2),
    ],
    "cors_xml": [
        ("PL101", "cors/norules.xml", 1), ("PL200", "cors/norules.xml", 1),
        ("PL101", "cors/oneline.xml", 1), ("PL101", "cors/s3.xml", 2),
    ],
}
LEFT: dict[str, list[tuple[str, str, int]]] = {"cors_json": [], "cors_xml": []}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fix_matches_snapshot_and_is_idempotent(case: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    work = copy_case(case, tmp_path)
    assert findings(work, capsys, monkeypatch) == CASES[case]
    before = files(work)

    rc, out, err = run(["--diff", "."], work, capsys, monkeypatch)
    assert rc == 1
    check_text_snapshot(FIXTURES / case / "expected.diff", out)
    assert files(work) == before  # --diff writes nothing

    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == (1 if LEFT[case] else 0)
    assert f"fixed {sum(1 for r, *_ in CASES[case] if r != 'PL200')} finding(s)" in out
    check_snapshot(case, work)
    assert findings(work, capsys, monkeypatch) == LEFT[case]
    after = files(work)
    for rel in before:
        assert only_insertions(before[rel], after[rel]), rel

    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert files(work) == after  # a second --fix changes nothing
    assert "fixed 0 finding(s) in 0 file(s)" in out
    rc, out, _err = run(["--diff", "."], work, capsys, monkeypatch)
    assert (rc, out) == (0, "")
