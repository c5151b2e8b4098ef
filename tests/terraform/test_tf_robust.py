"""Never a traceback: mangled Terraform (truncated, bytes dropped, random HCL-ish text) is read
into facts and PL001, never an exception."""
from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.model import Facts
from policylint.readers import LocalContext, Source, Unit
from policylint.readers.terraform import read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
SAMPLE = (FIXTURES / "constructs" / "main.tf").read_bytes()


def _read(tmp: Path, files: dict[str, bytes]) -> Facts:
    sources = tuple(Source(name, str(tmp / name), data, "terraform", len(data))
                    for name, data in files.items())
    return read(Unit("terraform", ".", sources), LocalContext(root=str(tmp)))


def test_every_truncation_is_read(tmp_path: Path) -> None:
    for cut in range(0, len(SAMPLE), 97):
        facts = _read(tmp_path, {"main.tf": SAMPLE[:cut]})
        assert all(e.location.line >= 1 for e in facts.errors)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, len(SAMPLE) - 1), max_size=8))
def test_dropped_bytes_are_read(tmp_path_factory: object, drops: list[int]) -> None:
    data = bytearray(SAMPLE)
    for i in sorted(set(drops), reverse=True):
        del data[i]
    facts = _read(Path("/nonexistent"), {"main.tf": bytes(data)})
    assert isinstance(facts, Facts)


HCLISH = st.text(alphabet=list('{}[]()"=:,.*$%~<>!?\\#/\n abcx019-_+&|'), max_size=300)


@settings(max_examples=300, deadline=None)
@given(HCLISH)
def test_random_hcl_like_text(text: str) -> None:
    facts = _read(Path("/nonexistent"), {"main.tf": text.encode("utf-8"),
                                         "x.tf.json": text.encode("utf-8"),
                                         "terraform.tfvars": text.encode("utf-8")})
    assert isinstance(facts, Facts)


def test_binary_and_utf16(tmp_path: Path) -> None:
    facts = _read(tmp_path, {"a.tf": b"\x00\xff\xfe" * 50,
                             "b.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n'.encode(
                                 "utf-16")})
    assert [b.name for b in facts.buckets] == ["x"]
