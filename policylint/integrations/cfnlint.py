"""policylint's rules as cfn-lint custom rules, for teams that already run cfn-lint.

Use it with either form (both documented in docs/integrations.md)::

    cfn-lint --append-rules policylint.integrations.cfnlint -- template.yaml
    cfn-lint --append-rules "$(python -m policylint.integrations.cfnlint)" -- template.yaml

Each policylint rule becomes one cfn-lint rule in cfn-lint's range for custom rules: the letter
is the rule's default severity (E error, W warning, I note) and the number is 9 followed by the PL
number, so PL100 is E9100, PL102 W9102 and PL104 I9104. cfn-lint's own ``--ignore-checks``,
``--include-checks`` and ``--mandatory-checks`` then work on them.

For each template cfn-lint lints, policylint's engine runs once on that file the way pre-commit
runs it (the repository around it is read, its ``.policylint.yaml`` applies, and the findings that
concern the template are kept), and every rule class reports its own code's findings. A finding
located in another file (a CORS document, say) is reported at its evidence in this template, with
the real place named in the message. Severity is the cfn-lint rule's letter: a finding policylint
lowers (inferred evidence) or a config ``severity`` override keeps the rule's default letter.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from policylint.model import Finding, Location, Severity

_LETTER = {Severity.ERROR: "E", Severity.WARNING: "W", Severity.NOTE: "I"}
SOURCE_URL = "https://docs.aws.amazon.com/sagemaker/latest/dg/sms-cors-update.html"
RULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cfnlint_rules")


def cfn_lint_id(code: str, severity: Severity) -> str:
    """PL100 (error) → E9100; PL102 (warning) → W9102; PL104 (note) → I9104."""
    return f"{_LETTER[severity]}9{code[2:]}"


@dataclass(frozen=True)
class Hit:
    """A finding placed in the template being linted: 0-based (line, col, end line, end col)."""

    code: str
    message: str
    location: tuple[int, int, int, int]


# --- running policylint on one template -----------------------------------------------------

def _same_file(path: str, cwd: str, target: str) -> bool:
    return os.path.realpath(os.path.join(cwd, path)) == target


def _position(loc: Location) -> tuple[int, int, int, int]:
    line, col = max(loc.line, 1) - 1, max(loc.column, 1) - 1
    end_line = max(loc.end_line, loc.line, 1) - 1
    end_col = loc.end_column - 1 if loc.end_column >= 1 else col
    if end_line == line:
        end_col = max(end_col, col)
    return (line, col, end_line, end_col)


def one_line(snippet: str, language: str) -> str:
    """A fix's snippet on one line, as a cfn-lint message needs it: YAML as flow YAML, JSON as
    compact JSON (both still paste into the template), anything else with its whitespace
    collapsed."""
    if language in ("yaml", "json"):
        import json

        import yaml

        try:
            value = yaml.safe_load(snippet) if language == "yaml" else json.loads(snippet)
        except (yaml.YAMLError, ValueError):
            value = None
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # "add this rule to CorsRules": the rule, not a list of it
        if value is not None:
            if language == "json":
                return json.dumps(value, ensure_ascii=False)
            return str(yaml.safe_dump(value, default_flow_style=True, width=10**9,
                                      sort_keys=False)).strip()
    return " ".join(snippet.split())


def place(finding: Finding, cwd: str, target: str) -> Hit | None:
    """Where a finding shows in the template ``target`` (a realpath): at its own location when it
    is in the template, else at its first evidence there (naming the real place), else nowhere."""
    text = f"{finding.message} [{finding.rule} {finding.name}]"
    if finding.fix is not None:
        edit = one_line(finding.fix.snippet, finding.fix.language)
        text += f" Fix: {finding.fix.description}" + (f": {edit}." if edit else ".")
    if _same_file(finding.location.path, cwd, target):
        return Hit(finding.rule, text, _position(finding.location))
    for r in finding.related:
        if _same_file(r.location.path, cwd, target):
            return Hit(finding.rule, f"{text} (reported at {finding.location}; here: "
                                     f"{r.message})", _position(r.location))
    return None


def analyse(filename: str) -> list[Hit]:
    """policylint's findings for one template, placed in it. Problems that stop policylint
    (a bad configuration, say) come back as one PL000 hit at the top of the template."""
    from policylint import engine, plugins
    from policylint.config import Config, find_config, load_config
    from policylint.scope import analysis_root
    from policylint.errors import PolicylintError

    cwd = os.getcwd()
    target = os.path.realpath(filename)
    try:
        start = os.path.dirname(target)
        found = find_config(start, analysis_root(target, cwd))
        config = load_config(found) if found else Config()
        rules = plugins.for_config(config)
        result = engine.run(config, rules, engine.RunOptions(paths=[target], cwd=cwd))
    except PolicylintError as exc:
        return [Hit("PL000", f"policylint could not run: {exc}", (0, 0, 0, 0))]
    hits = [place(f, cwd, target) for f in result.findings]
    return [h for h in hits if h is not None]


class _Cache:
    """One policylint run per template and cfn-lint process, shared by all the rule classes."""

    def __init__(self, run: Callable[[str], list[Hit]]) -> None:
        self.run = run
        self.key: tuple[str, float, int] | None = None
        self.hits: list[Hit] = []

    def hits_for(self, filename: str) -> list[Hit]:
        try:
            st = os.stat(filename)
        except OSError:
            return []
        key = (os.path.realpath(filename), st.st_mtime, st.st_size)
        if key != self.key:
            self.hits = self.run(filename)
            self.key = key
        return self.hits


CACHE = _Cache(analyse)


# --- the cfn-lint rule classes --------------------------------------------------------------

class _PolicylintRule(CloudFormationLintRule):
    """Base of the generated rules: report this code's hits for the template."""

    code: str = ""

    def match(self, cfn: Any) -> list[RuleMatch]:
        filename = getattr(cfn, "filename", None)
        if not filename or filename == "-":
            return []
        return [RuleMatch([], h.message, location=h.location)
                for h in CACHE.hits_for(filename) if h.code == self.code]


def _make_rule(base: type[CloudFormationLintRule], code: str, name: str, severity: Severity,
               summary: str) -> type[CloudFormationLintRule]:
    attrs: dict[str, Any] = {
        "id": cfn_lint_id(code, severity),
        "shortdesc": f"policylint {code} {name}",
        "description": f"{summary} (policylint {code}; `policylint --explain {code}`)",
        "source_url": SOURCE_URL,
        "tags": ["policylint", "s3", "cors", "labeling"],
        "code": code,
        "__doc__": summary,
        "__module__": __name__,
    }
    return type(f"Policylint{code}", (base,), attrs)


def _build_rules(base: type[CloudFormationLintRule]) -> dict[str, type[CloudFormationLintRule]]:
    from policylint.plugins import builtin_rules

    return {f"Policylint{r.meta.code}": _make_rule(base, r.meta.code, r.meta.name,
                                                   r.meta.severity, r.meta.summary)
            for r in builtin_rules()}


RULES = _build_rules(_PolicylintRule)
globals().update(RULES)
del _PolicylintRule  # cfn-lint instantiates every rule class it sees here: not the base
__all__ = sorted(RULES)


if __name__ == "__main__":
    print(RULES_DIR)
