"""Peak memory of reading one large Terraform file (issue 16 item 8), and the Terraform read
against the bare tree-sitter parse (issue 17 item 3).

``python bench/memory.py [--megabytes 20] [--skip-read]`` writes two 20 MB Terraform files in a
temporary folder — the reliability test's small bucket blocks, and ``generate.big_terraform``
(buckets, CORS, jobs and noise) — and runs, each in a fresh process whose peak RSS is
``ru_maxrss`` from ``os.wait4``:

- ``policylint --no-cache`` on the folder (what a CI run costs);
- the parse alone, whole (``parse_hcl(pieces=False)``, the tree kept as before) and in pieces
  (``pieces=True``, the default from ``PIECE_MIN_FILE``);
- the bare tree-sitter parse (the tree alone);

and prints each peak, peak / input and (peak − the one-file baseline) / input. Then
(unless ``--skip-read``) the read ratio: CPU time of ``parse_hcl`` over the bare parse of the
same bytes, on every ``.tf`` file of ../shared/corpus and of a 1× synthetic tree, median of 5.
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
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)

import generate  # noqa: E402

PY = sys.executable
CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")

_PARSE = """
import sys
from policylint.readers.terraform.parse import parse_hcl
data = open(sys.argv[1], "rb").read()
fs = parse_hcl(sys.argv[1], data, pieces=sys.argv[2] == "pieces")
n = sum(len(b.attrs) for b in fs.blocks)
"""
_BARE = """
import sys, tree_sitter, tree_sitter_hcl
p = tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))
tree = p.parse(open(sys.argv[1], "rb").read())
"""


def peak(cmd: list[str], cwd: str) -> tuple[int, float]:
    """(peak RSS in bytes, CPU seconds) of one run."""
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.decode()[-2000:]}")
    return usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def buckets(path: str, megabytes: int) -> None:
    """The reliability test's file: 5-line bucket blocks."""
    with open(path, "w", encoding="utf-8") as fh:
        size = i = 0
        while size < megabytes << 20:
            block = (f'resource "aws_s3_bucket" "pass_b{i}" {{\n  bucket = "acme-bucket-{i}"\n'
                     f'  tags   = {{ team = "data", index = "{i}" }}\n}}\n\n')
            fh.write(block)
            size += len(block)
            i += 1


def memory(work: str, megabytes: int) -> None:
    base_dir = os.path.join(work, "base")
    os.makedirs(base_dir)
    generate.cors_document(os.path.join(base_dir, "cors.json"), 0)
    base, _ = peak([PY, "-m", "policylint", "--no-cache", "-q", "."], base_dir)
    print(f"baseline (one CORS document): peak RSS {base / 2**20:.0f} MB")
    print()
    print("| input | run | peak RSS | peak / input | (peak - baseline) / input | cpu |")
    print("|---|---|---|---|---|---|")
    for label, make in (("test buckets", buckets), ("big_terraform", generate.big_terraform)):
        folder = os.path.join(work, label.replace(" ", "-"))
        os.makedirs(folder)
        path = os.path.join(folder, "main.tf")
        make(path, megabytes)
        size = os.path.getsize(path)
        runs = [
            ("policylint --no-cache", [PY, "-m", "policylint", "--no-cache", "-q", "."]),
            ("parse_hcl, pieces", [PY, "-c", _PARSE, path, "pieces"]),
            ("parse_hcl, whole", [PY, "-c", _PARSE, path, "whole"]),
            ("bare tree-sitter parse", [PY, "-c", _BARE, path]),
        ]
        for name, cmd in runs:
            rss, cpu = peak(cmd, folder)
            print(f"| {label}, {size / 2**20:.1f} MB | {name} | {rss / 2**20:.0f} MB | "
                  f"{rss / size:.1f}× | {(rss - base) / size:.1f}× | {cpu:.1f} s |", flush=True)
        os.remove(path)


def _tf_files(top: str) -> list[bytes]:
    out = []
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in (".git", ".terraform"))
        for name in sorted(names):
            if name.endswith((".tf", ".tfvars")):
                with open(os.path.join(folder, name), "rb") as fh:
                    data = fh.read()
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                out.append(data)
    return out


def read_ratio(label: str, datas: list[bytes], repeat: int = 5) -> None:
    from policylint.readers.terraform import parse

    parser = parse._parser()

    def bare() -> None:
        for data in datas:
            parser.parse(data)

    def read() -> None:
        for data in datas:
            parse.parse_hcl("x.tf", data)

    ratios, b_times, r_times = [], [], []
    for _ in range(repeat):
        t = time.process_time()
        bare()
        b = time.process_time() - t
        t = time.process_time()
        read()
        r = time.process_time() - t
        ratios.append(r / b)
        b_times.append(b)
        r_times.append(r)
    size = sum(map(len, datas))
    print(f"| {label}: {len(datas)} files, {size / 2**20:.1f} MB | "
          f"{statistics.median(b_times):.3f} s | {statistics.median(r_times):.3f} s | "
          f"{statistics.median(ratios):.2f}× |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--megabytes", type=int, default=20)
    ap.add_argument("--skip-read", action="store_true", help="only the memory rows")
    ap.add_argument("--skip-memory", action="store_true", help="only the read ratio")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="policylint-mem-") as work:
        if not args.skip_memory:
            memory(work, args.megabytes)
            print()
        if not args.skip_read:
            print("| Terraform files | bare tree-sitter parse (cpu) | parse_hcl (cpu) | ratio |")
            print("|---|---|---|---|")
            if os.path.isdir(CORPUS):
                read_ratio("../shared/corpus", _tf_files(CORPUS))
            tree = os.path.join(work, "synthetic")
            generate.generate(tree, 1)
            read_ratio("1× synthetic tree", _tf_files(tree))


if __name__ == "__main__":
    main()
