"""The command line contract: exit codes 0/1/2/3, options, colour, rule documentation, and no
traceback ever."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import copy_fixture, findings_of, json_findings, run_cli, write_tree

from policylint import __version__, engine

GOOD = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]\n'
BAD = '[{"AllowedMethods": ["FETCH"], "AllowedOrigins": ["*"]}]\n'  # PL200 at 1:22
ESC = "\x1b["

CRASHING_RULE = '''"""## What it does
Crashes, to prove that a crashing rule becomes PL000 and the run goes on.
"""
from __future__ import annotations

from policylint.rule import RuleMeta, Severity

META = RuleMeta(code="PL950", name="always-crashes", severity=Severity.ERROR,
                summary="Crashes on purpose")


def check(project, options):
    yield from ()
    raise ZeroDivisionError("on purpose")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The examples-like fixture project: PL001, PL101, PL102 and PL200."""
    return copy_fixture("config/project", tmp_path)


PROJECT_FINDINGS = [
    ("PL102", ".policylint.yaml", 5, 1),
    ("PL001", "cors/broken.json", 2, 30),
    ("PL101", "cors/images.json", 2, 3),
    ("PL200", "cors/legacy.json", 5, 3),
]


# --- exit codes --------------------------------------------------------------------------------------

def test_exit_0_when_clean(repo: Path) -> None:
    write_tree(repo, {"cors.json": GOOD})
    code, out, err = run_cli([], repo)
    assert (code, out, err) == (0, "All checks passed: no findings in 1 file.\n", "")


def test_exit_1_on_findings_like_a_run_on_examples(project: Path) -> None:
    code, out, err = run_cli(["--format", "json", "."], project)
    assert (code, err) == (1, "")
    assert findings_of(out) == PROJECT_FINDINGS


def test_empty_folder_exits_0_with_valid_json(repo: Path) -> None:
    (repo / "empty").mkdir()
    code, out, err = run_cli(["--format", "json", "empty"], repo)
    assert (code, err) == (0, "policylint: no Terraform, CloudFormation, CORS or labeling files "
                           "under empty\n")
    assert json.loads(out) == {
        "version": 1, "tool": {"name": "policylint", "version": __version__}, "findings": [],
        "summary": {"files": 0, "findings": 0, "errors": 0, "warnings": 0, "notes": 0,
                    "suppressed": 0}}


@pytest.mark.parametrize("args, message", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--format", "xml"], "unknown format 'xml' (choose from text, json, sarif, junit, github)"),
    (["--fail-on", "fatal"], "argument --fail-on: invalid choice: 'fatal' (choose from 'error', "
                             "'warning', 'note')"),
    (["missing/"], "no such file or folder: missing/"),
    (["--select", "PL999"], "unknown rule 'PL999' (see policylint --list-rules)"),
    (["--ignore", "no-such-rule"], "unknown rule 'no-such-rule' (see policylint --list-rules)"),
    (["--explain", "PL999"], "unknown rule 'PL999' (see policylint --list-rules)"),
    (["--format", "text", "--format", "json"], "only one --format can write to the console; "
                                               "give the others a FILE"),
])
def test_usage_errors_exit_2_with_one_line(repo: Path, args: list[str], message: str) -> None:
    assert run_cli(args, repo) == (2, "", f"policylint: error: {message}\n")


def test_internal_error_exits_3_with_one_line_and_no_traceback(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "run", explode)
    write_tree(repo, {"cors.json": GOOD})
    code, out, err = run_cli(["--format", "json"], repo)
    assert (code, out) == (3, "")
    assert re.fullmatch(r"policylint: internal error: RuntimeError: boom at test_cli\.py:\d+ "
                        r"\(please report this bug\)\n", err), err
    assert "Traceback" not in err


def test_a_crashing_rule_becomes_pl000_and_the_run_goes_on(repo: Path) -> None:
    write_tree(repo, {"my_rules/pl950_crash.py": CRASHING_RULE, "bad.json": BAD,
                      ".policylint.yaml": "rules-dirs: [my_rules]\n"})
    code, out, err = run_cli(["--format", "json"], repo)
    assert (code, err) == (1, "")
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [
        ("PL000", "bad.json", 1, 1), ("PL200", "bad.json", 1, 22)]
    assert findings[0]["subject"] == "PL950"
    assert re.fullmatch(r"rule PL950 \(always-crashes\) crashed: ZeroDivisionError: on purpose "
                        r"\(pl950_crash\.py:\d+\): a bug in the plugin \(file pl950_crash\.py\), "
                        r"not in policylint", findings[0]["message"])


