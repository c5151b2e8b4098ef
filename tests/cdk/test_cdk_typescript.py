"""CDK apps in TypeScript/JavaScript (tests/fixtures/cdk/typescript/lib/app-stack.ts): new
s3.Bucket with cors, addCorsRule, CfnBucket corsConfiguration, Tags.of().add, the marker
comment, template literals and const bindings, import spellings, suppressions, --fix writing an
object property, and the grammars imported only when a file passes the prefilter."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli

from policylint.readers import javascript as jsreader


def _scan(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache", *args], root)
    assert code in (0, 1), err
    return code, json.loads(out)


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, int, int, str]]:
    return [(f["rule"], f["path"], f["line"], f["column"], f["subject"])
            for f in scan["findings"]]


@pytest.fixture()
def app(tmp_path: Path) -> Path:
    return copy_fixture("cdk/typescript", tmp_path)


EXPECTED = [
    ("PL100", "lib/app-stack.ts", 14, 5, "AppStack/FailImages"),
    ("PL101", "lib/app-stack.ts", 21, 13, "AppStack/FailPut"),
    ("PL101", "lib/app-stack.ts", 37, 39, "AppStack/FailCfn"),
]


def test_buckets_cors_and_declarations(app: Path) -> None:
    code, scan = _scan(app)
    assert code == 1
    assert _keys(scan) == EXPECTED
    first = scan["findings"][0]
    assert first["bucket"] == "acme-fail-images"  # template literal over a const
    assert first["fix"]["snippet"] == (
        "cors: [{ allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['*'] }]")


@pytest.mark.parametrize("name, head, ctor, tags", [
    ("stack.ts", "import * as s3 from '@aws-cdk/aws-s3';\nimport * as cdk from '@aws-cdk/core';",
     "s3.Bucket", "cdk.Tags"),
    ("stack.ts", "import { Bucket } from 'aws-cdk-lib/aws-s3';\nimport { Tags } from 'aws-cdk-lib';",
     "Bucket", "Tags"),
    ("stack.ts", "import { aws_s3 as s3, Tags } from 'aws-cdk-lib';", "s3.Bucket", "Tags"),
    ("stack.js", "const s3 = require('aws-cdk-lib').aws_s3;\nconst { Tags } = require('aws-cdk-lib');",
     "s3.Bucket", "Tags"),
    ("stack.mjs", "const cdk = require('aws-cdk-lib');", "cdk.aws_s3.Bucket", "cdk.Tags"),
])
def test_import_spellings(tmp_path: Path, name: str, head: str, ctor: str, tags: str) -> None:
    (tmp_path / name).write_text(
        f"{head}\n"
        "class S {\n"
        "  constructor() {\n"
        f"    const b = new {ctor}(this, \"Images\");\n"
        f"    {tags}.of(b).add('policylint:labeling-input', 'true');\n"
        "  }\n"
        "}\n")
    code, scan = _scan(tmp_path)
    assert code == 1
    assert _keys(scan) == [("PL100", name, head.count("\n") + 4, 5, "S/Images")]


def test_marker_suppression_and_unknown(tmp_path: Path) -> None:
    (tmp_path / "s.ts").write_text(
        "import * as s3 from 'aws-cdk-lib/aws-s3';\n"
        "// policylint: labeling-input\n"
        "new s3.Bucket(this, 'Marked');\n"
        "// policylint: disable=PL100 reason=\"owned by the data team\"\n"
        "// policylint: labeling-input\n"
        "new s3.Bucket(this, 'Quiet');\n"
        "// policylint: labeling-input\n"
        "new s3.Bucket(this, 'Dyn', { cors: rulesFrom(config) });\n")
    _code, scan = _scan(tmp_path)
    assert [(f["rule"], f["line"], f["subject"]) for f in scan["findings"]] == [
        ("PL100", 3, "Marked"), ("PL102", 8, "Dyn")]
    assert scan["summary"]["suppressed"] == 1


def _errors(path: Path) -> bool:
    return bool(jsreader.parser_for(str(path)).parse(path.read_bytes()).root_node.has_error)


def test_fix_writes_typescript_that_parses_and_passes(app: Path) -> None:
    run_cli([".", "--fix", "--no-cache"], app)
    target = app / "lib" / "app-stack.ts"
    assert not _errors(target)
    assert "      versioned: true,\n      cors: [{ allowedMethods: [s3.HttpMethods.GET], " \
           "allowedOrigins: ['*'] }],\n    });" in target.read_text()
    _code, scan = _scan(app)
    assert _keys(scan) == [("PL101", "lib/app-stack.ts", 38, 39, "AppStack/FailCfn")]


def test_fix_adds_a_props_object_when_there_is_none(tmp_path: Path) -> None:
    (tmp_path / "s.ts").write_text(
        "import * as s3 from 'aws-cdk-lib/aws-s3';\n"
        "// policylint: labeling-input\n"
        "const b = new s3.Bucket(this, 'Images');\n")
    run_cli([".", "--fix", "--no-cache"], tmp_path)
    assert (tmp_path / "s.ts").read_text().endswith(
        "new s3.Bucket(this, 'Images', { cors: [{ allowedMethods: [s3.HttpMethods.GET], "
        "allowedOrigins: ['*'] }] });\n")
    assert not _errors(tmp_path / "s.ts")
    code, _scan_ = _scan(tmp_path)
    assert code == 0


def test_grammars_not_imported_without_cdk_files(tmp_path: Path) -> None:
    (tmp_path / "index.ts").write_text("export const x = 1;\n")
    (tmp_path / "app.js").write_text("console.log('aws');\n")
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {}\n')
    code = ("import sys\nfrom policylint.cli import main\nrc = main(['.', '--no-cache', '-q'])\n"
            "print(sorted(m for m in sys.modules if m.startswith('tree_sitter_') and '.' not in m))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['tree_sitter_hcl']"
    (tmp_path / "stack.ts").write_text("import * as s3 from 'aws-cdk-lib/aws-s3';\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['tree_sitter_hcl', 'tree_sitter_typescript']"
