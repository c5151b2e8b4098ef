"""A large HCL file is parsed piece by piece (issue 16 item 8): cut at top-level item boundaries
that a lexical scan proves, each piece parsed alone and its tree dropped, values re-parsed from
their item on demand. These tests pin that the result is exactly the whole-file parse — every
block, attribute, location, value node, error and comment — over the corpus and over generated
hostile inputs (heredocs and strings holding ``}`` and block headers, comments with braces,
unterminated constructs), that the scan cuts where it must and nowhere else, and that the trees
are released."""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from policylint.readers.terraform import parse
from policylint.readers.terraform.parse import Block, FileSyntax, parse_hcl, split_points

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _node(expr: Any) -> tuple[Any, ...]:
    return (expr.start_byte, expr.end_byte, tuple(expr.start_point), tuple(expr.end_point),
            expr.text, str(expr))


def _block(b: Block, out: list[Any], depth: int) -> None:
    out.append(("block", depth, b.type, tuple(b.labels), b.loc, b.close, b.fmt))
    for name, a in b.attrs.items():
        out.append(("attr", depth, name, a.loc, a.value_loc, _node(a.expr)))
    for child in b.blocks:
        _block(child, out, depth + 1)


def dump(fs: FileSyntax, data: bytes) -> list[Any]:
    """Everything a reader can ask of a parsed file, positions included."""
    out: list[Any] = [("error", e.message, e.location) for e in fs.errors]
    for name, a in fs.attrs.items():
        out.append(("top", name, a.loc, a.value_loc, _node(a.expr)))
    for b in fs.blocks:
        _block(b, out, 0)
    out += [("comment", c.text, c.loc, c.trailing) for c in fs.comments]
    texts = set()
    stack = list(fs.blocks)
    while stack:
        b = stack.pop()
        texts.add(b.text)
        stack.extend(b.blocks)
    out.append(("texts", sorted(texts)))
    return out


