"""PL001 parse-error: a file of a recognised kind that cannot be parsed, at the error."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings


def test_fails_at_the_position_of_the_error(tmp_path: Path) -> None:
    files = {"cors/broken.json": '{"CORSRules": [{"AllowedMethods": ["GET"],}]}\n'}
    assert findings(tmp_path, files, "PL001") == [("PL001", "cors/broken.json", 1, 43)]


def test_fails_on_invalid_hcl(tmp_path: Path) -> None:
    files = {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n'}
    assert [f[:2] for f in findings(tmp_path, files, "PL001")] == [("PL001", "main.tf")]


def test_passes_on_a_valid_document(tmp_path: Path) -> None:
    files = {"cors/ok.json": '{"CORSRules": [{"AllowedMethods": ["GET"], '
                             '"AllowedOrigins": ["*"]}]}\n'}
    assert findings(tmp_path, files, "PL001") == []
