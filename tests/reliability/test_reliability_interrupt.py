"""Ctrl-C: a real policylint process, interrupted mid-run by SIGINT to its whole process group
(what a terminal sends), ends within a second at any --jobs, exit 130, the progress line cleared
before the one-line message. The run is known to be under way when its progress line appears."""
from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

_BLOCK = ('resource "aws_s3_bucket" "b{j}" {{\n  bucket = "acme-{j}"\n'
          '  tags = {{ x = "${{upper("a{j}")}}" }}\n}}\n')
CLEAR = "\r" + " " * 60 + "\r"


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interrupt")
    text = "".join(_BLOCK.format(j=j) for j in range(1500))
    for i in range(60):  # 60 folders of ~140 KB: seconds of work, enough for the pool
        (root / f"d{i}").mkdir()
        (root / f"d{i}" / "main.tf").write_text(text)
    return root


def _read_until(fd: int, want: str, seconds: float) -> str:
    got, end = "", time.monotonic() + seconds
    while want not in got and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            got += chunk.decode("utf-8", "replace")
    return got


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_ends_the_run_within_a_second_with_exit_130(big_tree: Path, jobs: str) -> None:
    leader, follower = pty.openpty()  # stderr a terminal: the progress line is shown
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    proc = subprocess.Popen([sys.executable, "-m", "policylint", "--no-cache", "--jobs", jobs,
                             "."], cwd=big_tree, stdout=subprocess.DEVNULL, stderr=follower,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    os.close(follower)
    try:
        before = _read_until(leader, "/60 files", 120)  # the progress line: the run is under way
        assert "/60 files" in before and proc.poll() is None, before
        os.killpg(proc.pid, signal.SIGINT)
        sent = time.monotonic()
        while proc.poll() is None and time.monotonic() - sent < 1.0:
            time.sleep(0.02)
        ended = proc.poll()
        after = _read_until(leader, "interrupted\n", 1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        os.close(leader)
    assert ended == 130  # None here: still running a second after Ctrl-C
    text = (before + after).replace("\r\n", "\n")
    assert text.endswith(CLEAR + "policylint: interrupted\n"), text[-200:]
    with pytest.raises(ProcessLookupError):  # no worker left behind
        os.killpg(proc.pid, 0)
