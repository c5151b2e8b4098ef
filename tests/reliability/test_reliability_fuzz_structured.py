"""Structure-aware fuzzing of every reader and evaluator, through the engine.

Each strategy builds a document of the reader's own shape (HCL files of blocks and expressions,
CloudFormation templates with conditions, ASL definitions, plan JSON, CORS/MTurk XML, notebooks,
Python), sometimes with wrong types in every place, and sometimes cut or spliced at a random
point. Properties held by every result:
- no reader crash (PL000) and no nesting/size guard on inputs of a few kilobytes;
- every error and fact points inside the file (1 <= line <= number of lines);
- what a well-formed document says is found: each declared bucket is a Bucket fact, each
  labeling task with a literal manifest a use of that bucket.
Budget and profiles as in test_reliability_fuzz (``POLICYLINT_FUZZ=long``: forty times more).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from test_reliability_fuzz import FUZZ, deadline, tf_exprs

from policylint import discover, engine
from policylint.model import Facts
from policylint.readers import ReadOptions

_NAMES = st.sampled_from(["a", "b", "c", "images", "x_1"])


def _read(tmp_path: Path, kind: str, name: str, data: bytes) -> Facts:
    path = tmp_path / name
    path.write_bytes(data)
    found = discover.Found(str(path), kind, len(data))
    with deadline():
        facts = engine.read_unit(kind, "." if kind == discover.TERRAFORM else name, [found],
                                 str(tmp_path), str(tmp_path), ReadOptions())
    lines = data.count(b"\n") + 1
    assert [e.message for e in facts.errors if e.message.startswith("\x00")] == []
    assert [e.message for e in facts.errors if e.message.startswith(
        ("input nested too deeply", "input too large"))] == []
    for loc in [e.location for e in facts.errors] + [b.location for b in facts.buckets] + [
            u.location for u in facts.uses]:
        assert 1 <= loc.line <= lines and loc.column >= 1, loc
    return facts


def _cut(draw: Any, text: str) -> str:
    """The text, or (sometimes) the text cut, spliced or with a stray piece inserted."""
    how = draw(st.integers(0, 5))
    if how < 3 or not text:
        return text
    i = draw(st.integers(0, len(text)))
    if how == 3:
        return text[:i]
    j = draw(st.integers(0, len(text)))
    if how == 4:
        return text[:i] + text[j:]
    return text[:i] + draw(st.sampled_from(["{", "}", "\"", "${", "%{", "\n", "\x00", "[", "<<EOF\n",
                                            "!Ref ", "- ", ":", "<", "&#0;", "\\"])) + text[i:]


# --- HCL files ---------------------------------------------------------------------------------

_REGEX_PATTERNS = ["(a+)+$", "^(a|a)*$", "(?i)acme-\\d+", "[a-", "(a)\\1", "(?=a)", "x{2,}",
                   "^(([a-z])+.)+[A-Z]([a-z])+$", "", "\\p{L}+", "(?P<n>a)"]


@st.composite
def hcl_exprs(draw: Any) -> str:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        pat = json.dumps(draw(st.sampled_from(_REGEX_PATTERNS)))
        fn = draw(st.sampled_from(["regex", "regexall", "can(regex", "replace"]))
        subject = json.dumps("a" * draw(st.integers(0, 40)) + draw(st.sampled_from(["", "!"])))
        if fn == "replace":
            return f'replace({subject}, "/{pat[1:-1]}/", "x")'
        return f"{fn}({pat}, {subject})" + (")" if fn.startswith("can") else "")
    if kind == 1:
        body = draw(st.sampled_from(["${x}", "%{ if x != \"\" }y%{ else }z%{ endif }",
                                     "%{ for y in range(3) }${y}%{ endfor }"]))
        return f'"%{{ for x in {draw(tf_exprs())} }}{body}%{{ endfor }}"'
    if kind == 2:
        return f"<<-EOT\n  ${{{draw(tf_exprs())}}}\n  %{{ if true }}a%{{ endif }}\n  EOT"
    return draw(tf_exprs())


@st.composite
def hcl_blocks(draw: Any) -> tuple[str, str | None]:
    """(block text, the address of the plain bucket it declares, if any)."""
    name = draw(_NAMES)
    e = hcl_exprs()
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return (f'resource "aws_s3_bucket" "{name}" {{\n  bucket = {draw(e)}\n'
                f'  tags = {{ "policylint:labeling-input" = "true" }}\n}}\n',
                f"aws_s3_bucket.{name}")
    if kind == 1:
        meta = draw(st.sampled_from([f"count = {draw(e)}", f"for_each = {draw(e)}"]))
        return f'resource "aws_s3_bucket" "{name}" {{\n  {meta}\n  bucket = {draw(e)}\n}}\n', None
    if kind == 2:
        return (f'resource "aws_s3_bucket_cors_configuration" "{name}" {{\n  bucket = {draw(e)}\n'
                f'  dynamic "cors_rule" {{\n    for_each = {draw(e)}\n    content {{\n'
                f'      allowed_methods = [{draw(e)}]\n      allowed_origins = ["*"]\n    }}\n'
                f'  }}\n}}\n', None)
    if kind == 3:
        return (f'resource "aws_sfn_state_machine" "{name}" {{\n  definition = jsonencode({{\n'
                f'    StartAt = "A"\n    States = {{ A = {{ Type = "Task", Resource = '
                f'"arn:aws:states:::sagemaker:createLabelingJob", Parameters = {{ InputConfig = '
                f'{{ DataSource = {{ S3DataSource = {{ ManifestS3Uri = {draw(e)} }} }} }} }}, '
                f'End = true }} }}\n  }})\n}}\n', None)
    if kind == 4:
        return f'locals {{\n  {name} = {draw(e)}\n  s = "x"\n  l = [1, 2]\n}}\n', None
    if kind == 5:
        return f'variable "{name}" {{\n  default = {draw(e)}\n}}\n', None
    if kind == 6:
        src = draw(st.sampled_from(['"./m"', '"../x"', '"git::https://x"', draw(e)]))
        return f'module "{name}" {{\n  source = {src}\n  x = {draw(e)}\n}}\n', None
    return f'output "{name}" {{\n  value = {draw(e)}\n}}\n', None


@st.composite
def hcl_files(draw: Any) -> tuple[str, set[str], bool]:
    blocks = draw(st.lists(hcl_blocks(), max_size=5))
    text = "".join(b for b, _ in blocks)
    cut = _cut(draw, text)
    return cut, {a for _, a in blocks if a}, cut == text


@FUZZ
@given(hcl_files())
def test_terraform_files(tmp_path: Path, doc: tuple[str, set[str], bool]) -> None:
    text, buckets, whole = doc
    facts = _read(tmp_path, discover.TERRAFORM, "main.tf", text.encode("utf-8", "surrogatepass"))
    if whole and not [e for e in facts.errors if "syntax" in e.message
                      or "defined more than once" in e.message]:
        got = {b.address.split("[")[0] for b in facts.buckets}
        assert buckets <= got


# --- CloudFormation templates: conditions, Fn::If, many resource types, YAML and JSON ---------

_CONDS = ["C", "D", "Missing"]
_FN = ["Ref", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select", "Fn::GetAtt", "Fn::FindInMap",
       "Fn::Split", "Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition", "Fn::Base64",
       "Fn::ImportValue", "Fn::GetAZs", "Fn::ToJsonString", "Fn::Length", "Fn::Cidr"]
_ATOMS = st.one_of(st.sampled_from(["B", "P", "L", *_CONDS, "AWS::Region", "AWS::NoValue",
                                    "${B}", "${P}-x", "${B.Arn}", "s3://acme/m", "M", "a", ""]),
                   st.integers(-1, 3), st.booleans(), st.none())
cfn_nodes = st.recursive(_ATOMS, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from(_FN), inner, min_size=1, max_size=1),
    st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, st.sampled_from(_CONDS), inner, inner),
    st.dictionaries(st.sampled_from(["Key", "Value", "ManifestS3Uri", "x"]), inner, max_size=2)),
    max_leaves=12)
_TYPES = ["AWS::S3::Bucket", "AWS::S3::Bucket", "AWS::StepFunctions::StateMachine",
          "AWS::Serverless::StateMachine", "AWS::IAM::Role", "AWS::SageMaker::LabelingJob",
          "AWS::S3::BucketPolicy", "Custom::Thing", "AWS::Lambda::Function"]
_PROPS = ["BucketName", "CorsConfiguration", "Tags", "Definition", "DefinitionString",
          "DefinitionSubstitutions", "RoleArn", "Policies", "ManifestS3Uri", "Bucket", "Code",
          "Environment", "ServiceToken"]


@st.composite
def cfn_templates(draw: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 4))):
        res: dict[str, Any] = {"Type": draw(st.sampled_from(_TYPES))}
        res["Properties"] = draw(st.one_of(
            st.dictionaries(st.sampled_from(_PROPS), cfn_nodes, max_size=4), cfn_nodes))
        if draw(st.booleans()):
            res["Condition"] = draw(st.one_of(st.sampled_from(_CONDS), cfn_nodes))
        if draw(st.booleans()):
            res["Metadata"] = draw(st.one_of(st.just({"policylint": {"labeling-input": True}}),
                                             cfn_nodes))
        resources[draw(st.sampled_from(["B", "R", "S", "J"])) + str(i)] = res
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": draw(st.one_of(st.just({"P": {"Type": "String", "Default": "p"},
                                                  "L": {"Type": "CommaDelimitedList"}}),
                                         cfn_nodes)),
            "Mappings": draw(st.one_of(st.just({"M": {"a": {"b": "c"}}}), cfn_nodes)),
            "Conditions": draw(st.dictionaries(st.sampled_from(_CONDS[:2]), cfn_nodes,
                                               max_size=2)),
            "Resources": resources,
            "Outputs": {"O": {"Value": draw(cfn_nodes)}}}


def _yaml(node: Any, indent: int = 0) -> str:
    """YAML with CloudFormation's short-form tags (``!Ref x``, ``!If [...]``) in flow style."""
    if isinstance(node, dict) and len(node) == 1:
        (k, v), = node.items()
        if (k == "Ref" or k == "Condition" or k.startswith("Fn::")) and not (
                isinstance(v, dict) and len(v) == 1):  # a tag on a tag is not YAML: long form
            tag = "!" + (k[4:] if k.startswith("Fn::") else k)
            return f"{tag} {_yaml(v)}" if not isinstance(v, dict) or v else f"{tag} {{}}"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_yaml(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_yaml(v) for v in node) + "]"
    return json.dumps(node)


