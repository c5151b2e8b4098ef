"""A scan that finds no file policylint reads says so on stderr and exits 0; a folder it cannot
list is a file it tried (PL001 there, and counted)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli, write_tree

NOTHING = "policylint: no Terraform, CloudFormation, CORS or labeling files under {}\n"


@pytest.mark.parametrize("files", [{}, {"README.md": "# hi\n", "src/app.go": "package main\n"}])
def test_nothing_to_read_is_said_on_stderr(tmp_path: Path, files: dict[str, str]) -> None:
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir()
    assert run_cli([], tmp_path) == (0, "All checks passed: no findings in 0 files.\n",
                                     NOTHING.format("."))
    code, out, err = run_cli(["--format", "json"], tmp_path)
    assert (code, err) == (0, NOTHING.format("."))
    assert '"files": 0' in out


def test_named_paths_are_in_the_message(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a/x.txt": "x\n", "b/y.txt": "y\n"})
    assert run_cli(["a", "b"], tmp_path) == (0, "All checks passed: no findings in 0 files.\n",
                                             NOTHING.format("a b"))


def test_a_file_read_means_no_message(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cors.json": '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]\n'})
    assert run_cli([], tmp_path) == (0, "All checks passed: no findings in 1 file.\n", "")


def test_the_message_cannot_become_a_workflow_command(tmp_path: Path) -> None:
    name = "x\n::stop-commands::t"
    (tmp_path / name).mkdir()
    code, _, err = run_cli([name], tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert code == 0
    assert err == "policylint: no Terraform, CloudFormation, CORS or labeling files under x\n" \
                  "\\::stop-commands::t\n"


def test_an_unlistable_folder_is_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"locked/cors.json": "[]\n", "README.md": "# hi\n"})
    locked = str(tmp_path / "locked")
    real = os.scandir

    def scandir(path: str = ".") -> object:
        if os.path.abspath(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run_cli(["--jobs", "1"], tmp_path)
    assert (code, err) == (1, "")
    assert out == ("locked:1:1: PL001 [error] cannot list: Permission denied\n"
                   "  why: policylint cannot check what it cannot parse\n\n"
                   "Found 1 error in 1 file.\n")
