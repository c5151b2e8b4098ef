"""Ground Truth input manifests: JSON Lines, one data object a line.

``source-ref`` names an object in S3: its bucket is an image input of Ground Truth. ``source``
holds the data inline (text): it needs no CORS. Manifests can hold millions of lines, so they are
streamed from disk (the engine passes no bytes): one LabelingUse per bucket, at the first line
naming it. A line that is not JSON is PL001 at that line, and the rest is still read.

A ``.json`` file that the classifier took for a manifest but that is one pretty-printed JSON
document (an output-manifest line, a pre-annotation Lambda event) is read as one document, and
only its top-level ``source-ref`` counts.
"""
from __future__ import annotations

import codecs
import json
from dataclasses import dataclass, field
from typing import IO, Any, Iterator

from policylint import labeling
from policylint.model import (
    BucketRef,
    Confidence,
    Facts,
    LabelingUse,
    Location,
    Modality,
    ParseError,
    Role,
    Service,
    Unknown,
)
from policylint.readers import Context, Source, Unit

MAX_LINE = 1024 * 1024  # a data object line longer than this is reported and skipped
MAX_ERRORS = 20  # bad lines reported one by one in a file; the rest are counted
CHUNK = 64 * 1024
_DECODE = json.JSONDecoder().decode  # one decoder: json.loads re-checks the encoding each line


@dataclass
class _FirstUse:
    line: int
    column: int
    uri: str
    lines: int = 1


@dataclass
class _Scan:
    """What streaming one manifest learnt."""

    buckets: dict[str, _FirstUse] = field(default_factory=dict)
    errors: list[ParseError] = field(default_factory=list)
    bad_lines: int = 0
    first_bad: int = 0  # line of the first bad line, 0 when none
    first_line: int = 0  # line of the first non-blank line
    data_lines: int = 0
    # the first source-ref whose bucket is a placeholder (s3://$BUCKET/x, s3://<bucket>/x,
    # s3://${B}/x): one unverified use per file, however many lines repeat it
    placeholder: tuple[_FirstUse, Unknown] | None = None


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        try:
            scan = _scan_source(src, ctx)
        except OSError as exc:
            facts.errors.append(ParseError(f"cannot read: {exc.strerror or exc}",
                                           Location(src.path, 1, 1)))
            continue
        facts.errors += scan.errors
        facts.uses += _uses(scan, src.path)
    return facts


def _scan_source(src: Source, ctx: Context) -> _Scan:
    with open(src.abspath, "rb") as fh:
        scan = scan_stream(fh, src.path)
    if scan.first_bad and scan.first_bad == scan.first_line and src.path.lower().endswith(".json"):
        whole = _scan_whole_document(src, ctx)
        if whole is not None:
            return whole
    return scan


