"""docs/output.md shows real output: its text, junit and github samples must be what policylint
prints for tests/fixtures/integrations/repo. POLICYLINT_UPDATE_SNAPSHOTS=1 rewrites them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO, copy_fixture, run_cli
from integ_support import UPDATE

OUTPUT_MD = REPO / "docs" / "output.md"
# (section heading, fence language, policylint arguments)
SAMPLES = [("## text", "text", []), ("## junit", "xml", ["--format", "junit"]),
           ("## github", "text", ["--format", "github"])]


def _block(doc: str, heading: str, lang: str) -> re.Match[str]:
    start = doc.index(f"\n{heading}\n")
    m = re.compile(rf"```{lang}\n(.*?)```\n", re.S).search(doc, start)
    assert m is not None, f"no ```{lang} block under {heading} in {OUTPUT_MD}"
    return m


@pytest.mark.parametrize("heading, lang, args", SAMPLES)
def test_output_sample_is_current(tmp_path: Path, heading: str, lang: str,
                                  args: list[str]) -> None:
    repo = copy_fixture("integrations/repo", tmp_path)
    code, out, _ = run_cli(args, repo)
    assert code == 1
    doc = OUTPUT_MD.read_text(encoding="utf-8")
    m = _block(doc, heading, lang)
    if UPDATE and m.group(1) != out:
        OUTPUT_MD.write_text(doc[:m.start(1)] + out + doc[m.end(1):], encoding="utf-8")
        return
    assert m.group(1) == out, (f"{OUTPUT_MD} {heading} is stale: rerun with "
                               "POLICYLINT_UPDATE_SNAPSHOTS=1")


def test_github_actions_quiet_sample_is_current(tmp_path: Path) -> None:
    """The text output under GitHub Actions, with --quiet: severity kept, annotations after."""
    repo = copy_fixture("integrations/repo", tmp_path)
    code, out, _ = run_cli(["--quiet"], repo, env={"GITHUB_ACTIONS": "true"})
    assert code == 1
    doc = OUTPUT_MD.read_text(encoding="utf-8")
    m = _block(doc, "finding, so a plain `policylint` step annotates the pull request (here with "
                         "`--quiet`):", "text")
    if UPDATE and m.group(1) != out:
        OUTPUT_MD.write_text(doc[:m.start(1)] + out + doc[m.end(1):], encoding="utf-8")
        return
    assert m.group(1) == out
    assert out.splitlines()[0].startswith("cors/fail_frames.xml:1:1: PL101 [error] CORS of")