def both(path: str, data: bytes) -> tuple[list[Any], list[Any]]:
    whole = dump(parse_hcl(path, data, pieces=False), data)
    pieces = dump(parse_hcl(path, data, pieces=True), data)
    return whole, pieces


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every top-level item its own piece: the strictest form of the split."""
    monkeypatch.setattr(parse, "PIECE_BYTES", 1)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_files_parse_the_same_whole_and_in_pieces(small_pieces: None) -> None:
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".tf", ".tfvars") and p.is_file())
    assert len(files) > 1000
    split = 0
    for path in files:
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        split += bool(split_points(data))
        whole, pieces = both(str(path), data)
        assert pieces == whole, path
    assert split > len(files) // 2  # most files are really cut


# --- generated hostile inputs -------------------------------------------------------------------

FRAGMENTS = [
    'resource "aws_s3_bucket" "a@" {\n  bucket = "acme-@"\n  tags = { n = "@" }\n}\n',
    'locals {\n  doc@ = <<EOF\n}\nresource "x" "y" {\nEOF\n}\n',
    'locals {\n  doc@ = <<-EOT\n    }\n    resource "x" "y" {\n    EOT\n}\n',
    'top@ = <<EOF\n}\nresource "x" "y" {\nEOF\n',
    'spaced@ = <<EOF  \n}\n  EOF  \n',
    '# }\n# resource "x" "y" {\n',
    '// } {\nresource "b" "c@" {}\n',
    '/* }\nresource "x" "y" {\n*/\n',
    'locals {\n  s@ = "}\\"\\n\nresource \\"x\\" \\"y\\" {"\n}\n',
    'locals {\n  t@ = "${ {a = "}"}["a"] }"\n  u = "$${literal} %%{literal} $$"\n}\n',
    'locals {\n  h@ = <<EOF\n${ join("}", ["a",\n"b"]) }\nresource "q" "r" {\n%{ if true }}%{ endif }\nEOF\n}\n',
    'locals {\n  n@ = [1e3, 105e+2, 2E-1, 7e1]\n}\n',
    'resource "a" "b@"\n{\n  x = 1\n}\n',
    'cond@ = b\n? c : d\n',
    'idx@ = x\n[0]\n',
    'v@ = "é ü 日本 ${var.x}" # ünïcode }\n',
    'resource "aws_s3_bucket" "crlf@" {\r\n  bucket = "x"\r\n}\r\n',
    'data "aws_iam_policy_document" "p@" {\n  statement {\n    actions = ["s3:*"]\n  }\n}\n',
    'locals { a@ = { b = { c = "}" } } }\n',
    'module "m@" {\n  source = "./x"\n  tags = {\n    "policylint:labeling-input" = "true"'
    ' # policylint: disable=PL100\n  }\n}\n',
    'resource "aws_s3_bucket" "q@" { bucket = "a" } # trailing }\n',
    '\n\n   \n',
    'resource aws_s3_bucket bare@ {\n  bucket = "x"\n}\n',
    'eq@ = a\n== b\n',
]
BROKEN = [
    'resource "a" "b" {\n  x = 1\n',
    'locals {\n  h = <<EOF\n  never closed\n',
    'locals {\n  s = "never closed\n}\n',
    '/* never closed\nresource "a" "b" {}\n',
    'resource "a" "b" {\n  x = = 1\n}\n',
    '}\n',
    'x = <<\n',
    'locals {\n  y = "${ unterminated\n}\n',
    'resource "a" "b" {\n  x = [1, 2\n}\n',
    'a = )\n',
]


def _generated(seed: int, broken: bool) -> tuple[bytes, int]:
    """A file of fragments, and the line where the broken one starts (0: none)."""
    rnd = random.Random(seed)
    parts = [rnd.choice(FRAGMENTS).replace("@", str(k)) for k in range(rnd.randint(3, 14))]
    at = 0
    if broken:
        k = rnd.randint(0, len(parts))
        parts.insert(k, rnd.choice(BROKEN))
        at = "".join(parts[:k]).count("\n") + 1
    return "".join(parts).encode("utf-8"), at


@pytest.mark.parametrize("seed", range(150))
def test_generated_files_parse_the_same_whole_and_in_pieces(seed: int,
                                                            small_pieces: None) -> None:
    data, _ = _generated(seed, broken=False)
    whole, pieces = both("gen.tf", data)
    assert pieces == whole
    assert not [e for e in whole if e[0] == "error"]


@pytest.mark.parametrize("seed", range(150))
def test_broken_generated_files_parse_the_same_whole_and_in_pieces(seed: int,
                                                                   small_pieces: None) -> None:
    """tree-sitter's error recovery is not local: a file with a syntax error is parsed whole
    (below WHOLE_MAX), so the error reported and everything read are the whole file's."""
    data, _ = _generated(seed, broken=True)
    whole, pieces = both("gen.tf", data)
    assert pieces == whole


