"""Rule documentation from the registry: --list-rules, --explain and docs/rules.md."""
from __future__ import annotations

import re
from typing import Iterable

from policylint.plugins import LoadedRule

HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Options",
            "Known limitations", "References")


def missing_headings(doc: str) -> list[str]:
    return [h for h in HEADINGS if f"## {h}" not in doc]


def find(rules: Iterable[LoadedRule], key: str) -> LoadedRule | None:
    k = key.strip()
    for r in rules:
        if r.meta.code.upper() == k.upper() or r.meta.name == k.lower():
            return r
    return None


_SECTION = re.compile(r"^## (.+?)\s*$", re.M)
_OPTION = re.compile(r"^\s*[-*]\s+`([^`]+)`", re.M)


def options(doc: str) -> list[str]:
    """The configuration keys a rule reads: the backticked names that start the bullets of its
    docstring's *Options* section (none when the section says so or is absent)."""
    parts = _SECTION.split(doc)
    for i in range(1, len(parts) - 1, 2):
        if parts[i].strip().lower() == "options":
            return _OPTION.findall(parts[i + 1])
    return []


def _about(r: LoadedRule) -> str:
    """``built-in; options: a, b``: where a rule comes from and what configures it."""
    opts = options(r.doc)
    return f"{r.origin}; options: {', '.join(opts) if opts else 'none'}"


def explain(rules: Iterable[LoadedRule], key: str) -> str | None:
    r = find(rules, key)
    if r is None:
        return None
    head = (f"# {r.meta.code} {r.meta.name} ({r.meta.severity.label})\n\n{r.meta.summary}.\n\n"
            f"Origin: {r.origin}. Options: {', '.join(options(r.doc)) or 'none'}.\n\n")
    return head + r.doc.strip() + "\n"


def rule_table(rules: Iterable[LoadedRule]) -> str:
    """One line a rule: code, name, severity, summary, then (origin; options)."""
    rows = [(r.meta.code, r.meta.name, r.meta.severity.label, r.meta.summary, _about(r))
            for r in rules]
    w1 = max(len(r[1]) for r in rows)
    return "".join(f"{c}  {n.ljust(w1)}  {s.ljust(7)}  {summ}  ({about})\n"
                   for c, n, s, summ, about in rows)


def rules_markdown(rules: Iterable[LoadedRule]) -> str:
    rules = list(rules)
    out = ["# Rules", "",
           "<!-- Generated from the rule registry by `python -m policylint.docs`. "
           "Do not edit by hand: tests/test_docs.py fails when this file is stale. -->", "",
           "| code | name | default severity | summary |", "|---|---|---|---|"]
    for r in rules:
        out.append(f"| [{r.meta.code}](#{r.meta.code.lower()}-{r.meta.name}) | {r.meta.name} | "
                   f"{r.meta.severity.label} | {r.meta.summary} |")
    for r in rules:
        doc = r.doc.strip().replace("\n## ", "\n### ")
        if doc.startswith("## "):
            doc = "#" + doc
        out += ["", f"## {r.meta.code} {r.meta.name}", "",
                f"Default severity: **{r.meta.severity.label}**. {r.meta.summary}.", "", doc]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    import sys

    from policylint.plugins import builtin_rules

    sys.stdout.write(rules_markdown(builtin_rules()))
