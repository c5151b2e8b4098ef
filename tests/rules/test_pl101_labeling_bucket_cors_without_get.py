"""PL101 labeling-bucket-cors-without-get: CORS without a rule allowing GET from *, at the CORS."""
from __future__ import annotations

from pathlib import Path

from rule_support import LABELING_TAG, findings

TF = '''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
''' + LABELING_TAG + '''}

resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  cors_rule {
    allowed_methods = [METHODS]
    allowed_origins = [ORIGINS]
  }
}
'''


def test_fails_without_get(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("METHODS", '"PUT"').replace("ORIGINS", '"*"')}
    assert findings(tmp_path, files, "PL101") == [("PL101", "main.tf", 6, 1)]


def test_fails_with_get_from_another_origin_only(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("METHODS", '"GET"').replace("ORIGINS",
                                                                '"https://example.com"')}
    assert findings(tmp_path, files, "PL101") == [("PL101", "main.tf", 6, 1)]


def test_passes_with_get_from_star(tmp_path: Path) -> None:
    files = {"main.tf": TF.replace("METHODS", '"GET", "PUT"').replace("ORIGINS", '"*"')}
    assert findings(tmp_path, files, "PL101") == []
