"""The CloudFormation reader over the public corpus (../shared/corpus): the loader agrees with
cfn-lint's decoder, and the templates that have nothing to do with labeling get no labeling
finding. cfn-lint is imported here only: it is an oracle, never on the run path."""
from __future__ import annotations

import datetime as _dt
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from policylint import discover, engine, jsonpos, yamlpos
from policylint.link import LinkOptions, link
from policylint.model import Facts
from policylint.plugins import builtin_rules
from policylint.readers import ReadOptions
from policylint.rule import Options
from policylint.positioned import plain

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")

# Templates that mention labeling at all (jobs, human loops, execution roles, declarations).
LABELING_TEXT = re.compile(r"LabelingJob|ManifestS3Uri|HumanLoop|policylint")


def _templates() -> list[discover.Found]:
    out: list[discover.Found] = []
    for folder, dirs, files in os.walk(CORPUS):
        dirs[:] = sorted(d for d in dirs if d not in discover.SKIP_DIRS)
        for name in sorted(files):
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                head = fh.read(discover.SNIFF_BYTES)
            if discover.classify(name, head) == discover.CLOUDFORMATION:
                out.append(discover.Found(path, discover.CLOUDFORMATION, os.path.getsize(path)))
    return out


@pytest.fixture(scope="module")
def templates() -> list[discover.Found]:
    found = _templates()
    assert len(found) > 900  # the corpus holds ~1,000 templates
    return found


def _ours(text: str) -> Any:
    if text.lstrip().startswith("{"):
        return jsonpos.loads(text, reject_duplicates=True)
    return yamlpos.load(text, intrinsics=True)


def _normal(value: Any) -> Any:
    """cfn-lint's tree in our terms: YAML timestamps stay text here (a documented choice)."""
    if isinstance(value, dict):
        return {_normal(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return str(value)
    if isinstance(value, str):
        return str(value)  # cfn-lint's str_node → str
    return value


def test_loader_agrees_with_cfn_lint(templates: list[discover.Found]) -> None:
    from cfnlint.decode import decode_str

    agree, both_reject, differ, only_ours, only_theirs = 0, 0, [], [], []
    for f in templates:
        with open(f.path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        try:
            ours, mine_failed = _ours(text), False
        except (yamlpos.YAMLPosError, jsonpos.JSONPosError):
            ours, mine_failed = None, True
        theirs, matches = decode_str(text)
        if mine_failed and matches:
            both_reject += 1
        elif mine_failed:
            only_ours.append(f.path)
        elif matches:
            only_theirs.append(f.path)
        elif plain(ours) == _normal(theirs):
            agree += 1
        else:
            differ.append(f.path)
    assert (differ, only_ours, only_theirs) == ([], [], [])
    assert agree > 950 and both_reject == 13


def test_no_crash_and_no_labeling_finding_on_unrelated_templates(
        templates: list[discover.Found]) -> None:
    cwd = str(CORPUS)
    facts = Facts()
    start = time.perf_counter()
    for f in templates:
        key = engine.display_path(f.path, cwd)
        facts.extend(engine.read_unit(discover.CLOUDFORMATION, key, [f], cwd, cwd,
                                      ReadOptions()))
    elapsed = time.perf_counter() - start
    crashes = [e for e in facts.errors if e.message.startswith("\x00")]
    assert crashes == []
    project = link(facts, LinkOptions())
    findings = [(r.meta.code, f.location.path, f.location.line)
                for r in builtin_rules() if r.meta.code not in ("PL000", "PL001", "PL002")
                for f in r.check(project, Options())]
    labeling = [(code, path, line) for code, path, line in findings
                if code in ("PL100", "PL101", "PL103")]
    for code, path, line in labeling:
        text = (CORPUS / path).read_text(encoding="utf-8", errors="replace")
        assert LABELING_TEXT.search(text), (code, path, line)
    assert sorted(findings) == [
        ("PL104", "aws-samples__amazon-rekognition-custom-brand-detection/deployment/"
                  "amazon-rekognition-custom-brand-detection.yaml", 609),
    ]
    # the templates cfn-lint rejects too: duplicate keys are warnings (the last value is read,
    # as CloudFormation does: issue 15), the rest errors
    assert len(facts.errors) == 15
    assert len([e for e in facts.errors if e.severity is None]) == 7
    assert elapsed < 30  # ~1 s on an idle core for ~1,000 templates
