"""PL201 conflicting-cors-configuration: one bucket with more than one CORS definition, at the
later one."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings

INLINE = '''resource "aws_s3_bucket" "video" {
  bucket = "acme-video"

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
'''
RESOURCE = '''
resource "aws_s3_bucket_cors_configuration" "video" {
  bucket = aws_s3_bucket.video.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
'''


def test_fails_with_inline_and_resource_cors(tmp_path: Path) -> None:
    files = {"main.tf": INLINE + RESOURCE}
    assert findings(tmp_path, files, "PL201") == [("PL201", "main.tf", 10, 1)]


def test_passes_with_one_definition(tmp_path: Path) -> None:
    assert findings(tmp_path, {"main.tf": INLINE}, "PL201") == []
