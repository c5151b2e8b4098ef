"""One suppression scope for every format (docs/suppressions.md, ``suppress.comment_scope``):
the same table of comment placements, written in Terraform, CloudFormation YAML, shell, Python,
JavaScript, TypeScript and CORS XML, read by each real reader, covers the same unit or nothing."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from conftest import json_findings, write_tree

from policylint import engine, plugins, suppress
from policylint.config import Config
from policylint.model import Location, Suppression

DIRECTIVE = 'policylint: disable=PL100 reason="the table"'


@dataclass(frozen=True)
class Form:
    """How one format writes the table's pieces."""

    name: str  # the file's name
    header: tuple[str, ...]  # lines before the unit (code that is no part of it)
    unit: tuple[str, ...]  # the unit: what the format's findings are about, over several lines
    inside: int  # a comment on its own line may go after this many lines of the unit
    after: str  # a line of code after the unit, no part of it
    comment: Callable[[str], str]  # the format's comment around a text
    indent: str = ""  # where the unit's lines start


def _hash(text: str) -> str:
    return f"# {text}"


FORMS = [
    Form("main.tf", ('terraform {', '  required_version = ">= 1.0"', '}'),
         ('resource "aws_s3_bucket" "images" {', '  bucket = "acme-images"',
          '  force_destroy = true', '}'), 2, 'locals { x = 1 }', _hash),
    Form("template.yaml", ('AWSTemplateFormatVersion: "2010-09-09"', 'Resources:'),
         ('  Images:', '    Type: AWS::S3::Bucket', '    Properties:',
          '      BucketName: acme-images'), 2, 'Outputs: {Name: {Value: x}}', _hash, "  "),
    Form("deploy.sh", ('#!/bin/sh', 'set -e'),
         ('aws s3api put-bucket-cors \\', '  --bucket acme-images \\',
          '  --cors-configuration file://cors.json'), 0, 'echo done', _hash),
    Form("job.py", ('import boto3', 'client = boto3.client("sagemaker")'),
         ('client.create_labeling_job(', '    LabelingJobName="images",',
          '    RoleArn="arn:aws:iam::123456789012:role/x",', ')'), 2, 'print("done")', _hash),
    Form("app.js", ('const { SageMakerClient, CreateLabelingJobCommand } = '
                    'require("@aws-sdk/client-sagemaker");',
                    'const client = new SageMakerClient({});'),
         ('client.send(new CreateLabelingJobCommand({', '  LabelingJobName: "images",',
          '  RoleArn: "arn:aws:iam::123456789012:role/x",', '}));'), 2, 'console.log("done");',
         lambda t: f"// {t}"),
    Form("app.ts", ('import { SageMakerClient, CreateLabelingJobCommand } from '
                    '"@aws-sdk/client-sagemaker";',
                    'const client = new SageMakerClient({});'),
         ('client.send(new CreateLabelingJobCommand({', '  LabelingJobName: "images",',
          '  RoleArn: "arn:aws:iam::123456789012:role/x",', '}));'), 2, 'console.log("done");',
         lambda t: f"/* {t} */"),
    Form("cors.xml", (),
         ('<CORSConfiguration>', '  <CORSRule>', '    <AllowedMethod>GET</AllowedMethod>',
          '    <AllowedOrigin>*</AllowedOrigin>', '  </CORSRule>', '</CORSConfiguration>'), 5,
         '', lambda t: f"<!-- {t} -->"),
]


@dataclass(frozen=True)
class Case:
    name: str
    covers: bool  # the unit's lines are all covered; else none of them is


# Each placement, as the lines around the unit; "U" stands for the unit, "C" for the directive,
# "c" for another comment, "" for a blank line, "U+C" for the directive after the unit's first
# line of code, "U+L" after its last line, "I" for the directive on its own line inside the unit, "A+C" for the directive
# after a line of code that follows the unit.
TABLE: list[tuple[Case, tuple[str, ...]]] = [
    (Case("own line directly above", True), ("C", "U")),
    (Case("above, other comments between", True), ("C", "c", "c", "U")),
    (Case("above, a blank line between", False), ("C", "", "U")),
    (Case("above, comments then a blank line", False), ("C", "c", "", "U")),
    (Case("at the end of the unit's first line", True), ("U+C",)),
    (Case("at the end of the unit's last line", True), ("U+L",)),
    (Case("on its own line inside the unit", True), ("I",)),
    (Case("after the code following the unit", False), ("U", "A+C")),
    (Case("alone at the end, after a blank line", False), ("U", "", "C")),
]