def test_pl000_fails_the_run_even_when_ignored_severities_would_pass(repo: Path) -> None:
    write_tree(repo, {"my_rules/pl950_crash.py": CRASHING_RULE, "good.json": GOOD,
                      ".policylint.yaml": "rules-dirs: [my_rules]\n"})
    assert json_findings([], repo) == [("PL000", "good.json", 1, 1)]
    assert run_cli(["--fail-on", "error"], repo)[0] == 1


def test_plugin_rule_outside_pl9xx_is_exit_2(repo: Path) -> None:
    write_tree(repo, {"my_rules/pl150_x.py": CRASHING_RULE.replace("PL950", "PL150"),
                      ".policylint.yaml": "rules-dirs: [my_rules]\n"})
    code, out, err = run_cli([], repo)
    assert (code, out) == (2, "")
    assert err.endswith("rule code PL150 is not in the plugin range PL900-PL999\n")


# --- options ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["--select", "PL101"], [PROJECT_FINDINGS[2]]),
    (["--select", "labeling-bucket-cors-without-get"], [PROJECT_FINDINGS[2]]),
    (["--select", "PL001,invalid-cors-configuration"], [PROJECT_FINDINGS[1],
                                                          PROJECT_FINDINGS[3]]),
    (["--select", "PL1"], [PROJECT_FINDINGS[0], PROJECT_FINDINGS[2]]),
    (["--ignore", "PL102", "--ignore", "parse-error"], [PROJECT_FINDINGS[2],
                                                          PROJECT_FINDINGS[3]]),
    (["--select", "PL1", "--ignore", "labeling-bucket-unverified"], [PROJECT_FINDINGS[2]]),
    (["--select", "pl200"], [PROJECT_FINDINGS[3]]),
])
def test_select_and_ignore_by_code_and_name(project: Path, args: list[str],
                                            expected: list[tuple[str, str, int, int]]) -> None:
    assert json_findings(args, project) == expected


def test_fail_on(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "labeling:\n  buckets: [elsewhere]\n"})  # a warning
    assert [run_cli(["-q", *a], repo)[0] for a in (
        [], ["--fail-on", "error"], ["--fail-on", "warning"], ["--fail-on", "note"])] == [
        0, 0, 1, 1]


def test_quiet_prints_one_line_a_finding(project: Path) -> None:
    code, out, _ = run_cli(["--quiet"], project)
    assert code == 1
    assert out.splitlines() == [
        ".policylint.yaml:5:1: PL102 [warning] human labeling input bucket 'acme-archive-scans' is not "
        "defined in the scanned files and no CORS source for it is known: its CORS cannot be "
        "verified",
        "cors/broken.json:2:30: PL001 [error] invalid JSON: expected ',' or '}'",
        "cors/images.json:2:3: PL101 [error] CORS of S3 bucket acme-labeling-images has no rule allowing "
        "GET from *; it holds human labeling input data",
        "cors/legacy.json:5:3: PL200 [error] 'ExposedHeaders' is not a field of an S3 CORS document: use "
        "'ExposeHeaders' ('ExposedHeaders' is the CloudFormation name)",
        "Found 3 errors and 1 warning in 5 files.",
    ]


def test_quiet_keeps_the_severity_and_its_colour(project: Path) -> None:
    code, out, _ = run_cli(["--quiet"], project, env={"FORCE_COLOR": "1"})
    lines = out.splitlines()
    assert code == 1
    assert lines[0] == (
        f"{ESC}1m.policylint.yaml:5:1:{ESC}0m {ESC}1m{ESC}33mPL102{ESC}0m "
        f"{ESC}33m[warning]{ESC}0m human labeling input bucket 'acme-archive-scans' is not "
        "defined in the scanned files and no CORS source for it is known: its CORS cannot be "
        "verified")
    assert lines[1].startswith(f"{ESC}1mcors/broken.json:2:30:{ESC}0m {ESC}1m{ESC}31mPL001"
                               f"{ESC}0m {ESC}31m[error]{ESC}0m invalid JSON")
    # each quiet line is the first line of the finding in the full output
    full = run_cli([], project, env={"FORCE_COLOR": "1"})[1].splitlines()
    assert all(line in full for line in lines[:-1])


