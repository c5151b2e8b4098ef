"""Limits: a file over ``max-file-size`` is skipped with a note; pathological expressions end
within the evaluation budget (and say so) instead of hanging or eating memory; a module with
more resource instances than the reader analyses says where it stopped.

Every run is the real CLI in a subprocess with a timeout and an address-space limit (see
plrel_support), so a hang or a memory blow-up fails the test instead of the machine.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from plrel_support import assert_sane, fingerprint_tree, make_tree, run_cli

TAGGED_NAMED = """resource "aws_s3_bucket" "fail_images" {
  bucket = "acme-${%s}"
  tags   = { "policylint:labeling-input" = "true" }
}
"""
BROKEN_CORS = '{"CORSRules": [{"AllowedMethods": ["GET"],}\n'
SMALL_BAD_CORS = '[{"AllowedMethods": ["FETCH"], "AllowedOrigins": ["*"]}]\n'  # PL200 at 1:22
BUDGET_NOTE = ("evaluation budget exhausted (an expression is too costly to analyse): values "
               "evaluated after it are unknown")


# --- max-file-size ----------------------------------------------------------------------------

def test_a_file_over_max_file_size_is_skipped_with_a_note(tmp_path: Path) -> None:
    big = BROKEN_CORS + " " * 200
    tree = make_tree(tmp_path, {".policylint.yaml": "max-file-size: 100\n", "big.json": big,
                            "small.json": SMALL_BAD_CORS,
                            "huge.manifest": '{"source-ref": "s3://acme-m/a.jpg"}\n' * 10})
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree)
    assert run.rc == 1  # the PL200 of small.json; the note alone would not fail the run
    got = [(f["rule"], f["severity"], f["path"], f["line"], f["message"])
           for f in run.report["findings"]]
    assert got == [
        ("PL001", "note", "big.json", 1,
         f"file skipped: {len(big)} bytes is over the size limit of 100 (max-file-size)"),
        # manifests are streamed line by line, so the size limit does not apply to them
        ("PL102", "warning", "huge.manifest", 1,
         "Ground Truth input bucket 'acme-m' is not defined in the scanned files and no CORS "
         "source for it is known: its CORS cannot be verified"),
        ("PL200", "error", "small.json", 1,
         "AllowedMethods has 'FETCH', which S3 does not accept: only GET, PUT, POST, DELETE, "
         "HEAD")]


def test_the_size_note_alone_passes_unless_fail_on_note(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {".policylint.yaml": "max-file-size: 10\n",
                                "big.json": BROKEN_CORS})
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree)
    assert (run.rc, run.findings) == (0, [("PL001", "big.json", 1)])
    strict = run_cli(tree, ".", "--format", "json", "--fail-on", "note")
    assert (strict.rc, strict.findings) == (1, [("PL001", "big.json", 1)])


def test_a_large_file_is_not_read_by_file_functions_either(tmp_path: Path) -> None:
    """``file()`` of a document over the limit is unknown, not read into memory."""
    doc = '{"CORSRules": []}' + " " * 400
    tree = make_tree(tmp_path, {".policylint.yaml": "max-file-size: 300\n",
                            "main.tf": 'locals {\n  doc = file("${path.module}/big.txt")\n}\n'
                                       + TAGGED_NAMED % "length(local.doc)",
                            "big.txt": doc})
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree)
    assert run.findings == [("PL100", "main.tf", 4)]
    assert run.messages("PL100") == [  # no name: the document's length stayed unknown
        "S3 bucket aws_s3_bucket.fail_images holds human labeling input data but has no CORS "
        "configuration"]


# --- evaluation budget ----------------------------------------------------------------------

def _doubling(kind: str, steps: int = 60) -> str:
    """``steps`` locals, each twice the one before: 2**steps values in a few lines."""
    first = {"string": '"xxxxxxxxxx"', "concat": '["x", "y"]', "tuple": '["x"]'}[kind]
    nxt = {"string": '"${local.l%d}${local.l%d}"', "concat": "concat(local.l%d, local.l%d)",
           "tuple": "[local.l%d, local.l%d]"}[kind]
    body = "".join(f"  l{i} = {nxt % (i - 1, i - 1)}\n" for i in range(1, steps))
    return f"locals {{\n  l0 = {first}\n{body}}}\n"


PATHOLOGICAL = [
    # (id, locals, expression in the bucket name, expected findings (rule, severity, line))
    ("nested-for-1000-cubed",
     'locals {\n  big = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) '
     ': "${a}-${b}-${c}"]]]\n}\n', "length(flatten(local.big))",
     [("PL001", "warning", 1)]),
    ("string-built-10000-squared",
     'locals {\n  s = join("", [for i in range(10000) : join("", [for j in range(10000) : '
     '"xxxxxxxxxx"])])\n}\n', "length(local.s)",
     [("PL001", "warning", 1)]),
    ("jsonencode-of-2-to-the-60-shared-values", _doubling("tuple"), "length(jsonencode(local.l59))",
     [("PL100", "error", 63)]),
    ("concat-doubling", _doubling("concat"), "length(local.l59)", [("PL100", "error", 63)]),
    ("string-doubling", _doubling("string"), "length(local.l59)", [("PL100", "error", 63)]),
    ("replace-blowup",
     'locals {\n  l0 = "xxxxxxxxxx"\n' + "".join(
         f'  l{i} = replace(local.l{i - 1}, "x", local.l{i - 1})\n' for i in range(1, 8)) + "}\n",
     "length(local.l7)", [("PL100", "error", 11)]),
    ("format-gigabyte-width", 'locals {\n  w = format("%0999999999d", 1)\n}\n',
     "length(local.w)", [("PL100", "error", 4)]),
    ("format-gigabyte-precision", 'locals {\n  w = format("%.999999999f", 1)\n}\n',
     "length(local.w)", [("PL100", "error", 4)]),
    ("reference-cycle", "locals {\n  a = local.b\n  b = local.a\n  c = [local.c]\n}\n",
     "local.a", [("PL100", "error", 6)]),
    ("range-of-a-billion", "locals {\n  r = range(1000000000)\n}\n", "length(local.r)",
     [("PL100", "error", 4)]),
    ("count-of-a-hundred-million",
     'resource "aws_s3_bucket" "many" {\n  count  = 100000000\n  bucket = "b-${count.index}"\n}\n',
     '"x"', [("PL001", "warning", 1), ("PL100", "error", 5)]),
]
COUNT_NOTE = "count is 100000000: only the first 1000 instances are analysed"


@pytest.mark.parametrize("locals_, expr, expected", [p[1:] for p in PATHOLOGICAL],
                         ids=[p[0] for p in PATHOLOGICAL])
def test_pathological_terraform_expressions_end(tmp_path: Path, locals_: str, expr: str,
                                                expected: list[tuple[str, str, int]]) -> None:
    tree = make_tree(tmp_path, {"main.tf": locals_ + TAGGED_NAMED % expr})
    before = fingerprint_tree(tree)
    run = run_cli(tree, ".", "--format", "json", timeout=90, memory=768 * 1024 * 1024)
    assert_sane(run, tree)
    got = [(f["rule"], f["severity"], f["line"]) for f in run.report["findings"]]
    assert got == expected
    if expected[0][0] == "PL001":  # the reader says what it cut: the budget, or a count
        assert run.messages("PL001") in ([BUDGET_NOTE], [COUNT_NOTE])
    assert fingerprint_tree(tree) == before


def test_too_many_resource_instances_says_where_it_stopped(tmp_path: Path) -> None:
    many = "".join(f'resource "aws_s3_bucket" "pass_many{i}" {{\n  count  = 800\n'
                   f'  bucket = "b{i}-${{count.index}}"\n}}\n' for i in range(3))
    tagged = TAGGED_NAMED.replace("fail_images", "z_fail_images") % '"x"'
    tree = make_tree(tmp_path, {"main.tf": many + tagged})
    run = run_cli(tree, ".", "--format", "json", timeout=90)
    assert_sane(run, tree)
    got = [(f["rule"], f["severity"], f["line"], f["message"]) for f in run.report["findings"]]
    assert got == [("PL001", "warning", 9, "more than 2000 resource instances in one module: "
                                           "the rest are not analysed")]


CFN_HEAD = 'AWSTemplateFormatVersion: "2010-09-09"\n'
CFN_TAGGED = """  FailImages:
    Type: AWS::S3::Bucket
    Metadata:
      policylint:
        labeling-input: true
    Properties:
      BucketName: %s
