"""``policylint init``: the configuration it writes for fixture repositories (exact text, then
loaded back with policylint's own config loader and used for a run), what it prints, and its
refusal to overwrite any configuration."""
from __future__ import annotations

import fnmatch
import os
from pathlib import Path

import pytest
import yaml

from policylint.cli import main
from policylint.config import load_config
from policylint.initcmd import PRE_COMMIT, WORKFLOW

REPO = Path(__file__).resolve().parents[1]


def _write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


TERRAFORM_REPO = {
    "infra/main.tf": """\
resource "aws_s3_bucket" "frames" {
  bucket = "acme-frames"
  tags = {
    "policylint:labeling-input" = "true"
  }
}

# policylint: labeling-input
resource "aws_s3_bucket" "odd" {
  bucket = "odd*[x]?#: 'q\\nline"
}

resource "aws_s3_bucket" "logs" {
  bucket = "acme-logs"
}
""",
    "cors/frames.json": '{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n',
    "cors/orphan.json": '{"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]}\n',
    "scripts/deploy.sh": "#!/bin/sh\naws s3api put-bucket-cors --bucket acme-frames "
                         "--cors-configuration file://cors/frames.json\n",
}

TERRAFORM_CONFIG = """\
# policylint configuration, written by `policylint init` from a scan of this repository.
# Keys and their meaning: README.md, Configuration.
labeling:
  # name globs of labeling input buckets; found by policylint init:
  # acme-frames: aws_s3_bucket.frames (terraform) defined at infra/main.tf:1:1
  #   evidence at infra/main.tf:3:3 (declared): tagged policylint:labeling-input=true
  # odd*[x]?#: 'q line: aws_s3_bucket.odd (terraform) defined at infra/main.tf:9:1
  #   evidence at infra/main.tf:8:1 (declared): marked '# policylint: labeling-input'
  buckets:
    - "acme-frames"
    - "odd[*][[]x][?]#: 'q\\nline"
cors-files:
  # CORS documents and the bucket a script applies each to:
  # cors/frames.json is applied at scripts/deploy.sh:2:1
  "cors/frames.json": "acme-frames"
# CORS documents applied to no bucket (add DOCUMENT: BUCKET under cors-files to bind one):
#   cors/orphan.json
"""

PRINTED = f"""\
wrote .policylint.yaml: 2 labeling bucket(s), 1 CORS document(s) bound by a script

Run it at each commit with pre-commit:

{PRE_COMMIT}
and on GitHub with the action:

{WORKFLOW}"""


