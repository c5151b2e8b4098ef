"""The facts cache: hits when nothing changed, misses when anything a reader looked at changed,
survives corruption and planted pickles, stays out of git, and never breaks a run."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from policylint import cache as cache_mod
from policylint import readphase
from conftest import json_findings, run_cli, write_tree
from perf_support import counting_reads, fake_reader

GOOD = '{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n'
BAD = '{"CORSRules": [\n  {"AllowedMethods": ["GET", "FETCH"], "AllowedOrigins": ["*"]}\n]}\n'
PACK = Path(cache_mod.CACHE_DIR) / cache_mod.PACK_NAME


def test_warm_run_reads_nothing_and_gives_the_same_findings(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(repo, {"good.json": GOOD, "bad.json": BAD})
    reads = counting_reads(monkeypatch)
    first = json_findings(["."], repo)
    assert sorted(reads) == ["bad.json", "good.json"]
    reads.clear()
    second = json_findings(["."], repo)
    assert reads == []
    assert first == second == [("PL200", "bad.json", 2, 30)]


LIBRARY = ('variable "env" {}\n\nresource "aws_s3_bucket" "fixed" {\n  bucket = "acme-fixed"\n'
           '  tags   = { "policylint:labeling-input" = "true" }\n}\n\n'
           'resource "aws_s3_bucket" "scratch" {\n  bucket = "acme-${var.env}-scratch"\n'
           '  tags   = { "policylint:labeling-input" = "true" }\n}\n')
CALLER = 'provider "aws" {}\n\nmodule "store" {\n  source = "../modules/store"\n  env = "%s"\n}\n'


def test_ownership_is_decided_from_cached_facts(repo: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The linker decides who reports a library's facts from their provenance, so a warm run
    (every unit from the cache) and a run that re-reads only the edited caller (the library's
    facts from the cache) report each bucket once, as a cold run does."""
    write_tree(repo, {"modules/store/main.tf": LIBRARY, "app/main.tf": CALLER % "dev"})
    reads = counting_reads(monkeypatch)

    def subjects() -> list[tuple[str, int, str]]:
        code, out, _ = run_cli(["--format", "json"], repo)
        assert code == 1
        return [(f["path"], f["line"], f["subject"]) for f in json.loads(out)["findings"]]

    cold = subjects()
    assert cold == [("modules/store/main.tf", 3, "aws_s3_bucket.fixed"),
                    ("modules/store/main.tf", 8, "module.store.aws_s3_bucket.scratch")]
    assert sorted(reads) == ["app", "modules/store"]
    reads.clear()
    assert subjects() == cold
    assert reads == []
    (repo / "app/main.tf").write_text(CALLER % "prod")
    assert subjects() == cold
    assert reads == ["app"]


