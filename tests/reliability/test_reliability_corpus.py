"""policylint over the public corpus (../shared/corpus, ~3,500 real IaC and labeling files):
no PL000, no traceback, exit 0 or 1, and every PL001 on a file that an independent parser also
rejects (python-hcl2 for Terraform, PyYAML for YAML, json for JSON, ElementTree for XML).

A PL001 where the other parser is laxer is listed below with its reason: either policylint is
stricter on purpose (duplicate keys, which both CloudFormation and cfn-lint refuse; Terraform
rejects what python-hcl2 lets through), or it is a known policylint bug, listed in KNOWN_BUGS
until fixed (the test fails when a listed bug disappears, so the list stays true).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"

# policylint is stricter than the oracle on purpose: path (relative to the corpus) → reason
STRICTER = {
    "amplify-education__python-hcl2/test/integration/specialized/template_directives.tf":
        'python-hcl2 accepts \\" inside a %{ if } directive; terraform 1.11 rejects it '
        '("Invalid character")',
    "amplify-education__python-hcl2/test/integration/specialized/"
    "template_directives_reconstructed.tf":
        'python-hcl2 accepts \\" inside a %{ if } directive; terraform 1.11 rejects it',
    "bridgecrewio__checkov/tests/terraform/graph/resources/variable_rendering/"
    "render_from_module_def_sg/main.tf":
        'python-hcl2 accepts the escape "\\/"; terraform 1.11 rejects it ("Invalid escape '
        'sequence")',
    "aws-cloudformation__cfn-lint/test/fixtures/templates/bad/core/parse_invalid_map.yaml":
        "a mapping used as a mapping key: PyYAML builds it, cfn-lint and CloudFormation refuse it",
}
DUPLICATE_KEYS = ("duplicate keys: json and PyYAML keep the last value silently; CloudFormation "
                  "and cfn-lint refuse the template, and so does policylint")
DECLARED_TWICE = ("a name declared twice in one Terraform folder (often a folder of test fixtures):"
                  " a module-level error Terraform reports and a per-file parser cannot see")
# policylint is wrong here: path → what is wrong (to be fixed by the reader's owner)
# (floats.tf of python-hcl2 was one until the Terraform reader learnt exponent literals without
# a fraction, 105e+2, which tree-sitter-hcl 1.2 rejects)
KNOWN_BUGS: dict[str, str] = {}


class _AnyTagLoader(yaml.SafeLoader):
    """PyYAML's safe loader that accepts CloudFormation's short tags (!Ref, !Sub...)."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def oracle_rejects(path: Path, line: int) -> bool | None:
    """Whether the independent parser rejects ``path`` (None: no oracle for this kind)."""
    name = path.name.lower()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return True
    try:
        if name.endswith((".tf", ".tfvars")):
            import hcl2

            hcl2.loads(text)
        elif name.endswith((".manifest", ".jsonl")):
            json.loads(text.splitlines()[line - 1])
        elif name.endswith(".json"):
            json.loads(text)
        elif name.endswith((".yaml", ".yml", ".template", ".cfn")):
            list(yaml.load_all(text, Loader=_AnyTagLoader))  # noqa: S506 - a safe loader
        elif name.endswith(".xml"):
            ET.fromstring(raw)
        else:
            return None
    except Exception:  # any rejection counts: each oracle has its own exception types
        return True
    return False


@pytest.fixture(scope="module")
def corpus_run() -> dict[str, Any]:
    if not CORPUS.is_dir():
        pytest.skip(f"the public corpus is absent ({CORPUS})")
    proc = subprocess.run([sys.executable, "-m", "policylint", ".", "--format", "json",
                           "--no-cache"], cwd=CORPUS, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "NO_COLOR": "1"},
                          stdin=subprocess.DEVNULL)
    return {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}


def test_corpus_runs_clean(corpus_run: dict[str, Any]) -> None:
    assert corpus_run["rc"] in (0, 1), corpus_run["stderr"][-3000:]
    assert corpus_run["stderr"] == ""
    report = json.loads(corpus_run["stdout"])
    assert report["summary"]["files"] > 2000
    assert [(f["path"], f["message"]) for f in report["findings"] if f["rule"] == "PL000"] == []


def test_every_parse_error_is_shared_by_another_parser(corpus_run: dict[str, Any]) -> None:
    report = json.loads(corpus_run["stdout"])
    unexplained: list[tuple[str, int, str]] = []
    bugs_seen: set[str] = set()
    for f in report["findings"]:
        if f["rule"] != "PL001" or f["severity"] == "note":  # a note: skipped on purpose (size)
            continue
        rel, line = f["path"], f["line"]
        if rel in KNOWN_BUGS:
            bugs_seen.add(rel)
            continue
        reason = STRICTER.get(rel) or (DUPLICATE_KEYS if "duplicate key" in f["message"] else "")
        if "is declared more than once (first at " in f["message"]:
            first = f["message"].split("(first at ", 1)[1].split(")", 1)[0].rsplit(":", 1)[0]
            assert (CORPUS / first).is_file() and (CORPUS / first).parent == (
                CORPUS / rel).parent, f["message"]
            reason = DECLARED_TWICE
        if reason:
            continue
        if oracle_rejects(CORPUS / rel, line) is not True:
            unexplained.append((rel, line, f["message"]))
    assert unexplained == []
    assert bugs_seen == set(KNOWN_BUGS), "a known bug is fixed: remove it from KNOWN_BUGS"


def test_the_listed_exceptions_are_still_accepted_by_the_oracle() -> None:
    """Keeps STRICTER honest: each entry is a file the oracle really accepts."""
    if not CORPUS.is_dir():
        pytest.skip(f"the public corpus is absent ({CORPUS})")
    assert {rel: oracle_rejects(CORPUS / rel, 1) for rel in STRICTER} == {
        rel: False for rel in STRICTER}
