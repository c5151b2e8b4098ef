"""The worked example of docs/plugins.md, installed as a package: its PL901 runs from the entry
point, at its exact position, and ``rule-options`` configure it (validated: exit 2 naming the key).

The example is copied out of the repository (a build writes into its folder), installed without
network (``--no-deps --no-build-isolation --no-index``) into a fresh virtual environment that
borrows this one's packages (policylint included) through a ``site.addsitedir`` line, and run
there in a subprocess: the entry point is found only in that environment, never in this one.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO, write_tree

pytestmark = pytest.mark.slow

EXAMPLE = REPO / "docs" / "examples" / "plugin-bucket-prefix"
TIMEOUT = 120

MAIN_TF = """\
resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}

resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}

resource "aws_s3_bucket" "named" {
  bucket = "labeling-acme-frames"
  tags   = { "policylint:labeling-input" = "true" }
}

resource "aws_s3_bucket_cors_configuration" "named" {
  bucket = aws_s3_bucket.named.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
"""


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV", "POLICYLINT"))}
    env.update(NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


@pytest.fixture(scope="module")
def venv_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("plugin")
    source = work / "plugin-bucket-prefix"
    shutil.copytree(EXAMPLE, source)
    venv = work / "venv"
    proc = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    assert proc.returncode == 0, proc.stderr
    python = venv / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                work).stdout.strip()
    # this environment's packages (policylint's editable install, setuptools for the build)
    (Path(site) / "zz_borrow.pth").write_text(
        f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    proc = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                 "--no-build-isolation", "--no-index", "--quiet", str(source)], work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return python


def _tree(tmp_path: Path, config: str | None = None) -> Path:
    files = {"main.tf": MAIN_TF}
    if config is not None:
        files[".policylint.yaml"] = config
    root = write_tree(tmp_path / "repo", files)
    (root / ".git").mkdir()
    return root


def _lint(python: Path, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run([str(python), "-m", "policylint", "--no-cache", *args], root)


def test_the_example_is_not_installed_here() -> None:
    """The findings below come from the fresh environment's entry point, not from this one."""
    from policylint import plugins

    assert "PL901" not in {r.meta.code for r in plugins.load_rules()}


def test_installed_example_reports_pl901_at_the_bucket(venv_python: Path, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    proc = _lint(venv_python, root, "--format", "json", ".")
    assert (proc.returncode, proc.stderr) == (0, "")  # a warning does not fail the run
    findings = [(f["rule"], f["name"], f["severity"], f["path"], f["line"], f["column"],
                 f["message"]) for f in json.loads(proc.stdout)["findings"]]
    assert findings == [("PL901", "labeling-bucket-prefix", "warning", "main.tf", 1, 1,
                         "labeling bucket aws_s3_bucket.images (acme-images) is not named with "
                         "the prefix 'labeling-'")]


def test_installed_example_is_listed_with_its_origin(venv_python: Path, tmp_path: Path) -> None:
    proc = _lint(venv_python, _tree(tmp_path), "--list-rules")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].endswith(
        "(entry point bucket-prefix; options: rule-options.PL901.prefix)")


@pytest.mark.parametrize("key", ["PL901", "labeling-bucket-prefix", "pl901"])
def test_a_rule_option_changes_what_it_reports(venv_python: Path, tmp_path: Path,
                                               key: str) -> None:
    root = _tree(tmp_path, f"rule-options:\n  {key}:\n    prefix: acme-\n")
    proc = _lint(venv_python, root, "--format", "json", ".")
    assert (proc.returncode, proc.stderr) == (0, "")
    found = [(f["rule"], f["path"], f["line"], f["column"])
             for f in json.loads(proc.stdout)["findings"]]
    assert found == [("PL901", "main.tf", 15, 1)]  # labeling-acme-frames lacks "acme-"


@pytest.mark.parametrize(("options", "key", "reason"), [
    ("    prefix: 5\n", "rule-options.PL901.prefix", "5 is not of type 'string'"),
    ("    prefix: [acme-]\n", "rule-options.PL901.prefix", "['acme-'] is not of type 'string'"),
    ("    prefx: acme-\n", "rule-options.PL901.prefx",
     "unknown option of PL901 (its options: prefix)"),
])
def test_an_invalid_rule_option_exits_2_naming_the_key(venv_python: Path, tmp_path: Path,
                                                       options: str, key: str,
                                                       reason: str) -> None:
    root = _tree(tmp_path, "rule-options:\n  PL901:\n" + options)
    proc = _lint(venv_python, root, ".")
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr == f"policylint: error: {root / '.policylint.yaml'}: '{key}': {reason}\n"
