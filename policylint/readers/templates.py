"""Worker templates (HTML/Liquid with crowd-html-elements) and Mechanical Turk question XML
(HTMLQuestion, ExternalQuestion).

Literal S3 URIs and URLs in ``src``/``href`` attributes (and the other attributes that crowd
elements load media from; not ``<a href>``, ``<link href>`` or ``<script src>``, which are links
and assets that need no CORS) and in Liquid arguments (``{{ "s3://b/k" | grant_read_access }}``) are
image inputs: the worker's browser loads them cross-origin. Which service reads them follows
from the context: MTurk XML or an MTurk submit form → Mechanical Turk; A2I's own elements or
task fields → Amazon A2I; crowd-html-elements or Liquid task fields → Ground Truth. An HTML file
with none of these is not a worker template and yields nothing.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from policylint import labeling, safexml
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
    Suppression,
)
from policylint.readers import Context, Source, Unit, documents
from policylint.suppress import comment_scope, parse_comment
from policylint.decoding import line_col

# attributes a browser (or a crowd element) loads a resource from
_ATTR = re.compile(
    r"""\b(?:src|href|srcset|poster|data|data-src|source|url|image-url|video-url)\s*=\s*"""
    r"""(?:"(?P<d>[^"]{0,4096})"|'(?P<s>[^']{0,4096})'|&quot;(?P<e>.{0,4096}?)&quot;)""",
    re.I | re.S)
MAX_TAG = 4096  # longest Liquid tag or comment looked into
_LIQUID_STRING = re.compile(r"""'([^']*)'|"([^"]*)\"""")

_MTURK = re.compile(r"mturk\.com|externalSubmit|turkSubmitTo|assignmentId|<\s*(?:HTMLQuestion|"
                    r"ExternalQuestion)\b", re.I)
_A2I = re.compile(r"crowd-textract-analyze-document|crowd-rekognition-detect-moderation-labels|"
                  r"aiServiceRequest|aiServiceResponse|humanLoopContext|task\.input\.document",
                  re.I)
_GROUND_TRUTH = re.compile(r"<\s*crowd-|grant_read_access|task\.input|crowd-html-elements", re.I)


@dataclass(frozen=True)
class _Found:
    offset: int
    bucket: str
    uri: str


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src, text in documents.texts(unit, facts):
        if _is_xml_question(src, text):
            error = _check_xml(src)
            if error is not None:
                facts.errors.append(error)
                continue
        facts.suppressions += _suppressions(text, src.path)
        facts.uses += uses_of_template(text, src.path)
    return facts


def _is_xml_question(src: Source, text: str) -> bool:
    return src.path.lower().endswith(".xml") or text.lstrip().startswith("<?xml")


def _check_xml(src: Source) -> ParseError | None:
    """MTurk question XML must parse (no DOCTYPE, well formed): otherwise PL001."""
    try:
        safexml.parse(src.data)
    except safexml.XMLError as exc:
        return ParseError(f"invalid XML: {exc.message}", Location(src.path, exc.line, exc.column))
    return None


def service_of(text: str) -> Service | None:
    """The labeling service a template is for, or None when it is not a worker template."""
    if _MTURK.search(text):
        return Service.MTURK
    if _A2I.search(text):
        return Service.A2I
    if _GROUND_TRUTH.search(text):
        return Service.GROUND_TRUTH
    return None


def uses_of_template(text: str, path: str,
                     place: Callable[[int, int], Location] | None = None,
                     name: str = "") -> list[LabelingUse]:
    """One use per bucket named literally in a media attribute or a Liquid argument, at its
    first occurrence. ``place(line, column)`` maps a position in ``text`` to its source (a
    template inside IaC); ``name`` is how the evidence names the template (default: ``path``)."""
    service = service_of(text)
    if service is None:
        return []
    first: dict[str, _Found] = {}
    for found in sorted(_literal_uris(text), key=lambda f: f.offset):
        first.setdefault(found.bucket, found)
    out = []
    for found in first.values():
        line, column = line_col(text, found.offset)
        out.append(LabelingUse(
            service, Role.INPUT, Modality.IMAGE,
            f"{service.title} worker template {name or path}: loads {found.uri}",
            place(line, column) if place else Location(path, line, column), Confidence.DEFINED,
            BucketRef(name=found.bucket, text=found.uri)))
    return out


