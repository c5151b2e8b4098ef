"""Issue 14's done-when: a CDK TypeScript app whose bucket has no cors, and whose Python Lambda
(code: Code.fromAsset(path.join(__dirname, ...))) starts a human loop on os.environ bound to
that bucket through the function's environment, fails with PL100 at the new s3.Bucket(...)
statement; --fix makes it pass. Fixture: tests/fixtures/cdk/done_when/."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import copy_fixture, run_cli

from policylint.readers import javascript as jsreader


def test_pl100_at_the_bucket_with_the_lambda_call_in_evidence(tmp_path: Path) -> None:
    root = copy_fixture("cdk/done_when", tmp_path)
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 1, err
    scan = json.loads(out)
    assert [(f["rule"], f["path"], f["line"], f["column"], f["subject"])
            for f in scan["findings"]] == [
        ("PL100", "lib/review-stack.ts", 10, 5, "ReviewStack/ReviewImages")]
    related = [(r["path"], r["line"], r["message"]) for r in scan["findings"][0]["related"]]
    assert related[1:] == [
        ("lambda/start_loop/app.py", 16, "Python start_human_loop: human loop input in an S3 "
         "bucket not known statically (defined)"),
        ("lib/review-stack.ts", 15, "runs in ReviewStack/StartLoop"),
        ("lib/review-stack.ts", 20, "environment variable INPUT_BUCKET = a value not known "
         "statically"),
    ]


def test_fix_makes_it_pass(tmp_path: Path) -> None:
    root = copy_fixture("cdk/done_when", tmp_path)
    code, _out, err = run_cli([".", "--fix", "--no-cache"], root)
    assert code == 0, err
    stack = root / "lib" / "review-stack.ts"
    assert not jsreader.parser_for(str(stack)).parse(stack.read_bytes()).root_node.has_error
    assert "cors: [{ allowedMethods: [s3.HttpMethods.GET], allowedOrigins: ['*'] }]," \
           in stack.read_text()
    code, out, _err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 0 and json.loads(out)["findings"] == []


def test_unbound_environment_stays_unverified(tmp_path: Path) -> None:
    root = copy_fixture("cdk/done_when", tmp_path)
    stack = root / "lib" / "review-stack.ts"
    stack.write_text(stack.read_text().replace("INPUT_BUCKET: images.bucketName",
                                               "OTHER: images.bucketName"))
    code, out, _err = run_cli([".", "--format", "json", "--no-cache"], root)
    scan = json.loads(out)
    assert [(f["rule"], f["path"], f["line"]) for f in scan["findings"]] == [
        ("PL102", "lambda/start_loop/app.py", 16)]
    assert "INPUT_BUCKET" in scan["findings"][0]["message"]
