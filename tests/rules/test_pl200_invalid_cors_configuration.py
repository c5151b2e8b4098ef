"""PL200 invalid-cors-configuration: a CORS document that breaks S3's rules, at the field."""
from __future__ import annotations

from pathlib import Path

from rule_support import findings


def test_fails_at_an_unknown_method(tmp_path: Path) -> None:
    files = {"cors/bad.json": '{"CORSRules": [{"AllowedMethods": ["FETCH"], '
                              '"AllowedOrigins": ["*"]}]}\n'}
    assert findings(tmp_path, files, "PL200") == [("PL200", "cors/bad.json", 1, 36)]


def test_fails_without_origins(tmp_path: Path) -> None:
    files = {"cors/bad.json": '{"CORSRules": [\n  {"AllowedMethods": ["GET"]}\n]}\n'}
    assert [f[:3] for f in findings(tmp_path, files, "PL200")] == [
        ("PL200", "cors/bad.json", 2)]


def test_passes_on_a_valid_document(tmp_path: Path) -> None:
    files = {"cors/ok.json": '{"CORSRules": [{"AllowedMethods": ["GET"], '
                             '"AllowedOrigins": ["*"]}]}\n'}
    assert findings(tmp_path, files, "PL200") == []
