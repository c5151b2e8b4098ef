"""PL100 labeling-bucket-without-cors: a labeling input bucket with no CORS at all, at the bucket."""
from __future__ import annotations

from pathlib import Path

from rule_support import LABELING_TAG, findings

BUCKET = 'resource "aws_s3_bucket" "images" {\n  bucket = "acme-images"\n' + LABELING_TAG + "}\n"
CORS = '''
resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
'''


def test_fails_at_the_bucket(tmp_path: Path) -> None:
    assert findings(tmp_path, {"main.tf": "\n" + BUCKET}, "PL100") == [("PL100", "main.tf", 2, 1)]


def test_passes_with_a_cors_configuration(tmp_path: Path) -> None:
    assert findings(tmp_path, {"main.tf": BUCKET + CORS}, "PL100") == []


def test_passes_for_a_bucket_that_is_not_for_labeling(tmp_path: Path) -> None:
    plain = BUCKET.replace(LABELING_TAG, "")
    assert findings(tmp_path, {"main.tf": plain}, "PL100") == []
