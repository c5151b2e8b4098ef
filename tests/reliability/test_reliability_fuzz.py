"""Fuzzing (hypothesis) of every parser, with an oracle where one exists.

Budget: a fixed, small number of examples per test in CI (``CI=true``: derandomised, no example
database, so a CI run is reproducible) and locally; ``POLICYLINT_FUZZ=long`` runs a hundred
times more with a random seed. A crash found by a long run becomes a case in REGRESSIONS below.

What each test holds:
- jsonpos agrees with ``json`` on every document (value, accept/reject) apart from the listed
  differences, and every key position points at the key's opening quote;
- safexml agrees with ElementTree on DOCTYPE-free XML and raises only XMLError;
- text.decode, discover.classify, the CORS reader and the config loader never raise anything
  but their own error types;
- yamlpos loads what PyYAML dumps back to the same value;
- the Terraform reader (parser + evaluator) and the CloudFormation reader (JSON templates with
  random intrinsic trees) never raise and end quickly;
- through the engine, no reader of any kind crashes (a crash would be hidden as PL000).
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint import discover, engine, jsonpos, safexml, yamlpos
from policylint.config import load_config
from policylint.errors import ConfigError
from policylint.model import Facts
from policylint.readers import READERS, LocalContext, ReadOptions, Source, Unit, reader_for
from policylint.readers.cors import read_document
from policylint.decoding import DecodeError, decode
from policylint.positioned import PDict, PList

LONG = os.environ.get("POLICYLINT_FUZZ") == "long"
_COMMON: dict[str, Any] = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
settings.register_profile("policylint-ci", max_examples=100, derandomize=True, database=None,
                          **_COMMON)
settings.register_profile("policylint-dev", max_examples=100, **_COMMON)
settings.register_profile("policylint-long", max_examples=4000, **_COMMON)
PROFILE = ("policylint-long" if LONG
           else "policylint-ci" if os.environ.get("CI", "").lower() == "true"
           else "policylint-dev")
FUZZ = settings(settings.get_profile(PROFILE))
EXAMPLE_SECONDS = 10  # one example taking longer is a hang: it fails (and shrinks) instead


@contextlib.contextmanager
def deadline(seconds: float = EXAMPLE_SECONDS) -> Iterator[None]:
    """Turn a hang inside the block into TimeoutError (SIGALRM; the main thread only)."""
    def too_slow(*_: Any) -> None:
        raise TimeoutError(f"no result after {seconds} s")

    old = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)

# --- JSON --------------------------------------------------------------------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
json_values = st.recursive(
    _scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                      st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=30)
_JSON_BITS = ["{", "}", "[", "]", ",", ":", '"', '"a"', "1", "-0", "1e5", "1.5", "true", "null",
              "NaN", "Infinity", " ", "\n", "\\", "\\u00e9", "\\ud800", "\ufeff", "\x00", "é"]
json_texts = st.lists(st.one_of(st.sampled_from(_JSON_BITS), st.text(max_size=3)),
                      max_size=30).map("".join)


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


@FUZZ
@given(json_values, st.sampled_from([None, 0, 2]))
def test_jsonpos_reads_what_json_writes(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    got = jsonpos.loads(text)
    assert _plain(got) == value
    assert json.dumps(_plain(got), sort_keys=True) == json.dumps(value, sort_keys=True)


def _key_positions_point_at_quotes(node: Any, lines: list[str]) -> None:
    if isinstance(node, PDict):
        for key in node:
            kp = node.key_pos(key)
            assert lines[kp.line - 1][kp.column - 1] == '"'
            _key_positions_point_at_quotes(node[key], lines)
    elif isinstance(node, PList):
        for item in node:
            _key_positions_point_at_quotes(item, lines)


@FUZZ
@given(json_values, st.sampled_from([None, 1, 4]))
def test_jsonpos_key_positions(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    _key_positions_point_at_quotes(jsonpos.loads(text), text.split("\n"))


def _json_accepts(text: str) -> bool:
    def no_constants(name: str) -> Any:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=no_constants)
    except (ValueError, RecursionError):
        return False
    return True


@FUZZ
@given(json_texts)
def test_jsonpos_accepts_exactly_what_json_accepts(text: str) -> None:
    """Known differences: jsonpos skips one leading BOM (editors write it; json refuses a str
    that starts with one) and refuses NaN/Infinity (not JSON; handled by parse_constant)."""
    try:
        got = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:
        assert exc.line >= 1 and exc.column >= 1
        assert not _json_accepts(text.lstrip(" \t\n\r").removeprefix("\ufeff"))
        return
    assert _json_accepts(text.lstrip(" \t\n\r").removeprefix("\ufeff"))
    assert json.dumps(_plain(got)) == json.dumps(
        json.loads(text.lstrip(" \t\n\r").removeprefix("\ufeff")))


# --- XML ---------------------------------------------------------------------------------------

_names = st.sampled_from(["CORSConfiguration", "CORSRule", "AllowedOrigin", "AllowedMethod",
                          "ID", "a", "b:c", "x-y"])
_xml_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)


@st.composite
def xml_trees(draw: Any, depth: int = 0) -> str:
    name = draw(_names)
    if name == "b:c":
        name = "c"
    attrs = draw(st.dictionaries(st.sampled_from(["id", "k", "xmlns"]), _xml_text, max_size=2))
    attr_text = "".join(f' {k}="{_escape(v)}"' for k, v in attrs.items() if k != "xmlns")
    children = draw(st.lists(xml_trees(depth + 1), max_size=0 if depth > 3 else 3))
    text = _escape(draw(_xml_text))
    return f"<{name}{attr_text}>{text}{''.join(children)}</{name}>"


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _shape(el: safexml.Element) -> Any:
    return (el.tag, el.attrs, el.text, [_shape(c) for c in el.children])


def _et_shape(el: ET.Element) -> Any:
    text = (el.text or "") + "".join(c.tail or "" for c in el)
    return (el.tag, dict(el.attrib), text, [_et_shape(c) for c in el])


@FUZZ
@given(xml_trees())
def test_safexml_agrees_with_elementtree(doc: str) -> None:
    data = doc.encode("utf-8")
    assert _shape(safexml.parse(data)) == _et_shape(ET.fromstring(data))


_XML_BITS = ["<", ">", "</", "/>", "<!DOCTYPE x [", "<!ENTITY e 'v'>", "]>", "&e;", "&amp;",
             "<![CDATA[", "]]>", "<?xml version='1.0'?>", "<!--", "-->", "CORSRule", "a", '="',
             '"', " ", "\n", "\x00", "é", "\ufeff", "xmlns:a='u'", "a:b"]


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(_XML_BITS), st.text(max_size=3)), max_size=30)
       .map("".join), st.sampled_from(["utf-8", "utf-16"]))
def test_safexml_raises_only_xmlerror(text: str, encoding: str) -> None:
    try:
        root = safexml.parse(text.encode(encoding, errors="surrogatepass"))
    except safexml.XMLError as exc:
        assert exc.line >= 1 and exc.column >= 1
        return
    assert root.tag


# --- decode, classify, CORS documents, config ----------------------------------------------------

@FUZZ
@given(st.binary(max_size=200))
def test_decode_raises_only_decode_error(data: bytes) -> None:
    try:
        text = decode(data)
    except DecodeError as exc:
        assert exc.line >= 1 and exc.column >= 1
        return
    assert "\x00" not in text


_NAMES = ["main.tf", "x.tf.json", "a.tfvars", "cors.json", "cors.xml", "t.yaml", "t.template",
          "s.asl.json", "d.manifest", "d.jsonl", "ui.html", "q.xml", "run.sh", "Makefile",
          "buildspec.yml", "README.md", "job.json"]


@FUZZ
@given(st.sampled_from(_NAMES), st.binary(max_size=300))
def test_classify_never_raises(name: str, head: bytes) -> None:
    assert discover.classify(name, head) in {None, *READERS}


_cors_values = st.one_of(
    st.sampled_from(["GET", "PUT", "HEAD", "FETCH", "*", "https://*.a.com", "**", "", "x" * 300]),
    st.integers(-5, 10 ** 12), st.floats(allow_nan=False), st.none(), st.booleans())
_cors_fields = st.sampled_from(["AllowedMethods", "AllowedOrigins", "AllowedHeaders",
                                "ExposeHeaders", "ExposedHeaders", "MaxAgeSeconds", "ID", "Foo"])
cors_rules = st.dictionaries(
    _cors_fields, st.one_of(_cors_values, st.lists(_cors_values, max_size=4)), max_size=6)
cors_docs = st.one_of(
    st.builds(lambda rules: {"CORSRules": rules}, st.lists(cors_rules, max_size=4)),
    st.lists(cors_rules, max_size=4), cors_rules, json_values)


@FUZZ
@given(cors_docs)
def test_cors_reader_json_never_raises(doc: Any) -> None:
    config, error = read_document("cors.json", json.dumps(doc).encode())
    assert (config is None) != (error is None)
    for p in (config.problems if config is not None else ()):
        assert p.location.line >= 1 and p.location.column >= 1


def _cors_xml(rules: list[dict[str, Any]]) -> str:
    singular = {"AllowedMethods": "AllowedMethod", "AllowedOrigins": "AllowedOrigin",
                "AllowedHeaders": "AllowedHeader", "ExposeHeaders": "ExposeHeader"}
    out = []
    for rule in rules:
        parts = []
        for k, v in rule.items():
            for item in (v if isinstance(v, list) else [v]):
                tag = singular.get(k, k)
                parts.append(f"<{tag}>{_escape(str(item))}</{tag}>")
        out.append("<CORSRule>" + "".join(parts) + "</CORSRule>")
    return "<CORSConfiguration>" + "".join(out) + "</CORSConfiguration>"


@FUZZ
@given(st.lists(cors_rules, max_size=4))
def test_cors_reader_xml_never_raises(rules: list[dict[str, Any]]) -> None:
    config, error = read_document("cors.xml", _cors_xml(rules).encode())
    assert error is None and config is not None
    assert len(config.rules) == len(rules)


_config_keys = st.sampled_from(["select", "ignore", "exclude", "fail-on", "severity", "labeling",
                                "cors-files", "suppress", "rules-dirs", "max-file-size", "bogus",
                                "buckets", "tag", "key", "value", "rule", "reason", "expires",
                                "PL100", "accepted-origins", "strict-ground-truth"])
config_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 10 ** 10), st.text(max_size=10),
              st.sampled_from(["PL100", "error", "note", "*", "2027-01-01", "x.json"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(_config_keys, inner, max_size=4)),
    max_leaves=20)


@FUZZ
@given(data=st.dictionaries(_config_keys, config_values, max_size=5), as_toml=st.booleans())
def test_config_loader_raises_only_config_error(data: dict[str, Any], as_toml: bool,
                                                tmp_path: Path) -> None:
    if as_toml:
        path = tmp_path / "pyproject.toml"
        path.write_text("[tool.policylint]\n" + "".join(
            f"{json.dumps(k)} = {json.dumps(v)}\n" for k, v in data.items()
            if v is not None and not isinstance(v, dict)))
    else:
        path = tmp_path / ".policylint.yaml"
        path.write_text(yaml.safe_dump(data))
    try:
        load_config(str(path))
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)


@FUZZ
@given(text=st.text(max_size=60))
def test_config_loader_on_any_text(text: str, tmp_path: Path) -> None:
    path = tmp_path / ".policylint.yaml"
    path.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    try:
        load_config(str(path))
    except ConfigError as exc:
        assert str(exc)


# --- YAML --------------------------------------------------------------------------------------

yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10),
              st.floats(allow_nan=False, allow_infinity=False)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=25)


@FUZZ
@given(yaml_values, st.booleans())
def test_yamlpos_reads_what_pyyaml_writes(value: Any, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    assert _plain(yamlpos.load(text)) == yaml.safe_load(text)


# --- Terraform: random expressions through parser and evaluator ---------------------------------

_TF_ATOMS = ['"acme"', '"a-${local.s}"', "1", "0", "-1", "true", "null", "local.s", "local.l",
             "local.m", "var.v", "each.key", "count.index", "path.module", "aws_s3_bucket.b.id",
             "[]", "{}", '["x", "y"]', '{ a = "b" }', "range(3)", "local.missing"]
_TF_FUNCS = ["length", "join", "concat", "flatten", "format", "replace", "lower", "upper",
             "jsonencode", "jsondecode", "merge", "lookup", "element", "coalesce", "keys",
             "values", "tostring", "tolist", "toset", "range", "split", "substr", "try", "can",
             "min", "max", "distinct", "reverse", "templatefile", "file", "yamlencode",
             "base64encode", "regex", "trimspace", "compact", "contains", "zipmap", "unknownfn"]


@st.composite
def tf_exprs(draw: Any, depth: int = 0) -> str:
    if depth > 4:
        return draw(st.sampled_from(_TF_ATOMS))
    kind = draw(st.integers(0, 8))
    sub = tf_exprs(depth + 1)
    if kind == 0:
        return draw(st.sampled_from(_TF_ATOMS))
    if kind == 1:
        args = draw(st.lists(sub, max_size=3))
        return f"{draw(st.sampled_from(_TF_FUNCS))}({', '.join(args)})"
    if kind == 2:
        op = draw(st.sampled_from(["+", "*", "==", "&&", "%", "/", "<"]))
        return f"({draw(sub)} {op} {draw(sub)})"
    if kind == 3:
        return f"({draw(sub)} ? {draw(sub)} : {draw(sub)})"
    if kind == 4:
        return f"[for x in {draw(sub)} : {draw(sub)} if {draw(sub)}]"
    if kind == 5:
        return f"{{for k, v in {draw(sub)} : k => v}}"
    if kind == 6:
        return f'"${{{draw(sub)}}}-%{{ if {draw(sub)} }}y%{{ endif }}"'
    if kind == 7:
        return f"{draw(sub)}[{draw(sub)}]"
    return f"{draw(sub)}[*].{draw(st.sampled_from(['id', 'a', 'bucket']))}"


def _read_tf(tmp_path: Path, text: str) -> Facts:
    data = text.encode()
    (tmp_path / "main.tf").write_bytes(data)
    read = reader_for(discover.TERRAFORM)
    assert read is not None
    unit = Unit(discover.TERRAFORM, ".", (Source("main.tf", str(tmp_path / "main.tf"), data,
                                                 discover.TERRAFORM, len(data)),))
    got = read(unit, LocalContext(root=str(tmp_path)))
    assert isinstance(got, Facts)
    return got


@FUZZ
@given(a=tf_exprs(), b=tf_exprs())
def test_terraform_reader_never_raises_on_random_expressions(a: str, b: str,
                                                            tmp_path: Path) -> None:
    text = (f'variable "v" {{\n  default = {a}\n}}\nlocals {{\n  s = "x"\n  l = [1, 2]\n'
            f'  m = {{ a = 1 }}\n  e = {a}\n}}\nresource "aws_s3_bucket" "b" {{\n  for_each = '
            f'toset(["p"])\n  bucket = {b}\n  tags = {{ "policylint:labeling-input" = {a} }}\n'
            f'  cors_rule {{\n    allowed_methods = [{b}]\n    allowed_origins = ["*"]\n  }}\n}}\n')
    with deadline():
        facts = _read_tf(tmp_path, text)
    assert [e for e in facts.errors if "syntax" in e.message] == []


# --- CloudFormation JSON templates with random intrinsic trees ----------------------------------

_CFN_FNS = ["Ref", "Fn::Sub", "Fn::Join", "Fn::If", "Fn::Select", "Fn::GetAtt", "Fn::FindInMap",
            "Fn::Split", "Fn::Base64", "Fn::ImportValue", "Fn::GetAZs", "Fn::Equals", "Fn::Not",
            "Condition", "Fn::Transform", "Fn::ToJsonString", "Fn::Length"]
_CFN_ATOMS = st.one_of(st.sampled_from(["B", "P", "C", "AWS::Region", "AWS::NoValue", "${B}",
                                        "${P}-x", "${AWS::AccountId}", "a.b", "", "M"]),
                       st.integers(-2, 5), st.booleans(), st.none())
cfn_values = st.recursive(
    _CFN_ATOMS, lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_CFN_FNS), inner, min_size=1, max_size=1)),
    max_leaves=15)


@FUZZ
@given(name=cfn_values, cors=cfn_values)
def test_cloudformation_reader_never_raises_on_random_intrinsics(name: Any, cors: Any,
                                                                 tmp_path: Path) -> None:
    template = {"AWSTemplateFormatVersion": "2010-09-09",
                "Parameters": {"P": {"Type": "String", "Default": "p"}},
                "Conditions": {"C": {"Fn::Equals": [name, "x"]}},
                "Mappings": {"M": {"a": {"b": "c"}}},
                "Resources": {"B": {"Type": "AWS::S3::Bucket",
                                    "Metadata": {"policylint": {"labeling-input": True}},
                                    "Properties": {"BucketName": name, "CorsConfiguration": {
                                        "CorsRules": [{"AllowedMethods": [cors],
                                                       "AllowedOrigins": ["*"]}]}}}}}
    data = json.dumps(template).encode()
    (tmp_path / "t.json").write_bytes(data)
    read = reader_for(discover.CLOUDFORMATION)
    assert read is not None
    with deadline():
        got = read(Unit(discover.CLOUDFORMATION, "t.json",
                        (Source("t.json", str(tmp_path / "t.json"), data, discover.CLOUDFORMATION,
                                len(data)),)), LocalContext(root=str(tmp_path)))
    assert isinstance(got, Facts) and got.errors == []


# --- scripts, templates and manifests: grammar-shaped text -------------------------------------

_SHELL_BITS = ["aws s3api put-bucket-cors", " --bucket ", "acme", " --cors-configuration ",
               "file://", "cors.json", "'", '"', "\\", "\\\n", "$", "${", "}", "$(", ")", "`",
               "<<", "<<-", "EOF", "\n", "\r\n", "#", ";", "&&", "|", "cd ", "..", "/", "=",
               "B=acme", "$B", "\t", " ", "`\n", "@", "-", ":", "- ", "run: |", "${{ env.B }}"]


@FUZZ
@given(text=st.lists(st.sampled_from(_SHELL_BITS), max_size=40).map("".join),
       flavour=st.sampled_from(["shell", "make", "yaml", "powershell"]))
def test_shell_lexer_ends_on_any_script(text: str, flavour: str) -> None:
    from policylint.readers import shell

    with deadline():
        parsed = shell.parse(text, flavour)
    for command in parsed.commands:
        assert all(0 <= w.start <= w.end <= len(text) for w in command)


_TEMPLATE_BITS = ["<crowd-form>", "</crowd-form>", "<crowd-image-classification", ' src="',
                  '"', "'", ">", "<", "{{", "}}", "{%", "%}", " | grant_read_access", "s3://",
                  "acme-b", "/k.jpg", "https://", ".s3.amazonaws.com",
                  "s3.us-east-1.amazonaws.com/",
                  "<!--", "-->", "policylint: disable=PL102 reason=\"x\"", "\n", "&amp;", "é"]


@FUZZ
@given(text=st.lists(st.sampled_from(_TEMPLATE_BITS), max_size=40).map("".join))
def test_template_reader_ends_on_any_template(text: str, tmp_path: Path) -> None:
    data = text.encode("utf-8")
    (tmp_path / "ui.html").write_bytes(data)
    read = reader_for(discover.TEMPLATE)
    assert read is not None
    with deadline():
        got = read(Unit(discover.TEMPLATE, "ui.html", (Source("ui.html", str(tmp_path / "ui.html"),
                                                               data, discover.TEMPLATE,
                                                               len(data)),)),
                   LocalContext(root=str(tmp_path)))
    assert all(u.location.line >= 1 for u in got.uses)


_manifest_lines = st.one_of(
    st.builds(lambda u: json.dumps({"source-ref": u}),
              st.sampled_from(["s3://acme/a.jpg", "s3://", "s3:///k", "s3://a..b/k", "http://x",
                               "s3://ACME/k", "s3://acme", "", "s3://" + "a" * 70 + "/k"])),
    st.builds(lambda v: json.dumps({"source": v}), st.text(max_size=10)),
    json_values.map(json.dumps), st.text(max_size=20))


@FUZZ
@given(lines=st.lists(_manifest_lines, max_size=12),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_manifest_reader_ends_on_any_lines(lines: list[str], newline: str,
                                           tmp_path: Path) -> None:
    data = newline.join(lines).encode("utf-8", errors="surrogatepass")
    path = tmp_path / "d.manifest"
    path.write_bytes(data)
    read = reader_for(discover.MANIFEST)
    assert read is not None
    with deadline():
        got = read(Unit(discover.MANIFEST, "d.manifest",
                        (Source("d.manifest", str(path), b"", discover.MANIFEST, len(data)),)),
                   LocalContext(root=str(tmp_path)))
    assert all(e.location.line >= 1 for e in got.errors)
    assert len(got.errors) <= 21  # bad lines one by one up to a bound, then a count


# --- regressions: inputs that once crashed or hung a parser ----------------------------------

REGRESSIONS = [
    # (parser, flavour or name, input, found by)
    ("shell", "shell", "echo x\\", "labeling fuzz run: trailing backslash looped forever"),
    ("shell", "yaml", 'Makefilev<crowd-form>:MjH"source-ref"W\\', "the same, CI YAML flavour"),
    ("shell", "powershell", 'echo "x\\', "the same, inside double quotes"),
    ("shell", "shell", "`\n\\", "reliability fuzz: an unclosed ` word ended past the text"),
]


@pytest.mark.parametrize("parser, flavour, text, found_by", REGRESSIONS,
                         ids=[f"{r[0]}-{r[1]}-{i}" for i, r in enumerate(REGRESSIONS)])
def test_regressions_end(parser: str, flavour: str, text: str, found_by: str) -> None:
    from policylint.readers import shell

    with deadline():
        parsed = shell.parse(text, flavour)
    words = [w for command in parsed.commands for w in command]
    assert all(0 <= w.start <= w.end <= len(text) for w in words)


# --- every reader, through the engine ----------------------------------------------------------

_PREFIXES = {
    discover.TERRAFORM: ("main.tf", 'resource "aws_s3_bucket" "b" {\n'),
    discover.PLAN: ("plan.json", '{"terraform_version": "1.11", "planned_values": '),
    discover.CLOUDFORMATION: ("t.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'),
    discover.CORS: ("cors.json", '{"CORSRules": '),
    discover.ASL: ("s.asl.json", '{"StartAt": "A", "States": '),
    discover.REQUEST: ("job.json", '{"LabelingJobName": "j", "InputConfig": '),
    discover.MANIFEST: ("d.manifest", '{"source-ref": "s3://acme/a.jpg"}\n'),
    discover.TEMPLATE: ("ui.html", '<crowd-form><img src="s3://acme/k.jpg">'),
    discover.MTURK: ("q.xml", "<HTMLQuestion><HTMLContent><![CDATA["),
    discover.SCRIPT: ("run.sh", "aws s3api put-bucket-cors --bucket acme --cors-configuration "),
}
_ANY_BITS = ["{", "}", "[", "]", '"', "'", ":", ",", "=", "\n", "  ", "- ", "!Ref ", "${", "$(",
             "<", ">", "&", "s3://acme/k", "*", "GET", "\x00", "\ufeff", "\r\n", "é", "\\"]


@pytest.mark.parametrize("kind", sorted(_PREFIXES))
def test_no_reader_crashes_through_the_engine(kind: str, tmp_path: Path) -> None:
    name, prefix = _PREFIXES[kind]

    @FUZZ
    @given(st.lists(st.one_of(st.sampled_from(_ANY_BITS), st.text(max_size=4)), max_size=40)
           .map("".join))
    def check(tail: str) -> None:
        data = (prefix + tail).encode("utf-8", errors="surrogatepass")
        path = tmp_path / name
        path.write_bytes(data)
        found = discover.Found(str(path), kind, len(data))
        with deadline():
            facts = engine.read_unit(kind, name if kind != discover.TERRAFORM else ".", [found],
                                     str(tmp_path), str(tmp_path), ReadOptions())
        crashes = [e.message for e in facts.errors if e.message.startswith("\x00")]
        assert crashes == []
        # the engine's RecursionError/MemoryError guards: never right for a few hundred bytes
        assert [e.message for e in facts.errors if e.message.startswith(
            ("input nested too deeply", "input too large"))] == []
        assert all(e.location.line >= 1 and e.location.column >= 1 for e in facts.errors)

    check()


# --- gitignore patterns: no catastrophic backtracking, same answers -------------------------------

@FUZZ
@given(pattern=st.lists(st.sampled_from(["a", "b", "*", "?", "/", "**/", "/**", "[ab]", "[!a]",
                                         "\\\\*", "a*", "*a"]), min_size=1, max_size=8)
       .map("".join),
       path=st.lists(st.sampled_from(["a", "b", "/", "ab", "ba"]), max_size=8).map("".join))
def test_gitignore_matching_is_the_plain_regex_without_its_backtracking(
        pattern: str, path: str) -> None:
    """The committed-wildcard translation answers exactly as the plain regex does."""
    from policylint import ignore

    fast = ignore.compile_pattern(pattern)
    real_atomic = ignore._atomic
    ignore._atomic = lambda tokens: tokens  # type: ignore[assignment]
    try:
        plain = ignore.compile_pattern(pattern)
    finally:
        ignore._atomic = real_atomic  # type: ignore[assignment]
    path = path.strip("/") or "a"
    assert (fast is None) == (plain is None)
    if fast is not None and plain is not None:
        assert bool(fast.regex.match(path)) == bool(plain.regex.match(path))


@pytest.mark.parametrize("pattern", ["*a*a*a*a*a*a*a*a*a*a*a*a*b", "a/**/a/**/a/**/a/**/a/**/b",
                                     "**/**/**/**/**/**/**/**/**/**/**/**/x", "?*?*?*?*?*?*?*?*b"])
def test_gitignore_patterns_that_used_to_backtrack_for_minutes(pattern: str) -> None:
    from policylint import ignore

    compiled = ignore.compile_pattern(pattern)
    assert compiled is not None
    with deadline(2):
        got = [bool(compiled.regex.match(p)) for p in ("a" * 60, "a/" * 40 + "c")]
    assert got == [False, False]
