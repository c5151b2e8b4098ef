"""Import cost of the one-file path (issue 17.4): a pre-commit run on one file imports no parser
library, no schema validator, no AWS SDK, no pool and no reader of another format. Counted in a
fresh process (``sys.modules`` after the run), never timed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_tree

GOOD = '{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n'

# third-party and stdlib modules a one-file run must not load (top-level package names)
HEAVY = ("tree_sitter", "tree_sitter_hcl", "yaml", "jsonschema", "boto3", "botocore", "cfnlint",
         "multiprocessing", "concurrent", "email")
# every reader except the CORS document reader the one file needs
OTHER_READERS = ("asl", "cloudformation", "documents", "iam", "manifests", "python",
                 "requests", "scripts", "shell", "templates", "terraform", "tfplan")

_PROBE = """
import json, sys
from policylint.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules_after(args: list[str], cwd: Path) -> set[str]:
    out = subprocess.run([sys.executable, "-c", _PROBE, *args], cwd=cwd, capture_output=True,
                         text=True, check=True).stdout
    return set(__import__("json").loads(out.splitlines()[-1]))


def _unwanted(mods: set[str]) -> list[str]:
    readers = {f"policylint.readers.{r}" for r in OTHER_READERS}
    return sorted(m for m in mods
                  if m.split(".")[0] in HEAVY or m.startswith("importlib.metadata")
                  or any(m == r or m.startswith(r + ".") for r in readers))


@pytest.mark.parametrize("args", [["cors.json"], ["--no-cache", "cors.json"],
                                  ["--format", "json", "cors.json"]])
def test_one_file_run_imports_no_heavy_module_and_no_other_reader(repo: Path,
                                                                  args: list[str]) -> None:
    write_tree(repo, {"cors.json": GOOD})
    cold = _modules_after(args, repo)
    warm = _modules_after(args, repo)
    assert "policylint.engine" in cold  # the probe really ran the linter
    assert (_unwanted(cold), _unwanted(warm)) == ([], [])


def test_the_probe_sees_a_reader_when_one_is_needed(repo: Path) -> None:
    """The same probe on a Terraform and a Python file does list those readers: the check above
    can fail."""
    write_tree(repo, {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n',
                      "job.py": "import boto3\nboto3.client('sagemaker').create_labeling_job()\n"})
    got = _unwanted(_modules_after(["--no-cache", "main.tf", "job.py"], repo))
    assert {"tree_sitter", "policylint.readers.terraform",
            "policylint.readers.python"} <= set(got)
