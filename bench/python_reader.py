"""The Python reader's cost on a monorepo of unrelated Python: the same small labeling tree
scanned with and without N (default 10,000) unrelated ``.py`` files beside it.

    .venv/bin/python bench/python_reader.py [--files 10000] [--repeat 3]

Prints the median wall time of ``python -m policylint DIR --no-cache`` for both trees, and for
the same tree with the unrelated files named ``.txt`` (walked, never opened: what is left is the
Python reader's own cost, the prefilter) (fresh processes, interpreter start included, one
warm-up run each), their ratios, and how many files
the Python reader parsed in the big tree (counted in-process: it must equal the small tree's,
because the text prefilter rejects every unrelated file before ``ast.parse``).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PY = sys.executable

LABELING = '''import boto3

boto3.client("sagemaker").create_labeling_job(
    LabelingJobName="bench",
    InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": "s3://bench-images/in.manifest"}}},
)
'''
TEMPLATE = '''"""Module {i}: ordinary application code that names no labeling API."""
import json
import os


class Service{i}:
    def __init__(self, table: str = "t{i}") -> None:
        self.table = table
        self.items: list[dict[str, object]] = []

    def add(self, key: str, value: int) -> None:
        self.items.append({{"key": key, "value": value * {i}}})

    def dump(self) -> str:
        return json.dumps(self.items, indent=2)


def handler(event: dict[str, object], context: object) -> dict[str, object]:
    svc = Service{i}(os.environ.get("TABLE", "t"))
    for n in range(10):
        svc.add(f"k{{n}}", n)
    return {{"statusCode": 200, "body": svc.dump()}}
'''


def small_tree(root: str) -> None:
    os.makedirs(os.path.join(root, "jobs"), exist_ok=True)
    with open(os.path.join(root, "jobs", "start.py"), "w", encoding="utf-8") as fh:
        fh.write(LABELING)
    with open(os.path.join(root, "main.tf"), "w", encoding="utf-8") as fh:
        fh.write('resource "aws_s3_bucket" "images" {\n  bucket = "bench-images"\n}\n')


def unrelated(root: str, count: int, suffix: str = ".py") -> None:
    for i in range(count):
        folder = os.path.join(root, "services", f"pkg{i // 100:03d}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"mod{i:05d}{suffix}"), "w", encoding="utf-8") as fh:
            fh.write(TEMPLATE.format(i=i))


ENV = dict(os.environ, PYTHONPATH=REPO)


def timed(root: str, repeat: int) -> float:
    cmd = [PY, "-m", "policylint", ".", "--no-cache", "--format", "json"]
    env = ENV
    subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=False)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=root, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def parses(root: str) -> int:
    code = ("import os, sys\nos.chdir(sys.argv[1])\nfrom policylint.readers import python\n"
            "from policylint.cli import main\n"
            "try:\n    main(['.', '--no-cache', '--format', 'json', '--jobs', '1'])\n"
            "except SystemExit:\n    pass\nprint(python.PARSES[0], file=sys.stderr)\n")
    got = subprocess.run([PY, "-c", code, root], env=ENV,
                         capture_output=True, text=True, check=False)
    return int(got.stderr.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        # bytecode in the temporary folder, as bench/run.py does: this sandbox sets
        # PYTHONDONTWRITEBYTECODE=1, which would compile policylint from source on every run
        ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        ENV["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
        small, big = os.path.join(work, "small"), os.path.join(work, "big")
        txt = os.path.join(work, "txt")
        for tree in (small, big, txt):
            small_tree(tree)
        unrelated(big, args.files)
        unrelated(txt, args.files, ".txt")  # the same bytes, walked but never opened
        t_small, t_big, t_txt = (timed(t, args.repeat) for t in (small, big, txt))
        p_small, p_big = parses(small), parses(big)
    print("| tree | .py files | files parsed by the Python reader | median wall time |")
    print("|---|---:|---:|---:|")
    print(f"| labeling tree alone | 1 | {p_small} | {t_small:.3f} s |")
    print(f"| + {args.files:,} unrelated .txt (same bytes) | 1 | {p_small} | {t_txt:.3f} s |")
    print(f"| + {args.files:,} unrelated .py | {args.files + 1:,} | {p_big} | {t_big:.3f} s |")
    print(f"\n.py tree / labeling tree alone: {t_big / t_small:.2f}x "
          f"({(t_big - t_small) / args.files * 1e6:.1f} µs per file: walk and prefilter)")
    print(f".py tree / .txt tree: {t_big / t_txt:.2f}x "
          f"({(t_big - t_txt) / args.files * 1e6:.1f} µs per file: the Python prefilter alone)")
    return 0 if p_big == p_small else 1


if __name__ == "__main__":
    sys.exit(main())