def _render(form: Form, layout: tuple[str, ...]) -> tuple[str, int, int]:
    """The file, and the first and last line of the unit in it."""
    out = list(form.header)
    first = last = 0
    for piece in layout:
        if piece in ("U", "U+C", "U+L", "I"):
            first = len(out) + 1
            lines = list(form.unit)
            if piece == "U+C":
                lines[0] += "  " + form.comment(DIRECTIVE)
            if piece == "U+L":
                lines[-1] += "  " + form.comment(DIRECTIVE)
            if piece == "I":
                lines.insert(form.inside, form.indent + "  " + form.comment(DIRECTIVE))
            out += lines
            last = len(out)
        elif piece == "C":
            out.append(form.indent + form.comment(DIRECTIVE))
        elif piece == "c":
            out.append(form.indent + form.comment("a note"))
        elif piece == "A+C":
            out.append(form.after + "  " + form.comment(DIRECTIVE))
        else:
            out.append(piece)
    return "\n".join(out) + "\n", first, last


def _suppressions(tmp_path: Path, name: str, text: str) -> list[Suppression]:
    root = write_tree(tmp_path / "repo", {name: text})
    (root / ".git").mkdir()
    result = engine.run(Config(), plugins.load_rules([]),
                        engine.RunOptions(paths=[str(root)], cwd=str(root), use_cache=False))
    return [s for s in result.project.suppressions if s.reason == "the table"]


def _applicable(form: Form, layout: tuple[str, ...]) -> bool:
    if ("I" in layout or "U+C" in layout) and form.name == "deploy.sh":
        return False  # a comment ends a shell command: none inside or before a line's "\\"
    if "A+C" in layout and not form.after:
        return False  # nothing may follow the root element of an XML document
    return True


CASES = [pytest.param(form, case, layout, id=f"{form.name}: {case.name}")
         for form in FORMS for case, layout in TABLE if _applicable(form, layout)]


@pytest.mark.parametrize(("form", "case", "layout"), CASES)
def test_the_same_placement_covers_the_same_lines_in_every_format(
        tmp_path: Path, form: Form, case: Case, layout: tuple[str, ...]) -> None:
    text, first, last = _render(form, layout)
    [sup] = _suppressions(tmp_path, form.name, text)
    scope = sup.scope
    if case.covers:
        assert scope.line <= first and scope.end_line >= last, (text, scope)
        # and no further than the unit and the comment: a later line is not covered
        assert scope.end_line == last, (text, scope)
    else:
        assert scope.end_line < first or scope.line > last, (text, scope)


def test_every_format_of_the_table_is_read() -> None:
    """The table is not vacuous: each form's every case is run except the three impossible."""
    assert len(CASES) == len(FORMS) * len(TABLE) - 3


# --- the function itself, on line spans -------------------------------------------------------

LINES = ["# c", "", "code", "unit {", "  x", "}", "# c", "code  # c", ""]


@pytest.mark.parametrize(("comment", "alone", "units", "expected"), [
    ((1, 1), True, [(4, 6)], (1, 1)),  # a blank line (2) detaches it from "code" and the unit
    ((3, 3), False, [(4, 6)], (3, 3)),  # after code, outside any unit: its own line
    ((7, 7), True, [(4, 6)], (7, 8)),  # on its own line above code that is no unit: that line
    ((9, 9), True, [(4, 6)], (9, 9)),  # at the end: its own line
    ((5, 5), True, [(4, 6)], (4, 6)),  # inside the unit
    ((5, 5), True, [(1, 9), (4, 6)], (4, 6)),  # the innermost unit it is in
    ((3, 3), True, [(4, 6), (4, 5)], (3, 6)),  # units starting below: the outermost
    ((3, 4), True, [(5, 5), (1, 9)], (3, 5)),  # a comment over two lines: the unit after both
])
def test_comment_scope(comment: tuple[int, int], alone: bool, units: list[tuple[int, int]],
                       expected: tuple[int, int]) -> None:
    got = suppress.comment_scope("f", comment, alone, units, LINES, {1, 7})
    assert (got.line, got.end_line) == expected
    assert got == Location("f", expected[0], 1, expected[1], 1)


# --- labeling-input comments follow the same rule ---------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("main.tf", 'resource "aws_s3_bucket" "images" {\n  bucket = "acme-images"\n}\n'),
    ("template.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n{c}  Images:\n'
                      '    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: acme-images\n'),
])
@pytest.mark.parametrize(("gap", "declared"), [("", True), ("\n", False)])
def test_a_labeling_input_comment_declares_the_unit_directly_below(
        repo: Path, name: str, text: str, gap: str, declared: bool) -> None:
    indent = "  " if name == "template.yaml" else ""
    comment = f"{indent}# policylint: labeling-input\n{gap}"
    body = text.replace("{c}", comment) if "{c}" in text else comment + text
    write_tree(repo, {name: body})
    line = body.split("\n").index(next(ln for ln in body.split("\n")
                                       if "images" in ln.lower() and ":" in ln or "resource" in ln)) + 1
    expected = [("PL100", name, line, 1 if name == "main.tf" else 3)] if declared else []
    assert json_findings(["--no-cache", "."], repo) == expected