@pytest.mark.parametrize("seed", range(150))
def test_a_syntax_error_in_a_huge_file_stays_in_its_piece(
        seed: int, small_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over WHOLE_MAX, memory wins: the pieces before the broken one are read exactly as the
    whole file, and one error is reported, at or after the line where the breakage starts."""
    monkeypatch.setattr(parse, "WHOLE_MAX", 0)
    data, at = _generated(seed, broken=True)
    whole = parse_hcl("gen.tf", data, pieces=False)
    pieces = parse_hcl("gen.tf", data, pieces=True)
    if not whole.errors:  # the fragments around it happened to mend it
        assert dump(pieces, data) == dump(whole, data)
        return
    assert len(pieces.errors) == 1 and pieces.errors[0].location.line >= at
    before = [b for b in whole.blocks if b.loc.end_line < at]
    # (not the file's bytes: a piece after the error still learns its exponents, see below)
    assert dump(FileSyntax("gen.tf", whole.fmt, before), data)[:-1] == dump(
        FileSyntax("gen.tf", whole.fmt, pieces.blocks[:len(before)]), data)[:-1]


def test_every_fragment_alone_and_in_pairs(small_pieces: None) -> None:
    for a in FRAGMENTS + BROKEN:
        for b in FRAGMENTS:
            for data in ((a + b).encode(), (b + a).encode(), (a + b + a).encode()):
                whole, pieces = both("pair.tf", data)
                assert pieces == whole, data


# --- where the scan cuts ------------------------------------------------------------------------

def _cuts(text: str) -> list[int]:
    """Line numbers (1-based) where the scan cuts."""
    data = text.encode("utf-8")
    return [data.count(b"\n", 0, p) + 1 for p in split_points(data)]


@pytest.mark.parametrize("text, lines", [
    ('a "x" {}\nb "y" {}\nc = 1\nd {\n}\n', [2, 3, 4]),
    # a heredoc holding a closing brace and a block header: no cut inside it
    ('a {\n  h = <<EOF\n}\nresource "x" "y" {\nEOF\n}\nb {}\n', [7]),
    ('h = <<-EOT\n}\nresource "x" "y" {\n  EOT\nb {}\n', [5]),
    ('h = <<EOF\n${ "}" }\nr "x" {\nEOF\nb {}\n', [5]),
    # comments and strings with braces
    ('a {}\n/* }\nresource "x" "y" {\n*/\nb {}\n', [5]),
    ('a {} # }\nb {} // {\nc {}\n', [2, 3]),
    ('a = "}\n}\nr \\"x\\" {"\nb {}\n', [4]),
    ('a = "${ {k = "}"} }"\nb = "$${"\nc = 1\n', [2, 3]),
    # not a new item: a continued expression, a brace on its own line, indentation
    ('a = b\n? c : d\ne = 1\n', [3]),
    ('a = x +\ny = 1\n', []),
    ('r "a" "b"\n{\n}\nc {}\n', [4]),
    ('a {}\n  b {}\nc {}\n', [3]),
    ('a = x\n== y\nb = 1\n', [3]),
    # not understood: nothing cut from there on
    ('a {}\nb {}\nc = <<\nd {}\n', [2, 3]),
    ('a {}\n}\nb {}\n', []),
    ('a {}\nb = "open\nc {}\n', [2]),
    ('a {}\nb {}\n/* open\nc {}\n', [2]),
])
def test_the_scan_cuts_only_between_top_level_items(text: str, lines: list[int]) -> None:
    assert _cuts(text) == lines


# --- memory: trees are not kept -----------------------------------------------------------------

def _buckets(n: int) -> bytes:
    return "".join(f'resource "aws_s3_bucket" "b{i}" {{\n  bucket = "acme-{i}"\n'
                   f'  tags   = {{ team = "data" }}\n}}\n' for i in range(n)).encode()


def test_a_large_file_is_parsed_in_pieces_and_keeps_no_tree(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = _buckets(3000)
    monkeypatch.setattr(parse, "PIECE_MIN_FILE", len(data))
    monkeypatch.setattr(parse, "LIVE_BYTES", 1000)
    fs = parse_hcl("big.tf", data)
    attrs = [a for b in fs.blocks for a in b.attrs.values()]
    assert len(fs.blocks) == 3000 and len(attrs) == 6000
    assert all(a._node is None and a._expr is None for a in attrs)  # no node, so no tree
    src = attrs[0]._src
    assert src is not None and all(a._src is src for a in attrs)
    assert src.reparses == 0 and not src._trees  # nothing re-parsed, every tree dropped
    # values are re-parsed from their block, one block at a time, and few trees stay alive
    for i, b in enumerate(fs.blocks):
        assert b.attrs["bucket"].expr.text == f'"acme-{i}"'.encode()
        assert b.attrs["tags"].expr.text == b'{ team = "data" }'  # the same block: no re-parse
        assert src._live <= 1000 and len(src._trees) <= 1000 // 80
    assert src.reparses == 3000
    # a file just under the threshold is parsed whole
    fs = parse_hcl("small.tf", data[:-1])
    assert fs.blocks[0].attrs["bucket"]._node is not None


def test_exponent_numbers_in_a_large_file_keep_their_columns(small_pieces: None) -> None:
    """tree-sitter-hcl rejects ``1e3``; ``.0`` is inserted (at most MAX_PATCHES times per file,
    whole or in pieces) and the columns stay those of the original text, in whichever piece
    the number is."""
    data = ("".join(f'locals {{\n  n{i} = [1e{i % 9 + 1}, 2]\n}}\n' for i in range(20))
            + 'resource "a" "b" {\n  x = [5e2]\n}\n').encode()
    whole, pieces = both("exp.tf", data)
    assert pieces == whole
    fs = parse_hcl("exp.tf", data, pieces=True)
    assert not fs.errors
    x = fs.blocks[-1].attrs["x"]
    assert (x.value_loc.line, x.value_loc.column, x.value_loc.end_column) == (62, 7, 12)
    assert x.expr.text == b"[5.0e2]"
