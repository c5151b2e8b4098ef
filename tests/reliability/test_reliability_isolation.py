"""Isolation: one broken rule or reader costs one PL000 (or PL001), never the run.

tests/test_cli.py already shows a crashing rule and a crashing reader in-process; here the same
holds through the real CLI in a subprocess, for rules that fail in other ways (after yielding,
by recursion, by calling ``sys.exit``), for readers that run out of stack or memory, and for a
read-phase worker process that dies outright.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import findings_of
from conftest import run_cli as run_in_process
from plrel_support import TAGGED_TF, assert_sane, make_tree, run_cli

from policylint import readphase
from policylint.readers import cors

GOOD = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]\n'
BAD = '[{"AllowedMethods": ["FETCH"], "AllowedOrigins": ["*"]}]\n'  # PL200 at 1:22
RULE = '''"""## What it does
Fails on purpose: {how}.
"""
from __future__ import annotations

import sys

from policylint.rule import RuleMeta, Severity

META = RuleMeta(code="{code}", name="{name}", severity=Severity.ERROR, summary="fails")


def check(project, options):
{body}
'''
BODIES = {
    "after-yielding": ("PL960", "raises-after-yielding",
                       "    for b in project.buckets:\n        yield b\n"
                       "    raise KeyError('late')"),
    "recursion": ("PL961", "recurses-forever",
                  "    def down(n):\n        return down(n + 1)\n    return down(0)"),
    "sys-exit": ("PL962", "calls-sys-exit", "    sys.exit(0)"),
}


@pytest.mark.parametrize("how", sorted(BODIES))
def test_a_failing_rule_is_one_pl000_and_the_others_still_report(tmp_path: Path,
                                                                  how: str) -> None:
    code, name, body = BODIES[how]
    tree = make_tree(tmp_path, {"my_rules/rule.py": RULE.format(how=how, code=code, name=name,
                                                            body=body),
                            ".policylint.yaml": "rules-dirs: [my_rules]\n",
                            "bad.json": BAD, "main.tf": TAGGED_TF})
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree, codes=(1,))
    assert run.findings == [("PL000", "bad.json", 1), ("PL200", "bad.json", 1),
                            ("PL100", "main.tf", 1)]
    (message,) = run.messages("PL000")
    assert re.match(rf"rule {code} \({name}\) crashed: \w+", message), message
    assert run.report["findings"][0]["subject"] == code


def _count_calls(monkeypatch: pytest.MonkeyPatch, fail: dict[str, BaseException]) -> None:
    real = cors.read

    def read(unit: Any, ctx: Any) -> Any:
        exc = fail.get(unit.key)
        if exc is not None:
            raise exc
        return real(unit, ctx)

    monkeypatch.setattr(cors, "read", read)


def test_a_reader_out_of_stack_or_memory_costs_only_its_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = make_tree(tmp_path, {"deep.json": GOOD, "huge.json": GOOD, "odd.json": GOOD,
                            "bad.json": BAD})
    _count_calls(monkeypatch, {"deep.json": RecursionError("deep"), "huge.json": MemoryError(),
                               "odd.json": UnicodeError("odd")})
    code, out, err = run_in_process([".", "--format", "json", "--no-cache", "--jobs", "1"], tree)
    assert (code, err) == (1, "")
    assert findings_of(out) == [("PL200", "bad.json", 1, 22), ("PL001", "deep.json", 1, 1),
                                ("PL001", "huge.json", 1, 1), ("PL000", "odd.json", 1, 1)]
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert messages[1:3] == ["input nested too deeply to analyse",
                             "input too large to analyse in memory"]
    assert messages[3].startswith("reader for cors crashed: UnicodeError: odd")


def test_a_dying_read_worker_does_not_lose_files(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker of the read pool that dies (os._exit, as the OOM killer would) breaks the pool;
    the units it did not return are read again in the main process."""
    files = {f"c{i:02d}.json": GOOD + " " * 60_000 for i in range(30)}
    files["c07.json"] = BAD + " " * 60_000
    tree = make_tree(tmp_path, files)
    parent = os.getpid()
    real = cors.read

    def read(unit: Any, ctx: Any) -> Any:
        if unit.key == "c03.json" and os.getpid() != parent:
            os._exit(9)
        return real(unit, ctx)

    monkeypatch.setattr(cors, "read", read)
    monkeypatch.setattr(readphase, "POOL_MIN_UNITS", 2)
    code, out, err = run_in_process([".", "--format", "json", "--no-cache", "--jobs", "2"], tree)
    report = json.loads(out)
    assert (code, err) == (1, "")
    assert findings_of(out) == [("PL200", "c07.json", 1, 22)]
    assert report["summary"]["files"] == 30


