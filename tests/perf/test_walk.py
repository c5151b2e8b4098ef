"""The walk's cost, counted: which files it opens, which paths it resolves, and that the
shortcuts never change what it finds."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import json_findings, write_tree
from perf_support import counting_reads

from policylint import discover
from policylint.discover import Walker, classify, needs_head

HEADS = (b"", b"AWSTemplateFormatVersion: x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n",
         b'{"CORSRules": [{"AllowedOrigins": ["*"]}]}', b"<CORSConfiguration>",
         b"<crowd-form>", b"aws s3api put-bucket-cors", b"import boto3\ncreate_labeling_job(",
         b"aws-cdk putBucketCors", b'{"source-ref": "s3://b/k"}', b'{"StartAt": 1, "States": 2}',
         b'{"terraform_version": "1"}', '{"CORSRules": []}'.encode("utf-16"))
NAMES = ("main.tf", "MAIN.TF", "x.tfvars", "x.tf.json", "x.tfvars.json", "terragrunt.hcl",
         "f.asl.json", "f.ASL.yaml", "f.asl.yml", "in.manifest", "in.jsonl", "types.d.ts",
         "logo.png", "README.md", "notes.txt", "env.hcl", "Makefile", "Dockerfile", "a.sh",
         "a.ps1", "a.py", "a.ipynb", "a.ts", "a.tsx", "a.js", "a.mjs", "a.cjs", "a.html",
         "a.htm", "a.liquid", "a.xml", "a.json", "a.yaml", "a.yml", "a.template", "a.cfn",
         "buildspec.yml", ".gitlab-ci.yml", "noext")


@pytest.mark.parametrize("name", NAMES)
def test_a_name_that_decides_gives_the_same_kind_whatever_the_bytes(name: str) -> None:
    kinds = {classify(name, head) for head in HEADS}
    if not needs_head(name):
        assert kinds == {classify(name, b"")}
    else:  # control: for these names the bytes do matter (else needs_head would say so)
        assert len(kinds) > 1


def _opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = discover._read_head

    def spy(path: str, limit: int = discover.SNIFF_BYTES, size: int | None = None) -> bytes:
        seen.append(os.path.basename(path))
        return real(path, limit, size)

    monkeypatch.setattr(discover, "_read_head", spy)
    return seen


def test_the_walk_opens_only_files_whose_bytes_decide(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"m/main.tf": "x = 1\n", "m/vars.tfvars": "x = 1\n",
                          "in.manifest": "{}\n", "logo.png": "png", "README.md": "# hi\n",
                          "cors.json": '{"CORSRules": []}\n', "app.py": "print(1)\n"})
    opened = _opened(monkeypatch)
    w = Walker(str(tmp_path), [])
    w.walk(str(tmp_path))
    assert sorted(opened) == ["app.py", "cors.json"]
    assert sorted((os.path.relpath(f.path, tmp_path), f.kind) for f in w.result.files) == [
        ("cors.json", discover.CORS), ("in.manifest", discover.MANIFEST),
        ("m/main.tf", discover.TERRAFORM), ("m/vars.tfvars", discover.TERRAFORM)]


def test_a_named_file_is_sniffed_whatever_its_name(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"main.tf": "x = 1\n"})
    opened = _opened(monkeypatch)
    w = Walker(str(tmp_path), [])
    w.add_file(str(tmp_path / "main.tf"), explicit=True)
    assert opened == ["main.tf"]
    assert [f.kind for f in w.result.files] == [discover.TERRAFORM]


@pytest.mark.parametrize("size", [0, 10, discover.SNIFF_BYTES - 1, discover.SNIFF_BYTES,
                                  discover.SNIFF_BYTES + 10])
def test_the_head_is_the_first_bytes_even_when_the_file_grew(tmp_path: Path, size: int) -> None:
    p = tmp_path / "f.json"
    data = bytes(range(256)) * (size // 256 + 1)
    p.write_bytes(data[:size])
    assert discover._read_head(str(p), discover.SNIFF_BYTES, size) == \
        data[:min(size, discover.SNIFF_BYTES)]
    grown = data[:size] + b"x" * 300_000
    p.write_bytes(grown)  # bigger than the size its stat gave
    assert discover._read_head(str(p), discover.SNIFF_BYTES, size) == \
        grown[:discover.SNIFF_BYTES]


def test_only_candidate_paths_are_resolved(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Finding the named file among the walked ones resolves the files with its base name and
    the file links, not all of them (resolving 4,468 paths was a sixth of a warm pre-commit)."""
    write_tree(tmp_path, {f"m{i}/main.tf": "x = 1\n" for i in range(5)} | {"a/other.tf": ""})
    os.symlink(tmp_path / "a" / "other.tf", tmp_path / "m0" / "link.tf")
    w = Walker(str(tmp_path), [])
    w.walk(str(tmp_path))
    resolved: list[str] = []
    real = os.path.realpath

    def spy(path: str, *args: object, **kwargs: object) -> str:
        resolved.append(os.path.relpath(path, tmp_path))
        return real(path)

    monkeypatch.setattr(os.path, "realpath", spy)
    got = w.result.real_paths(frozenset({"other.tf"}))
    assert sorted(resolved) == ["a/other.tf", "m0/link.tf"]
    assert got == {real(str(tmp_path / "a" / "other.tf"))}


def test_a_named_file_reached_through_a_link_is_read_once(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``node_modules/lib/real.tf`` is never walked (a skipped folder) and is named;
    ``m/link.tf`` (walked) links to it. The link counts as the named file's walk (it is
    resolved although its base name differs), so the named file is not read a second time as
    a unit of its own."""
    write_tree(repo, {"node_modules/lib/real.tf":
                      'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n'
                      '  tags = { "policylint:labeling-input" = "true" }\n}\n',
                      "m/main.tf": "# module\n"})
    os.symlink(repo / "node_modules" / "lib" / "real.tf", repo / "m" / "link.tf")
    reads = counting_reads(monkeypatch)
    for named in ("node_modules/lib/real.tf", "m/link.tf"):
        reads.clear()
        json_findings(["--no-cache", named], repo)
        assert (named, reads) == (named, ["m"])


def test_the_unpickler_judges_each_class_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A warm run loads one entry per unit; each entry names the same few classes. The safe
    unpickler decides a (module, name) once per process, and still refuses a foreign one."""
    import pickle

    from policylint import cache
    from policylint.model import Bucket, Facts, Format, Location

    facts = Facts(buckets=[Bucket("a#b", "b", "n", Location("a", 1, 1), Format.CONFIG)])
    blob = pickle.dumps(facts, protocol=5)
    monkeypatch.setattr(cache, "_ALLOWED", {})
    judged: list[str] = []
    real = cache._own_module

    def spy(module: str) -> object:
        judged.append(module)
        return real(module)

    monkeypatch.setattr(cache, "_own_module", spy)
    for _ in range(3):
        assert cache.load_facts(blob) == facts
    assert sorted(judged) == ["policylint.model"] * 4  # Facts, Bucket, Location, Format
    with pytest.raises(pickle.UnpicklingError):
        cache.safe_loads(pickle.dumps(os.system))
