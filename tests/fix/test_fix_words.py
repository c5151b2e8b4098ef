"""A fix suggestion is the edit --fix would make, or says why none is safe: a bucket created
inside a shared module is fixed in the caller (never a resource naming the module's internal
address, which Terraform cannot refer to and --fix refuses to write)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

MODULE = 'resource "aws_s3_bucket" "store" {\n  bucket = var.name\n}\n\nvariable "name" {}\n'




def _caller(call: str, source: str) -> str:
    return f'{call} {{\n  source = "{source}"\n  name   = "acme-raw"\n}}\n'


def _modules_json(source: str) -> str:
    """What ``terraform init`` leaves: the registry module's folder under .terraform/modules."""
    return json.dumps({"Modules": [{"Key": "", "Source": "", "Dir": "."},
                                   {"Key": "raw", "Source": source, "Version": "1.0.0",
                                    "Dir": ".terraform/modules/raw"}]})


@pytest.mark.parametrize(("call", "address"), [
    ('module "raw"', "module.raw.aws_s3_bucket.store"),
])
@pytest.mark.parametrize("source", ["app.terraform.io/acme/store/aws", "acme/store/aws"])
def test_module_bucket_fix_is_made_in_the_caller(tmp_path: Path, call: str, address: str,
                                                 source: str) -> None:
    root = write_tree(tmp_path, {
        ".git/HEAD": "", ".terraform/modules/raw/main.tf": MODULE,
        ".terraform/modules/modules.json": _modules_json(source),
        "main.tf": _caller(call, source),
        ".policylint.yaml": 'labeling:\n  buckets: ["acme-raw"]\n'})
    code, out, _ = run_cli(["--no-cache", "--format", "json"], root)
    assert code == 1
    [finding] = json.loads(out)["findings"]
    assert (finding["rule"], finding["path"], finding["line"], finding["column"]) == (
        "PL100", "main.tf", 1, 1)
    assert finding["fix"] == {
        "description": f"{address} is created inside a shared module, which --fix does not "
                       "edit: fix it in the caller, passing this CORS rule through the module "
                       "call's inputs (or add such an input to the module)",
        "snippet": 'cors_rule {\n  allowed_methods = ["GET"]\n  allowed_origins = ["*"]\n}\n'}
    assert address not in finding["fix"]["snippet"]
    before = {p: p.read_bytes() for p in root.rglob("*.tf")}
    code, out, _ = run_cli(["--no-cache", "--fix"], root)
    assert code == 1
    assert (f"not fixed PL100 main.tf:1: {address}: the bucket is created inside a module that "
            "policylint does not edit (a shared module): fix it in the caller, through the "
            "module call's inputs") in out.splitlines()
    assert {p: p.read_bytes() for p in root.rglob("*.tf")} == before
