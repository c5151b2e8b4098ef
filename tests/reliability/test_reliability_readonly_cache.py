"""A read-only checkout (every folder and file without write permission, for root too): the
cache degrades to no cache, with the same findings, exit code, and nothing on stderr; an
existing pack is read or left alone, never half-written; a pack that cannot be read is ignored.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from plrel_support import TAGGED_TF, make_tree, run_cli

from policylint import cache as cache_mod

BAD = '[{"AllowedMethods": ["FETCH"], "AllowedOrigins": ["*"]}]\n'  # PL200 at 1:22
EXPECTED = [("PL200", "bad.json", 1), ("PL100", "main.tf", 1)]


def _chmod_tree(root: Path, writable: bool) -> None:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            p.chmod(stat.S_IMODE(p.stat().st_mode) | 0o200 if writable
                    else stat.S_IMODE(p.stat().st_mode) & ~0o222)
        Path(dirpath).chmod(0o755 if writable else 0o555)


def _listing(root: Path) -> list[tuple[str, bytes]]:
    return sorted((str(p.relative_to(root)), p.read_bytes() if p.is_file() else b"")
                  for p in root.rglob("*"))


@pytest.mark.parametrize("warm", [False, True], ids=["no-cache-yet", "cache-from-earlier"])
def test_read_only_checkout_runs_without_cache_and_without_error(tmp_path: Path,
                                                                 warm: bool) -> None:
    tree = make_tree(tmp_path, {"bad.json": BAD, "main.tf": TAGGED_TF})
    if warm:
        first = run_cli(tree, ".", "--format", "json")
        assert (first.rc, first.findings) == (1, EXPECTED)
        assert (tree / cache_mod.CACHE_DIR / cache_mod.PACK_NAME).is_file()
    (tree / "more.json").write_text(BAD)  # a change the cache has not seen
    before = _listing(tree)
    _chmod_tree(tree, writable=False)
    try:
        run = run_cli(tree, ".", "--format", "json", without_dac_override=True)
        after = _listing(tree)
    finally:
        _chmod_tree(tree, writable=True)
    assert (run.rc, run.stderr) == (1, "")
    assert run.findings == [("PL200", "bad.json", 1), ("PL100", "main.tf", 1),
                            ("PL200", "more.json", 1)]
    assert after == before  # nothing created, nothing rewritten, no temporary file left


def test_unreadable_pack_is_ignored_without_error(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"bad.json": BAD, "main.tf": TAGGED_TF})
    assert run_cli(tree, ".", "--format", "json").findings == EXPECTED
    pack = tree / cache_mod.CACHE_DIR / cache_mod.PACK_NAME
    pack.chmod(0)
    folder = tree / cache_mod.CACHE_DIR
    folder.chmod(0o555)
    try:
        run = run_cli(tree, ".", "--format", "json", without_dac_override=True)
    finally:
        folder.chmod(0o755)
        pack.chmod(0o644)
    assert (run.rc, run.stderr, run.findings) == (1, "", EXPECTED)
