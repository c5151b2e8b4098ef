"""PL105 live-cors-differs: with --aws, deployed CORS that lacks what the code declares, at the
declared CORS. The live reading is given to the model here (tests/live runs it against S3)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rule_support import LABELING_TAG, project_of, run_rule

from policylint.model import CorsRule, LinkedBucket, LiveCors

TF = '''resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
''' + LABELING_TAG + '''
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
'''


def _live(rules: tuple[CorsRule, ...] | None) -> LiveCors:
    return LiveCors("acme-images", "123456789012", "us-east-1", "2026-12-03T07:00:00Z", rules)


def _keys(root: Path, live: LiveCors | None) -> list[tuple[str, str, int, int]]:
    project = project_of(root, {"main.tf": TF})

    def deployed(lb: LinkedBucket) -> LinkedBucket:
        return replace(lb, live=live)

    return [(f.rule, f.location.path, f.location.line, f.location.column)
            for f in run_rule(project, "PL105", deployed)]


def test_fails_when_the_live_bucket_has_no_cors(tmp_path: Path) -> None:
    assert _keys(tmp_path, _live(None)) == [("PL105", "main.tf", 5, 3)]


def test_fails_when_the_live_rule_lacks_get(tmp_path: Path) -> None:
    assert _keys(tmp_path, _live((CorsRule(("PUT",), ("*",)),))) == [("PL105", "main.tf", 5, 3)]


def test_passes_when_the_live_cors_matches(tmp_path: Path) -> None:
    assert _keys(tmp_path, _live((CorsRule(("GET",), ("*",)),))) == []


def test_passes_without_a_live_reading(tmp_path: Path) -> None:
    assert _keys(tmp_path, None) == []