"""


@pytest.mark.parametrize("name, value", [
    ("join-nested-90", '{"Fn::Join": ["", [' * 90 + '"x"' + "]]}" * 90),
    ("if-nested-200", '{"Fn::If": ["C", ' * 200 + '"x"' + ', "y"]}' * 200),
    ("sub-huge-map", '{"Fn::Sub": ["' + "${A}" * 50000 + '", {"A": "' + "y" * 1000 + '"}]}'),
    ("select-huge-index", '{"Fn::Select": [999999999999, ["a"]]}'),
    ("findinmap-self", '{"Fn::FindInMap": [{"Ref": "AWS::StackName"}, "a", "b"]}'),
])
def test_pathological_cloudformation_intrinsics_end(tmp_path: Path, name: str, value: str) -> None:
    template = (CFN_HEAD + "Conditions:\n  C: !Equals [a, b]\nResources:\n"
                + CFN_TAGGED % value)
    tree = make_tree(tmp_path, {"template.yaml": template})
    run = run_cli(tree, ".", "--format", "json", timeout=90, memory=768 * 1024 * 1024)
    assert_sane(run, tree)
    assert [(r, p, line) for r, p, line in run.findings if r != "PL001"] == [
        ("PL100", "template.yaml", 5)]


# --- a 20 MB Terraform file ---------------------------------------------------------------------

def _twenty_megabytes_of_buckets(path: Path) -> int:
    """About 20 MB of small bucket blocks (5 lines each) and a tagged bucket at the end; returns
    how many blocks come before it."""
    parts, size, i = [], 0, 0
    while size < 20 * 1024 * 1024:
        block = (f'resource "aws_s3_bucket" "pass_b{i}" {{\n  bucket = "acme-bucket-{i}"\n'
                 f'  tags   = {{ team = "data", index = "{i}" }}\n}}\n\n')
        parts.append(block)
        size += len(block)
        i += 1
    parts.append(TAGGED_NAMED % '"images"')
    path.write_text("".join(parts))
    return i


def test_a_twenty_megabyte_terraform_file_over_the_limit_is_a_quick_note(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {".policylint.yaml": "max-file-size: 10000000\n"})
    _twenty_megabytes_of_buckets(tree / "main.tf")
    size = (tree / "main.tf").stat().st_size
    run = run_cli(tree, ".", "--format", "json", timeout=60, memory=512 * 1024 * 1024)
    assert_sane(run, tree)
    got = [(f["rule"], f["severity"], f["path"], f["line"], f["message"])
           for f in run.report["findings"]]
    assert got == [("PL001", "note", "main.tf", 1, f"file skipped: {size} bytes is over the size "
                                                    "limit of 10000000 (max-file-size)")]
    assert run.rc == 0


# Address space of a run on one large Terraform file: a base (the interpreter, tree-sitter, the
# rest of policylint) plus a multiple of the file. Measured on the 20 MB file below (VmPeak,
# see docs/performance.md): 62 MB + 19.5 × the file = 452 MB. The bound, 128 MB + 28 × the
# file (715 MB here), leaves 1.6× of margin and fails when either the base or the per-byte
# cost doubles; a file parsed whole (tree-sitter's tree alone is ~110 bytes per input byte,
# 2.8 GB here before files were parsed piece by piece) is far over it.
TF_MEMORY_BASE = 128 * 1024 * 1024
TF_MEMORY_PER_BYTE = 28


def test_a_twenty_megabyte_terraform_file_is_read_within_bounds(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {})
    _twenty_megabytes_of_buckets(tree / "main.tf")
    size = (tree / "main.tf").stat().st_size
    run = run_cli(tree, ".", "--format", "json", timeout=900,
                  memory=TF_MEMORY_BASE + TF_MEMORY_PER_BYTE * size)
    assert_sane(run, tree)
    # resource instances past the 2000th are not analysed, and the run says where it stopped
    assert run.findings == [("PL001", "main.tf", 2000 * 5 + 1)]


def test_hundreds_of_buckets_sharing_one_name_stay_bounded(tmp_path: Path) -> None:
    """Every same-name bucket is bound to every same-name CORS configuration (n² pairs): each
    PL201 names five definitions and counts the rest, so the report grows with n, not n²."""
    block = ('resource "aws_s3_bucket" "b%d" {\n  bucket = "acme-images"\n  tags   = '
             '{ "policylint:labeling-input" = "true" }\n}\n'
             'resource "aws_s3_bucket_cors_configuration" "c%d" {\n  bucket = "acme-images"\n'
             '  cors_rule {\n    allowed_methods = ["GET"]\n    allowed_origins = ["*"]\n  }\n}\n')
    tree = make_tree(tmp_path, {f"m{d}/main.tf": "".join(block % (i, i) for i in range(40))
                                for d in range(10)})
    run = run_cli(tree, ".", "--format", "json", timeout=120)
    assert_sane(run, tree)
    assert run.findings == [("PL201", "m0/main.tf", 16)] * 400
    first = run.report["findings"][0]
    assert first["message"].endswith(", and 395 more): only the last applied survives")
    assert len(first["related"]) == 51  # the bucket and 50 definitions
    assert len(run.stdout) < 5_000_000  # 400 × 400 related locations would be ~25 MB


def test_module_fan_out_is_bounded_per_unit(tmp_path: Path) -> None:
    """Five levels of ``module { count = 10 }`` stand for 111,110 resource instances: the root
    unit stops at 20,000 and says so once, where it stopped."""
    files = {"main.tf": 'module "root" {\n  source = "./m0"\n  count  = 10\n}\n'}
    for d in range(5):
        nxt = f'module "next" {{\n  source = "../m{d + 1}"\n  count  = 10\n}}\n' if d < 4 else ""
        files[f"m{d}/main.tf"] = nxt + 'resource "aws_s3_bucket" "pass_b" {\n  bucket = "b"\n}\n'
    tree = make_tree(tmp_path, files)
    run = run_cli(tree, ".", "--format", "json", timeout=180)
    assert_sane(run, tree)
    assert run.findings == [("PL001", "m1/main.tf", 5)]  # depth first: the 20,001st
    assert run.messages("PL001") == ["more than 20000 resource instances in this module and its "
                                     "children: the rest are not analysed"]