def test_a_changed_file_is_read_again(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(repo, {"good.json": GOOD, "cors.json": GOOD})
    assert json_findings(["."], repo) == []
    reads = counting_reads(monkeypatch)
    (repo / "cors.json").write_text(BAD, encoding="utf-8")
    assert json_findings(["."], repo) == [("PL200", "cors.json", 2, 30)]
    assert reads == ["cors.json"]


def test_no_cache_neither_reads_nor_writes_it(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(repo, {"bad.json": BAD})
    assert json_findings(["--no-cache", "."], repo) == [("PL200", "bad.json", 2, 30)]
    assert not (repo / cache_mod.CACHE_DIR).exists()
    json_findings(["."], repo)
    reads = counting_reads(monkeypatch)
    assert json_findings(["--no-cache", "."], repo) == [("PL200", "bad.json", 2, 30)]
    assert reads == ["bad.json"]


def test_cache_folder_ignores_itself_in_git(tmp_path: Path) -> None:
    root = tmp_path / "g"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    write_tree(root, {"bad.json": BAD})
    json_findings(["."], root)
    gitignore = (root / cache_mod.CACHE_DIR / ".gitignore").read_text(encoding="utf-8")
    assert "*" in gitignore.splitlines()
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                            capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == ["?? bad.json"]


@pytest.mark.parametrize("garbage", [b"", b"not a cache at all", b"\x80\x05truncated",
                                     "MAGIC-then-garbage"])
def test_corrupt_cache_is_ignored_and_rebuilt(repo: Path, garbage: bytes | str) -> None:
    write_tree(repo, {"bad.json": BAD})
    json_findings(["."], repo)
    pack = repo / PACK
    if garbage == "MAGIC-then-garbage":
        data = cache_mod.MAGIC + cache_mod.FactsCache.schema_line() + b"\x80\x05\x95garbage"
    else:
        data = garbage  # type: ignore[assignment]
    pack.write_bytes(data)  # type: ignore[arg-type]
    assert json_findings(["."], repo) == [("PL200", "bad.json", 2, 30)]
    assert pack.read_bytes().startswith(cache_mod.MAGIC)


class _Evil:
    """Pickles as a call to os.mkdir: executed by a plain pickle.load, refused by ours."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (self.target,))


def test_planted_pickle_is_not_executed(repo: Path) -> None:
    write_tree(repo, {"bad.json": BAD})
    json_findings(["."], repo)
    target = repo.parent / "pwned"
    payload = pickle.dumps({"k": (pickle.dumps(_Evil(str(target))), (), 1.0)})
    outer = pickle.dumps(_Evil(str(target)))
    for body in (payload, outer):
        (repo / PACK).write_bytes(cache_mod.MAGIC + cache_mod.FactsCache.schema_line() + body)
        assert json_findings(["."], repo) == [("PL200", "bad.json", 2, 30)]
    assert not target.exists()
    assert cache_mod.load_facts(pickle.dumps(_Evil(str(target)))) is None
    assert not target.exists()


def test_unwritable_root_runs_without_cache(repo: Path) -> None:
    write_tree(repo, {"bad.json": BAD})
    os.chmod(repo, 0o555)
    try:
        assert json_findings(["."], repo) == [("PL200", "bad.json", 2, 30)]
        assert not (repo / cache_mod.CACHE_DIR).exists()
    finally:
        os.chmod(repo, 0o755)


def test_unwritable_cache_folder_runs_and_keeps_old_pack(repo: Path) -> None:
    write_tree(repo, {"bad.json": BAD})
    json_findings(["."], repo)
    before = (repo / PACK).read_bytes()
    (repo / "good.json").write_text(GOOD, encoding="utf-8")
    folder = repo / cache_mod.CACHE_DIR
    os.chmod(folder, 0o555)
    try:
        if os.access(folder, os.W_OK):  # root ignores permission bits: make the write fail
            (repo / PACK).unlink()
            (repo / PACK).mkdir()
            assert json_findings(["."], repo) == [("PL200", "bad.json", 2, 30)]
            assert (repo / PACK).is_dir()
        else:
            assert json_findings(["."], repo) == [("PL200", "bad.json", 2, 30)]
            assert (repo / PACK).read_bytes() == before
    finally:
        os.chmod(folder, 0o755)


def test_loaded_dependency_change_invalidates(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file a reader loaded through the context (here: the bucket name) is part of the key,
    and so is a file that was missing when the reader looked for it."""
    fake_reader(monkeypatch)
    write_tree(repo, {"unit.fake": "name.txt\n", "name.txt": "first"})
    units = readphase_units(repo)
    plan = readphase.Plan(str(repo), str(repo), readphase.ReadOptions(), 1, True)
    names = lambda: [b.name for f in readphase.read_units(units, plan) for b in f.buckets]  # noqa: E731
    assert names() == ["first"]
    reads = counting_reads(monkeypatch)
    assert names() == ["first"]
    assert reads == []
    (repo / "name.txt").write_text("second", encoding="utf-8")
    assert names() == ["second"]
    (repo / "name.txt").unlink()
    assert names() == ["<missing>"]
    assert names() == ["<missing>"]
    assert reads == ["unit.fake", "unit.fake"]
    (repo / "name.txt").write_text("back", encoding="utf-8")
    assert names() == ["back"]


def readphase_units(repo: Path) -> list[readphase.UnitSpec]:
    from policylint import discover

    f = discover.Found(str(repo / "unit.fake"), "fake", (repo / "unit.fake").stat().st_size)
    return [("fake", "unit.fake", [f])]


def test_schema_changes_with_a_new_model_field(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import dataclass

    from policylint import model

    before = cache_mod.model_schema()

    @dataclass(frozen=True)
    class Bucket(model.Bucket):  # type: ignore[misc]
        extra: str = ""

    Bucket.__module__ = model.__name__
    monkeypatch.setattr(model, "Bucket", Bucket)
    assert cache_mod.model_schema() != before


def test_different_read_options_do_not_share_entries(repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(repo, {"bad.json": BAD})
    from policylint import discover

    units = [("cors", "bad.json", [discover.Found(str(repo / "bad.json"), "cors",
                                                   (repo / "bad.json").stat().st_size)])]
    for opts in (readphase.ReadOptions(), readphase.ReadOptions(tag_key="other")):
        reads = counting_reads(monkeypatch)
        readphase.read_units(units, readphase.Plan(str(repo), str(repo), opts, 1, True))
        assert reads == ["bad.json"]


def test_cli_no_cache_flag_reaches_the_engine(repo: Path) -> None:
    write_tree(repo, {"good.json": GOOD})
    code, _, err = run_cli(["--no-cache", "good.json"], repo)
    assert (code, err) == (0, "")
    assert not (repo / cache_mod.CACHE_DIR).exists()


def test_pack_is_written_atomically(repo: Path) -> None:
    write_tree(repo, {"bad.json": BAD})
    json_findings(["."], repo)
    left = sorted(p.name for p in (repo / cache_mod.CACHE_DIR).iterdir())
    assert left == [".gitignore", "CACHEDIR.TAG", "facts.pickle"]


def test_one_file_run_imports_nothing_heavy(repo: Path) -> None:
    """The pre-commit path: no parser, schema validator, pool or metadata machinery."""
    write_tree(repo, {"cors.json": GOOD})
    probe = ("import sys\nfrom policylint.cli import main\nmain(['cors.json'])\n"
             "heavy = ('tree_sitter', 'yaml', 'jsonschema', 'cfnlint', 'multiprocessing',\n"
             "         'concurrent', 'importlib.metadata', 'email')\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
             "             or m.startswith('importlib.metadata')))\n")
    for _ in range(2):  # cold cache, then warm
        out = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True,
                             text=True, check=True).stdout
        assert out.splitlines()[-1] == "[]"
