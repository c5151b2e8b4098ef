"""Structure-aware fuzzing of the readers and evaluators the other two fuzz files do not reach.

test_reliability_fuzz.py fuzzes the parsers (JSON, XML, YAML, shell lexer, config) and
test_reliability_fuzz_structured.py the main readers (HCL, CloudFormation, ASL, plan, CORS and
MTurk XML, Python, notebooks). This file adds, each with its own document shape, sometimes cut
or spliced at a random point:
- a Terraform module folder of ``.tf``, ``.tf.json``, ``.tfvars`` and ``.tfvars.json`` files;
- Terragrunt trees (``terragrunt.hcl`` with include / locals / terraform source / inputs);
- labeling and human-loop request documents (JSON and YAML);
- worker templates (HTML, Liquid) and scripts (shell, Makefile, buildspec, PowerShell) that
  put CORS on a bucket;
- CDK apps in Python and TypeScript, and AWS SDK calls in JavaScript;
- the Terraform built-in functions (regex included) and the CloudFormation intrinsics, called
  directly with values of every type;
- whole mixed trees through the command line.
Properties: no reader crash (PL000), no nesting/size guard on a few kilobytes, every error,
bucket, use and CORS fact inside its file (1 <= line <= lines, 1 <= column <= line length + 1),
what a well-formed document declares is found; through the CLI: exit code 0 or 1, JSON output
that parses, every finding inside its file and no PL000.
Budget and profiles as in test_reliability_fuzz (``POLICYLINT_FUZZ=long``: forty times more).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st
from test_reliability_fuzz import FUZZ, deadline, json_values, tf_exprs
from test_reliability_fuzz_structured import (
    _compiles,
    _cut,
    cfn_nodes,
    hcl_blocks,
    hcl_exprs,
    python_sources,
)

from policylint import discover, engine
from policylint.model import Facts, Location, Unknown
from policylint.readers import ReadOptions
from policylint.readers.cloudformation.evaluate import NO_VALUE, Template
from policylint.readers.terraform.evaluate import FUNCTIONS, EvalError

_NAMES = st.sampled_from(["a", "b", "images", "x_1"])


def _lines(data: bytes) -> list[bytes]:
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")


def _inside(loc: Location, files: dict[str, bytes]) -> None:
    """The location is in one of the files, on a line it has, at most one past its end."""
    data = next((d for name, d in files.items()
                 if loc.path == name or loc.path.endswith("/" + name)), None)
    assert data is not None, (loc, sorted(files))
    lines = _lines(data)
    assert 1 <= loc.line <= len(lines), (loc, len(lines))
    assert 1 <= loc.column <= len(lines[loc.line - 1]) + 1, (loc, lines[loc.line - 1][:80])


def _check(facts: Facts, files: dict[str, bytes]) -> None:
    assert [e.message for e in facts.errors if e.message.startswith("\x00")] == []
    assert [e.message for e in facts.errors if e.message.startswith(
        ("input nested too deeply", "input too large"))] == []
    for loc in ([e.location for e in facts.errors] + [b.location for b in facts.buckets]
                + [u.location for u in facts.uses] + [c.location for c in facts.cors]):
        _inside(loc, files)


def _read(root: Path, kind: str, files: dict[str, bytes], key: str | None = None,
          tree: dict[str, bytes] | None = None) -> Facts:
    """Write the files below ``root`` and read them as one unit of ``kind`` through the engine;
    every location is in one of ``tree`` (the files of the unit when not given)."""
    found = []
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        found.append(discover.Found(str(path), kind, len(data)))
    with deadline():
        facts = engine.read_unit(kind, key if key is not None else next(iter(files)), found,
                                 str(root), str(root), ReadOptions())
    _check(facts, tree or files)
    return facts


def _fresh() -> tempfile.TemporaryDirectory[str]:
    """A new folder per example (a function-scoped tmp_path is shared by all of them)."""
    return tempfile.TemporaryDirectory(prefix="plfuzz-")


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# --- a Terraform module folder: .tf, .tf.json, .tfvars, .tfvars.json ------------------------------

_tf_json_leaf = st.one_of(
    st.sampled_from(["acme-j", "${var.name}", "${local.s}-x", "${aws_s3_bucket.b.id}", "${",
                     "$${x}", "%{ if true }a%{ endif }", "${jsonencode({a = 1})}", "", "*", "GET"]),
    tf_exprs().map(lambda e: "${" + e + "}"), st.integers(-1, 3), st.booleans(), st.none())
_tf_json_values = st.recursive(_tf_json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
        ["bucket", "tags", "cors_rule", "allowed_methods", "allowed_origins", "default", "value",
         "policylint:labeling-input", "for_each", "count", "x"]), inner, max_size=3)),
    max_leaves=10)


@st.composite
def tf_json_docs(draw: Any) -> tuple[dict[str, Any], set[str]]:
    """A .tf.json document and the addresses of the plain buckets it declares."""
    name = draw(_NAMES)
    declared: set[str] = set()
    doc: dict[str, Any] = {}
    shape = draw(st.integers(0, 3))
    if shape == 0:
        doc["resource"] = {"aws_s3_bucket": {f"j{name}": {
            "bucket": draw(_tf_json_leaf), "tags": {"policylint:labeling-input": "true"},
            "cors_rule": draw(st.one_of(st.just([{"allowed_methods": ["GET"],
                                                  "allowed_origins": ["*"]}]), _tf_json_values))}}}
        declared.add(f"aws_s3_bucket.j{name}")
    elif shape == 1:
        doc["resource"] = draw(st.one_of(_tf_json_values, st.just([{"aws_s3_bucket": {}}])))
    elif shape == 2:
        doc["locals"] = draw(st.dictionaries(_NAMES, _tf_json_values, max_size=3))
        doc["variable"] = {"name": {"default": draw(_tf_json_leaf)}}
    else:
        doc = draw(_tf_json_values) if draw(st.booleans()) else {
            "module": {name: {"source": draw(st.sampled_from(["./m", "", "\x01", 3]))}}}
    return doc, declared


_tfvars_lines = st.one_of(
    st.builds(lambda n, e: f"{n} = {e}", _NAMES, hcl_exprs()),
    st.builds(lambda n, v: f"{n} = {json.dumps(v)}", _NAMES, json_values),
    st.sampled_from(['name = "acme-v"', "x = <<EOT\nhi\nEOT", "# c", "y = [", "z = var.x",
                     'resource "aws_s3_bucket" "no" {}']))


@st.composite
def tf_folders(draw: Any) -> tuple[dict[str, bytes], set[str], bool]:
    files: dict[str, bytes] = {}
    blocks = draw(st.lists(hcl_blocks(), max_size=3))
    main = 'variable "name" {\n  default = "acme-d"\n}\n' + "".join(b for b, _ in blocks)
    main_cut = _cut(draw, main)
    files["main.tf"] = _b(main_cut)
    declared = {a for _, a in blocks if a}
    jdoc, jdeclared = draw(tf_json_docs())
    jtext = json.dumps(jdoc, indent=draw(st.sampled_from([None, 2])))
    jcut = _cut(draw, jtext)
    files["extra.tf.json"] = _b(jcut)
    tfvars = "\n".join(draw(st.lists(_tfvars_lines, max_size=4))) + "\n"
    files[draw(st.sampled_from(["terraform.tfvars", "x.auto.tfvars"]))] = _b(_cut(draw, tfvars))
    if draw(st.booleans()):
        files["terraform.tfvars.json"] = _b(_cut(draw, json.dumps(
            draw(st.one_of(st.dictionaries(_NAMES, json_values, max_size=3), json_values)))))
    whole = main_cut == main and jcut == jtext
    return files, declared | jdeclared, whole


@FUZZ
@given(tf_folders())
def test_terraform_module_folders(folder: tuple[dict[str, bytes], set[str], bool]) -> None:
    files, declared, whole = folder
    with _fresh() as root:
        facts = _read(Path(root), discover.TERRAFORM, files, key=".")
    if whole and not [e for e in facts.errors if e.location.path.endswith((".tf", ".tf.json"))]:
        assert declared <= {b.address.split("[")[0] for b in facts.buckets}


# --- Terragrunt trees ------------------------------------------------------------------------------

_TG_CALLS = ["find_in_parent_folders()", 'find_in_parent_folders("env.hcl")',
             'find_in_parent_folders("nope.hcl")', 'find_in_parent_folders("prod/terragrunt.hcl")',
             "get_terragrunt_dir()", "get_parent_terragrunt_dir()", "path_relative_to_include()",
             "path_relative_from_include()", 'get_env("B", "acme-env")', 'get_env("B")',
             "get_aws_account_id()", 'run_cmd("echo", "x")', "dependency.d.outputs.name",
             'read_terragrunt_config("terragrunt.hcl")', "local.n", "include.root.inputs",
             'read_terragrunt_config(find_in_parent_folders("env.hcl")).locals.name',
             'get_original_terragrunt_dir()', '"${get_terragrunt_dir()}/../terragrunt.hcl"']


@st.composite
def tg_exprs(draw: Any) -> str:
    return draw(st.one_of(st.sampled_from(_TG_CALLS), hcl_exprs(),
                          st.builds(lambda c: f'"acme-${{{c}}}"', st.sampled_from(_TG_CALLS))))


@st.composite
def terragrunt_trees(draw: Any) -> dict[str, bytes]:
    """A parent, a child that may include it (or itself), a module and sometimes a cache copy."""
    parts = []
    if draw(st.booleans()):
        label = draw(st.sampled_from(['"root" ', "", '"x" ']))
        merge = draw(st.sampled_from(["", '  merge_strategy = "deep"\n',
                                      '  merge_strategy = "no_merge"\n',
                                      '  merge_strategy = "shallow"\n', "  merge_strategy = 3\n"]))
        parts.append(f"include {label}{{\n  path = {draw(tg_exprs())}\n{merge}}}\n")
    if draw(st.booleans()):
        parts.append(f"locals {{\n  env = read_terragrunt_config(find_in_parent_folders("
                     f'"env.hcl"))\n  n = {draw(tg_exprs())}\n}}\n')
    if draw(st.booleans()):
        parts.append('dependency "d" {\n  config_path = "../other"\n  mock_outputs = '
                     f"{{ name = {draw(tg_exprs())} }}\n}}\n")
    src = draw(st.sampled_from(['"../../modules//bucket"', '"../../modules/bucket"',
                                '"git::https://x//bucket"', '"tfr:///terraform-aws-modules/'
                                's3-bucket/aws?version=4.1.0"', '"tfr://x"', '"\\u0000"', '""',
                                "local.n", "3", '"${get_terragrunt_dir()}/../../modules/bucket"']))
    if draw(st.booleans()):
        parts.append(f"terraform {{\n  source = {src}\n}}\n")
    parts.append("inputs = {\n  name = " + draw(st.one_of(
        st.just('"acme-${local.env.locals.name}-tg"'), tg_exprs())) + "\n  bucket = "
        + draw(tg_exprs()) + "\n  tags = " + draw(
        st.one_of(st.just('{ "policylint:labeling-input" = "true" }'), tg_exprs())) + "\n}\n")
    child = _cut(draw, "".join(draw(st.permutations(parts))))
    root = draw(st.sampled_from([
        'inputs = {\n  tags = { env = "p" }\n}\n', "", "locals {", "inputs = 3\n",
        'include "again" {\n  path = "prod/terragrunt.hcl"\n}\n',
        f"terraform {{\n  source = {src}\n}}\n",
        'remote_state {\n  backend = "s3"\n}\ninputs = { tags = { a = get_env("X") } }\n']))
    # name without a default: a library the Terragrunt file calls (see docs/reliability.md on
    # modules whose variables all have defaults)
    module = ('variable "name" {}\nvariable "tags" {\n  default = {}\n}\n'
              'resource "aws_s3_bucket" "b" {\n  bucket = var.name\n  tags = var.tags\n}\n')
    files = {"live/terragrunt.hcl": _b(root), "live/env.hcl": _b('locals {\n  name = "p"\n}\n'),
             "live/prod/terragrunt.hcl": _b(child), "modules/bucket/main.tf": _b(module)}
    if draw(st.booleans()):
        files["live/prod/.terragrunt-cache/ab/cd/main.tf"] = _b(_cut(draw, module))
    return files


@FUZZ
@given(terragrunt_trees())
def test_terragrunt_trees(files: dict[str, bytes]) -> None:
    child = "live/prod/terragrunt.hcl"
    with _fresh() as root:
        _write_all(Path(root), files)
        facts = _read(Path(root), discover.TERRAGRUNT, {child: files[child]}, key=child,
                      tree=files)
    if b'source = "../../modules//bucket"' in files[child] and not facts.errors:
        assert [b.address for b in facts.buckets if b.address.endswith("aws_s3_bucket.b")]


def _write_all(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


# --- labeling and human-loop requests --------------------------------------------------------

_req_leaf = st.one_of(st.sampled_from(["s3://acme-req/m.manifest", "s3://acme-req/", "s3://",
                                       "s3://acme-req/ui.liquid", "arn:aws:iam::1:role/r",
                                       '{"taskObject": "s3://acme-req/a.jpg"}', "", "x"]),
                      st.integers(), st.none(), st.booleans(), st.lists(st.text(max_size=3),
                                                                        max_size=2))


@st.composite
def requests(draw: Any) -> tuple[Any, bool]:
    """A request document and whether it holds a literal manifest in acme-req."""
    if draw(st.booleans()):
        uri = draw(_req_leaf)
        doc: Any = {"LabelingJobName": "j", "LabelAttributeName": "l",
                    "InputConfig": draw(st.one_of(st.just({"DataSource": {"S3DataSource": {
                        "ManifestS3Uri": uri}}}), _req_leaf)),
                    "OutputConfig": {"S3OutputPath": draw(_req_leaf)},
                    "RoleArn": draw(_req_leaf),
                    "HumanTaskConfig": draw(st.one_of(st.just({"UiConfig": {
                        "UiTemplateS3Uri": draw(_req_leaf)}}), _req_leaf))}
        literal = uri == "s3://acme-req/m.manifest" and isinstance(doc["InputConfig"], dict)
    else:
        doc = {"HumanLoopName": "h", "FlowDefinitionArn": draw(_req_leaf),
               "HumanLoopInput": draw(st.one_of(st.just({"InputContent": draw(_req_leaf)}),
                                                _req_leaf))}
        literal = False
    if draw(st.booleans()):
        doc = draw(st.one_of(st.just([doc]), st.just({"Request": doc}), st.just(doc)))
        literal = literal and isinstance(doc, dict) and "LabelingJobName" in doc
    return doc, literal


@FUZZ
@given(requests(), st.sampled_from(["json", "yaml"]), st.data())
def test_request_documents(req: tuple[Any, bool], fmt: str, data: st.DataObject) -> None:
    doc, literal = req
    text = json.dumps(doc, indent=1) if fmt == "json" else yaml.safe_dump(doc)
    cut = _cut(data.draw, text)
    with _fresh() as root:
        facts = _read(Path(root), discover.REQUEST, {f"job.{fmt}": _b(cut)})
    if cut == text and literal:
        assert "acme-req" in {u.target.name for u in facts.uses}


# --- worker templates (HTML, Liquid) and scripts ---------------------------------------------------

_urls = st.sampled_from(["s3://acme-t/a.jpg", "https://acme-t.s3.amazonaws.com/a.jpg",
                         "https://s3.us-east-1.amazonaws.com/acme-t/a.jpg", "s3://", "s3://A_B/k",
                         "{{ task.input.taskObject | grant_read_access }}", "{{", "s3://acme-t/${x}",
                         "https://acme-t.s3-us-west-2.amazonaws.com/k", "&quot;", "é"])


@st.composite
def worker_templates(draw: Any) -> tuple[str, bool]:
    parts = ['<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n',
             "<crowd-form>\n"]
    literal = False
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.integers(0, 4))
        url = draw(_urls)
        if kind == 0:
            parts.append(f'  <crowd-image-classification src="{url}" header="h" '
                         'categories="[\'a\']">\n  </crowd-image-classification>\n')
            literal |= url == "s3://acme-t/a.jpg"
        elif kind == 1:
            parts.append(f"  <img src='{url}'>\n")
        elif kind == 2:
            parts.append("  {% if task.input.x %}{{ task.input.x | "
                         f"{draw(st.sampled_from(['grant_read_access', 'to_json', 'escape']))} }}}}"
                         "{% endif %}\n")
        elif kind == 3:
            parts.append(f"  <!-- policylint: disable=PL101 reason=\"{draw(_urls)}\" -->\n")
        else:
            parts.append(f"  <crowd-entity-annotation source-ref=\"{url}\"></crowd-entity-"
                         "annotation>\n" + draw(st.sampled_from(["", "<", "{%", "<![CDATA["])))
    parts.append("</crowd-form>\n")
    return "".join(parts), literal


@FUZZ
@given(worker_templates(), st.sampled_from(["ui.html", "ui.liquid", "task.template"]), st.data())
def test_worker_templates(doc: tuple[str, bool], name: str, data: st.DataObject) -> None:
    text, literal = doc
    cut = _cut(data.draw, text)
    with _fresh() as root:
        facts = _read(Path(root), discover.TEMPLATE, {name: _b(cut)})
    if cut == text and literal:
        assert "acme-t" in {u.target.name for u in facts.uses}


_cors_json = st.one_of(
    st.just('{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}'),
    st.just('{"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["https://a"]}]}'),
    json_values.map(json.dumps), st.sampled_from(["{", "", "[]", '{"CORSRules": 3}']))


@st.composite
def scripts(draw: Any) -> tuple[str, str, bool]:
    """(file name, text, whether it puts an inline literal CORS document on acme-s)."""
    name = draw(st.sampled_from(["run.sh", "Makefile", "buildspec.yml", "setup.ps1",
                                 ".gitlab-ci.yml", "Dockerfile"]))
    lines, literal = [], False
    for _ in range(draw(st.integers(1, 4))):
        bucket = draw(st.sampled_from(["acme-s", "$B", "${B}", '"$B"', "$(echo x)", "''", "`x`"]))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            doc = draw(_cors_json)
            lines.append(f"aws s3api put-bucket-cors --bucket {bucket} --cors-configuration "
                         f"'{doc}'")
            literal |= bucket == "acme-s" and doc.startswith('{"CORSRules": [')
        elif kind == 1:
            lines.append(f"aws s3api put-bucket-cors --bucket {bucket} --cors-configuration "
                         f"file://{draw(st.sampled_from(['cors.json', '../x.json', '', '/etc']))}")
        elif kind == 2:
            lines.append(draw(st.sampled_from(["B=acme-s", "export B=acme-s", "B=$(cat f)",
                                               "cat <<EOF > cors.json", "EOF", "cd ..", "set -e",
                                               "aws s3api put-bucket-cors \\", "  --bucket x"])))
        else:
            lines.append(f"aws s3api put-bucket-cors --cors-configuration "
                         f"\"{draw(_cors_json).replace(chr(34), chr(92) + chr(34))}\" "
                         f"--bucket {bucket}")
    if name == "Makefile":
        text = "cors:\n" + "".join(f"\t{ln}\n" for ln in lines)
    elif name.endswith(".yml"):
        text = ("phases:\n  build:\n    commands:\n" if name == "buildspec.yml"
                else "job:\n  script:\n") + "".join(
            f"      - {json.dumps(ln)}\n" for ln in lines)
    elif name == "Dockerfile":
        text = "FROM x\n" + "".join(f"RUN {ln}\n" for ln in lines)
    else:
        text = "".join(f"{ln}\n" for ln in lines)
    # an unclosed here-document swallows the lines after it, a trailing backslash joins two
    # commands: the inline document is then not a command's argument (the long run found it)
    literal = literal and "<<" not in text and "\\\n" not in text
    return name, text, literal and name == "run.sh"


@FUZZ
@given(scripts(), st.data())
def test_scripts(doc: tuple[str, str, bool], data: st.DataObject) -> None:
    name, text, literal = doc
    cut = _cut(data.draw, text)
    with _fresh() as root:
        facts = _read(Path(root), discover.SCRIPT, {name: _b(cut)})
    if cut == text and literal:
        assert "acme-s" in {c.target.name for c in facts.cors if c.target is not None}


# --- CDK apps (Python, TypeScript) and the AWS SDK for JavaScript ----------------------------------

_CDK_PY_VALUES = ['"acme-cdk"', 'f"acme-{x}"', "x", "None", "1", "[1]", "{'a': 1}",
                  "os.environ['B']", "self.node.try_get_context('b')", "*a", "**k", "lambda: 1",
                  "s3.HttpMethods.GET", "s3.HttpMethods.PUT", '"*"', "ORIGINS"]


@st.composite
def cdk_python(draw: Any) -> tuple[str, set[str]]:
    lines = ["import os", "from aws_cdk import Stack, Tags", "from aws_cdk import aws_s3 as s3",
             'ORIGINS = ["*"]', "x = 'p'", "", "class AppStack(Stack):",
             "    def __init__(self, scope, construct_id, **kwargs) -> None:",
             "        super().__init__(scope, construct_id, **kwargs)"]
    declared = set()
    v = st.sampled_from(_CDK_PY_VALUES)
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            lines.append(f'        b{i} = s3.Bucket(self, "B{i}", bucket_name={draw(v)}, '
                         f"cors=[s3.CorsRule(allowed_methods=[{draw(v)}], "
                         f"allowed_origins={draw(v)})])")
            lines.append(f'        Tags.of(b{i}).add("policylint:labeling-input", "true")')
            declared.add(f"AppStack/B{i}")
        elif kind == 1:
            lines.append(f'        b{i} = s3.Bucket(self, {draw(v)})')
            lines.append(f"        b{i}.add_cors_rule(allowed_methods=[{draw(v)}], "
                         f"allowed_origins=[{draw(v)}])")
        elif kind == 2:
            lines.append(f'        s3.CfnBucket(self, "C{i}", bucket_name={draw(v)}, '
                         f"cors_configuration={{'corsRules': [{{'allowedMethods': [{draw(v)}]}}]}})"
                         "  # policylint: labeling-input")
        elif kind == 3:
            lines.append(f"        s3.Bucket.from_bucket_name(self, 'I{i}', {draw(v)})")
        else:
            lines.append(f"        Tags.of({draw(v)}).add({draw(v)}, {draw(v)})")
    return "\n".join(lines) + "\n", declared


@FUZZ
@given(cdk_python(), st.data())
def test_cdk_python_apps(doc: tuple[str, set[str]], data: st.DataObject) -> None:
    text, declared = doc
    cut = _cut(data.draw, text)
    with _fresh() as root:
        facts = _read(Path(root), discover.PYTHON, {"app_stack.py": _b(cut)})
    if cut == text and _compiles(text):
        assert facts.errors == []
        assert declared <= {b.address for b in facts.buckets}


_JS_VALUES = ["'acme-js'", "`acme-${x}`", "x", "process.env.B", "undefined", "null", "1",
              "[1]", "{ a: 1 }", "...y", "() => 1", "s3.HttpMethods.GET", "'*'", "event.Bucket",
              "`${", "'\\u0041'", "/re/g", "a?.b", "x as string"]


@st.composite
def js_sources(draw: Any) -> tuple[str, str, set[str]]:
    """(file name, source, the CDK bucket addresses it declares plainly)."""
    name = draw(st.sampled_from(["lib/stack.ts", "lib/stack.tsx", "index.js", "index.mjs",
                                 "index.cjs"]))
    ts = name.endswith((".ts", ".tsx"))
    v = st.sampled_from([x for x in _JS_VALUES if ts or " as " not in x])
    head = ("import * as cdk from 'aws-cdk-lib';\nimport * as s3 from 'aws-cdk-lib/aws-s3';\n"
            "import { S3Client, PutBucketCorsCommand } from '@aws-sdk/client-s3';\n"
            if draw(st.booleans()) else
            "const cdk = require('aws-cdk-lib');\nconst s3 = require('aws-cdk-lib').aws_s3;\n"
            "const AWS = require('aws-sdk');\n"
            "const { PutBucketCorsCommand } = require('@aws-sdk/client-s3');\n")
    body, declared = [], set()
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 4))
        if kind == 0:
            body.append(f"    const b{i} = new s3.Bucket(this, 'B{i}', {{ bucketName: {draw(v)}, "
                        f"cors: [{{ allowedMethods: [{draw(v)}], allowedOrigins: [{draw(v)}] }}] }});"
                        f"\n    cdk.Tags.of(b{i}).add('policylint:labeling-input', 'true');")
            declared.add(f"AppStack/B{i}")
        elif kind == 1:
            body.append(f"    new s3.CfnBucket(this, {draw(v)}, {{ corsConfiguration: {{ corsRules: "
                        f"[{{ allowedMethods: [{draw(v)}], allowedOrigins: [{draw(v)}] }}] }} }});")
        elif kind == 2:
            body.append(f"    await new S3Client({{}}).send(new PutBucketCorsCommand({{ Bucket: "
                        f"{draw(v)}, CORSConfiguration: {{ CORSRules: [{{ AllowedMethods: "
                        f"[{draw(v)}], AllowedOrigins: [{draw(v)}] }}] }} }}));")
        elif kind == 3:
            body.append(f"    new AWS.S3().putBucketCors({{ Bucket: {draw(v)}, CORSConfiguration: "
                        f"{draw(v)} }}).promise();")
        else:
            body.append(f"    sm.createLabelingJob({{ InputConfig: {{ DataSource: {{ S3DataSource: "
                        f"{{ ManifestS3Uri: {draw(v)} }} }} }} }});")
    ctor = "constructor(scope: any, id: string)" if ts else "constructor(scope, id)"
    text = (head + "const x = 'p';\n" + f"export class AppStack extends cdk.Stack {{\n  {ctor} {{\n"
            "    super(scope, id);\n" + "\n".join(body) + "\n  }\n}\n")
    if not ts:
        text = text.replace("export class", "class").replace("await ", "")
    return name, text, declared


@FUZZ
@given(js_sources(), st.data())
def test_javascript_and_typescript(doc: tuple[str, str, set[str]], data: st.DataObject) -> None:
    name, text, declared = doc
    cut = _cut(data.draw, text)
    with _fresh() as root:
        facts = _read(Path(root), discover.JAVASCRIPT, {name: _b(cut)})
    if cut == text and not facts.errors:
        assert declared <= {b.address for b in facts.buckets}


# --- the evaluators, called directly ----------------------------------------------------------------

_tf_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 10 ** 6), st.floats(allow_nan=False),
              st.text(max_size=8), st.sampled_from(["(a+)+$", "a{2,}", "[", "(?P<n>a)(b)",
                                                    "/(x)/", "%s-%d", "%-5v", "%[2]s", "${x}"]),
              st.just(Unknown("fuzz"))),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=4), inner, max_size=4)),
    max_leaves=12)
# what a Terraform function may raise: the evaluator turns these into an error at the call
_TF_ERRORS = (EvalError, TypeError, ValueError, KeyError, IndexError, AttributeError,
              ZeroDivisionError, OverflowError)


@FUZZ
@given(st.sampled_from(sorted(FUNCTIONS)), st.lists(_tf_values, max_size=4))
def test_terraform_functions_directly(name: str, args: list[Any]) -> None:
    with deadline():
        try:
            got = FUNCTIONS[name](*args)
        except _TF_ERRORS:
            return
    json.dumps(got, default=lambda v: str(v))  # a plain value (or Unknown inside one)


@FUZZ
@given(cfn_nodes, st.dictionaries(st.sampled_from(["C", "D"]), cfn_nodes, max_size=2),
       st.dictionaries(st.sampled_from(["C", "D"]), st.booleans(), max_size=2))
def test_cloudformation_intrinsics_directly(node: Any, conditions: dict[str, Any],
                                            assume: dict[str, bool]) -> None:
    t = Template({"Parameters": {"P": {"Type": "String", "Default": "p"}},
                  "Mappings": {"M": {"a": {"b": "c"}}}, "Conditions": conditions,
                  "Resources": {"B": {"Type": "AWS::S3::Bucket"}}})
    with deadline():
        got = t.value(node, assume)
        text = t.text(node, assume)
        for c in conditions:
            assert t.condition(c, assume) in (True, False) or isinstance(
                t.condition(c, assume), Unknown)
    assert got is NO_VALUE or isinstance(got, Unknown) or json.dumps(
        got, default=lambda v: str(v))
    assert text is None or isinstance(text, (str, Unknown))


# --- whole mixed trees through the command line -----------------------------------------------------

@st.composite
def trees(draw: Any) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    blocks = draw(st.lists(hcl_blocks(), max_size=2))
    if blocks:
        files["infra/main.tf"] = _b(_cut(draw, "".join(b for b, _ in blocks)))
    if draw(st.booleans()):
        py, _ = draw(python_sources())
        files["jobs/start.py"] = _b(_cut(draw, py))
    if draw(st.booleans()):
        req, _ = draw(requests())
        files["jobs/request.json"] = _b(json.dumps(req))
    if draw(st.booleans()):
        files["ui/task.html"] = _b(draw(worker_templates())[0])
    if draw(st.booleans()):
        name, text, _ = draw(scripts())
        files[f"ops/{name}"] = _b(text)
    if draw(st.booleans()):
        files["cors.json"] = _b(draw(_cors_json))
    if draw(st.booleans()):
        files["cdk/app_stack.py"] = _b(_cut(draw, draw(cdk_python())[0]))
    return files


def _finding_inside(f: dict[str, Any], root: Path) -> None:
    path = root / f["path"]
    assert path.is_file(), f
    lines = _lines(path.read_bytes())
    assert 1 <= f["line"] <= len(lines), f
    assert 1 <= f["column"] <= len(lines[f["line"] - 1]) + 1, f


@FUZZ
@given(trees(), st.sampled_from(["json", "sarif"]))
def test_cli_on_mixed_trees(files: dict[str, bytes], fmt: str) -> None:
    with _fresh() as tmp:
        root = Path(tmp)
        _write_all(root, files)
        with deadline(30):
            code, out, err = run_cli([".", "--format", fmt, "--no-cache"], root)
        assert code in (0, 1), err
        doc = json.loads(out)
        if fmt == "json":
            assert [f for f in doc["findings"] if f["rule"] == "PL000"] == []
            for f in doc["findings"]:
                _finding_inside(f, root)
        else:
            results = doc["runs"][0]["results"]
            assert [r for r in results if r["ruleId"] == "PL000"] == []
