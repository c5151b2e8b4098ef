"""A non-editable install from a clean clone contains the rules and runs.

Builds a wheel from a ``git clone`` of this repository (HEAD: what CI and users get), checks its
file list, installs it into a fresh virtualenv and runs ``python -m policylint`` there. No
network: ``--no-build-isolation`` uses this environment's setuptools and wheel (test extras), and
the fresh environment borrows this one's runtime dependencies through a ``.pth`` path entry (a
path entry only: the editable install's finder is not loaded, so ``policylint`` comes from the
wheel). Takes a few seconds; it stays in the default run so that CI runs it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO

pytestmark = pytest.mark.slow

TIMEOUT = 120


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV"))}
    env.update(NO_COLOR="1", PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INDEX="1")
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)


def _ok(cmd: list[str], cwd: Path) -> str:
    proc = _run(cmd, cwd)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository")
    work = tmp_path_factory.mktemp("packaging")
    _ok(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(work / "clone")], work)
    _ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(work / "dist"), str(work / "clone")], work)
    (wheel,) = (work / "dist").glob("policylint-*.whl")
    venv = work / "fresh"
    _ok([sys.executable, "-m", "venv", "--without-pip", str(venv)], work)
    python = venv / "bin" / "python"
    _ok([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)], work)
    site = Path(_ok([str(python), "-I", "-c", "import sysconfig; "
                                              "print(sysconfig.get_paths()['purelib'])"], work)
                .strip())
    (site / "zz_policylint_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    outside = work / "elsewhere"
    outside.mkdir()
    return {"work": work, "clone": work / "clone", "wheel": wheel, "venv": venv,
            "python": python, "outside": outside}


def _rule_modules(clone: Path) -> list[str]:
    return sorted(p.name for p in (clone / "rules").glob("pl[0-9][0-9][0-9]_*.py"))


def test_wheel_contains_the_rules_and_the_packages(built: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    modules = _rule_modules(built["clone"])
    assert "pl100_labeling_bucket_without_cors.py" in modules
    for m in modules:
        assert f"policylint/rules/{m}" in names
    for required in ("policylint/rules/__init__.py", "policylint/__main__.py",
                     "policylint/cli.py", "policylint/py.typed", "policylint/readers/cors.py",
                     "policylint/reporters/text.py", "policylint/reporters/json.py"):
        assert required in names
    assert not [n for n in names if n.startswith(("rules/", "tests/"))]
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(built["wheel"]).read(entry_points).decode()
    assert "policylint = policylint.cli:main" in text


def test_every_package_of_the_clone_is_in_the_wheel(built: dict[str, Path]) -> None:
    """A package folder missing from pyproject's ``packages`` list would be left out."""
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    clone = built["clone"]
    for init in sorted((clone / "policylint").rglob("__init__.py")):
        rel = init.relative_to(clone).as_posix()
        assert rel in names, f"{rel} is not packaged: add it to [tool.setuptools] packages"


def test_installed_package_comes_from_the_wheel(built: dict[str, Path]) -> None:
    out = _ok([str(built["python"]), "-I", "-c", "import policylint.rules as r; "
                                                 "print(r.__file__)"], built["outside"])
    assert Path(out.strip()).is_relative_to(built["venv"])


def test_list_rules_and_explain_from_the_installed_package(built: dict[str, Path]) -> None:
    out = _ok([str(built["python"]), "-I", "-m", "policylint", "--list-rules"], built["outside"])
    codes = [line.split()[0] for line in out.splitlines()]
    assert codes[:1] == ["PL000"] and {"PL100", "PL101", "PL102", "PL200"} <= set(codes)
    assert len(codes) == len(_rule_modules(built["clone"]))
    out = _ok([str(built["venv"] / "bin" / "policylint"), "--explain", "PL101"], built["outside"])
    assert out.startswith("# PL101 labeling-bucket-cors-without-get (error)")
    assert "## Known limitations" in out


def test_installed_package_scans_a_project(built: dict[str, Path]) -> None:
    project = built["work"] / "project"
    shutil.copytree(FIXTURES / "config" / "project", project)
    (project / ".git").mkdir()
    proc = _run([str(built["python"]), "-I", "-m", "policylint", "-q", "."], project)
    assert (proc.returncode, proc.stderr) == (1, "")
    assert [line.split(":")[0:3] + [line.split()[1]] for line in proc.stdout.splitlines()[:-1]] == [
        [".policylint.yaml", "5", "1", "PL102"], ["cors/broken.json", "2", "30", "PL001"],
        ["cors/images.json", "2", "3", "PL101"], ["cors/legacy.json", "5", "3", "PL200"]]


def test_python_m_policylint_from_the_checkout_after_a_plain_install(
        built: dict[str, Path]) -> None:
    """``python -m policylint`` run in the source checkout imports the checkout's ``policylint/``
    (the working directory comes first on ``sys.path``), which has no ``rules`` folder of its own:
    it must still find the built-in rules (in ``rules/``) and report what the installed command
    reports (issue 12 item 10; before, exit 3)."""
    clone, python = built["clone"], str(built["python"])
    where = _ok([python, "-c", "import policylint; print(policylint.__file__)"], clone)
    assert Path(where.strip()) == clone / "policylint" / "__init__.py"  # the shadowing is real
    assert not (clone / "policylint" / "rules").exists()
    installed = _run([str(built["venv"] / "bin" / "policylint"), "--no-cache", "examples/"], clone)
    from_checkout = _run([python, "-m", "policylint", "--no-cache", "examples/"], clone)
    assert installed.returncode == 1, installed.stderr
    assert installed.stdout.splitlines()[-1].startswith("Found 5 errors, 1 warning and 1 note in ")
    assert (from_checkout.returncode, from_checkout.stdout, from_checkout.stderr) == (
        installed.returncode, installed.stdout, installed.stderr)
    rules = _ok([python, "-m", "policylint", "--list-rules"], clone)
    assert rules == _ok([str(built["venv"] / "bin" / "policylint"), "--list-rules"], clone)
