"""The Python value evaluator: each value form, partly known strings and named unknowns."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from policylint.model import Bound, Unknown
from policylint.readers.python.evaluate import (
    ENV,
    EVENT,
    SAGEMAKER_DEFAULT_BUCKET,
    SSM,
    Evaluator,
    Partial,
    as_text,
    kind_of,
    module_constants,
)


def last(src: str, siblings: dict[str, dict[str, object]] | None = None) -> object:
    """The value of the module's last expression statement."""
    tree = ast.parse(src)
    stmt = tree.body[-1]
    assert isinstance(stmt, ast.Expr)
    return Evaluator(tree, siblings).value(stmt.value)


@pytest.mark.parametrize("src, expected", [
    ("'a'", "a"),
    ("b = 'x'\nb", "x"),
    ("b = 'x'\nb = 'y'\nb", "y"),
    ("b = 'x'\nf's3://{b}/k'", "s3://x/k"),
    ("b = 'x'\n's3://' + b + '/k'", "s3://x/k"),
    ("'s3://%s/%s' % ('b', 'k')", "s3://b/k"),
    ("'s3://{}/{k}'.format('b', k='m')", "s3://b/m"),
    ("'/'.join(['s3:/', 'b', 'k'])", "s3://b/k"),
    ("import os\nos.path.join('s3://b', 'k')", "s3://b/k"),
    ("import posixpath\nposixpath.join('a/', 'b')", "a/b"),
    ("d = {'k': 'v'}\nd['k']", "v"),
    ("d = {'k': ['a', 'b']}\nd['k'][1]", "b"),
    ("d = {'k': 'v'}\nd.get('z', 'w')", "w"),
    ("import json\njson.dumps({'a': 's3://b/k'})", '{"a": "s3://b/k"}'),
    ("x = dict(a='1')\nx['a']", "1"),
])
def test_known_values(src: str, expected: object) -> None:
    assert last(src) == expected


def test_name_resolves_to_last_assignment_before_use() -> None:
    tree = ast.parse("b = 'one'\nuse(b)\nb = 'two'\nuse(b)\n")
    ev = Evaluator(tree)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert sorted(ev.value(c.args[0]) for c in calls) == ["one", "two"]


def test_function_scope_sees_module_constants() -> None:
    tree = ast.parse("B = 'mod'\ndef f():\n    k = 'in'\n    return use(B, k)\n")
    ev = Evaluator(tree)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call))
    assert [ev.value(a) for a in call.args] == ["mod", "in"]


def test_partly_known_string_keeps_known_parts() -> None:
    got = last("import os\nregion = os.environ['AWS_REGION']\n"
               "f'arn:aws:lambda:{region}:1:function:PRE-NamedEntityRecognition'")
    assert isinstance(got, Partial)
    assert got.prefix == "arn:aws:lambda:"
    assert got.suffix == ":1:function:PRE-NamedEntityRecognition"
    assert "AWS_REGION" in got.reason()


@pytest.mark.parametrize("src, source, path", [
    ("import os\nos.environ['IN']", ENV, ("IN",)),
    ("import os\nos.environ.get('IN')", ENV, ("IN",)),
    ("import os\nos.getenv('IN')", ENV, ("IN",)),
    ("from os import environ\nenviron['IN']", ENV, ("IN",)),
    ("def h(event, context):\n    props = event['ResourceProperties']\n    props['X']",
     EVENT, ("ResourceProperties", "X")),
    ("def h(event, context):\n    r = event['Records'][0]\n    r['s3']['bucket']['name']",
     EVENT, ("Records", "0", "s3", "bucket", "name")),
    (("import boto3\nssm = boto3.client('ssm')\n"
      "ssm.get_parameter(Name='/app/bucket')['Parameter']['Value']"), SSM, ("/app/bucket",)),
    ("import sagemaker\nsagemaker.Session().default_bucket()", SAGEMAKER_DEFAULT_BUCKET, ()),
    ("import sagemaker\ns = sagemaker.session.Session()\ns.default_bucket()",
     SAGEMAKER_DEFAULT_BUCKET, ()),
])
def test_named_unknowns(src: str, source: str, path: tuple[str, ...]) -> None:
    tree = ast.parse(src)
    stmt = tree.body[-1]
    if isinstance(stmt, ast.FunctionDef):
        stmt = stmt.body[-1]
    assert isinstance(stmt, ast.Expr)
    got = Evaluator(tree).value(stmt.value)
    assert isinstance(got, Bound), got
    assert (got.source, got.path) == (source, path)


