"""The cfn-lint host: policylint's rules as cfn-lint custom rules, run by cfn-lint itself
(``cfn-lint --append-rules policylint.integrations.cfnlint`` and the folder form), plus the
mapping of codes and places."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_fixture

from policylint.integrations import cfnlint as adapter
from policylint.model import Finding, Fix, Location, Related, Severity

CFN_LINT = shutil.which("cfn-lint", path=os.path.dirname(sys.executable)) or shutil.which(
    "cfn-lint")
FAIL_LINE = ("fail_template.yaml:3:3:9:28:E9100:S3 bucket FailImagesBucket (acme-fail) holds "
             "human labeling input data but has no CORS configuration [PL100 "
             "labeling-bucket-without-cors] Fix: add a CORS rule allowing GET from * to "
             "FailImagesBucket: {CorsConfiguration: {CorsRules: [{AllowedMethods: [GET], "
             "AllowedOrigins: ['*']}]}}.")


def _cfn_lint(repo: Path, *args: str) -> tuple[int, str]:
    assert CFN_LINT is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "POLICYLINT"))}
    proc = subprocess.run([CFN_LINT, "--format", "parseable", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def cfn_repo(tmp_path: Path) -> Path:
    return copy_fixture("integrations/cfn", tmp_path)


@pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint is not installed")
@pytest.mark.parametrize("rules", ["policylint.integrations.cfnlint", adapter.RULES_DIR])
def test_cfn_lint_reports_pl100_as_e9100(cfn_repo: Path, rules: str) -> None:
    code, out = _cfn_lint(cfn_repo, "--append-rules", rules, "--", "fail_template.yaml")
    assert (code, out) == (2, FAIL_LINE + "\n")


@pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint is not installed")
def test_cfn_lint_passes_a_good_and_a_suppressed_template(cfn_repo: Path) -> None:
    code, out = _cfn_lint(cfn_repo, "--append-rules", "policylint.integrations.cfnlint", "--",
                          "pass_template.yaml", "fail_suppressed_template.yaml")
    assert (code, out) == (0, "")


@pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint is not installed")
def test_cfn_lint_options_apply_to_the_mapped_codes(cfn_repo: Path) -> None:
    code, out = _cfn_lint(cfn_repo, "--append-rules", "policylint.integrations.cfnlint",
                          "--ignore-checks", "E9100", "--", "fail_template.yaml")
    assert (code, out) == (0, "")
    code, out = _cfn_lint(cfn_repo, "--append-rules", "policylint.integrations.cfnlint",
                          "--list-rules")
    assert code == 0
    listed = [line.split(":")[0] for line in out.splitlines()
              if line[:1] in "EWI" and ": policylint PL" in line]
    assert sorted(listed) == ["E9000", "E9001", "E9100", "E9101", "E9103", "E9105", "E9200", "E9201",
                              "I9104", "W9002", "W9102"]


def test_codes_map_to_cfn_lint_user_range() -> None:
    assert adapter.cfn_lint_id("PL100", Severity.ERROR) == "E9100"
    assert adapter.cfn_lint_id("PL102", Severity.WARNING) == "W9102"
    assert adapter.cfn_lint_id("PL104", Severity.NOTE) == "I9104"
    assert {c.id for c in adapter.RULES.values()} >= {"E9100", "E9101", "W9102", "I9104"}


def test_place_in_the_template_or_at_evidence_there(tmp_path: Path) -> None:
    target = os.path.realpath(tmp_path / "t.yaml")
    cwd = str(tmp_path)
    here = Finding("PL101", "labeling-bucket-cors-without-get", Severity.ERROR, "no GET",
                   Location("t.yaml", 4, 5, 6, 7))
    elsewhere = Finding("PL101", "labeling-bucket-cors-without-get", Severity.ERROR, "no GET",
                        Location("cors.json", 1, 2),
                        related=(Related("bucket defined here", Location("t.yaml", 3, 3, 3, 9)),))
    unrelated = Finding("PL101", "labeling-bucket-cors-without-get", Severity.ERROR, "no GET",
                        Location("cors.json", 1, 2))
    assert adapter.place(here, cwd, target) == adapter.Hit(
        "PL101", "no GET [PL101 labeling-bucket-cors-without-get]", (3, 4, 5, 6))
    assert adapter.place(elsewhere, cwd, target) == adapter.Hit(
        "PL101", "no GET [PL101 labeling-bucket-cors-without-get] (reported at cors.json:1:2; "
                 "here: bucket defined here)", (2, 2, 2, 8))
    assert adapter.place(unrelated, cwd, target) is None


@pytest.mark.parametrize(("snippet", "language", "line"), [
    ('CorsConfiguration:\n  CorsRules:\n    - AllowedMethods: [GET]\n      AllowedOrigins: ["*"]\n',
     "yaml", "{CorsConfiguration: {CorsRules: [{AllowedMethods: [GET], AllowedOrigins: ['*']}]}}"),
    ('- AllowedMethods: [GET]\n  AllowedOrigins: ["*"]\n', "yaml",
     "{AllowedMethods: [GET], AllowedOrigins: ['*']}"),
    ('{\n  "AllowedMethods": [\n    "GET"\n  ],\n  "AllowedOrigins": ["*"]\n}\n', "json",
     '{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}'),
    ("aws s3api put-bucket-cors \\\n  --bucket b\n", "shell",
     "aws s3api put-bucket-cors \\ --bucket b"),
    ("Cors: [unclosed\n", "yaml", "Cors: [unclosed"),
])
def test_fix_shows_the_rule_to_add_on_one_line(tmp_path: Path, snippet: str, language: str,
                                               line: str) -> None:
    assert adapter.one_line(snippet, language) == line
    finding = Finding("PL101", "labeling-bucket-cors-without-get", Severity.ERROR, "no GET",
                      Location("t.yaml", 4, 5), fix=Fix("add this rule to CorsRules", snippet,
                                                        language))
    hit = adapter.place(finding, str(tmp_path), os.path.realpath(tmp_path / "t.yaml"))
    assert hit == adapter.Hit("PL101", "no GET [PL101 labeling-bucket-cors-without-get] Fix: add "
                                       f"this rule to CorsRules: {line}.", (3, 4, 3, 4))


def test_a_configuration_error_becomes_one_pl000_hit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".policylint.yaml").write_text("nonsense: 1\n", encoding="utf-8")
    (repo / "t.yaml").write_text("Resources: {}\n", encoding="utf-8")
    hits = adapter.analyse(str(repo / "t.yaml"))
    assert [(h.code, h.location) for h in hits] == [("PL000", (0, 0, 0, 0))]
    assert hits[0].message.startswith("policylint could not run: ")


@pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint is not installed")
def test_cfnlintrc_append_rules(cfn_repo: Path) -> None:
    (cfn_repo / ".cfnlintrc").write_text("append_rules:\n  - policylint.integrations.cfnlint\n",
                                         encoding="utf-8")
    code, out = _cfn_lint(cfn_repo, "--", "fail_template.yaml")
    assert (code, out) == (2, FAIL_LINE + "\n")


def test_docs_sample_is_the_hosts_message(cfn_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # without cfn-lint: the message the rule classes report is the one FAIL_LINE and the
    # documentation show
    monkeypatch.chdir(cfn_repo)
    [hit] = adapter.analyse("fail_template.yaml")
    assert (hit.code, hit.location) == ("PL100", (2, 2, 8, 27))
    assert FAIL_LINE == f"fail_template.yaml:3:3:9:28:E9100:{hit.message}"
    docs = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"
    assert FAIL_LINE in docs.read_text(encoding="utf-8").splitlines()
