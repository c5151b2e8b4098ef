"""Helpers for the rule-by-rule tests (``tests/rules/test_plXXX_*.py``): one rule's findings on a
tree, as (rule, path, line, column), through the real CLI (``conftest``'s runner and tree)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping

from conftest import FindingKey, json_findings, repo_tree

from policylint import engine, plugins
from policylint.config import Config
from policylint.model import Finding, LinkedBucket, Project

LABELING_TAG = '  tags   = { "policylint:labeling-input" = "true" }\n'


def findings(root: Path, files: Mapping[str, str | bytes], rule: str,
             *args: str) -> list[FindingKey]:
    """``policylint --select RULE .`` on ``files`` written as a repository at ``root``."""
    repo_tree(root, files)
    return json_findings(["--select", rule, "--no-cache", *args, "."], root)


def project_of(root: Path, files: Mapping[str, str | bytes]) -> Project:
    """The linked project of a tree (what every rule is given)."""
    repo_tree(root, files)
    return engine.run(Config(), plugins.load_rules([]),
                      engine.RunOptions(paths=[str(root)], cwd=str(root), use_cache=False)).project


def run_rule(project: Project, rule: str,
             change: Callable[[LinkedBucket], LinkedBucket] | None = None) -> list[Finding]:
    """One built-in rule over ``project`` (each bucket passed through ``change`` first), as the
    engine runs it: the engine fills in each finding's rule and name."""
    if change is not None:
        project = replace(project, buckets=[change(b) for b in project.buckets])
    loaded = [r for r in plugins.load_rules([]) if r.meta.code == rule]
    return engine._run_rules(project, loaded, Config())
