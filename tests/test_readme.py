"""The README's set-up commands are the contract with newcomers and CI: keep them true."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", text)


def test_readme_starts_with_two_setup_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    head = text.split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.+?)\n```", head)
    assert len(blocks) == 2
    assert "policylint examples/" in blocks[0]
    assert "'.[test]'" in blocks[1] and "pytest" in blocks[1]


def test_ci_runs_the_readme_test_command_unchanged() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_readme_sample_is_the_real_output_on_examples() -> None:
    from conftest import run_cli

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = re.search(r"```text\n\$ policylint examples/\n\.\.\.\n(.+?)\n```", text, re.S)
    assert sample is not None
    code, out, _ = run_cli(["examples/", "--no-cache"], ROOT)
    assert code == 1
    assert sample.group(1) + "\n" in out
