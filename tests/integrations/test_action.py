"""The composite GitHub Action, run locally: action.yml is parsed, and its steps' `run:` scripts
are run with bash the way a runner does (`bash --noprofile --norc -eo pipefail`), with a
simulated GITHUB_* environment (GITHUB_OUTPUT, RUNNER_TEMP, GITHUB_ACTIONS) and the inputs and
expressions substituted, against a fixture repository. The install step runs once (a real pip
install of this checkout into a fresh virtualenv); the run step then runs per scenario."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES, REPO
from integ_support import validate_sarif

ACTION = REPO / "action.yml"
_EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def _action() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return doc


def _defaults() -> dict[str, str]:
    return {name: str(spec.get("default", "")) for name, spec in _action()["inputs"].items()}


def _substitute(value: str, context: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        assert key in context, f"unexpected expression {key!r} in action.yml"
        return context[key]

    return _EXPR.sub(one, value)


def _run_step(step: dict[str, Any], context: dict[str, str], workspace: Path,
              temp: Path, runner: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    """Run one step as a runner would: (exit code, output, what it wrote to GITHUB_OUTPUT)."""
    assert step["shell"] == "bash"
    out_file = temp / f"output-{step['id']}"
    out_file.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_", "POLICYLINT", "VIRTUAL_ENV"))}
    env.update(GITHUB_ACTIONS="true", CI="true", GITHUB_OUTPUT=str(out_file),
               GITHUB_WORKSPACE=str(workspace), RUNNER_TEMP=str(temp),
               GITHUB_ACTION_PATH=str(REPO), NO_COLOR="1")
    env.update(runner or {})
    env.update({k: _substitute(str(v), context) for k, v in step.get("env", {}).items()})
    script = temp / f"step-{step['id']}.sh"
    script.write_text(_substitute(step["run"], context), encoding="utf-8")
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=600)
    outputs = dict(line.split("=", 1) for line in
                   out_file.read_text(encoding="utf-8").splitlines() if "=" in line)
    return proc.returncode, proc.stdout + proc.stderr, outputs


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The install step, run once: (RUNNER_TEMP, its outputs)."""
    temp = tmp_path_factory.mktemp("runner-temp")
    install = _action()["runs"]["steps"][0]
    code, log, outputs = _run_step(install, {"github.action_path": str(REPO), "inputs.aws": "false"},
                                   tmp_path_factory.mktemp("ws"), temp)
    assert code == 0, log
    assert outputs == {"bin": str(temp / "policylint-venv" / "bin")}
    return temp, outputs


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "integrations" / "repo", ws)
    (ws / ".git").mkdir()
    return ws


def _run(installed: tuple[Path, dict[str, str]], workspace: Path,
         **inputs: str) -> tuple[int, str, dict[str, str]]:
    temp, install_outputs = installed
    values = {**_defaults(), **{k.replace("_", "-"): v for k, v in inputs.items()}}
    context = {f"inputs.{k}": v for k, v in values.items()}
    context["steps.install.outputs.bin"] = install_outputs["bin"]
    step = _action()["runs"]["steps"][1]
    return _run_step(step, context, workspace, temp)


def test_action_metadata() -> None:
    doc = _action()
    assert doc["runs"]["using"] == "composite"
    assert sorted(doc["inputs"]) == sorted(
        ["path", "config", "format", "fail-on", "sarif-file", "aws", "extra-args"])
    assert {k: v["value"] for k, v in doc["outputs"].items()} == {
        "findings": "${{ steps.run.outputs.findings }}",
        "sarif-file": "${{ steps.run.outputs.sarif-file }}",
        "exit-code": "${{ steps.run.outputs.exit-code }}"}
    steps = doc["runs"]["steps"]
    assert [s["id"] for s in steps] == ["install", "run"]
    assert all("uses" not in s for s in steps)  # no other action is pulled in
    text = ACTION.read_text(encoding="utf-8")
    assert not re.search(r"\b(curl|wget|git clone|docker)\b", text)
    assert 'pip install --quiet --disable-pip-version-check "$pkg"' in text
    assert 'pkg="$POLICYLINT_ACTION_PATH[aws]"' in text
    # inputs reach the scripts through env, never spliced into the script text
    assert all("${{" not in s["run"] for s in steps)


def test_findings_fail_the_step_and_fill_the_outputs(installed: tuple[Path, dict[str, str]],
                                                     workspace: Path) -> None:
    code, log, outputs = _run(installed, workspace)
    assert code == 1, log
    assert outputs == {"findings": "2", "sarif-file": "policylint.sarif", "exit-code": "1"}
    assert "cors/fail_frames.xml:1:1: PL101 [error]" in log
    assert "Found 2 errors in 3 files." in log
    assert [line.split(",")[0] for line in log.splitlines() if line.startswith("::error")] == [
        "::error file=cors/fail_frames.xml", "::error file=cors/fail_images.json"]
    sarif = json.loads((workspace / "policylint.sarif").read_text(encoding="utf-8"))
    validate_sarif(sarif)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["PL101", "PL101"]


def test_fail_on_never_reports_without_failing(installed: tuple[Path, dict[str, str]],
                                               workspace: Path) -> None:
    code, log, outputs = _run(installed, workspace, fail_on="never", format="json",
                              sarif_file="reports/out.sarif")
    assert code == 0, log
    assert outputs == {"findings": "2", "sarif-file": "reports/out.sarif", "exit-code": "1"}
    assert json.loads(log)["summary"]["errors"] == 2
    assert (workspace / "reports" / "out.sarif").is_file()


