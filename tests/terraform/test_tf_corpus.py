"""Every Terraform module folder of ../shared/corpus is read without a reader crash (PL000),
and parse errors stay PL001 with a real position."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from policylint import discover, engine
from policylint.readers import ReadOptions

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_corpus_terraform_units_read_without_crash() -> None:
    found = []
    for dirpath, dirs, files in os.walk(CORPUS):
        dirs[:] = [d for d in dirs if d not in (".terraform", ".git", "node_modules")]
        for f in files:
            if f.endswith(SUFFIXES):
                p = os.path.join(dirpath, f)
                found.append(discover.Found(p, discover.TERRAFORM, os.path.getsize(p)))
    units = engine.build_units(found, str(CORPUS))
    start = time.monotonic()
    crashes, buckets, errors = [], 0, []
    for kind, key, files in units:
        facts = engine.read_unit(kind, key, files, str(CORPUS), str(CORPUS), ReadOptions())
        crashes += [e for e in facts.errors if e.message.startswith("\x00")]
        errors += [e for e in facts.errors if not e.message.startswith("\x00")]
        buckets += len(facts.buckets)
    elapsed = time.monotonic() - start
    print(f"{len(units)} Terraform units, {buckets} buckets, {len(errors)} PL001 "
          f"in {elapsed:.1f}s")
    assert crashes == []
    assert len(units) > 1000 and buckets > 300
    assert all(e.location.line >= 1 and e.location.column >= 1 for e in errors)