# (tag, attribute) pairs that load assets or are links, not labeling data: a stylesheet, a
# script, a link the worker may follow; they need no CORS on the bucket
_ASSET = frozenset({("a", "href"), ("link", "href"), ("area", "href"), ("base", "href"),
                    ("script", "src")})
_TAG_NAME = re.compile(r"<\s*([A-Za-z][\w:-]*)")


def _is_asset(text: str, m: re.Match[str]) -> bool:
    attr = m.group(0).split("=", 1)[0].strip().lower()
    if attr not in ("href", "src"):
        return False
    lt = text.rfind("<", max(0, m.start() - MAX_TAG), m.start())
    tag = _TAG_NAME.match(text, lt) if lt >= 0 and ">" not in text[lt:m.start()] else None
    return tag is not None and (tag.group(1).lower(), attr) in _ASSET


def _literal_uris(text: str) -> list[_Found]:
    out: list[_Found] = []
    for m in _ATTR.finditer(text):
        if _is_asset(text, m):
            continue
        name = next(g for g in ("d", "s", "e") if m.group(g) is not None)
        out += _uris_in(m.group(name), m.start(name))
    for opener, closer in (("{{", "}}"), ("{%", "%}")):
        for start, tag in spans(text, opener, closer):
            for s in _LIQUID_STRING.finditer(tag):
                index = 1 if s.group(1) is not None else 2
                out += _uris_in(s.group(index), start + s.start(index))
    return out


def spans(text: str, opener: str, closer: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of every ``opener ... closer`` span up to MAX_TAG long, in linear time:
    an unclosed opener never makes the later ones rescan the rest of the file."""
    i, close_at = 0, -1
    while True:
        i = text.find(opener, i)
        if i < 0:
            return
        if close_at < i + len(opener):
            close_at = text.find(closer, i + len(opener))
            if close_at < 0:
                return
        if close_at - i <= MAX_TAG:
            yield i, text[i:close_at + len(closer)]
            i = close_at + len(closer)
        else:
            i += len(opener)


def _uris_in(value: str, offset: int) -> list[_Found]:
    """S3 URIs in an attribute value or a Liquid string (entity-escaped values included)."""
    plain = html.unescape(value) if "&" in value else value
    found = labeling.find_s3_uris(plain)
    out = []
    for off, bucket, key in found:
        at = offset + (off if plain is value else max(value.find(plain[off:off + 8]), 0))
        out.append(_Found(at, bucket, _uri_text(plain, off, bucket, key)))
    return out


def _uri_text(plain: str, off: int, bucket: str, key: str) -> str:
    m = labeling.URI_IN_TEXT.match(plain, off)
    return m.group().rstrip(".,;:") if m else f"s3://{bucket}/{key}"


def _suppressions(text: str, path: str) -> list[Suppression]:
    """``<!-- policylint: disable=... -->`` comments, scoped by ``suppress.comment_scope``
    (a template has no units: on its own line, a comment covers the line below it)."""
    if "policylint" not in text:
        return []
    lines = text.split("\n")
    placed = []
    for start, comment in spans(text, "<!--", "-->"):
        line, column = line_col(text, start)
        end_line, _ = line_col(text, start + len(comment))
        placed.append((comment, line, column, end_line, not lines[line - 1][:column - 1].strip()))
    comment_lines = {n for _c, line, _col, end_line, alone in placed if alone
                     for n in range(line, end_line + 1)}
    out = []
    for comment, line, column, end_line, alone in placed:
        if "policylint" not in comment.lower():
            continue
        scope = comment_scope(path, (line, end_line), alone, (), lines, comment_lines)
        got = parse_comment(comment[4:-3], Location(path, line, column), scope)
        if got is not None:
            out.append(got)
    return out
