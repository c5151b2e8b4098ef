"""Shared helpers for the reliability tests: a sandboxed CLI run and a tree fingerprint.

The CLI runs in a subprocess so that a hang is caught by a timeout, memory by an address-space
limit, and every file the process opens or lists by a Python audit hook: that is how the tests
prove that nothing outside the scanned tree is read.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import policylint
from conftest import repo_tree

TIMEOUT_S = 120.0  # a hang fails the test; normal runs take well under a few seconds
MEMORY_LIMIT = 1536 * 1024 * 1024  # address space of the child (Python + tree-sitter + data)

_RUNNER = r"""
import json, os, resource, sys
limit = int(os.environ["PLREL_MEM"])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
seen = []
_WRITE = os.O_WRONLY | os.O_RDWR
def _hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args:
        p = args[0]
        if not isinstance(p, (str, bytes)):
            return
        if event == "open" and len(args) >= 3:
            mode, flags = args[1], args[2]
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                    isinstance(flags, int) and flags & _WRITE):
                return  # a write (an output file): not a read
        seen.append(os.path.abspath(os.fsdecode(p)))
sys.addaudithook(_hook)
from policylint.cli import main
try:
    rc = main(sys.argv[1:])
finally:
    log = list(seen)
    with open(os.environ["PLREL_LOG"], "w") as fh:
        json.dump(log, fh)
sys.exit(rc)
"""


@dataclass(frozen=True)
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float
    opened: tuple[str, ...]  # absolute paths opened for reading or listed by the child

    @property
    def findings(self) -> list[tuple[str, str, int]]:
        """(rule, path, line) of every finding, from ``--format json`` output."""
        return [(f["rule"], f["path"], f["line"]) for f in self.report["findings"]]

    @property
    def report(self) -> Any:
        return json.loads(self.stdout)

    def messages(self, rule: str) -> list[str]:
        return [f["message"] for f in self.report["findings"] if f["rule"] == rule]


def run_cli(tree: Path, *args: str, cwd: Path | None = None, timeout: float = TIMEOUT_S,
            memory: int = MEMORY_LIMIT, env: dict[str, str] | None = None,
            without_dac_override: bool = False) -> Run:
    """Run ``policylint ARGS`` in ``cwd`` (default: ``tree``) under a timeout and memory limit;
    ``without_dac_override``: root without the capabilities that let it ignore file modes, so
    that mode 000 bites root as it bites any user."""
    log = tree.parent / f".plrel-open-{os.getpid()}-{time.monotonic_ns()}.json"
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYLINT")}
    child_env.update({"PLREL_MEM": str(memory), "PLREL_LOG": str(log), "NO_COLOR": "1",
                      "PYTHONDONTWRITEBYTECODE": "1"})
    child_env.update(env or {})
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", _RUNNER, *args], cwd=cwd or tree,
                          capture_output=True, text=True, timeout=timeout, env=child_env,
                          stdin=subprocess.DEVNULL,
                          preexec_fn=_drop_dac_override if without_dac_override else None)
    seconds = time.monotonic() - start
    opened: tuple[str, ...] = ()
    if log.exists():
        opened = tuple(json.loads(log.read_text()))
        log.unlink()
    return Run(proc.returncode, proc.stdout, proc.stderr, seconds, opened)


TAGGED_TF = """resource "aws_s3_bucket" "fail_images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }
}
"""  # a declared labeling bucket without CORS: its PL100 at line 1 proves the file was read


def make_tree(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    """``tmp_path/tree`` as its own repository (a .git marker stops root and config lookup)
    holding ``files`` (relative path → text or bytes): ``conftest.repo_tree``."""
    return repo_tree(tmp_path / "tree", files)


def _drop_dac_override() -> None:
    """In the child before exec: drop CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2) from
    the bounding set (prctl PR_CAPBSET_DROP = 24), so the exec'd root process obeys modes."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _allowed_prefixes() -> tuple[str, ...]:
    """Where a run may legitimately open files besides the scanned tree: the interpreter and
    its libraries, the policylint sources, and the devices Python touches."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(policylint.__file__).resolve().parent.parent)}
    roots |= {p for p in sys.path if p and os.path.isabs(p)}
    return tuple(sorted(os.path.realpath(r) + os.sep for r in roots)) + ("/dev/", "/proc/")


def outside_reads(run: Run, tree: Path) -> list[str]:
    """Paths the run opened or listed that are neither in ``tree`` nor part of Python."""
    top = str(tree.resolve()) + os.sep
    allowed = _allowed_prefixes()
    out = []
    for p in run.opened:
        real = os.path.realpath(p)
        if (real + os.sep).startswith(top) or p.startswith(str(tree) + os.sep) or p == str(tree):
            continue
        if real.startswith(allowed) or os.path.basename(p).startswith(".plrel-open-"):
            continue
        out.append(p)
    return out


def assert_sane(run: Run, tree: Path, *, codes: tuple[int, ...] = (0, 1),
                one_line: bool = True) -> None:
    """The guarantees every hostile input must keep (``one_line``: at most one line on stderr;
    off for --diff/--fix, which report their edits there)."""
    assert run.rc in codes, (run.rc, run.stdout[-2000:], run.stderr[-2000:])
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, run.stderr[-3000:]
    assert not one_line or len(run.stderr.splitlines()) <= 1, run.stderr[-3000:]
    assert outside_reads(run, tree) == []


def fingerprint_tree(tree: Path) -> dict[str, tuple[int, str]]:
    """Every entry under ``tree`` (links not followed) → (mode, content hash or link target)."""
    out: dict[str, tuple[int, str]] = {}
    for dirpath, dirnames, filenames in os.walk(tree, followlinks=False):
        dirnames[:] = [d for d in dirnames if d != ".policylint_cache"]  # written by design
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                digest = "link:" + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    for chunk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(chunk)
                digest = h.hexdigest()
            else:
                digest = "special"
            out[os.path.relpath(p, tree)] = (st.st_mode, digest)
    return out
