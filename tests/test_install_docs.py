"""Install instructions that work today: the name is not on PyPI, so no doc says a bare
``pip install policylint``; the documented pinned-git form is a real pip requirement that installs
this repository."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
GIT_FORM = "policylint @ git+https://github.com/OWNER/policylint@FULL_COMMIT_SHA"
# `pip install policylint`, `pip install 'policylint[aws]'`: a name that is not published
_BARE = re.compile(r"pip install ['\"]?policylint(\[[a-z,]+\])?['\"]?(?![ ]*@)(?=[\s`)]|$)")


def test_no_doc_installs_the_unpublished_name() -> None:
    # the only mentions allowed say that the bare name fails
    for p in DOCS:
        for line in p.read_text(encoding="utf-8").splitlines():
            if _BARE.search(line) and "fails" not in line:
                pytest.fail(f"{p.name}: {line.strip()}")
    assert _BARE.search("pip install 'policylint[aws]'") and _BARE.search("pip install policylint")
    assert not _BARE.search(f"pip install '{GIT_FORM}'")


def test_every_doc_install_uses_the_pinned_git_form() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in DOCS)
    forms = set(re.findall(r"pip install '(policylint[^']*@[^']*)'", text))
    assert forms == {GIT_FORM, GIT_FORM.replace("policylint @", "policylint[aws] @")}
    assert "pip install 'policylint==X.Y.Z'" in text  # what to do once published


def test_the_pinned_git_form_installs(tmp_path: Path) -> None:
    """The documented requirement, with this checkout's URL and commit, is what pip installs."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                          text=True)
    if head.returncode != 0:
        pytest.skip(f"not a git checkout: {head.stderr.strip()}")
    url = "file://localhost" + ROOT.as_posix()  # PEP 508 wants a host in a file URL
    req = GIT_FORM.replace("https://github.com/OWNER/policylint", url).replace(
        "FULL_COMMIT_SHA", head.stdout.strip())
    assert re.fullmatch(r"policylint @ git\+file://localhost/.+@[0-9a-f]{40}", req)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--target", str(tmp_path / "t"), req],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "t" / "policylint" / "cli.py").is_file()
    assert (tmp_path / "t" / "policylint" / "rules" / "__init__.py").is_file()
