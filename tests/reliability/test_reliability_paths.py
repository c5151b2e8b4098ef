"""The file system as an adversary: symlink loops, links out of the scanned tree, FIFOs,
unreadable files and folders, files that vanish while the scan runs.

Links out of the tree are checked twice: no finding comes from what they point at, and the audit
hook of the CLI run shows that nothing outside the tree was even opened or listed.

These tests run as root in CI, and root reads mode-000 files: the real-permission test then runs
the CLI as root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH (so modes bite), and the same code
paths are also driven in-process by making ``open``/``scandir`` raise EACCES.
"""
from __future__ import annotations

import builtins
import errno
import os
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import run_cli as run_in_process
from plrel_support import TAGGED_TF, assert_sane, fingerprint_tree, make_tree, run_cli

from policylint import discover

BROKEN_CORS = '{"CORSRules": [{"AllowedMethods": ["GET"],}\n'
REQUEST = ('{"LabelingJobName": "secret-job", "InputConfig": {"DataSource": {"S3DataSource": '
           '{"ManifestS3Uri": "s3://acme-secret/input.manifest"}}}}\n')
MANIFEST = '{"source-ref": "s3://acme-secret/a.jpg"}\n'
CFN_DEFINITION_URI = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Flow:
    Type: AWS::Serverless::StateMachine
    Properties:
      DefinitionUri: ../outside/sfn.asl.json
"""
SECRET_ASL = ('{"StartAt": "L", "States": {"L": {"Type": "Task", "End": true, "Resource": '
              '"arn:aws:states:::sagemaker:createLabelingJob.sync", "Parameters": '
              '{"LabelingJobName":'
              ' "j", "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": '
              '"s3://acme-secret/m.manifest"}}}}}}}\n')
TF_READS_OUTSIDE = """locals {
  doc = file("../outside/cors.json")
  asl = templatefile("${path.module}/../outside/sfn.asl.json", {})
}

resource "aws_sfn_state_machine" "flow" {
  name       = "flow"
  role_arn   = "arn:aws:iam::123456789012:role/x"
  definition = file("../outside/sfn.asl.json")
}

module "outside" {
  source = "../../outside"
}

module "through_a_link" {
  source = "../ext"
}

