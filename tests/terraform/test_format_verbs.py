"""format()/formatlist() verb for verb as Terraform (go-cty) evaluates them; an error in
Terraform is an error here (the value is unknown, never a guess). Expected values are Go's
fmt/big semantics, which go-cty's format relies on; where the terraform binary exists they are
checked against `terraform console` too."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from policylint.readers.terraform import tfformat
from policylint.readers.terraform.evaluate import EvalError, fn_format, fn_formatlist
from policylint.model import Unknown

CASES = [
    # strings: precision truncates the input, width pads (zeros with 0, right with -)
    ("%s", ["abc"], "abc"),
    ("%.4s", ["abcdefg"], "abcd"),
    ("%.0s", ["abc"], "abc"),  # precision 0 does not truncate in go-cty
    ("%5s|", ["ab"], "   ab|"),
    ("%-5s|", ["ab"], "ab   |"),
    ("%05s", ["ab"], "000ab"),
    ("%.2s", ["x\u0301yz"], "x\u0301y"),  # grapheme clusters, not code points
    ("%s", [1000000], "1000000"),
    ("%s", [1.5], "1.5"),
    ("%s", [True], "true"),
    ("%q", ['a"b'], '"a\\"b"'),
    ("%q", ["<&>"], '"\\u003c\\u0026\\u003e"'),
    ("%.2q", ["abc"], '"ab"'),
    # %v by type, %#v JSON
    ("%v", ["x"], "x"),
    ("%#v", ["x"], '"x"'),
    ("%v", [123456], "123456"),
    ("%v", [1000000], "1e+06"),
    ("%v", [0.5], "0.5"),
    ("%v", [0.00001], "1e-05"),
    ("%v", [0.0001], "0.0001"),
    ("%#v", [1000000], "1000000"),
    ("%v", [True], "true"),
    ("%v", [[1, "a"]], '[1,"a"]'),
    ("%v", [{"b": 1, "a": [True]}], '{"a":[true],"b":1}'),
    ("%8v|", ["ab"], "      ab|"),
    # %t
    ("%t", [True], "true"),
    ("%t", ["false"], "false"),
    # integers: flags, width, precision, alternate forms
    ("%d", [42], "42"),
    ("%d", ["12"], "12"),
    ("%d", [3.0], "3"),
    ("%05d", [42], "00042"),
    ("%05d", [-42], "-0042"),
    ("%+d", [5], "+5"),
    ("% d", [5], " 5"),
    ("%-5d|", [42], "42   |"),
    ("%.3d", [7], "007"),
    ("%8.3d|", [7], "     007|"),
    ("%08.3d|", [7], "     007|"),  # a precision turns zero padding off
    ("%.d", [0], ""),
    ("%.0d|", [0], "|"),
    ("%x", [255], "ff"),
    ("%X", [255], "FF"),
    ("%#x", [255], "0xff"),
    ("%#X", [255], "0XFF"),
    ("%x", [-255], "-ff"),
    ("%b", [5], "101"),
    ("%#b", [5], "0b101"),
    ("%o", [8], "10"),
    ("%#o", [8], "010"),
    ("%d", [12345678901234567890], "12345678901234567890"),
    # floats
    ("%f", [3.14159], "3.141590"),
    ("%.2f", [3.14159], "3.14"),
    ("%.0f", [2.5], "2"),  # half to even
    ("%.1f", [2.25], "2.2"),
    ("%.2f", [-0.001], "-0.00"),
    ("%e", [123456.789], "1.234568e+05"),
    ("%E", [0.000123], "1.230000E-04"),
    ("%.0e", [5.0], "5e+00"),
    ("%g", [123456.789], "123456.789"),
    ("%g", [1e21], "1e+21"),
    ("%g", [100], "100"),
    ("%g", [1000000], "1e+06"),
    ("%.3g", [123456.789], "1.23e+05"),
    ("%.3g", [0.0001234], "0.000123"),
    ("%.10g", [123.0], "123"),
    ("%.2g", [100], "1e+02"),
    ("%G", [1e-10], "1E-10"),
    ("%8.2f|", [3.14159], "    3.14|"),
    ("%-8.2f|", [3.14159], "3.14    |"),
    ("%08.2f", [-3.14159], "-0003.14"),
    ("%+.1f", [2.5], "+2.5"),
    ("% .1f", [2.5], " 2.5"),
    ("%f", ["1.5"], "1.500000"),
    # argument indexes, %%
    ("%[2]s %[1]s", ["a", "b"], "b a"),
    ("%[2]s %s", ["a", "b", "c"], "b c"),
    ("100%%", [], "100%"),
    ("%s%%%d", ["a", 1], "a%1"),
]

ERRORS = [
    ("%s", ["a", "b"], "too many arguments; only 1 used by format string"),
    ("plain", ["a"], "too many arguments; no verbs in format string"),
    ("%s %s", ["a"], "not enough arguments"),
    ("%z", [1], "unsupported format verb"),
    ("%c", [65], "unsupported format verb"),
    ("100%", [], "invalid format string"),
    ("%5%", [], "unrecognized format character"),
    ("%d", [1.5], "an integer is required"),
    ("%d", ["x"], "a number is required"),
    ("%t", [1], "a bool is required"),
    ("%s", [[1]], "a string is required"),
    ("%999999s", ["a"], "too large to analyse"),
]


@pytest.mark.parametrize(("spec", "args", "want"), CASES)
def test_format_verb(spec: str, args: list[object], want: str) -> None:
    assert tfformat.tf_format(spec, args) == want
    assert fn_format(spec, *args) == want


@pytest.mark.parametrize(("spec", "args", "message"), ERRORS)
def test_format_errors_like_terraform(spec: str, args: list[object], message: str) -> None:
    with pytest.raises(tfformat.FormatError, match=message.replace("(", r"\(")):
        tfformat.tf_format(spec, args)
    with pytest.raises(EvalError):
        fn_format(spec, *args)


def test_formatlist_advances_lists_together_and_repeats_the_rest() -> None:
    assert fn_formatlist("%s-%02d", ["a", "b"], 3) == ["a-03", "b-03"]
    assert fn_formatlist("%s=%s", ["a", "b"], ["x", "y"]) == ["a=x", "b=y"]
    assert fn_formatlist("%s", []) == []
    assert fn_formatlist("%s", "one") == ["one"]
    with pytest.raises(EvalError, match="same length"):
        fn_formatlist("%s%s", ["a"], ["x", "y"])


def test_unknown_arguments_give_an_unknown_result() -> None:
    assert isinstance(fn_format("%v", None), Unknown)  # as terraform console shows
    assert isinstance(fn_format("%s", "a", None), Unknown)
    assert isinstance(fn_formatlist("%s", None), Unknown)
    u = Unknown("var.x has no default")
    assert fn_format("%s", u) is u
    assert isinstance(fn_format("%v", [1, u]), Unknown)
    assert isinstance(fn_formatlist("%s", [u]), Unknown)


TERRAFORM = shutil.which("terraform")


@pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not installed here; "
                    "the expectations above follow go-cty's format.go and Go's fmt")
def test_cases_agree_with_terraform_console(tmp_path: Path) -> None:
    exprs = [f"format({json.dumps(spec)}{''.join(', ' + _hcl(a) for a in args)})"
             for spec, args, _ in CASES if None not in args]
    wants = [want for _, args, want in CASES if None not in args]
    line = "jsonencode([" + ", ".join(exprs) + "])\n"  # one expression: console reads one
    out = subprocess.run([str(TERRAFORM), "console"], input=line, capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, check=True).stdout
    got = json.loads(json.loads(out.strip()))
    assert got == wants


@pytest.mark.skipif(TERRAFORM is None, reason="the terraform binary is not installed here")
def test_errors_agree_with_terraform_console(tmp_path: Path) -> None:
    for spec, args, _ in ERRORS:
        expr = f"format({json.dumps(spec)}{''.join(', ' + _hcl(a) for a in args)})"
        run = subprocess.run([str(TERRAFORM), "console"], input=expr + "\n", capture_output=True,
                             text=True, cwd=tmp_path, timeout=60)
        too_large = "too large" in _  # a limit of policylint's, not an error in Terraform
        assert (run.returncode != 0) != too_large, (spec, args, run.stdout)


def _hcl(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v)


@pytest.mark.parametrize(("expr", "name"), [
    ('format("%s-%05d", "acme", 42)', "acme-00042"),
    ('format("%.4s-%x", "acmecorp", 255)', "acme-ff"),
    ('format("%[2]s-%[1]s", "images", "acme")', "acme-images"),
    ('formatlist("%s-%s", ["acme"], "images")[0]', "acme-images"),
])
def test_a_bucket_named_by_format_is_linked_to_its_job(tmp_path: Path, expr: str,
                                                       name: str) -> None:
    """The job names the bucket that format() builds, so the bucket is judged exactly."""
    from conftest import json_findings, write_tree

    job = {"LabelingJobName": "j", "LabelingJobAlgorithmsConfig": {},
           "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri":
                                                           f"s3://{name}/in.manifest"}}},
           "OutputConfig": {"S3OutputPath": "s3://acme-out/"},
           "HumanTaskConfig": {"PreHumanTaskLambdaArn":
                               "arn:aws:lambda:us-east-1:432418664414:function:"
                               "PRE-BoundingBox"}}
    root = write_tree(tmp_path, {".git/HEAD": "", "main.tf":
                                 f'resource "aws_s3_bucket" "images" {{\n  bucket = {expr}\n}}\n',
                                 "jobs/job.json": json.dumps(job, indent=2)})
    assert ("PL100", "main.tf", 1, 1) in json_findings(["."], root)