def test_colour_only_when_asked_and_never_with_no_color(project: Path) -> None:
    plain = run_cli([], project)[1]
    assert ESC not in plain  # not a TTY
    forced = run_cli([], project, env={"FORCE_COLOR": "1"})[1]
    assert ESC in forced
    assert re.sub(r"\x1b\[[0-9;]*m", "", forced) == plain
    assert ESC not in run_cli(["--no-color"], project, env={"FORCE_COLOR": "1"})[1]
    assert ESC not in run_cli([], project, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})[1]
    assert ESC not in run_cli(["--format", "json"], project, env={"FORCE_COLOR": "1"})[1]


def test_output_file_and_a_second_format(project: Path) -> None:
    code, out, err = run_cli(["--format", "json", "--output", "report.json"], project)
    assert (code, out, err) == (1, "", "")
    assert findings_of((project / "report.json").read_text()) == PROJECT_FINDINGS
    code, out, _ = run_cli(["--format", "text", "--format", "json:second.json", "-q"], project)
    assert out.endswith("Found 3 errors and 1 warning in 5 files.\n")
    assert findings_of((project / "second.json").read_text()) == PROJECT_FINDINGS


def test_version(repo: Path) -> None:
    assert run_cli(["--version"], repo) == (0, f"policylint {__version__}\n", "")


def test_list_rules(repo: Path) -> None:
    code, out, err = run_cli(["--list-rules"], repo)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "PL000", "PL001", "PL002", "PL100", "PL101", "PL102", "PL103", "PL104", "PL105", "PL200", "PL201"]
    assert re.fullmatch(r"PL101  labeling-bucket-cors-without-get +error +A labeling input "
                        r"bucket's CORS has no single rule allowing GET from \*  "
                        r"\(built-in; options: labeling.accepted-origins\)", lines[4])


def test_explain_by_code_and_by_name(repo: Path) -> None:
    by_code = run_cli(["--explain", "PL101"], repo)
    by_name = run_cli(["--explain", "labeling-bucket-cors-without-get"], repo)
    lower = run_cli(["--explain", "pl101"], repo)
    assert by_code == by_name == lower
    code, out, err = by_code
    assert (code, err) == (0, "")
    assert out.startswith("# PL101 labeling-bucket-cors-without-get (error)\n\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## Options", "## Known limitations", "## References"):
        assert f"\n{heading}\n" in out


# --- never a traceback -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, data", [
    ("nul.json", b'{"CORSRules": [\x00]}'),
    ("utf16.json", '{"CORSRules": [}'.encode("utf-16")),
    ("deep.json", b'{"CORSRules": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    ("deep.xml", b"<CORSConfiguration>" + b"<a>" * 5000 + b"</a>" * 5000
     + b"</CORSConfiguration>"),
    ("scalar.json", b'"AllowedOrigins": 1'),
    ("rules.json", b'{"CORSRules": [1, "x", null, {"AllowedMethods": {}}]}'),
    ("wrongroot.xml", b"<CORSConfiguration/>"),
    ("pi.xml", b'<?xml version="1.0"?><?pi x?><CORSConfiguration><CORSRule/>'
               b"</CORSConfiguration>"),
])
def test_hostile_input_never_crashes(repo: Path, name: str, data: bytes) -> None:
    write_tree(repo, {name: data})
    code, out, err = run_cli(["--format", "json"], repo)
    assert (code, err) == (1, "")
    rules = {f[0] for f in findings_of(out)}
    assert rules <= {"PL001", "PL200"} and rules