def test_path_and_extra_args(installed: tuple[Path, dict[str, str]], workspace: Path) -> None:
    code, log, outputs = _run(installed, workspace, path="cors/pass_ok.json 'cors'",
                              extra_args="--select PL200 --quiet", sarif_file="")
    assert code == 0, log
    assert outputs == {"findings": "0", "sarif-file": "", "exit-code": "0"}
    assert log == "All checks passed: no findings in 3 files.\n"
    assert not (workspace / "policylint.sarif").exists()


def test_fail_on_warning(installed: tuple[Path, dict[str, str]], workspace: Path) -> None:
    (workspace / "cors" / "fail_frames.xml").write_text(
        "<!-- policylint: disable=PL101 -->\n"
        + (workspace / "cors" / "fail_frames.xml").read_text(encoding="utf-8"), encoding="utf-8")
    code, log, outputs = _run(installed, workspace, fail_on="warning",
                              extra_args="--select PL002")
    assert code == 1, log
    assert outputs["findings"] == "1"
    assert "::warning file=cors/fail_frames.xml,line=1,col=1,endLine=1,title=PL002::" in log


def test_configuration_error_fails_whatever_fail_on(installed: tuple[Path, dict[str, str]],
                                                    workspace: Path) -> None:
    code, log, outputs = _run(installed, workspace, config="missing.yaml", fail_on="never")
    assert code == 2
    assert outputs == {"findings": "0", "sarif-file": "", "exit-code": "2"}
    assert "policylint: error: --config: no such file: missing.yaml" in log


def test_bad_fail_on_is_refused(installed: tuple[Path, dict[str, str]], workspace: Path) -> None:
    code, log, outputs = _run(installed, workspace, fail_on="sometimes")
    assert code == 2
    assert outputs == {}
    assert log == ("::error title=policylint::fail-on must be error, warning, note or never "
                   "(got 'sometimes')\n")


def test_bad_aws_input_is_refused(installed: tuple[Path, dict[str, str]], workspace: Path) -> None:
    code, log, outputs = _run(installed, workspace, aws="yes")
    assert code == 2
    assert outputs == {}
    assert log == "::error title=policylint::aws must be true or false (got 'yes')\n"



# --- the job summary ----------------------------------------------------------------------------

_SUMMARY = """\
previous step's summary
## policylint

1 error(s), 0 warning(s), 0 note(s) in 1 file(s); 0 suppressed, 0 baselined.

### Findings by rule

| Rule | Name | Findings |
| --- | --- | ---: |
| PL100 | labeling-bucket-without-cors | 1 |

### Labeling buckets (2)

| Bucket | CORS | Evidence | Defined at |
| --- | --- | ---: | --- |
| frames\\|\\`x\\`&lt;b&gt;\\*y\\* ::error::pwned | no CORS | 1 | [infra/team a#1/main.tf:3:1]({blob}/infra/team%20a%231/main.tf#L3) |
| ok-in | allows GET from \\* | 1 | [infra/team a#1/main.tf:11:1]({blob}/infra/team%20a%231/main.tf#L11) |

### Findings (1)

| Severity | Rule | Where | Message |
| --- | --- | --- | --- |
| error | PL100 | [infra/team a#1/main.tf:3:1]({blob}/infra/team%20a%231/main.tf#L3) | S3 bucket aws\\_s3\\_bucket.frames (frames\\|\\`x\\`&lt;b&gt;\\*y\\* ::error::pwned) holds human labeling input data but has no CORS configuration |
"""


def _summary_run(tmp_path: Path, **runner: str) -> tuple[int, str, str]:
    """The run step with this test environment's policylint (no install), a workspace with a
    bucket name full of Markdown and a workflow command, and a step summary file that a previous
    step already wrote to: (exit code, log, the summary file)."""
    ws = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "integrations" / "summary_repo", ws)
    (ws / ".git").mkdir()
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    summary = temp / "step_summary"
    summary.write_text("previous step's summary\n", encoding="utf-8")
    context = {f"inputs.{k}": v for k, v in {**_defaults(), "sarif-file": ""}.items()}
    context["steps.install.outputs.bin"] = str(Path(sys.executable).parent)
    code, log, _ = _run_step(_action()["runs"]["steps"][1], context, ws, temp,
                             {"GITHUB_STEP_SUMMARY": str(summary), **runner})
    return code, log, summary.read_text(encoding="utf-8")


def test_job_summary_links_to_the_commit(tmp_path: Path) -> None:
    code, log, summary = _summary_run(tmp_path, GITHUB_SERVER_URL="https://github.example",
                                      GITHUB_REPOSITORY="acme/infra", GITHUB_SHA="0a1b2c")
    assert code == 1, log
    assert summary == _SUMMARY.format(blob="https://github.example/acme/infra/blob/0a1b2c")
    # the bucket name's line break never starts a line: not in the summary, not in the log
    assert not [ln for ln in summary.splitlines() + log.splitlines()
                if ln.lstrip().startswith("::error::pwned")]
    table_rows = [ln for ln in summary.splitlines() if ln.startswith("| ")]
    assert {ln.replace("\\|", "").count("|") for ln in table_rows} == {4, 5}


def test_job_summary_without_a_commit_has_no_links(tmp_path: Path) -> None:
    code, log, summary = _summary_run(tmp_path)
    assert code == 1, log
    assert summary == re.sub(r"\[([^]]*)\]\(\{blob\}[^)]*\)", r"\1", _SUMMARY)
    assert "](" not in summary


def test_no_summary_outside_a_runner_that_asks(tmp_path: Path) -> None:
    code, log, summary = _summary_run(tmp_path, GITHUB_STEP_SUMMARY="")
    assert code == 1, log
    assert "## policylint" not in log
    assert summary == "previous step's summary\n"
