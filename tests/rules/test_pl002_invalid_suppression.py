"""PL002 invalid-suppression: a suppression without a reason, naming an unknown rule, or
expired, at the comment; with --strict, one that matched no finding."""
from __future__ import annotations

from pathlib import Path

import pytest
from rule_support import LABELING_TAG, findings

BUCKET = 'resource "aws_s3_bucket" "images" {\n  bucket = "acme-images"\n' + LABELING_TAG + "}\n"


@pytest.mark.parametrize("directive", [
    "disable=PL100",  # no reason
    'disable=PL999 reason="x"',  # unknown rule
    'disable=PL100 reason="x" expires=2020-01-01',  # expired
])
def test_fails_at_the_comment(tmp_path: Path, directive: str) -> None:
    files = {"main.tf": f"\n  # policylint: {directive}\n" + BUCKET}
    assert findings(tmp_path, files, "PL002") == [("PL002", "main.tf", 2, 3)]


def test_fails_on_an_unused_suppression_with_strict(tmp_path: Path) -> None:
    files = {"main.tf": '# policylint: disable=PL104 reason="x"\n' + BUCKET}
    assert findings(tmp_path, files, "PL002", "--strict") == [("PL002", "main.tf", 1, 1)]


def test_passes_on_a_valid_suppression(tmp_path: Path) -> None:
    """It suppresses PL100 (so PL100 runs too), and is used: no PL002 even with --strict."""
    files = {"main.tf": '# policylint: disable=PL100 reason="CORS is set elsewhere"\n' + BUCKET}
    assert findings(tmp_path, files, "PL002,PL100", "--strict") == []
