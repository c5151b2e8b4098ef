"""The labeling readers one by one, on small inputs written here: exact uses, CORS configs,
bindings and parse errors (path, line, column), and the edge cases of each format."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from policylint.model import CorsSource, Facts, Unknown
from policylint.readers import LocalContext, ReadOptions, Source, Unit
from policylint.readers import manifests, requests, scripts, templates


def _read(reader: object, root: Path, name: str, content: str | bytes, kind: str,
          streamed: bool = False) -> Facts:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(data)
    src = Source(name, str(path), b"" if streamed else data, kind, len(data))
    ctx = LocalContext(root=str(root), options=ReadOptions(),
                       display_fn=lambda p: str(Path(p).relative_to(root)))
    return reader.read(Unit(kind, name, (src,)), ctx)  # type: ignore[attr-defined]


def _uses(facts: Facts) -> list[tuple[str, int, int, str, str]]:
    return [(u.location.path, u.location.line, u.location.column, u.service.value,
             u.target.name if isinstance(u.target.name, str) else f"?{u.target.name}")
            for u in facts.uses]


def _errors(facts: Facts) -> list[tuple[str, int, int, str]]:
    return [(e.location.path, e.location.line, e.location.column, e.message)
            for e in facts.errors]


# --- manifests ------------------------------------------------------------------------------

def test_manifest_is_streamed_from_disk(tmp_path: Path) -> None:
    lines = [json.dumps({"source-ref": f"s3://big-{i % 3}/img/{i}.jpg"}) for i in range(30000)]
    facts = _read(manifests, tmp_path, "big.manifest", "\n".join(lines) + "\n", "manifest",
                  streamed=True)
    assert _uses(facts) == [("big.manifest", 1, 16, "ground-truth", "big-0"),
                            ("big.manifest", 2, 16, "ground-truth", "big-1"),
                            ("big.manifest", 3, 16, "ground-truth", "big-2")]
    assert facts.uses[0].evidence.endswith("(and 9999 more lines)")
    assert facts.errors == []


def test_manifest_bad_lines_are_reported_up_to_a_limit(tmp_path: Path) -> None:
    text = "\ufeff" + "\n".join(["{oops"] * 25 + ['{"source-ref": "s3://after-bad/x.png"}'])
    facts = _read(manifests, tmp_path, "bad.manifest", text, "manifest", streamed=True)
    errors = _errors(facts)
    assert errors[0] == ("bad.manifest", 1, 2, "invalid JSON line: Expecting property name "
                                               "enclosed in double quotes")
    assert [e[1] for e in errors[:20]] == list(range(1, 21))
    assert errors[20] == ("bad.manifest", 1, 1,
                          "5 more invalid lines not reported one by one (25 in all)")
    assert len(errors) == 21
    assert _uses(facts) == [("bad.manifest", 26, 16, "ground-truth", "after-bad")]


def test_manifest_long_line_and_bad_utf8(tmp_path: Path) -> None:
    long_line = b'{"source": "' + b"x" * (manifests.MAX_LINE + 10) + b'"}\n'
    data = long_line + b'{"source": "\xff"}\n' + b'{"source-ref": "s3://after-long/a.jpg"}\n'
    facts = _read(manifests, tmp_path, "long.manifest", data, "manifest", streamed=True)
    assert _errors(facts) == [
        ("long.manifest", 1, 1, f"line longer than {manifests.MAX_LINE} bytes"),
        ("long.manifest", 2, 13, "not valid UTF-8"),
    ]
    assert _uses(facts) == [("long.manifest", 3, 16, "ground-truth", "after-long")]


def test_manifest_ignores_text_sources_non_objects_and_non_s3_refs(tmp_path: Path) -> None:
    text = "\n".join(['{"source": "s3://text-is-not-an-image/x"}', "[1, 2]", '"s"',
                      '{"source-ref": "https://example.com/a.jpg"}',
                      '{"source-ref": "s3://DOC-EXAMPLE-BUCKET/a.jpg"}',
                      '{"source-ref": 3}'])
    facts = _read(manifests, tmp_path, "t.jsonl", text, "manifest", streamed=True)
    assert facts.uses == [] and facts.errors == []


def test_pretty_printed_json_document_is_read_whole(tmp_path: Path) -> None:
    doc = '{\n  "source-ref": "s3://pretty-doc/a.jpg",\n  "label": 1\n}\n'
    event = '{\n  "version": "2018-10-06",\n  "dataObject": {"source-ref": "s3://event/x.jpg"}\n}\n'
    assert _uses(_read(manifests, tmp_path, "out.json", doc, "manifest", streamed=True)) == [
        ("out.json", 2, 17, "ground-truth", "pretty-doc")]
    # a pre-annotation Lambda test event: the nested source-ref is no manifest line
    facts = _read(manifests, tmp_path, "event.json", event, "manifest", streamed=True)
    assert facts.uses == [] and facts.errors == []


def test_missing_manifest_is_a_parse_error(tmp_path: Path) -> None:
    src = Source("gone.manifest", str(tmp_path / "gone.manifest"), b"", "manifest", 0)
    ctx = LocalContext(root=str(tmp_path))
    facts = manifests.read(Unit("manifest", "gone.manifest", (src,)), ctx)
    assert _errors(facts) == [("gone.manifest", 1, 1, "cannot read: No such file or directory")]


# --- requests -------------------------------------------------------------------------------

def test_list_of_requests_and_object_input_content(tmp_path: Path) -> None:
    text = json.dumps([
        {"LabelingJobName": "a", "InputConfig": {"DataSource": {"S3DataSource": {
            "ManifestS3Uri": "s3://list-a/m.manifest"}}}},
        {"HumanLoopName": "h", "HumanLoopInput": {"InputContent": {
            "img": "arn:aws:s3:::list-h/k.png"}}},
    ], indent=1)
    facts = _read(requests, tmp_path, "reqs.json", text, "request")
    assert _uses(facts) == [("reqs.json", 7, 23, "ground-truth", "list-a"),
                            ("reqs.json", 15, 4, "a2i", "list-h")]


def test_state_machine_classified_as_request_goes_through_asl(tmp_path: Path) -> None:
    text = json.dumps({"StartAt": "L", "States": {"L": {
        "Type": "Task", "Resource": "arn:aws:states:::sagemaker:createLabelingJob",
        "Parameters": {"LabelingJobName": "x", "InputConfig": {"DataSource": {"S3DataSource": {
            "ManifestS3Uri": "s3://asl-in-request/m"}}}}, "End": True}}})
    facts = _read(requests, tmp_path, "sm.json", text, "request")
    assert _uses(facts) == [("sm.json", 1, 215, "ground-truth", "asl-in-request")]
    assert facts.uses[0].evidence.startswith("Step Functions definition sm.json, state 'L'")


@pytest.mark.parametrize("name,text,error", [
    ("bad.json", '{"LabelingJobName": "x",\n  "InputConfig": }', ("bad.json", 2, 18)),
    ("bad.yaml", "LabelingJobName: x\nInputConfig: [\n", ("bad.yaml", 3, 1)),
    ("bin.json", b'{"LabelingJobName": "\xff"}', ("bin.json", 1, 22)),
])
def test_broken_request_is_pl001_at_its_position(tmp_path: Path, name: str, text: str | bytes,
                                                 error: tuple[str, int, int]) -> None:
    facts = _read(requests, tmp_path, name, text, "request")
    assert [e[:3] for e in _errors(facts)] == [error]
    assert facts.uses == []


# --- templates ------------------------------------------------------------------------------

def test_mturk_question_with_escaped_html(tmp_path: Path) -> None:
    text = ('<?xml version="1.0"?>\n<HTMLQuestion xmlns="x">\n<HTMLContent>\n'
            '&lt;img src=&quot;https://esc-b.s3.amazonaws.com/a.jpg&quot;&gt;\n'
            '</HTMLContent>\n</HTMLQuestion>\n')
    facts = _read(templates, tmp_path, "q.xml", text, "mturk")
    assert _uses(facts) == [("q.xml", 4, 19, "mturk", "esc-b")]


def test_external_question_names_no_input(tmp_path: Path) -> None:
    text = ('<ExternalQuestion xmlns="x"><ExternalURL>https://ext.s3.amazonaws.com/task.html'
            '</ExternalURL><FrameHeight>0</FrameHeight></ExternalQuestion>')
    assert _read(templates, tmp_path, "ext.xml", text, "mturk").uses == []


@pytest.mark.parametrize("text,error", [
    ("<HTMLQuestion><HTMLContent></HTMLQuestion>", ("q.xml", 1, 30)),
    ('<!DOCTYPE x [<!ENTITY e "s3://x/y">]>\n<HTMLQuestion/>', ("q.xml", 1, 1)),
])
def test_broken_or_hostile_question_xml_is_pl001(tmp_path: Path, text: str,
                                                 error: tuple[str, int, int]) -> None:
    facts = _read(templates, tmp_path, "q.xml", text, "mturk")
    assert [e[:3] for e in _errors(facts)] == [error]
    assert facts.uses == []


def test_template_suppression_comment(tmp_path: Path) -> None:
    text = ('<crowd-form>\n<!-- policylint: disable=PL102 reason="bucket owned by data team" -->\n'
            '<img src="s3://supp-b/a.jpg">\n</crowd-form>\n')
    facts = _read(templates, tmp_path, "t.html", text, "template")
    assert [(s.rules, s.reason, s.scope.line, s.scope.end_line) for s in facts.suppressions] == [
        (("PL102",), "bucket owned by data team", 2, 3)]
    assert _uses(facts) == [("t.html", 3, 11, "ground-truth", "supp-b")]


# --- scripts --------------------------------------------------------------------------------

def _cors(facts: Facts) -> list[tuple[str, int, int, str, str, str | int]]:
    out = []
    for c in facts.cors:
        assert c.target is not None
        name = c.target.name if isinstance(c.target.name, str) else f"?{c.target.name}"
        rules = c.rules.reason if isinstance(c.rules, Unknown) else len(c.rules)
        out.append((c.location.path, c.location.line, c.location.column, c.source.value, name,
                    rules))
    return out


def test_script_forms(tmp_path: Path) -> None:
    (tmp_path / "cors.txt").write_text('{"CORSRules": [{"AllowedMethods": ["GET"], '
                                       '"AllowedOrigins": ["*"]}]}')
    (tmp_path / "doc.json").write_text('{"CORSRules": []}')
    text = "\n".join([
        "export B=sf-bucket",
        "aws s3api put-bucket-cors --bucket=$B --cors-configuration=fileb://doc.json",
        "aws s3api put-bucket-cors --bucket sf-txt --cors-configuration file://cors.txt",
        "aws s3api put-bucket-cors --bucket sf-short --cors-configuration 'CORSRules=[{}]'",
        "aws s3api put-bucket-cors --bucket sf-sub --cors-configuration \"$(cat x.json)\"",
        "aws s3api put-bucket-cors --bucket \"sf-$STAGE\" --cors-configuration file://doc.json",
        "aws s3api put-bucket-cors --bucket sf-inline --cors-configuration "
        "\"{\\\"CORSRules\\\": [{\\\"AllowedMethods\\\": [\\\"GET\\\"]}]}\"",
        "aws s3api get-bucket-cors --bucket sf-read",
        "cat <<EOF",
        "aws s3api put-bucket-cors --bucket in-heredoc --cors-configuration file://doc.json",
        "EOF",
    ])
    facts = _read(scripts, tmp_path, "apply.sh", text, "script")
    assert [(p, b.describe(), w.line) for p, b, w in facts.cors_bindings] == [
        ("doc.json", "sf-bucket", 2), ("doc.json", '"sf-$STAGE"', 6)]
    assert isinstance(facts.cors_bindings[1][1].name, Unknown)
    assert facts.cors_bindings[1][1].name.reason == (
        '--bucket "sf-$STAGE": shell variable STAGE is not set to a literal in this file')
    assert _cors(facts) == [
        ("cors.txt", 1, 2, "file", "sf-txt", 1),  # not a scanned CORS name: read here
        ("apply.sh", 4, 1, "script", "sf-short",
         "the CORS configuration 'CORSRules=[{}]' is not JSON or a file:// document"),
        ("apply.sh", 5, 1, "script", "sf-sub",
         "the CORS configuration is not known statically: command substitution $(cat x.json)"),
        # escaped JSON in double quotes: positions fall back to the command
        ("apply.sh", 7, 1, "script", "sf-inline", 1),
    ]
    inline = facts.cors[-1]
    assert [(p.location.line, p.location.column) for p in inline.problems] == [(7, 1)]


def test_makefile_and_workflow_variables(tmp_path: Path) -> None:
    (tmp_path / "cors.json").write_text('{"CORSRules": []}')
    make = ("BUCKET ?= mk-bucket\nCOMPUTED := $(shell date)\n"
            "cors:\n\t@aws s3api put-bucket-cors --bucket $(BUCKET) "
            "--cors-configuration file://cors.json\n"
            "\t-aws s3api put-bucket-cors --bucket $(COMPUTED) "
            "--cors-configuration file://cors.json\n")
    facts = _read(scripts, tmp_path, "Makefile", make, "script")
    assert [(b.describe(), w.line, w.column) for _p, b, w in facts.cors_bindings] == [
        ("mk-bucket", 4, 3), ("$(COMPUTED)", 5, 3)]
    assert facts.cors_bindings[1][1].name == Unknown(
        "--bucket $(COMPUTED): make variable COMPUTED is computed ($(shell date))")
    workflow = ("env:\n  BUCKET: 'gh-b'\njobs:\n  a:\n    steps:\n"
                "      - run: >-\n          aws s3api put-bucket-cors --bucket $BUCKET\n"
                "          --cors-configuration file://cors.json\n"
                "      - run: aws s3api put-bucket-cors --bucket ${{ secrets.B }}"
                " --cors-configuration file://cors.json\n")
    facts = _read(scripts, tmp_path, ".github/workflows/c.yml", workflow, "script")
    # a folded block is one shell line; a secret is not known statically
    assert [(b.describe(), w.line) for _p, b, w in facts.cors_bindings] == [
        ("gh-b", 7), ("${{ secrets.B }}", 9)]
    assert facts.cors_bindings[1][1].name == Unknown(
        "--bucket ${{ secrets.B }}: ${{ secrets.B }} is set at run time")


def test_inline_json_positions_in_the_script(tmp_path: Path) -> None:
    text = ("#!/bin/sh\nCORS='{\"CORSRules\": [\n  {\"AllowedMethods\": [\"GETT\"], "
            "\"AllowedOrigins\": [\"*\"]}\n]}'\n"
            "aws s3api put-bucket-cors --bucket pos-b --cors-configuration \"$CORS\"\n"
            "aws s3api put-bucket-cors --bucket pos-c --cors-configuration '{\"CORSRules\": [}'\n")
    facts = _read(scripts, tmp_path, "pos.sh", text, "script")
    config = facts.cors[0]
    assert config.source is CorsSource.SCRIPT and config.document is None
    assert (config.location.line, config.location.column) == (2, 8)
    assert [(p.location.line, p.location.column) for p in config.problems] == [(3, 23)]
    assert _errors(facts) == [("pos.sh", 6, 79, "invalid JSON: unexpected character '}'")]


def test_script_suppression(tmp_path: Path) -> None:
    text = ('# policylint: disable=PL101 reason="legacy bucket"\n'
            'aws s3api put-bucket-cors --bucket s-b --cors-configuration file://none.json\n')
    facts = _read(scripts, tmp_path, "s.sh", text, "script")
    assert [(s.rules, s.scope.line, s.scope.end_line) for s in facts.suppressions] == [
        (("PL101",), 1, 2)]



def test_powershell_backtick_continuation(tmp_path: Path) -> None:
    text = ("aws s3api put-bucket-cors `\r\n  --bucket ps-b `\n"
            "  --cors-configuration file://cors.json\n")
    facts = _read(scripts, tmp_path, "apply.ps1", text, "script")
    # cors.json does not exist: a source with no rules that names the missing document
    assert _cors(facts) == [("apply.ps1", 1, 1, "script", "ps-b", 0)]
    assert [c.missing for c in facts.cors] == ["cors.json"]


def test_cd_to_the_script_folder_idiom(tmp_path: Path) -> None:
    (tmp_path / "cors").mkdir()
    (tmp_path / "cors" / "a.json").write_text('{"CORSRules": []}')
    (tmp_path / "ops" / "cors").mkdir(parents=True)
    (tmp_path / "ops" / "cors" / "a.json").write_text('{"CORSRules": []}')
    text = ("#!/bin/bash\n"
            "aws s3api put-bucket-cors --bucket cd-0 --cors-configuration file://cors/a.json\n"
            'cd "$(dirname "${BASH_SOURCE[0]}")/.."\n'
            "aws s3api put-bucket-cors --bucket cd-1 --cors-configuration file://cors/a.json\n"
            "cd ops\n"
            "aws s3api put-bucket-cors --bucket cd-2 --cors-configuration file://cors/a.json\n"
            "cd \"$WORKDIR\"\n"
            "aws s3api put-bucket-cors --bucket cd-3 --cors-configuration file://cors/a.json\n")
    facts = _read(scripts, tmp_path, "ops/apply.sh", text, "script")
    # before any cd: the script's folder first; after an unknown cd: the default candidates
    assert [(p, b.describe()) for p, b, _w in facts.cors_bindings] == [
        ("ops/cors/a.json", "cd-0"), ("cors/a.json", "cd-1"), ("ops/cors/a.json", "cd-2"),
        ("ops/cors/a.json", "cd-3")]


@pytest.mark.parametrize("uri", ["s3://$BUCKET/m", "s3://${Bucket}-x/m", "s3://{{ b }}/m",
                                 "s3://<your-bucket>/m", "s3://%(bucket)s/m"])
def test_placeholder_bucket_is_unknown_never_dropped(tmp_path: Path, uri: str) -> None:
    text = json.dumps({"LabelingJobName": "p", "InputConfig": {"DataSource": {
        "S3DataSource": {"ManifestS3Uri": uri}}}})
    facts = _read(requests, tmp_path, "p.json", text, "request")
    assert _uses(facts) == [("p.json", 1, 91, "ground-truth",
                             f"?<unknown: the bucket part of '{uri}' is a placeholder>")]


def test_pretty_printed_document_with_lines_that_parse_alone(tmp_path: Path) -> None:
    # "3" and "{}" are valid JSON lines on their own: the document is still read whole
    doc = ('\n{\n  "source-ref": "s3://pretty-two/a.jpg",\n  "size": [\n    900,\n    3\n  ],\n'
           '  "meta":\n{}\n}\n')
    facts = _read(manifests, tmp_path, "doc.json", doc, "manifest", streamed=True)
    assert facts.errors == []
    assert _uses(facts) == [("doc.json", 3, 17, "ground-truth", "pretty-two")]