def test_a_file_that_cannot_be_read_after_classification_is_pl001(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Classified from its first bytes, then unreadable (permissions changed, file replaced):
    PL001 at 1:1 naming the reason. Patched rather than chmod-ed so that it also holds as root."""
    import builtins
    import os

    write_tree(repo, {"locked.json": GOOD})
    real_open, real_os_open = builtins.open, os.open
    opened: list[str] = []  # every open of the file, by either API: the sniff, then the read

    def locked_after_first(file: object) -> None:
        if str(file).endswith("locked.json"):
            opened.append(str(file))
            if len(opened) > 1:
                raise PermissionError(13, "Permission denied", str(file))

    def flaky_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        locked_after_first(file)
        return real_open(file, *args, **kwargs)

    def flaky_os_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        locked_after_first(file)
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", flaky_open)
    monkeypatch.setattr(os, "open", flaky_os_open)
    code, out, err = run_cli(["--format", "json", "--no-cache"], repo)
    monkeypatch.undo()
    assert (code, err) == (1, "")
    (f,) = json.loads(out)["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"], f["message"]) == (
        "PL001", "locked.json", 1, 1, "cannot read: Permission denied")


def test_the_repository_examples_show_real_findings() -> None:
    """README's first command: ``policylint examples/`` prints real diagnostics and exits 1."""
    from conftest import REPO

    code, out, err = run_cli(["examples/", "--format", "json"], REPO)
    assert (code, err) == (1, "")
    rules = {f[0] for f in findings_of(out)}
    assert rules & {"PL100", "PL101"} and not rules & {"PL000", "PL001"}
    assert all(path.startswith("examples/") for _, path, _, _ in findings_of(out))


@pytest.mark.parametrize("args, env, coloured", [
    ([], {}, True),
    (["--no-color"], {}, False),
    ([], {"NO_COLOR": "1"}, False),
])
def test_colour_on_a_real_tty(project: Path, args: list[str], env: dict[str, str],
                              coloured: bool) -> None:
    """Through a pseudo-terminal, as a user sees it: colour unless --no-color or NO_COLOR."""
    import os
    import pty
    import subprocess
    import sys

    main, secondary = pty.openpty()
    clean = {k: v for k, v in os.environ.items()
             if k not in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "CI")}
    proc = subprocess.Popen([sys.executable, "-m", "policylint", *args], cwd=project,
                            stdout=secondary, stderr=subprocess.PIPE, env={**clean, **env})
    os.close(secondary)
    chunks = []
    try:
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(main)
    stderr = proc.stderr.read() if proc.stderr else b""
    assert proc.wait(timeout=60) == 1 and stderr == b""
    out = b"".join(chunks).decode()
    assert "cors/images.json:2:3:" in re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert (ESC in out) is coloured


def test_a_crashing_reader_becomes_pl000_and_the_other_files_are_read(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from policylint.readers import cors

    real_read = cors.read

    def read(unit, ctx):  # type: ignore[no-untyped-def]
        if unit.key == "crash.json":
            raise KeyError("bug")
        return real_read(unit, ctx)

    monkeypatch.setattr(cors, "read", read)
    write_tree(repo, {"crash.json": GOOD, "bad.json": BAD})
    code, out, err = run_cli(["--format", "json", "--no-cache"], repo)
    assert (code, err) == (1, "")
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in findings] == [
        ("PL200", "bad.json", 1, 22), ("PL000", "crash.json", 1, 1)]
    assert re.fullmatch(r"reader for cors crashed: KeyError: 'bug' \(test_cli\.py:\d+\)",
                        findings[1]["message"])


@pytest.mark.parametrize("files, message", [
    ({}, "rules-dirs: '{repo}/my_rules' is not a folder"),
    ({"my_rules/pl951_broken.py": "def check(:\n"},
     "rule file {repo}/my_rules/pl951_broken.py failed to load: SyntaxError: invalid syntax "
     "(pl951_broken.py, line 1)"),
    ({"my_rules/pl952_no_meta.py": "def check(project, options):\n    return iter(())\n"},
     "{repo}/my_rules/pl952_no_meta.py: a rule module needs META = RuleMeta(...) and check()"),
    ({"my_rules/pl950_a.py": CRASHING_RULE, "my_rules/pl950_b.py": CRASHING_RULE},
     "{repo}/my_rules/pl950_b.py: rule PL950 (always-crashes) is already defined"),
])
def test_broken_local_rules_exit_2_naming_the_file(repo: Path, files: dict[str, str],
                                                   message: str) -> None:
    write_tree(repo, {**files, ".policylint.yaml": "rules-dirs: [my_rules]\n"})
    assert run_cli([], repo) == (2, "", f"policylint: error: {message.format(repo=repo)}\n")


def test_local_rules_are_listed_explained_and_selectable(repo: Path) -> None:
    write_tree(repo, {"my_rules/pl950_crash.py": CRASHING_RULE, "bad.json": BAD,
                      ".policylint.yaml": "rules-dirs: [my_rules]\n"})
    assert run_cli(["--list-rules"], repo)[1].splitlines()[-1].split()[:3] == [
        "PL950", "always-crashes", "error"]
    assert run_cli(["--explain", "always-crashes"], repo)[1].startswith(
        "# PL950 always-crashes (error)\n\nCrashes on purpose.\n\n"
        f"Origin: {repo / 'my_rules' / 'pl950_crash.py'}. Options: none.\n\n## What it does\n")
    assert json_findings(["--ignore", "PL950"], repo) == [("PL200", "bad.json", 1, 22)]
