"""Suppressions and baselines on Terraform, the format most users have: `#` and `//` comments
above and inside a block, and a baselined bucket moved twenty lines down."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_fixture, findings_of, run_cli

IMAGES = ("PL100", "main.tf", 2, 1)


@pytest.fixture
def tf_repo(tmp_path: Path) -> Path:
    return copy_fixture("integrations/terraform", tmp_path)


def test_inline_comments_suppress(tf_repo: Path) -> None:
    code, out, _ = run_cli(["--format", "json", "--strict"], tf_repo)
    assert (code, findings_of(out)) == (1, [IMAGES])
    code, out, _ = run_cli(["--quiet"], tf_repo)
    assert out.splitlines()[-1] == "Found 1 error in 1 file (2 suppressed)."


def test_audit_ignores_inline_comments(tf_repo: Path) -> None:
    code, out, _ = run_cli(["--format", "json", "--no-inline-suppressions"], tf_repo)
    assert findings_of(out) == [IMAGES, ("PL100", "main.tf", 8, 1), ("PL100", "main.tf", 13, 1)]


def test_baselined_bucket_moved_twenty_lines_down(tf_repo: Path) -> None:
    code, _, err = run_cli(["--write-baseline", "baseline.json"], tf_repo)
    assert (code, err) == (0, "")
    main = tf_repo / "main.tf"
    text = main.read_text(encoding="utf-8")
    block_end = text.index("}\n") + 2
    moved = (text[block_end:] + "\n" + "".join(f"# unrelated line {i}\n" for i in range(20))
             + text[:block_end])
    main.write_text(moved, encoding="utf-8")
    code, out, _ = run_cli(["--format", "json"], tf_repo)
    assert findings_of(out) == [("PL100", "main.tf", 35, 1)]
    code, out, _ = run_cli(["--baseline", "baseline.json", "--format", "json"], tf_repo)
    assert (code, findings_of(out)) == (0, [])
    main.write_text(moved + 'resource "aws_s3_bucket" "fail_new" {\n'
                            '  # policylint: labeling-input\n  bucket = "acme-new"\n}\n',
                    encoding="utf-8")
    code, out, _ = run_cli(["--baseline", "baseline.json", "--format", "json"], tf_repo)
    assert (code, findings_of(out)) == (1, [("PL100", "main.tf", 39, 1)])
