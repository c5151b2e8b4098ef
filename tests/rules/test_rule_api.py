"""The public rule API (docs/plugins.md): the stable names, findings whose rule and name the
engine fills, and per-rule options validated like the rest of the configuration."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import REPO, json_findings, run_cli, write_tree

from policylint import rule

EXAMPLE = REPO / "docs" / "examples" / "plugin-bucket-prefix" / "policylint_bucket_prefix.py"

TAGGED = """resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}
"""


def test_the_documented_stable_names_are_the_api() -> None:
    text = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = text.split("### The stable API", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^- `(\w+)[`(]", section, re.M)
    assert documented == rule.__all__
    for name in rule.__all__:
        assert hasattr(rule, name), name


def test_built_in_rules_leave_rule_and_name_to_the_engine() -> None:
    """No rule module builds a Finding by hand (with its code and name): ``finding()`` does."""
    for path in sorted((REPO / "rules").glob("pl*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == "Finding"]
        assert calls == [], f"{path.name}: Finding(...) at lines {calls}; use finding(...)"


def test_finding_leaves_rule_and_name_empty() -> None:
    f = rule.finding(rule.Severity.NOTE, "m", rule.Location("a.tf", 2, 3))
    assert (f.rule, f.name, f.severity, f.location) == (
        "", "", rule.Severity.NOTE, rule.Location("a.tf", 2, 3))


IMPOSTOR = '''"""Yields findings that claim another rule's code and name."""
from policylint.rule import Finding, Location, RuleMeta, Severity, finding

META = RuleMeta(code="PL950", name="impostor", severity=Severity.WARNING, summary="Impostor")


def check(project, options):
    yield Finding("PL100", "labeling-bucket-without-cors", Severity.WARNING, "by hand",
                  Location("main.tf", 1, 1))
    yield finding(Severity.WARNING, "with finding()", Location("main.tf", 2, 1))
'''


def _plugin_repo(repo: Path, module: str, config: str = "") -> Path:
    return write_tree(repo, {"main.tf": TAGGED, "my_rules/plugin.py": module,
                             ".policylint.yaml": "rules-dirs: [my_rules]\n" + config})


def test_the_engine_fills_rule_and_name(repo: Path) -> None:
    _plugin_repo(repo, IMPOSTOR)
    code, out, err = run_cli(["--select", "PL950", "--format", "json", "."], repo)
    assert (code, err) == (0, "")
    import json

    got = [(f["rule"], f["name"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert got == [("PL950", "impostor", 1, "by hand"), ("PL950", "impostor", 2, "with finding()")]


def _example(repo: Path, config: str = "") -> Path:
    return _plugin_repo(repo, EXAMPLE.read_text(encoding="utf-8"), config)


def test_rule_options_default_and_configured(repo: Path) -> None:
    _example(repo)
    assert json_findings(["--select", "PL901", "."], repo) == [("PL901", "main.tf", 1, 1)]
    _example(repo, "rule-options:\n  labeling-bucket-prefix:\n    prefix: acme-\n")
    assert json_findings(["--select", "PL901", "."], repo) == []


def test_rule_options_in_pyproject(repo: Path) -> None:
    write_tree(repo, {"main.tf": TAGGED, "my_rules/plugin.py": EXAMPLE.read_text("utf-8"),
                      "pyproject.toml": '[tool.policylint]\nrules-dirs = ["my_rules"]\n\n'
                                        '[tool.policylint.rule-options.PL901]\n'
                                        'prefix = "acme-"\n'})
    assert json_findings(["--select", "PL901", "."], repo) == []
    (repo / "pyproject.toml").write_text('[tool.policylint]\nrules-dirs = ["my_rules"]\n\n'
                                         '[tool.policylint.rule-options.PL901]\nprefix = 1\n')
    code, out, err = run_cli(["."], repo)
    assert (code, out) == (2, "")
    assert err == (f"policylint: error: {repo / 'pyproject.toml'}: 'rule-options.PL901.prefix': "
                   "1 is not of type 'string'\n")


@pytest.mark.parametrize(("config", "key", "reason"), [
    ("rule-options:\n  PL999:\n    prefix: a\n", "rule-options.PL999", "unknown rule 'PL999'"),
    ("rule-options:\n  PL901:\n    prefix: a\n  labeling-bucket-prefix:\n    prefix: b\n",
     "rule-options.labeling-bucket-prefix", "rule PL901 is configured twice (as 'PL901' too)"),
    ("rule-options:\n  PL100:\n    prefix: a\n", "rule-options.PL100.prefix",
     "unknown option of PL100 (its options: none)"),
    ("rule-options:\n  PL901: 3\n", "rule-options.PL901", "3 is not of type 'object'"),
    ("rule-options:\n  PL901:\n    prefix: 5\n", "rule-options.PL901.prefix",
     "5 is not of type 'string'"),
])
def test_invalid_rule_options_exit_2_naming_the_key(repo: Path, config: str, key: str,
                                                    reason: str) -> None:
    _example(repo, config)
    for args in (["."], ["--list-rules"]):  # checked once the rules are loaded, before anything
        code, out, err = run_cli(args, repo)
        assert (code, out) == (2, "")
        assert err == f"policylint: error: {repo / '.policylint.yaml'}: '{key}': {reason}\n"


@pytest.mark.parametrize(("options", "reason"), [
    ("OPTIONS = {'prefix': {'type': 'strin'}}",
     "OPTIONS['prefix'] is not a valid JSON Schema: "),
    ("OPTIONS = {'prefix': {'type': 'string', 'default': 3}}",
     "OPTIONS['prefix'] default does not match its schema: 3 is not of type 'string'"),
    ("OPTIONS = ['prefix']", "OPTIONS must map option names to JSON Schemas"),
])
def test_a_plugin_with_bad_options_is_a_usage_error(repo: Path, options: str,
                                                    reason: str) -> None:
    _plugin_repo(repo, EXAMPLE.read_text("utf-8").replace(
        'OPTIONS = {"prefix": {"type": "string", "minLength": 1, "default": "labeling-"}}',
        options))
    code, out, err = run_cli(["."], repo)
    assert (code, out) == (2, "")
    assert err.startswith(f"policylint: error: {repo / 'my_rules' / 'plugin.py'}: {reason}")
    assert len(err.splitlines()) == 1


SHOWS = '''"""Reports the settings it was given, as the message."""
from policylint.rule import Location, RuleMeta, Severity, finding

META = RuleMeta(code="PL951", name="shows-settings", severity=Severity.NOTE, summary="Shows")
OPTIONS = {"names": {"type": "array", "items": {"type": "string"}, "default": []},
           "limit": {"type": "integer", "minimum": 1, "default": 3}}


def check(project, options):
    s = options.settings
    yield finding(Severity.NOTE, f"{type(s['names']).__name__} {s['names']} {s['limit']}",
                  Location("main.tf", 1, 1))
'''


def test_settings_are_plain_values_with_the_defaults_filled(repo: Path) -> None:
    import json

    _plugin_repo(repo, SHOWS, "rule-options:\n  shows-settings:\n    names: [a, b]\n")
    code, out, err = run_cli(["--select", "PL951", "--format", "json", "."], repo)
    assert (code, err) == (0, "")
    assert [f["message"] for f in json.loads(out)["findings"]] == ["list ['a', 'b'] 3"]