def test_bound_kinds_and_reasons() -> None:
    tree = ast.parse("def h(event, c):\n    event['ResourceProperties']['M']\n"
                     "    event['Records'][0]['s3']['bucket']['name']\n")
    ev = Evaluator(tree)
    fn = tree.body[0]
    assert isinstance(fn, ast.FunctionDef)
    values = [ev.value(s.value) for s in fn.body if isinstance(s, ast.Expr)]
    assert [kind_of(v) for v in values if isinstance(v, Bound)] == [
        "resource-property", "s3-event-bucket"]
    assert "custom resource property M" in values[0].reason


def test_partial_with_one_bound_part_is_that_bound() -> None:
    got = last("import os\nf\"s3://{os.environ['B']}/in.manifest\"")
    assert isinstance(got, Partial)
    text = as_text(got)
    assert isinstance(text, Bound) and text.path == ("B",)


@pytest.mark.parametrize("src, why", [
    ("import sys\nsys.argv[1]", "command-line"),
    ("x = compute()\nx", "compute()"),
    ("def f(a):\n    return a\nf('x')", "f('x')"),
    ("undefined_name", "not assigned"),
    ("f'{1:>5}'", "formatted"),
])
def test_unknown_with_reason(src: str, why: str) -> None:
    got = last(src)
    assert isinstance(got, Unknown), got
    assert why in got.reason


def test_sibling_module_constants() -> None:
    consts = module_constants(ast.parse("BUCKET = 'sib-bucket'\nPREFIX = BUCKET + '/in'\n"))
    assert consts == {"BUCKET": "sib-bucket", "PREFIX": "sib-bucket/in"}
    assert last("from .config import PREFIX\nPREFIX", {"config": consts}) == "sib-bucket/in"


def test_deep_expression_is_unknown_not_a_crash() -> None:
    assert last("x = " + " + ".join(["'a'"] * 60) + "\nx") == "a" * 60
    deep = last("x = " + " + ".join(["'a'"] * 400) + "\nx")
    assert isinstance(deep, Partial)
    assert "nested too deeply" in deep.reason()


ARGPARSE_JOB = '''\
{imp}
import boto3

parser = {ctor}()
parser.add_argument("--input-manifest")
{assign}
boto3.client("sagemaker").create_labeling_job(
    LabelingJobName="j",
    InputConfig={{"DataSource": {{"S3DataSource": {{"ManifestS3Uri": {use}}}}}}},
    OutputConfig={{"S3OutputPath": "s3://out/"}},
    HumanTaskConfig={{}},
)
'''


@pytest.mark.parametrize(("imp", "ctor", "assign", "use", "reason"), [
    ("import argparse", "argparse.ArgumentParser", "args = parser.parse_args()",
     "args.input_manifest", "the command-line argument --input-manifest"),
    ("from argparse import ArgumentParser", "ArgumentParser", "args = parser.parse_args()",
     "args.input_manifest", "the command-line argument --input-manifest"),
    ("import argparse as ap", "ap.ArgumentParser", "args, _ = parser.parse_known_args()",
     "args.input_manifest", "is computed at run time"),  # tuple unpacking: not followed
    ("import sys", "list", "args = sys.argv", "args[1]", "a command-line argument"),
])
def test_command_line_arguments_are_unknown_with_that_reason(tmp_path: Path, imp: str, ctor: str,
                                                            assign: str, use: str,
                                                            reason: str) -> None:
    from conftest import run_cli, write_tree

    root = write_tree(tmp_path, {".git/HEAD": "", "job.py": ARGPARSE_JOB.format(
        imp=imp, ctor=ctor, assign=assign, use=use)})
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [("PL102", "job.py", 9)]
    assert reason in findings[0]["message"]
