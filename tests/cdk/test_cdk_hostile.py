"""The CDK readers never raise: arbitrary text after a CDK import, deep nesting, broken syntax
(a PL001 note for TypeScript that does not parse; the rest is still read)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.model import Facts, Severity
from policylint.readers import LocalContext
from policylint.readers import javascript as jsreader
from policylint.readers.python import read_module

HEAD_TS = "import * as s3 from 'aws-cdk-lib/aws-s3';\n"
HEAD_PY = "from aws_cdk import aws_s3 as s3\n"


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("new s3.Bucket(this,'I',{cors:[`${}`]})\n;/*"))))
def test_typescript_reader_total(body: str) -> None:
    facts = Facts()
    data = (HEAD_TS + body).encode()
    jsreader.read_source("x.ts", data, LocalContext("/nonexistent"), facts)
    lines = data.count(b"\n") + 1
    for b in facts.buckets:
        assert 1 <= b.location.line <= lines and b.location.column >= 1
    for e in facts.errors:
        assert e.severity is Severity.NOTE


def test_deep_nesting_is_bounded() -> None:
    facts = Facts()
    deep = "[" * 3000 + "]" * 3000
    jsreader.read_source("x.ts", (HEAD_TS + f"new s3.Bucket(this, 'D', {{ cors: {deep} }});\n")
                         .encode(), LocalContext("/nonexistent"), facts)
    assert [b.address for b in facts.buckets] == ["D"]
    facts = Facts()
    read_module("x.py", HEAD_PY + "s3.Bucket(None, 'D', cors=" + "[" * 90 + "]" * 90 + ")\n",
                facts, lambda line, col: (line, col + 1))
    assert [b.address for b in facts.buckets] == ["D"]


def test_broken_typescript_is_a_note_and_still_read() -> None:
    facts = Facts()
    jsreader.read_source("x.ts", (HEAD_TS + "const b = new s3.Bucket(this, 'B');\nclass {{{\n")
                         .encode(), LocalContext("/nonexistent"), facts)
    assert [(e.severity, e.location.line) for e in facts.errors] == [(Severity.NOTE, 3)]
    assert [b.address for b in facts.buckets] == ["B"]