def scan_stream(fh: IO[bytes], path: str) -> _Scan:
    """Read a JSON Lines stream line by line."""
    scan = _Scan()
    for number, raw, too_long in _lines(fh):
        if number == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        if too_long:
            scan.first_line = scan.first_line or number
            _bad(scan, path, number, 1, f"line longer than {MAX_LINE} bytes")
            continue
        if not raw.strip():
            continue
        scan.first_line = scan.first_line or number
        try:
            value = _DECODE(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            _bad(scan, path, number, exc.start + 1, "not valid UTF-8")
            continue
        except json.JSONDecodeError as exc:
            _bad(scan, path, number, exc.colno, f"invalid JSON line: {exc.msg}")
            continue
        except RecursionError:
            _bad(scan, path, number, 1, "JSON nested too deeply")
            continue
        scan.data_lines += 1
        _note_object(scan, value, number, raw)
    if scan.bad_lines > MAX_ERRORS:
        scan.errors.append(ParseError(
            f"{scan.bad_lines - MAX_ERRORS} more invalid lines not reported one by one "
            f"({scan.bad_lines} in all)", Location(path, scan.first_bad, 1)))
    return scan


def _lines(fh: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, too long) without ever holding more than MAX_LINE bytes."""
    number = 0
    while True:
        raw = fh.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the long line
                raw = fh.readline(CHUNK)
            yield number, b"", True
            continue
        yield number, raw, False


def _bad(scan: _Scan, path: str, line: int, column: int, message: str) -> None:
    scan.bad_lines += 1
    if not scan.first_bad:
        scan.first_bad = line
    if scan.bad_lines <= MAX_ERRORS:
        scan.errors.append(ParseError(message, Location(path, line, max(column, 1))))


def _note_object(scan: _Scan, value: Any, line: int, raw: bytes | None) -> None:
    """Record the bucket of a data object's ``source-ref`` (``source`` is text: nothing)."""
    if not isinstance(value, dict):
        return
    ref = value.get("source-ref")
    if not isinstance(ref, str):
        return
    if ref.startswith("s3://"):  # fast path: a bucket already seen (most lines)
        seen = scan.buckets.get(ref[5:ref.find("/", 5)] if "/" in ref[5:] else ref[5:])
        if seen is not None:
            seen.lines += 1
            return
    got = labeling.parse_s3_uri(ref)
    if got is None:
        unknown = labeling.bucket_of(ref)
        if isinstance(unknown, Unknown):
            if scan.placeholder is None:
                scan.placeholder = (_FirstUse(line, _column_of(raw, ref), ref), unknown)
            else:
                scan.placeholder[0].lines += 1
        return
    bucket = got[0]
    seen = scan.buckets.get(bucket)
    if seen is not None:
        seen.lines += 1
        return
    scan.buckets[bucket] = _FirstUse(line, _column_of(raw, ref), ref)


def _column_of(raw: bytes | None, uri: str) -> int:
    """1-based column of the URI on its line (characters), or 1 when it cannot be found (an
    escaped form)."""
    if raw is None:
        return 1
    text = raw.decode("utf-8", errors="replace")
    at = text.find(json.dumps(uri, ensure_ascii=False))
    return at + 1 if at >= 0 else 1


def _uses(scan: _Scan, path: str) -> list[LabelingUse]:
    out = []
    for bucket, first in scan.buckets.items():
        more = f" (and {first.lines - 1} more lines)" if first.lines > 1 else ""
        out.append(LabelingUse(
            Service.GROUND_TRUTH, Role.INPUT, Modality.IMAGE,
            f"Ground Truth input manifest {path}: source-ref {first.uri}{more}",
            Location(path, first.line, first.column), Confidence.DEFINED,
            BucketRef(name=bucket, text=first.uri)))
    if scan.placeholder is not None:
        first, unknown = scan.placeholder
        more = f" (and {first.lines - 1} more lines)" if first.lines > 1 else ""
        out.append(LabelingUse(
            Service.GROUND_TRUTH, Role.INPUT, Modality.IMAGE,
            f"Ground Truth input manifest {path}: source-ref {first.uri}{more}",
            Location(path, first.line, first.column), Confidence.DEFINED,
            BucketRef(name=unknown, text=first.uri)))
    return out


def _scan_whole_document(src: Source, ctx: Context) -> _Scan | None:
    """A ``.json`` manifest that is one JSON document (pretty-printed): its top-level
    ``source-ref`` (or each item's, for a list). None when it is not JSON either."""
    from policylint import jsonpos
    from policylint.decoding import DecodeError, decode

    if src.size > ctx.options.max_file_size:
        return None
    data = ctx.load(src.abspath)
    if data is None:
        return None
    try:
        doc = jsonpos.loads(decode(data))
    except (jsonpos.JSONPosError, DecodeError):
        return None
    scan = _Scan()
    items = doc if isinstance(doc, list) else [doc]
    for item in items:
        if isinstance(item, dict) and "source-ref" in item:
            pos = item.value_pos("source-ref") if hasattr(item, "value_pos") else None
            before = len(scan.buckets)
            _note_object(scan, item, pos.line if pos else 1, None)
            if pos is not None and len(scan.buckets) > before:
                last = list(scan.buckets.values())[-1]
                last.column = pos.column
    scan.data_lines = len(items)
    return scan