# A plugin yields what is not a well-formed Finding: each bad one is a PL000 that names the plugin,
# the plugin's good findings and every other rule's still stand.
_GOOD_FINDING = ("Finding('PL970', 'x', Severity.ERROR, 'good one', "
                 "Location('bad.json', 1, 2), subject='s')")
YIELDS = {
    "none": ("None", "NoneType instead of a Finding"),
    "dict": ("{'rule': 'PL970', 'message': 'x'}", "dict instead of a Finding"),
    "text": ("'bad.json:1: oops'", "str instead of a Finding"),
    "severity-text": ("Finding('PL970', 'x', 'error', 'm', Location('bad.json', 1, 1))",
                      "a Finding whose severity is a str"),
    "no-location": ("Finding('PL970', 'x', Severity.ERROR, 'm', None)",
                    "a Finding whose location is a NoneType"),
    "line-zero": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location('bad.json', 0, 1))",
                  "a Finding with an invalid location"),
    "line-text": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location('bad.json', '3', 1, '3'))",
                  "a Finding with an invalid location"),
    "path-none": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location(None, 1, 1))",
                  "a Finding with an invalid location"),
    "message-bytes": ("Finding('PL970', 'x', Severity.ERROR, b'm', Location('bad.json', 1, 1))",
                      "a Finding whose message is a bytes"),
    "related-list": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location('bad.json', 1, 1), "
                     "related=[1])", "a Finding whose related is a list"),
    "related-item": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location('bad.json', 1, 1), "
                     "related=(('m', 1),))", "a Finding whose related entries are not"),
    "bucket-int": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location('bad.json', 1, 1), "
                   "bucket=7)", "a Finding whose bucket is a int"),
    "fix-dict": ("Finding('PL970', 'x', Severity.ERROR, 'm', Location('bad.json', 1, 1), "
                 "fix={'snippet': 'x'})", "a Finding whose fix is a dict"),
}
YIELDING_RULE = '''"""## What it does
Yields something that is not a well-formed finding, then a good one.
"""
from __future__ import annotations

from policylint.model import Finding, Location, Severity
from policylint.rule import RuleMeta

META = RuleMeta(code="PL970", name="yields-junk", severity=Severity.ERROR, summary="junk")


def check(project, options):
    yield {bad}
    yield {good}
'''


@pytest.mark.parametrize("how", sorted(YIELDS))
def test_a_plugin_yielding_a_bad_finding_is_pl000_naming_the_plugin(tmp_path: Path,
                                                                   how: str) -> None:
    bad, problem = YIELDS[how]
    tree = make_tree(tmp_path, {
        "my_rules/pl970_junk.py": YIELDING_RULE.format(bad=bad, good=_GOOD_FINDING),
        ".policylint.yaml": "rules-dirs: [my_rules]\n", "bad.json": BAD, "main.tf": TAGGED_TF})
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree, codes=(1,))
    assert run.findings == [("PL000", "bad.json", 1), ("PL970", "bad.json", 1),
                            ("PL200", "bad.json", 1), ("PL100", "main.tf", 1)]
    (message,) = run.messages("PL000")
    assert message.startswith(f"rule PL970 (yields-junk) yielded {problem}"), message
    assert message.endswith(": a bug in the plugin (file pl970_junk.py), not in policylint")
    text = run_cli(tree, ".")
    assert "a bug in the plugin that defines PL970 (" in text.stdout
    assert "this is a bug in policylint" not in text.stdout
