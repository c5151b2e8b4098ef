"""examples/ is what a new user copies: its Terraform is in `terraform fmt` style."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_examples_pass_terraform_fmt_check() -> None:
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform is not installed here: `terraform fmt -check` cannot run")
    tf = sorted(EXAMPLES.rglob("*.tf"))
    assert tf, "examples/ holds no Terraform"
    proc = subprocess.run([terraform, "fmt", "-check", "-recursive", "-list=true", "-no-color"],
                          cwd=EXAMPLES, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "TF_CLI_CONFIG_FILE": "/dev/null",
                               "CHECKPOINT_DISABLE": "1"})
    assert (proc.returncode, proc.stdout) == (0, ""), f"not formatted:\n{proc.stdout}"