def test_init_writes_the_buckets_and_cors_documents_it_found(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    root = _write(tmp_path / "repo", TERRAFORM_REPO)
    monkeypatch.chdir(root)
    assert main(["init"]) == 0
    out = capsys.readouterr()
    assert (out.out, out.err) == (PRINTED, "")
    assert (root / ".policylint.yaml").read_text(encoding="utf-8") == TERRAFORM_CONFIG
    config = load_config(str(root / ".policylint.yaml"))
    patterns = [p for p, _line in config.labeling_buckets]
    assert patterns == ["acme-frames", "odd[*][[]x][?]#: 'q\nline"]
    assert fnmatch.fnmatchcase("odd*[x]?#: 'q\nline", patterns[1])
    assert not fnmatch.fnmatchcase("oddZxx#: 'q\nline", patterns[1])
    assert [(doc, bucket) for doc, bucket, _line in config.cors_files] == [
        ("cors/frames.json", "acme-frames")]
    # the written configuration is the one a run finds, and the repository still checks
    assert main(["--no-cache", "-q"]) == 1  # the odd bucket has no CORS: PL100
    assert capsys.readouterr().out.splitlines()[0].startswith(
        "infra/main.tf:9:1: PL100 [error] S3 bucket aws_s3_bucket.odd")


def test_init_on_a_repository_without_labeling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = _write(tmp_path / "repo", {"sub/main.tf": 'resource "aws_s3_bucket" "b" {\n'
                                                     '  bucket = "plain"\n}\n'})
    monkeypatch.chdir(tmp_path)
    assert main(["init", "repo/sub"]) == 0  # written at the root of the repository of PATH
    assert capsys.readouterr().out.startswith(
        f"wrote {os.path.join('repo', '.policylint.yaml')}: 0 labeling bucket(s), 0 CORS ")
    text = (root / ".policylint.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[2:] == [
        "labeling:",
        "  # name globs of labeling input buckets; found by policylint init:",
        "  buckets: []  # none found",
        "cors-files: {}  # no script applies a CORS document to a named bucket"]
    config = load_config(str(root / ".policylint.yaml"))
    assert (config.labeling_buckets, config.cors_files) == ([], [])


@pytest.mark.parametrize("name, text, shown", [
    (".policylint.yaml", "fail-on: warning\n", ".policylint.yaml"),
    (".policylint.yml", "{}\n", ".policylint.yml"),
    ("pyproject.toml", "[tool.policylint]\nfail-on = 'note'\n", "pyproject.toml [tool.policylint]"),
])
def test_init_never_overwrites_a_configuration(name: str, text: str, shown: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    root = _write(tmp_path / "repo", {**TERRAFORM_REPO, name: text})
    monkeypatch.chdir(root)
    assert main(["init"]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (f"policylint: error: init: a configuration already exists: {shown} "
                       "(policylint init never overwrites one; edit it, or remove it first)\n")
    assert (root / name).read_text(encoding="utf-8") == text
    assert sorted(p.name for p in root.iterdir() if p.name.startswith(".policylint")) == (
        [name] if name.startswith(".policylint") else [])


def test_init_with_a_pyproject_without_the_section(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = _write(tmp_path / "repo", {**TERRAFORM_REPO, "pyproject.toml": "[tool.other]\n"})
    monkeypatch.chdir(root)
    assert main(["init"]) == 0
    assert (root / ".policylint.yaml").read_text(encoding="utf-8") == TERRAFORM_CONFIG


def test_init_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "missing"]) == 2
    assert capsys.readouterr().err == "policylint: error: init: no such folder: missing\n"
    assert main(["init", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_printed_snippets_are_the_real_hook_and_action() -> None:
    hooks = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    entry = yaml.safe_load(PRE_COMMIT)["repos"][0]
    assert [h["id"] for h in entry["hooks"]] == ["policylint"]
    assert {"policylint"} <= hooks
    steps = yaml.safe_load(WORKFLOW)["jobs"]["policylint"]["steps"]
    assert steps[-1] == {"uses": "OWNER/policylint@FULL_COMMIT_SHA"}


def test_readme_sample_is_real_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    tf = TERRAFORM_REPO["infra/main.tf"]
    files = {**TERRAFORM_REPO, "infra/main.tf": tf[:tf.index("# policylint: labeling-input")]}
    root = _write(tmp_path / "repo", files)
    monkeypatch.chdir(root)
    assert main(["init"]) == 0
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    sample = readme.split("<!-- init-sample -->\n```yaml\n", 1)[1].split("```\n", 1)[0]
    assert (root / ".policylint.yaml").read_text(encoding="utf-8") == sample


def test_init_lists_only_buckets_defined_in_the_repository(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A labeling input bucket seen only in a manifest (defined elsewhere) stays a comment: an
    entry would add nothing but move its PL102 away from the manifest that shows it."""
    root = _write(tmp_path / "repo", {
        "data/in.manifest": '{"source-ref": "s3://far-away/img/1.jpg"}\n'})
    monkeypatch.chdir(root)
    assert main(["init"]) == 0
    capsys.readouterr()
    assert (root / ".policylint.yaml").read_text(encoding="utf-8").splitlines()[2:] == [
        "labeling:",
        "  # name globs of labeling input buckets; found by policylint init:",
        "  # not listed: far-away, defined outside the scanned files",
        "  #   evidence at data/in.manifest:1:16 (defined): Ground Truth input manifest "
        "data/in.manifest: source-ref s3://far-away/img/1.jpg",
        "  buckets: []  # none found",
        "cors-files: {}  # no script applies a CORS document to a named bucket"]
    assert load_config(str(root / ".policylint.yaml")).labeling_buckets == []