@FUZZ
@given(cfn_templates(), st.sampled_from(["json", "yaml"]), st.booleans())
def test_cloudformation_templates(tmp_path: Path, template: dict[str, Any], fmt: str,
                                  cut: bool) -> None:
    if fmt == "json":
        text = json.dumps(template, indent=1)
    else:
        text = "\n".join(f"{k}: {_yaml(v)}" for k, v in template.items()) + "\n"
    data = (text[:len(text) * 2 // 3] if cut else text).encode()
    facts = _read(tmp_path, discover.CLOUDFORMATION, f"t.{fmt}", data)
    if not cut:
        assert facts.errors == []
        declared = {k for k, r in template["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}
        assert {b.address for b in facts.buckets} == declared


# --- Step Functions definitions ------------------------------------------------------------------

_TASKS = ["arn:aws:states:::sagemaker:createLabelingJob",
          "arn:aws:states:::sagemaker:createLabelingJob.sync",
          "arn:aws:states:::aws-sdk:sagemaker:createLabelingJob",
          "arn:aws:states:::aws-sdk:sagemakera2iruntime:startHumanLoop", "arn:aws:lambda:x"]
_leaf = st.one_of(st.sampled_from(["s3://acme-in/m.manifest", "$.x", "", "s3://"]), st.integers(),
                  st.none(), st.lists(st.text(max_size=3), max_size=2))


@st.composite
def asl_states(draw: Any, depth: int = 0) -> dict[str, Any]:
    states: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.integers(0, 4 if depth < 2 else 2))
        if kind <= 1:
            key = draw(st.sampled_from(["ManifestS3Uri", "ManifestS3Uri.$"]))
            params = {"LabelingJobName": "j", "InputConfig": {"DataSource": {"S3DataSource": {
                key: draw(_leaf)}}}}
            state: Any = {"Type": "Task", "Resource": draw(st.sampled_from(_TASKS)),
                          "Parameters": draw(st.one_of(st.just(params), _leaf))}
        elif kind == 2:
            state = draw(st.one_of(_leaf, st.just({"Type": "Pass"})))
        elif kind == 3:
            state = {"Type": "Parallel", "Branches": draw(st.one_of(
                st.lists(asl_states(depth + 1), max_size=2), _leaf))}
        else:
            state = {"Type": "Map", draw(st.sampled_from(["Iterator", "ItemProcessor"])):
                     draw(st.one_of(asl_states(depth + 1), _leaf))}
        states[f"S{depth}_{i}"] = state
    return {"StartAt": "S0_0", "States": states}


def _literal_manifests(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if (node.get("Type") == "Task" and "createLabelingJob" in str(node.get("Resource"))
                and isinstance(node.get("Parameters"), dict)):
            uri = node["Parameters"]["InputConfig"]["DataSource"]["S3DataSource"].get(
                "ManifestS3Uri")
            if uri == "s3://acme-in/m.manifest":
                found.add("acme-in")
        for v in node.values():
            found |= _literal_manifests(v)
    elif isinstance(node, list):
        for v in node:
            found |= _literal_manifests(v)
    return found


@FUZZ
@given(asl_states(), st.booleans())
def test_asl_definitions(tmp_path: Path, definition: dict[str, Any], cut: bool) -> None:
    text = json.dumps(definition, indent=2)
    data = (text[:len(text) // 2] if cut else text).encode()
    facts = _read(tmp_path, discover.ASL, "s.asl.json", data)
    if not cut:
        names = {u.target.name for u in facts.uses if isinstance(u.target.name, str)}
        assert _literal_manifests(definition) <= names


# --- Terraform plan JSON -------------------------------------------------------------------------

_plan_any = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6)),
                         lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(
                             st.sampled_from(["address", "type", "values", "bucket", "name",
                                              "expressions", "resources", "cors_rule",
                                              "constant_value", "references", "x"]),
                             inner, max_size=3)), max_leaves=10)


@st.composite
def plan_docs(draw: Any) -> tuple[dict[str, Any], set[str]]:
    resources, names = [], set()
    for i in range(draw(st.integers(0, 4))):
        good = draw(st.booleans())
        rtype = draw(st.sampled_from(["aws_s3_bucket", "aws_s3_bucket_cors_configuration",
                                      "aws_sfn_state_machine", "aws_s3_bucket_policy"]))
        if good and rtype == "aws_s3_bucket":
            names.add(f"acme-{i}")
            values: Any = {"bucket": f"acme-{i}", "tags": {"policylint:labeling-input": "true"}}
        else:
            values = draw(_plan_any)
        resources.append({"address": f"{rtype}.r{i}", "mode": "managed", "type": rtype,
                          "name": f"r{i}", "values": values})
    module: dict[str, Any] = {"resources": resources}
    if draw(st.booleans()):
        module["child_modules"] = draw(st.one_of(_plan_any, st.just([{"address": "module.m",
                                                                      "resources": []}])))
    doc = {"format_version": "1.2", "terraform_version": "1.9.0",
           "planned_values": {"root_module": module},
           "configuration": draw(st.one_of(_plan_any, st.just({"root_module": {
               "resources": [{"address": "aws_s3_bucket.r0", "expressions": draw(_plan_any)}]}})))}
    return doc, names


@FUZZ
@given(plan_docs(), st.booleans())
def test_plan_documents(tmp_path: Path, doc: tuple[dict[str, Any], set[str]], cut: bool) -> None:
    plan, names = doc
    text = json.dumps(plan, indent=1)
    data = (text[:len(text) // 2] if cut else text).encode()
    facts = _read(tmp_path, discover.PLAN, "plan.json", data)
    if not cut:
        assert names <= {b.name for b in facts.buckets if isinstance(b.name, str)}


# --- XML: CORS documents and MTurk questions -----------------------------------------------------

_ENCODINGS = ["", ' encoding="UTF-8"', ' encoding="utf-16"', ' encoding="latin-1"',
              ' encoding="x-unknown-42"', ' encoding=""', ' encoding="UTF-7"']
_xml_leaf = st.sampled_from(["GET", "*", "PUT", "https://a.com", "", "&amp;", "&#x41;", "&#0;",
                             "]]>", "<![CDATA[x]]>", "s3://acme/k.jpg", "é"])


@st.composite
def cors_xml(draw: Any) -> tuple[str, int]:
    rules = []
    for _ in range(draw(st.integers(0, 3))):
        parts = [f"<{t}>{draw(_xml_leaf)}</{t}>" for t in draw(st.lists(st.sampled_from(
            ["AllowedMethod", "AllowedOrigin", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds",
             "ID", "Foo"]), max_size=5))]
        rules.append("<CORSRule>" + "".join(parts) + "</CORSRule>")
    ns = draw(st.sampled_from(["", ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"']))
    enc = draw(st.sampled_from(_ENCODINGS))
    return (f'<?xml version="1.0"{enc}?>\n<CORSConfiguration{ns}>\n' + "\n".join(rules)
            + "\n</CORSConfiguration>\n"), len(rules)


@FUZZ
@given(cors_xml(), st.booleans())
def test_cors_xml_documents(tmp_path: Path, doc: tuple[str, int], cut: bool) -> None:
    text, _ = doc
    data = text.encode("utf-8")
    facts = _read(tmp_path, discover.CORS, "cors.xml", data[:len(data) // 2] if cut else data)
    if cut:
        assert facts.errors and not facts.cors


@FUZZ
@given(st.sampled_from(_ENCODINGS), st.lists(_xml_leaf, max_size=4),
       st.sampled_from(["HTMLQuestion", "ExternalQuestion", "QuestionForm", "Other"]),
       st.booleans())
def test_mturk_question_xml(tmp_path: Path, enc: str, leaves: list[str], root: str,
                            cut: bool) -> None:
    body = "".join(f'<img src="{x}"/>' for x in leaves)
    text = (f'<?xml version="1.0"{enc}?>\n<{root}><HTMLContent><![CDATA[<crowd-form>{body}'
            f'<img src="https://acme-q.s3.amazonaws.com/a.jpg"/></crowd-form>]]></HTMLContent>'
            f"</{root}>\n")
    data = text.encode("utf-8")
    facts = _read(tmp_path, discover.MTURK, "q.xml", data[:len(data) // 2] if cut else data)
    if "x-unknown" in enc or 'encoding=""' in enc:
        assert facts.errors and not facts.uses


# --- Python and notebooks ------------------------------------------------------------------------

_PY_VALUES = ['"s3://acme-py/m.manifest"', 'f"s3://{B}/m"', "B", "os.environ['B']",
              "os.environ.get('B', 'x')", "None", "1", "[1, 2]", "{'a': 1}", "sess.default_bucket()",
              "'s3://' + B + '/k'", "'%s' % B", "lambda: 1", "*args", "**kw", "(yield)", "await x"]


@st.composite
def python_sources(draw: Any) -> tuple[str, bool]:
    """(source, whether it holds a create_labeling_job call with a literal manifest URI)."""
    lines = ["import os", "import boto3", 'B = "acme-py"', "sm = boto3.client('sagemaker')"]
    literal = False
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 3))
        v = draw(st.sampled_from(_PY_VALUES))
        if kind == 0:
            lines.append("sm.create_labeling_job(LabelingJobName='j', InputConfig={'DataSource': "
                         f"{{'S3DataSource': {{'ManifestS3Uri': {v}}}}}}})")
            literal |= v == '"s3://acme-py/m.manifest"'
        elif kind == 1:
            lines.append(f"boto3.client('s3').put_bucket_cors(Bucket={v}, CORSConfiguration="
                         f"{{'CORSRules': [{{'AllowedMethods': [{v}], 'AllowedOrigins': ['*']}}]}})")
        elif kind == 2:
            lines.append(f"def f{i}(event, context):\n    x = {v}\n    return sm."
                         f"start_human_loop(HumanLoopInput={{'InputContent': x}})")
        else:
            lines.append(f"X{i} = " + "(" * draw(st.integers(0, 50)) + v
                         + ")" * draw(st.integers(0, 50)))
    return "\n".join(lines) + "\n", literal


def _compiles(text: str) -> bool:
    try:
        compile(text, "x.py", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@FUZZ
@given(python_sources(), st.data())
def test_python_sources(tmp_path: Path, doc: tuple[str, bool], data: st.DataObject) -> None:
    source, literal = doc
    text = data.draw(st.builds(lambda: None)) or _cut(data.draw, source)
    facts = _read(tmp_path, discover.PYTHON, "job.py", text.encode("utf-8", "surrogatepass"))
    if text == source and _compiles(text):
        assert facts.errors == []
        if literal:
            assert "acme-py" in {u.target.name for u in facts.uses}


def _notebook(cells: list[Any], bad: Any) -> dict[str, Any]:
    return {"nbformat": bad if bad is not None else 4, "nbformat_minor": 5, "metadata": {},
            "cells": cells}


@st.composite
def notebooks(draw: Any) -> tuple[str, bool]:
    cells, literal = [], False
    for _ in range(draw(st.integers(0, 3))):
        source, lit = draw(python_sources())
        shape = draw(st.integers(0, 5))
        if shape == 0:
            cell: Any = {"cell_type": "code", "source": source, "metadata": {}, "outputs": []}
            literal |= lit and _compiles(source)
        elif shape == 1:
            cell = {"cell_type": "code", "source": source.splitlines(True), "metadata": {},
                    "outputs": []}
            literal |= lit and _compiles(source)
        elif shape == 2:
            cell = {"cell_type": "markdown", "source": source}
        elif shape == 3:
            cell = {"cell_type": "code", "source": draw(st.one_of(st.none(), st.integers(),
                                                                   st.lists(st.integers())))}
        elif shape == 4:
            cell = {"cell_type": "code", "source": "%pip install boto3\n!ls\n" + source}
        else:
            cell = draw(st.one_of(st.none(), st.text(max_size=4), st.lists(st.none())))
        cells.append(cell)
    bad = draw(st.one_of(st.none(), st.just("4"), st.just([4])))
    return json.dumps(_notebook(cells, bad), indent=1), literal and bad is None


@FUZZ
@given(notebooks(), st.booleans())
def test_notebooks(tmp_path: Path, doc: tuple[str, bool], cut: bool) -> None:
    text, literal = doc
    data = (text[:len(text) // 2] if cut else text).encode()
    facts = _read(tmp_path, discover.PYTHON, "job.ipynb", data)
    if not cut and literal:
        assert "acme-py" in {u.target.name for u in facts.uses}