locals {
  absolute = file("/etc/hostname")
  listing  = fileset("/etc", "*")
}
"""
SCRIPT = ("aws s3api put-bucket-cors --bucket acme-images "
          "--cors-configuration file://../outside/cors.json\n")


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir()
    (out / "cors.json").write_text(BROKEN_CORS)
    (out / "job.json").write_text(REQUEST)
    (out / "data.manifest").write_text(MANIFEST)
    (out / "sfn.asl.json").write_text(SECRET_ASL)
    (out / "main.tf").write_text(TAGGED_TF.replace("acme-images", "acme-secret"))
    return out


def test_symlink_loops_end(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF, "d/x.txt": "x"})
    os.symlink("self.tf", tree / "self.tf")
    os.symlink("b.tf", tree / "a.tf")
    os.symlink("a.tf", tree / "b.tf")
    os.symlink("..", tree / "d" / "up")
    os.symlink(".", tree / "d" / "here")
    os.symlink(str(tree), tree / "d" / "root")
    before = fingerprint_tree(tree)
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree)
    assert run.findings == [("PL100", "main.tf", 1)]
    assert fingerprint_tree(tree) == before


def test_links_out_of_the_tree_are_never_followed(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF, "infra/main.tf": TF_READS_OUTSIDE,
                            "sam/template.yaml": CFN_DEFINITION_URI, "apply.sh": SCRIPT})
    for name in ("cors.json", "job.json", "data.manifest", "sfn.asl.json"):
        os.symlink(outside / name, tree / name)
    os.symlink("../../outside/main.tf", tree / "infra" / "linked.tf")
    os.symlink(outside, tree / "ext")
    os.symlink("../outside", tree / "ext-relative")
    before = fingerprint_tree(tree)
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree)
    assert [p for p in run.opened if p.startswith(str(outside)) or p.startswith("/etc/")] == []
    # the script applies a CORS document from outside the tree: named, never read
    assert run.findings == [("PL102", "apply.sh", 1)]
    assert run.messages("PL102") == [
        "CORS of human labeling input bucket aws_s3_bucket.fail_images (acme-images) cannot be "
        "evaluated: the CORS document ../outside/cors.json applied here is not in the scanned "
        "files"]
    assert "acme-secret" not in run.stdout
    assert fingerprint_tree(tree) == before


def test_a_subfolder_scan_reports_only_the_subfolder(tmp_path: Path) -> None:
    """Scanning ``sub`` of a repository reads the repository (named paths narrow what is
    reported, never what is known: issue 15) but reports only what concerns ``sub``, even
    through links to its siblings; nothing outside the repository is opened."""
    tree = make_tree(tmp_path, {"sub/main.tf": TAGGED_TF, "sibling/cors.json": BROKEN_CORS})
    os.symlink("../sibling/cors.json", tree / "sub" / "cors.json")
    run = run_cli(tree, "sub", "--format", "json")
    assert_sane(run, tree)
    assert run.findings == [("PL100", "sub/main.tf", 1)]
    assert [p for p in run.opened
            if p.startswith(str(tmp_path)) and not p.startswith(str(tree))] == []
    whole = run_cli(tree, ".", "--format", "json")
    assert ("PL001", "sibling/cors.json", 1) in whole.findings


@pytest.mark.parametrize("name", ["main.tf", "cors.json", "data.manifest", "x.asl.json",
                                  "template.yaml"])
def test_fifo_under_a_recognised_name_does_not_block(tmp_path: Path, name: str) -> None:
    tree = make_tree(tmp_path, {"t/main.tf": TAGGED_TF})
    os.mkfifo(tree / name)
    run = run_cli(tree, ".", "--format", "json", timeout=60)
    assert_sane(run, tree)
    assert run.findings == [("PL100", "t/main.tf", 1)]
    explicit = run_cli(tree, name, "--format", "json", timeout=60)
    assert_sane(explicit, tree)
    assert explicit.findings == []


def _pl001_messages(json_text: str) -> list[str]:
    import json

    return [f["message"] for f in json.loads(json_text)["findings"] if f["rule"] == "PL001"]


# --- unreadable files and folders -------------------------------------------------------------

def _deny(monkeypatch: pytest.MonkeyPatch, denied: set[str]) -> None:
    """``open`` and ``scandir`` fail with EACCES on ``denied`` paths, as for a mode-000 entry
    read by an ordinary user."""
    real_open: Callable[..., Any] = builtins.open
    real_scandir = os.scandir

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    def fake_scandir(path: Any = ".") -> Any:
        if isinstance(path, (str, os.PathLike)) and os.path.abspath(path) in denied:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "scandir", fake_scandir)


def test_unreadable_files_and_folders_simulated(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF, "locked/main.tf": TAGGED_TF,
                            "secret/main.tf": TAGGED_TF, "data.manifest": MANIFEST})
    _deny(monkeypatch, {str(tree / "locked" / "main.tf"), str(tree / "secret"),
                        str(tree / "data.manifest")})
    code, out, err = run_in_process([".", "--format", "json", "--no-cache", "--jobs", "1"], tree)
    monkeypatch.undo()
    from conftest import findings_of

    assert (code, err) == (1, "")
    assert findings_of(out) == [("PL001", "data.manifest", 1, 1), ("PL001", "locked/main.tf", 1, 1),
                                ("PL100", "main.tf", 1, 1), ("PL001", "secret", 1, 1)]
    assert _pl001_messages(out) == ["cannot read: Permission denied",
                                    "cannot read: Permission denied",
                                    "cannot list: Permission denied"]


def test_unreadable_files_and_folders_for_real(tmp_path: Path) -> None:
    """Real mode-000 entries. Root reads them anyway, so as root the CLI runs without the
    capabilities that let root ignore file modes."""
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF, "locked/main.tf": TAGGED_TF,
                                "secret/main.tf": TAGGED_TF})
    (tree / "locked" / "main.tf").chmod(0)
    (tree / "secret").chmod(0)
    try:
        run = run_cli(tree, ".", "--format", "json", without_dac_override=os.geteuid() == 0)
    finally:
        (tree / "locked" / "main.tf").chmod(0o644)
        (tree / "secret").chmod(0o755)
    assert_sane(run, tree)
    assert run.findings == [("PL001", "locked/main.tf", 1), ("PL100", "main.tf", 1),
                            ("PL001", "secret", 1)]
    assert run.messages("PL001") == ["cannot read: Permission denied",
                                     "cannot list: Permission denied"]


# --- files that vanish during the scan ----------------------------------------------------------

def test_files_deleted_between_discovery_and_reading(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Discovery sees the files; they are gone (or replaced by a folder) when the readers run."""
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF, "gone/main.tf": TAGGED_TF,
                            "gone.manifest": MANIFEST, "cors.json": BROKEN_CORS,
                            "swapped/main.tf": TAGGED_TF})
    real_add = discover.Walker.add_file

    def add_then_delete(self: discover.Walker, path: str, *, explicit: bool = False) -> None:
        real_add(self, path, explicit=explicit)
        rel = os.path.relpath(path, tree)
        if rel in ("gone/main.tf", "gone.manifest", "cors.json"):
            os.unlink(path)
        elif rel == "swapped/main.tf":
            os.unlink(path)
            os.mkdir(path)

    monkeypatch.setattr(discover.Walker, "add_file", add_then_delete)
    code, out, err = run_in_process([".", "--format", "json", "--no-cache", "--jobs", "1"], tree)
    from conftest import findings_of

    assert (code, err) == (1, "")
    assert findings_of(out) == [("PL001", "cors.json", 1, 1), ("PL001", "gone.manifest", 1, 1),
                                ("PL001", "gone/main.tf", 1, 1), ("PL100", "main.tf", 1, 1),
                                ("PL001", "swapped/main.tf", 1, 1)]
    assert _pl001_messages(out) == ["cannot read: No such file or directory"] * 3 + [
        "cannot read: Is a directory"]


