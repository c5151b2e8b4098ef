"""Every machine format stays valid on real input: the public corpus in ../shared/corpus, written
as SARIF (validated against the official 2.1.0 schema), JUnit and GitHub annotations in one run,
all three agreeing with the JSON findings."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from integ_support import validate_sarif

CORPUS = REPO.parent / "shared" / "corpus"
_COMMAND = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,endLine=\d+"
                      r"(,endColumn=\d+)?,title=PL\d{3}::[^\r\n]*$")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_machine_formats_on_the_corpus(tmp_path: Path) -> None:
    code, out, err = run_cli(
        ["--no-cache", "--format", "github", "--format", f"sarif:{tmp_path / 'r.sarif'}",
         "--format", f"junit:{tmp_path / 'r.xml'}", "--format", f"json:{tmp_path / 'r.json'}"],
        CORPUS)
    assert code in (0, 1), err
    findings = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["findings"]
    keys = [(f["rule"], f["path"], f["line"], f["column"]) for f in findings]
    assert keys, "the corpus has known findings"

    sarif = json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8"))
    validate_sarif(sarif)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in results] == [(k[0], k[2]) for k in keys]

    cases = list(ET.parse(tmp_path / "r.xml").getroot().iter("testcase"))
    assert [c.get("name") for c in cases] == [f"{r} {p}:{line}:{col}" for r, p, line, col in keys]

    lines = out.splitlines()
    assert len(lines) == len(keys)
    assert [line for line in lines if not _COMMAND.match(line)] == []
