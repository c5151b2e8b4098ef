"""The long fuzz run: the three fuzz files under ``POLICYLINT_FUZZ=long``, pass after pass with
a new hypothesis seed each time, until ``--minutes`` of fuzzing have run.

    nice -n 15 .venv/bin/python bench/fuzz.py --minutes 60 --log /tmp/fuzz-long.log

Each pass is one pytest run with ``--hypothesis-seed=N`` (seeds 1, 2, ...; ``--first-seed``)
and ``--hypothesis-show-statistics``; the report sums, per test, the examples hypothesis ran
(passing, failing, invalid) over the passes and prints the total time. A pass that would end
after ``--hard-stop`` seconds is killed there: its statistics are lost (pytest prints them
at the end), its output so far is kept in the log. The CI profile (``CI=true``) is unchanged.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FILES = ["tests/reliability/test_reliability_fuzz.py",
         "tests/reliability/test_reliability_fuzz_structured.py",
         "tests/reliability/test_reliability_fuzz_readers.py"]
_TEST = re.compile(r"^(tests/\S+::\S+):\s*$")
_COUNTS = re.compile(r"- (\d+) passing(?: examples?)?, (\d+) failing(?: examples?)?,(?: and)? "
                     r"(\d+) invalid")
_SUMMARY = re.compile(r"=+ (.*(?:passed|failed|error).*) in ([\d.]+)s")


def statistics(output: str) -> dict[str, list[int]]:
    """test id -> [passing, failing, invalid] examples, summed over its phases."""
    got: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    test = None
    for line in output.splitlines():
        m = _TEST.match(line.strip())
        if m:
            test = m.group(1)
            continue
        m = _COUNTS.search(line)
        if m and test is not None:
            for i in range(3):
                got[test][i] += int(m.group(i + 1))
    return dict(got)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--hard-stop", type=float, default=0,
                    help="seconds after which a running pass is killed (0: minutes * 60 * 1.25)")
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--log", default="fuzz-long.log")
    args = ap.parse_args()
    target = args.minutes * 60
    hard = args.hard_stop or target * 1.25
    start = time.monotonic()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    seed, passes, failed = args.first_seed, 0, False
    env = dict(os.environ, POLICYLINT_FUZZ="long")
    env.pop("CI", None)
    with open(args.log, "a", encoding="utf-8") as log:
        while time.monotonic() - start < target:
            left = hard - (time.monotonic() - start)
            cmd = [sys.executable, "-m", "pytest", *FILES, "-v", "-p", "no:cacheprovider",
                   f"--hypothesis-seed={seed}", "--hypothesis-show-statistics", "--durations=0"]
            log.write(f"\n### pass {passes + 1}, seed {seed}: {' '.join(cmd[1:])}\n")
            log.flush()
            t0 = time.monotonic()
            mark = log.tell()
            proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                code = proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                code = -1
            log.flush()
            with open(args.log, encoding="utf-8", errors="replace") as again:
                again.seek(mark)
                out = again.read()
            took = time.monotonic() - t0
            summary = _SUMMARY.findall(out)
            log.write(f"### pass {passes + 1} seed {seed}: exit {code} after {took:.0f} s"
                      f"{' (killed at the hard stop)' if code == -1 else ''}; "
                      f"{summary[-1][0] if summary else 'no summary'}\n")
            log.flush()
            for test, counts in statistics(out).items():
                for i in range(3):
                    totals[test][i] += counts[i]
            passes += 1
            seed += 1
            if code not in (0, -1):
                failed = True  # go on: the other seeds still fuzz; the log has the case
        elapsed = time.monotonic() - start
        lines = [f"\n## {passes} passes, seeds {args.first_seed}..{seed - 1}, "
                 f"{elapsed / 60:.1f} minutes, {'FAILED' if failed else 'no failure'}",
                 f"{'test':<100} {'passing':>9} {'failing':>8} {'invalid':>8}"]
        for test in sorted(totals):
            p, f, i = totals[test]
            lines.append(f"{test:<100} {p:>9} {f:>8} {i:>8}")
        lines.append(f"{'total':<100} {sum(v[0] for v in totals.values()):>9} "
                     f"{sum(v[1] for v in totals.values()):>8} "
                     f"{sum(v[2] for v in totals.values()):>8}")
        log.write("\n".join(lines) + "\n")
        print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