def test_files_deleted_between_listing_and_sniffing(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A file listed by scandir but gone before the walk looks at it (its stat, its first
    bytes) is a one-line PL001 when its name says what it is, and nothing when only its content
    could have told. (The walk opens a ``.tf`` not at all: its name decides.)"""
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF, "gone/main.tf": TAGGED_TF,
                            "cors.json": BROKEN_CORS})
    real_add = discover.Walker.add_file
    real_head = discover._read_head

    def vanish(self: discover.Walker, path: str, *, explicit: bool = False) -> None:
        if os.path.relpath(path, tree) == "gone/main.tf":
            os.unlink(path)
        real_add(self, path, explicit=explicit)

    def vanish_head(path: str, limit: int = discover.SNIFF_BYTES,
                    size: int | None = None) -> bytes:
        if os.path.relpath(path, tree) == "cors.json":  # after its stat, before its bytes
            os.unlink(path)
        return real_head(path, limit, size)

    monkeypatch.setattr(discover.Walker, "add_file", vanish)
    monkeypatch.setattr(discover, "_read_head", vanish_head)
    code, out, err = run_in_process([".", "--format", "json", "--no-cache", "--jobs", "1"], tree)
    from conftest import findings_of

    assert (code, err) == (1, "")
    assert findings_of(out) == [("PL001", "gone/main.tf", 1, 1), ("PL100", "main.tf", 1, 1)]
    assert _pl001_messages(out) == ["cannot read: No such file or directory"]


@pytest.mark.parametrize("plant", ["folder", "pack", "root"])
def test_a_planted_cache_link_neither_reads_nor_writes_elsewhere(tmp_path: Path,
                                                                plant: str) -> None:
    """A repository can commit ``.policylint_cache`` as a symlink (to a folder outside, or to
    the repository itself, whose .gitignore the cache would write), or its pack as a link: the
    cache is then not used, and nothing outside the tree is read or written."""
    outside = _outside(tmp_path)
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF})
    if plant == "folder":
        os.symlink(outside, tree / ".policylint_cache")
    elif plant == "root":
        os.symlink(".", tree / ".policylint_cache")
    else:
        (tree / ".policylint_cache").mkdir()
        os.symlink(outside / "cors.json", tree / ".policylint_cache" / "facts.pickle")
    before, before_outside = fingerprint_tree(tree), fingerprint_tree(outside)
    run = run_cli(tree, ".", "--format", "json")
    assert_sane(run, tree)
    assert run.findings == [("PL100", "main.tf", 1)]
    assert [p for p in run.opened if p.startswith(str(outside))] == []
    assert fingerprint_tree(outside) == before_outside
    assert fingerprint_tree(tree) == before
    assert sorted(os.listdir(tree)) == sorted([".git", ".policylint_cache", "main.tf"])


def test_fix_keeps_symlinks_and_edits_their_target(tmp_path: Path) -> None:
    """A Terraform file shared by symlink (env/buckets.tf → ../shared/buckets.tf): --fix edits
    the shared file once and leaves the link a link (an atomic write would replace it)."""
    tree = make_tree(tmp_path, {"shared/buckets.tf": TAGGED_TF})
    (tree / "env").mkdir()
    os.symlink("../shared/buckets.tf", tree / "env" / "buckets.tf")
    run = run_cli(tree, ".", "--fix")
    assert_sane(run, tree, one_line=False)
    assert os.readlink(tree / "env" / "buckets.tf") == "../shared/buckets.tf"
    fixed = (tree / "shared" / "buckets.tf").read_text()
    assert fixed.startswith(TAGGED_TF) and fixed.count("aws_s3_bucket_cors_configuration") == 1
    after = run_cli(tree, ".", "--format", "json")
    assert (after.rc, after.findings) == (0, [])


def _remove_deep(top: Path) -> None:
    """Delete a tree without recursion: shutil.rmtree (and pytest's clean-up of old temporary
    folders) recurses per level and fails on a thousand nested folders."""
    order, stack = [], [str(top)]
    while stack:
        d = stack.pop()
        order.append(d)
        with os.scandir(d) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                else:
                    os.unlink(e.path)
    for d in reversed(order):
        os.rmdir(d)


def test_folders_nested_a_thousand_deep(tmp_path: Path) -> None:
    """1,100 nested folders: the walk stops at 200 levels with a one-line PL001 at the first
    folder it skips (it was a RecursionError: exit 3), and files above that level are read."""
    tree = make_tree(tmp_path, {"main.tf": TAGGED_TF})
    deep = tree / "a"
    try:
        for i in range(1100):
            deep.mkdir()
            if i == 150:
                (deep / "main.tf").write_text(TAGGED_TF)
            deep = deep / "a"
        run = run_cli(tree, ".", "--format", "json")
    finally:
        _remove_deep(tree / "a")
    assert_sane(run, tree)
    mid = "/".join(["a"] * 151) + "/main.tf"
    skipped = "/".join(["a"] * 201)
    assert sorted(run.findings) == sorted([("PL100", mid, 1), ("PL100", "main.tf", 1),
                                           ("PL001", skipped, 1)])
    assert run.messages("PL001") == ["folders nested deeper than 200 levels are not scanned"]
