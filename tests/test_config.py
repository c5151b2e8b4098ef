"""Configuration: lookup (upwards to the repository root), .policylint.yaml and
[tool.policylint], validation (exit 2 naming the key and the reason), and what the keys do."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_fixture, json_findings, run_cli, write_tree

from policylint.config import Config, find_config, load_config
from policylint.errors import ConfigError

GOOD_CORS = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]\n'


# --- lookup ---------------------------------------------------------------------------------------

def test_lookup_goes_upwards_to_the_repository_root(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "fail-on: note\n", "a/b/c/.keep": ""})
    assert find_config(str(repo / "a" / "b" / "c"), str(repo)) == str(repo / ".policylint.yaml")


def test_lookup_stops_at_the_repository_root(tmp_path: Path) -> None:
    write_tree(tmp_path, {".policylint.yaml": "fail-on: note\n", "repo/.git/HEAD": "",
                          "repo/src/.keep": ""})
    assert find_config(str(tmp_path / "repo" / "src"), str(tmp_path / "repo")) is None


def test_nearest_config_wins_and_yml_is_accepted(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "fail-on: note\n",
                      "sub/.policylint.yml": "fail-on: warning\n"})
    assert find_config(str(repo / "sub"), str(repo)) == str(repo / "sub" / ".policylint.yml")


def test_pyproject_only_with_a_tool_policylint_section(repo: Path) -> None:
    write_tree(repo, {"pyproject.toml": '[project]\nname = "x"\n',
                      "sub/pyproject.toml": '[tool.policylint.labeling]\nbuckets = ["b"]\n'})
    assert find_config(str(repo), str(repo)) is None
    assert find_config(str(repo / "sub"), str(repo)) == str(repo / "sub" / "pyproject.toml")


def test_yaml_wins_over_pyproject_in_the_same_folder(repo: Path) -> None:
    write_tree(repo, {"pyproject.toml": "[tool.policylint]\nfail-on = 'note'\n",
                      ".policylint.yaml": "fail-on: warning\n"})
    assert find_config(str(repo), str(repo)) == str(repo / ".policylint.yaml")


def test_tool_policylint_in_pyproject_found_from_a_subfolder(tmp_path: Path) -> None:
    root = copy_fixture("config/pyproject", tmp_path)
    code, out, err = run_cli(["--format", "json"], root / "infra")
    assert (code, err) == (1, "")
    from conftest import findings_of

    assert findings_of(out) == [("PL101", "cors/images.json", 1, 1)]


def test_config_option_overrides_lookup(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "labeling:\n  buckets: [found-bucket]\n",
                      "other.yaml": "labeling:\n  buckets: [given-bucket]\n"})
    code, out, _ = run_cli(["--config", "other.yaml", "--format", "json"], repo)
    assert code == 0  # PL102 is a warning
    assert '"bucket": "given-bucket"' in out and "found-bucket" not in out


def test_missing_config_file_is_exit_2(repo: Path) -> None:
    assert run_cli(["--config", "nope.yaml"], repo) == (
        2, "", "policylint: error: --config: no such file: nope.yaml\n")


def test_empty_config_is_the_defaults(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "# nothing yet\n"})
    config = load_config(str(repo / ".policylint.yaml"))
    assert (config.fail_on, config.accepted_origins, config.labeling_buckets) == (
        None, ["*"], [])


# --- validation ------------------------------------------------------------------------------------

def _config_error(text: str, repo: Path, name: str = ".policylint.yaml") -> str:
    write_tree(repo, {name: text})
    code, out, err = run_cli(["."], repo)
    assert (code, out) == (2, ""), err
    assert err.count("\n") == 1 and err.startswith("policylint: error: ")
    assert "Traceback" not in err
    return err.removeprefix("policylint: error: ").removeprefix(str(repo / name) + ": ").rstrip()


@pytest.mark.parametrize("text, message", [
    ("bogus: 1\n", "'bogus': unknown key (known keys: aws, cors-files, exclude, fail-on, ignore, "
                   "labeling, max-file-size, rule-options, rules-dirs, select, severity, suppress)"),
    ("labeling:\n  bucket: [a]\n", "'labeling.bucket': unknown key (known keys: "
                                  "accepted-origins, buckets, strict-ground-truth, tag)"),
    ("labeling:\n  tag: {name: x}\n", "'labeling.tag.name': unknown key (known keys: key, "
                                     "value)"),
    ("suppress:\n  - {rule: PL100, reason: r, why: x}\n",
     "'suppress.0.why': unknown key (known keys: bucket, expires, path, reason, rule, subject)"),
])
def test_unknown_keys_exit_2_naming_the_key(repo: Path, text: str, message: str) -> None:
    assert _config_error(text, repo) == message


@pytest.mark.parametrize("text, message", [
    ("fail-on: fatal\n", "'fail-on': 'fatal' is not one of ['error', 'warning', 'note']"),
    ("select: PL100\n", "'select': 'PL100' is not of type 'array'"),
    ("labeling:\n  accepted-origins: []\n", "'labeling.accepted-origins': [] should be "
                                            "non-empty"),
    ("labeling:\n  buckets: [1]\n", "'labeling.buckets.0': 1 is not of type 'string'"),
    ("labeling:\n  strict-ground-truth: maybe\n",
     "'labeling.strict-ground-truth': 'maybe' is not of type 'boolean'"),
    ("cors-files:\n  cors.json: 7\n", "'cors-files.cors.json': 7 is not of type 'string'"),
    ("severity:\n  PL102: fatal\n", "'severity.PL102': 'fatal' is not one of ['error', "
                                    "'warning', 'note']"),
    ("suppress:\n  - {rule: PL100}\n", "'suppress.0': 'reason' is a required property"),
    ("suppress:\n  - {rule: PL100, reason: r, expires: soon}\n",
     "'suppress.0.expires': 'soon' does not match '^\\\\d{4}-\\\\d{2}-\\\\d{2}$'"),
    ("max-file-size: 0\n", "'max-file-size': 0 is less than the minimum of 1"),
    ("- a\n- b\n", "the configuration must be a mapping of keys to values"),
])
def test_bad_values_exit_2_with_the_key_and_the_reason(repo: Path, text: str,
                                                       message: str) -> None:
    assert _config_error(text, repo) == message


@pytest.mark.parametrize("text, message", [
    ("labeling: [\n", "invalid YAML: did not find expected node content (while parsing a flow "
                      "node) (line 2, column 1)"),
    ("fail-on: note\nfail-on: error\n", "invalid YAML: duplicate key 'fail-on' (first at line "
                                        "1, again at line 2) (line 2, column 1)"),
])
def test_yaml_syntax_errors_exit_2_with_the_position(repo: Path, text: str,
                                                     message: str) -> None:
    assert _config_error(text, repo) == message


def test_bad_toml_and_bad_values_in_pyproject_exit_2(repo: Path) -> None:
    assert _config_error("[tool.policylint]\nfail-on = \n", repo, "pyproject.toml").startswith(
        "invalid TOML: ")
    assert _config_error("[tool.policylint]\nfailon = 'note'\n", repo, "pyproject.toml") == (
        "'failon': unknown key (known keys: aws, cors-files, exclude, fail-on, ignore, labeling, "
        "max-file-size, rule-options, rules-dirs, select, severity, suppress)")


def test_not_utf8_config_exits_2(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": b"fail-on: \xff\n"})
    code, _, err = run_cli(["."], repo)
    assert (code, err) == (2, f"policylint: error: {repo / '.policylint.yaml'}: not valid UTF-8\n")


@pytest.mark.parametrize("text, rule", [
    ("select: [PL999]\n", "PL999"),
    ("ignore: [no-such-rule]\n", "no-such-rule"),
    ("severity:\n  PL777: error\n", "PL777"),
    ("suppress:\n  - {rule: PL555, reason: r}\n", "PL555"),
])
def test_unknown_rules_in_config_exit_2(repo: Path, text: str, rule: str) -> None:
    assert f"unknown rule '{rule}'" in _config_error(text, repo)


def test_load_config_raises_config_error_with_key_and_reason(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "fail-on: fatal\n"})
    with pytest.raises(ConfigError) as info:
        load_config(str(repo / ".policylint.yaml"))
    assert (info.value.key, info.value.reason) == (
        "fail-on", "'fatal' is not one of ['error', 'warning', 'note']")


# --- what the keys do ----------------------------------------------------------------------------

def test_labeling_entries_keep_their_lines(repo: Path) -> None:
    text = ("cors-files:\n  cors/acme-images.json: acme-images\n"
            "labeling:\n  buckets:\n    - other\n    - acme-images\n")
    write_tree(repo, {".policylint.yaml": text, "cors/acme-images.json": GOOD_CORS})
    config = load_config(str(repo / ".policylint.yaml"))
    assert config.labeling_buckets == [("other", 5), ("acme-images", 6)]
    assert config.cors_files == [("cors/acme-images.json", "acme-images", 2)]


def test_defaults() -> None:
    c = Config()
    assert (c.accepted_origins, c.strict_ground_truth, c.fail_on, c.tag_key) == (
        ["*"], False, None, "policylint:labeling-input")


def test_fail_on_and_severity_from_config(repo: Path) -> None:
    write_tree(repo, {".policylint.yaml": "labeling:\n  buckets: [elsewhere]\n"})
    assert run_cli(["-q"], repo)[0] == 0  # PL102 is a warning
    write_tree(repo, {".policylint.yaml": "fail-on: warning\nlabeling:\n  buckets: [elsewhere]\n"})
    assert run_cli(["-q"], repo)[0] == 1
    write_tree(repo, {".policylint.yaml": "severity: {PL102: error}\n"
                                          "labeling:\n  buckets: [elsewhere]\n"})
    code, out, _ = run_cli(["--format", "json"], repo)
    assert code == 1 and '"severity": "error"' in out
    assert run_cli(["-q", "--fail-on", "error"], repo)[0] == 1


def test_select_and_ignore_from_config(repo: Path) -> None:
    files = {"broken.json": '{"CORSRules": [}\n', "bad.json": '[{"AllowedOrigins": ["*"]}]\n'}
    write_tree(repo, {**files, ".policylint.yaml": "ignore: [parse-error]\n"})
    assert json_findings([], repo) == [("PL200", "bad.json", 1, 2)]
    write_tree(repo, {".policylint.yaml": "select: [PL001]\n"})
    assert json_findings([], repo) == [("PL001", "broken.json", 1, 16)]
    assert json_findings(["--select", "PL200"], repo) == [("PL200", "bad.json", 1, 2)]


def test_exclude_is_relative_to_the_config(repo: Path) -> None:
    bad = '[{"AllowedOrigins": ["*"]}]\n'
    write_tree(repo, {"sub/.policylint.yaml": "exclude: [generated/, '/top.json']\n",
                      "sub/generated/a.json": bad, "sub/top.json": bad, "sub/x/top.json": bad,
                      "generated/b.json": bad})
    assert json_findings(["."], repo / "sub") == [("PL200", "x/top.json", 1, 2)]
