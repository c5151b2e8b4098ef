"""Rule documentation: every rule's docstring has the required headings, the registry lists
every rule module, and docs/rules.md is what the registry generates (regenerate it with
``python -m policylint.docs > docs/rules.md``)."""
from __future__ import annotations

import re

import pytest
from conftest import REPO, run_cli

from policylint.docs import HEADINGS, missing_headings, rules_markdown
from policylint.plugins import LoadedRule, builtin_rules

RULES = builtin_rules()


def test_docs_rules_md_is_not_stale() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(RULES), (
        "docs/rules.md is stale: run `python -m policylint.docs > docs/rules.md`")


def test_a_changed_docstring_makes_the_docs_stale() -> None:
    r = RULES[3]
    changed = [LoadedRule(r.meta, r.check, r.doc + "\nmore\n", r.origin) if x is r else x
               for x in RULES]
    assert rules_markdown(changed) != rules_markdown(RULES)


@pytest.mark.parametrize("rule", RULES, ids=[r.meta.code for r in RULES])
def test_docstring_has_every_heading_in_order_with_content(rule: LoadedRule) -> None:
    assert missing_headings(rule.doc) == []
    found = re.findall(r"(?m)^## (.+)$", rule.doc)
    assert found == list(HEADINGS)
    sections = re.split(r"(?m)^## .+$", rule.doc)[1:]
    assert all(s.strip() for s in sections), "a heading without content"


def test_missing_headings_are_named() -> None:
    assert missing_headings("## What it does\nx\n## Example\ny\n") == [
        "Why is this bad?", "Use instead", "Options", "Known limitations", "References"]


def test_registry_lists_every_rule_module_once() -> None:
    from policylint.rules import BUILTIN

    files = sorted(p.stem for p in (REPO / "rules").glob("pl[0-9][0-9][0-9]_*.py"))
    assert sorted(BUILTIN) == files
    for name, rule in zip(sorted(BUILTIN), sorted(RULES, key=lambda r: r.meta.code)):
        code, _, slug = name.partition("_")
        assert (rule.meta.code, rule.meta.name) == (code.upper(), slug.replace("_", "-"))
    assert len({r.meta.name for r in RULES}) == len(RULES)


def test_every_rule_is_in_the_generated_docs_and_explained() -> None:
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for r in RULES:
        assert f"\n## {r.meta.code} {r.meta.name}\n" in text
        code, out, _ = run_cli(["--explain", r.meta.code], REPO)
        assert code == 0 and out.startswith(f"# {r.meta.code} {r.meta.name} ")
