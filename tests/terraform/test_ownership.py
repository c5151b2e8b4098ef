"""Who reports a library module's input-dependent facts: its callers when the scan has one,
the module itself (with unknown names) when nothing in the scan calls it."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import json_findings, run_cli, write_tree

LIBRARY = """\
variable "env" {}

resource "aws_s3_bucket" "fail_scratch" {
  bucket = "chain-${var.env}-scratch"
  tags   = { "policylint:labeling-input" = "true" }
}
"""

CALLER = """\
provider "aws" {}

module "store" {
  source = "../lib"
  env    = "prod"
}
"""


def test_uncalled_library_reports_its_input_dependent_bucket(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "lib/main.tf": LIBRARY})
    assert json_findings(["--no-cache"], root) == [("PL100", "lib/main.tf", 3, 1)]


def test_called_library_is_reported_once_by_its_caller(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {".git/HEAD": "", "lib/main.tf": LIBRARY, "app/main.tf": CALLER})
    assert json_findings(["--no-cache"], root) == [("PL100", "lib/main.tf", 3, 1)]
    code, out, _ = run_cli(["--no-cache", "--format", "json"], root)
    (f,) = json.loads(out)["findings"]
    assert (code, f["subject"], f["bucket"]) == (1, "module.store.aws_s3_bucket.fail_scratch",
                                                  "chain-prod-scratch")
