"""policylint's benchmark: one command, public tools only, ratios measured in the same run.

    .venv/bin/python bench/run.py                 # everything (about 5-10 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick         # 1x and 4x only, 3 repeats, no 1 GB manifest
    .venv/bin/python bench/run.py --out results.md

Every timing is the wall time of a whole command in a fresh process (interpreter start
included), the median of ``--repeat`` runs after one warm-up run that fills the OS page cache.
Memory is the peak RSS of the command's largest process (``os.wait4`` rusage). The report is
Markdown on stdout (and in ``--out``); docs/performance.md quotes it.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import generate  # noqa: E402  (bench/ is not a package)

PY = sys.executable
LINT = [PY, "-m", "policylint"]
CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")
HEAVY = ("tree_sitter", "yaml", "jsonschema", "cfnlint", "multiprocessing", "concurrent",
         "email", "importlib.metadata", "pickle", "hashlib")


ENV = dict(os.environ)


def bytecode_env(work: str) -> None:
    """Children write and reuse bytecode in ``work/pycache`` (PYTHONPYCACHEPREFIX): an installed
    package ships its .pyc files, but this sandbox sets PYTHONDONTWRITEBYTECODE=1, which would
    make every measured run compile all of policylint (and cfn-lint) from source."""
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = os.path.join(work, "pycache")
    ENV.pop("CI", None)


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


@dataclass(frozen=True)
class Sample:
    """Median wall time and median CPU time (user + sys of the process and its waited-for
    children, i.e. pool workers) of one command. CPU time barely moves when other work shares
    the machine; wall time is what a user waits for."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{fmt(self.wall)} (cpu {fmt(self.cpu)})"

    def over(self, other: Sample) -> str:
        return f"{self.wall / other.wall:.2f}× (cpu {self.cpu / other.cpu:.2f}×)"


def run_once(cmd: list[str], cwd: str,
             ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS in KiB) of one run; an exit code not in ``ok``
    stops the benchmark."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=ENV)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def median(cmd: list[str], cwd: str, repeat: int, before: list[str] | None = None,
           warmup: bool = True, ok: tuple[int, ...] = (0, 1)) -> Sample:
    """Medians over ``repeat`` runs after one warm-up run; ``before``: folders to delete
    before each run (a cold cache)."""
    walls, cpus = [], []
    for i in range(repeat + (1 if warmup else 0)):
        for d in before or []:
            shutil.rmtree(d, ignore_errors=True)
        wall, cpu, _ = run_once(cmd, cwd, ok)
        if warmup and i == 0:
            continue
        walls.append(wall)
        cpus.append(cpu)
    return Sample(statistics.median(walls), statistics.median(cpus))


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def git_init(folder: str) -> None:
    subprocess.run(["git", "init", "-q", folder], check=True)


# --- sections -------------------------------------------------------------------------------

def machine(rep: Report) -> None:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            m = re.search(r"model name\s*:\s*(.+)", fh.read())
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    rep.say("## Machine and versions")
    rep.say()
    rep.say(f"- CPU: {cpu}; usable cores (nproc): {len(os.sched_getaffinity(0))}")
    rep.say(f"- Python {platform.python_version()} ({platform.python_implementation()}), "
            f"{platform.system()} {platform.release()}")
    rep.say(f"- policylint {ver('policylint')}, tree-sitter {ver('tree-sitter')}, "
            f"tree-sitter-hcl {ver('tree-sitter-hcl')}, PyYAML {ver('PyYAML')}, "
            f"cfn-lint {ver('cfn-lint')}, checkov {ver('checkov')}")
    rep.say(f"- command: `{' '.join([os.path.relpath(PY, REPO)] + sys.argv)}`; load average at "
            f"start: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    rep.say()


def startup(rep: Report, work: str, repeat: int) -> Sample:
    """Bare interpreter start vs a one-file run (a pre-commit hook on one CORS document)."""
    folder = os.path.join(work, "onefile")
    os.makedirs(folder, exist_ok=True)
    git_init(folder)
    generate.cors_document(os.path.join(folder, "cors.json"), 0)
    bare = median([PY, "-c", "pass"], folder, repeat * 3)
    one = median(LINT + ["cors.json"], folder, repeat * 3)
    one_nc = median(LINT + ["--no-cache", "cors.json"], folder, repeat * 3)
    rep.say("## One-file run (target ≤ 6× a bare interpreter start)")
    rep.say()
    rep.say("| command | median wall (cpu) | ratio to `python -c pass` |")
    rep.say("|---|---|---|")
    rep.say(f"| `python -c pass` | {bare} | 1.0× |")
    rep.say(f"| `python -m policylint cors.json` (cache warm) | {one} | {one.over(bare)} |")
    rep.say(f"| `python -m policylint --no-cache cors.json` | {one_nc} | {one_nc.over(bare)} |")
    rep.say()
    imports(rep, folder)
    return bare


def imports(rep: Report, folder: str) -> None:
    proc = subprocess.run([PY, "-X", "importtime"] + LINT[1:] + ["cors.json"], cwd=folder,
                          capture_output=True, text=True, env=ENV)
    mods = []
    total = 0
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)", line)
        if m:
            mods.append(m.group(4).strip())
            if not m.group(3).strip(" ") and len(m.group(3)) == 1:
                total += int(m.group(2))
    heavy = sorted({m for m in mods for h in HEAVY if m == h or m.startswith(h + ".")})
    rep.say(f"`python -X importtime -m policylint cors.json`: {len(mods)} modules imported, "
            f"top-level cumulative import time {total / 1000:.0f} ms (importtime inflates it); "
            f"heavy modules imported: {', '.join(heavy) if heavy else 'none'}.")
    rep.say()


@dataclass
class Scale:
    factor: int
    files: int
    megabytes: float
    floor: Sample
    cold: Sample
    cold_write: Sample
    warm: Sample
    jobs1: Sample
    pooled: Sample


def scale_row(work: str, factor: int, repeat: int) -> Scale:
    dest = os.path.join(work, f"mono{factor}")
    generate.generate(dest, factor)
    git_init(dest)
    files = size = 0
    for folder, _, names in os.walk(dest):
        if ".git" in folder.split(os.sep):
            continue
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(folder, n))
    cache = [os.path.join(dest, ".policylint_cache")]
    floor = median([PY, os.path.join(HERE, "floor.py"), "."], dest, repeat, ok=(0,))
    cold = median(LINT + ["--no-cache", "-q", "."], dest, repeat)
    jobs1 = median(LINT + ["--no-cache", "--jobs", "1", "-q", "."], dest, repeat)
    cores = str(len(os.sched_getaffinity(0)))
    pooled = median(LINT + ["--no-cache", "--jobs", cores, "-q", "."], dest, repeat)
    cold_write = median(LINT + ["-q", "."], dest, repeat, before=cache)
    run_once(LINT + ["-q", "."], dest)  # fill the cache
    warm = median(LINT + ["-q", "."], dest, repeat)
    return Scale(factor, files, size / 1e6, floor, cold, cold_write, warm, jobs1, pooled)


def scaling(rep: Report, work: str, factors: list[int], repeat: int) -> list[Scale]:
    rows = [scale_row(work, f, repeat if f < 16 else max(repeat - 2, 1)) for f in factors]
    rep.say("## Whole-tree scan, cache and scaling")
    rep.say()
    rep.say("Targets: whole tree ≤ 1.2× the single-process parse floor; warm ≤ 0.3× cold; "
            "time linear in size. Each cell: median wall time (median CPU time).")
    rep.say()
    rep.say("| scale | files | MB | parse floor | cold `--no-cache` (default jobs) | cold / floor "
            "| `--jobs 1` | `--jobs 1` / floor | `--jobs <cores>` | pool / floor "
            "| cold + cache write | warm | warm / cold |")
    rep.say("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rep.say(f"| {r.factor}× | {r.files} | {r.megabytes:.1f} | {r.floor} | {r.cold} | "
                f"{r.cold.over(r.floor)} | {r.jobs1} | {r.jobs1.over(r.floor)} | {r.pooled} | "
                f"{r.pooled.over(r.floor)} | {r.cold_write} | {r.warm} | "
                f"{r.warm.over(r.cold_write)} |")
    rep.say()
    base = rows[0]
    rep.say("Scaling, CPU time per file relative to 1× (1.00 = linear; below 1 the fixed start-up "
            "cost is spread over more files): " + ", ".join(
                f"{r.factor}×: cold {r.cold.cpu / r.files / (base.cold.cpu / base.files):.2f}, "
                f"warm {r.warm.cpu / r.files / (base.warm.cpu / base.files):.2f}" for r in rows))
    rep.say()
    return rows


def precommit(rep: Report, work: str, bare: Sample, repeat: int) -> None:
    """A one-file run inside the 1× monorepo: the whole repository view comes from the cache."""
    dest = os.path.join(work, "mono1")
    target = os.path.join("infra", "team0", "module0000", "main.tf")
    run_once(LINT + [target], dest)
    t = median(LINT + [target], dest, repeat)
    rep.say(f"Pre-commit in the 1× monorepo (`policylint {target}`, which still builds the "
            f"repository view, warm cache): {t} = {t.over(bare)} a bare interpreter start.")
    rep.say()


PEERS = os.path.join(HERE, ".peers")  # git-ignored virtualenv of the peer tools
PEER_PACKAGES = ("checkov", "cfn-lint")
GENAI = "awslabs__genai-idp-terraform"


def peer_venv() -> str:
    """bench/.peers: a virtualenv of its own holding checkov and cfn-lint (never a policylint
    dependency), created and filled from PyPI on first use."""
    bindir = os.path.join(PEERS, "bin")
    if not all(os.path.exists(os.path.join(bindir, t)) for t in ("checkov", "cfn-lint")):
        subprocess.run([sys.executable, "-m", "venv", PEERS], check=True)
        subprocess.run([os.path.join(bindir, "python"), "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", *PEER_PACKAGES], check=True)
    return bindir


def peer_version(bindir: str, name: str) -> str:
    out = subprocess.run([os.path.join(bindir, "python"), "-c",
                          f"from importlib.metadata import version; print(version({name!r}))"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def corpus_copy(work: str, name: str) -> str | None:
    """A copy of one corpus repository folder, as its own git repository (the corpus itself is
    read-only and never gets a cache folder)."""
    src = os.path.join(CORPUS, name)
    if not os.path.isdir(src):
        return None
    dest = os.path.join(work, name)
    if not os.path.isdir(dest):
        shutil.copytree(src, dest, symlinks=True)
        for folder, _, _ in os.walk(dest):  # the corpus is read-only; a read-only root gets
            os.chmod(folder, 0o755)          # no cache (by design), a checkout is writable
        git_init(dest)
    return dest


def peers(rep: Report, work: str, repeat: int, skip: frozenset[str] = frozenset()) -> None:
    """checkov on Terraform trees and cfn-lint on CloudFormation trees against policylint, no
    cache on either side, in this run: peer time / policylint time."""
    bindir = peer_venv()
    checkov, cfn = os.path.join(bindir, "checkov"), os.path.join(bindir, "cfn-lint")
    rep.say("## Peers (same run, same files, no cache on either side)")
    rep.say()
    rep.say(f"checkov {peer_version(bindir, 'checkov')} and cfn-lint "
            f"{peer_version(bindir, 'cfn-lint')} from `{os.path.relpath(PEERS, REPO)}` "
            "(installed by `--peers`). Targets: checkov ≥ 50× and cfn-lint ≥ 20× policylint's time.")
    rep.say()
    rep.say("| tree | policylint | peer | peer time | peer / policylint |")
    rep.say("|---|---|---|---|---|")
    mono = os.path.join(work, "mono1")
    if not os.path.isdir(mono):
        generate.generate(mono, 1)
        git_init(mono)
    # exit codes that mean "ran and found something" (a usage error stops the benchmark):
    # checkov 0/1, cfn-lint a sum of 2 (error), 4 (warning), 8 (informational)
    codes = {"checkov": (0, 1), "cfn-lint": tuple(range(0, 16, 2))}
    ck = [checkov, "--quiet", "--compact", "--framework", "terraform", "-d"]
    trees: list[tuple[str, str, list[str], list[str], str]] = [
        ("1× synthetic, Terraform (`infra/`)", mono, ["infra"], ck + ["infra"], "checkov"),
        ("1× synthetic, CloudFormation (`stacks/`)", mono, ["stacks"],
         [cfn, "stacks/*.yaml", "stacks/*.json"], "cfn-lint"),
    ]
    genai = corpus_copy(work, GENAI)
    if genai:
        trees.append((f"corpus `{GENAI}`", genai, ["."], ck + ["."], "checkov"))
    cfn_corpus = corpus_copy(work, "aws-cloudformation__aws-cloudformation-templates")
    if cfn_corpus:
        trees.append(("corpus `aws-cloudformation-templates`", cfn_corpus, ["."],
                      [cfn, "**/*.yaml", "**/*.json"], "cfn-lint"))
    for label, cwd, paths, cmd, tool in trees:
        if tool in skip:
            continue
        ours = median(LINT + ["--no-cache", "-q", *paths], cwd, repeat)
        theirs = median(cmd, cwd, 1, warmup=False, ok=codes[tool])
        rep.say(f"| {label} | {ours} | {tool} | {theirs} | {theirs.over(ours)} |")
    rep.say()


def precommit_real(rep: Report, work: str, bare: Sample, repeat: int) -> None:
    """A one-file pre-commit run inside a real repository (a copy of the corpus's genai-idp
    folder) and inside the 16× synthetic tree: cold (no cache yet: the first run in CI) against
    a cold full scan, and warm (the cache of an earlier run) against ``python -c pass``."""
    rep.say("## Pre-commit in a real repository (targets: warm ≤ 10× `python -c pass`; cold ≤ "
            "a cold full scan)")
    rep.say()
    rep.say("| repository | file | cold one-file | cold full scan | cold / full | warm one-file "
            "| warm / `python -c pass` |")
    rep.say("|---|---|---|---|---|---|---|")
    targets = []
    genai = corpus_copy(work, GENAI)
    if genai:
        targets.append((f"`{GENAI}` (copy)", genai, _first_tf(genai)))
    mono16 = os.path.join(work, "mono16")
    if not os.path.isdir(mono16):
        generate.generate(mono16, 16)
        git_init(mono16)
    targets.append(("16× synthetic", mono16, os.path.join("infra", "team0", "module0000",
                                                          "main.tf")))
    for label, cwd, target in targets:
        cache = [os.path.join(cwd, ".policylint_cache")]
        cold = median(LINT + [target], cwd, repeat, before=cache)
        full = median(LINT + ["-q", "."], cwd, repeat, before=cache)
        run_once(LINT + [target], cwd)
        warm = median(LINT + [target], cwd, repeat)
        rep.say(f"| {label} | `{target}` | {cold} | {full} | {cold.over(full)} | {warm} | "
                f"{warm.over(bare)} |")
    rep.say()


def _first_tf(root: str) -> str:
    for folder, dirs, names in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for n in sorted(names):
            if n == "main.tf":
                return os.path.relpath(os.path.join(folder, n), root)
    return "."


def memory(rep: Report, work: str, big: bool) -> None:
    rep.say("## Memory")
    rep.say()
    rep.say("| input | wall | cpu | peak RSS (largest process) |")
    rep.say("|---|---|---|---|")

    def row(label: str, cmd: list[str], cwd: str, ok: tuple[int, ...] = (0, 1)) -> None:
        wall, cpu, rss = run_once(cmd, cwd, ok)
        rep.say(f"| {label} | {fmt(wall)} | {fmt(cpu)} | {rss / 1024:.0f} MB |")

    base = os.path.join(work, "mem-base")
    os.makedirs(base, exist_ok=True)
    generate.cors_document(os.path.join(base, "cors.json"), 0)
    row("baseline: one CORS document", LINT + ["--no-cache", "."], base)
    tf = os.path.join(work, "mem-tf")
    generate.big_terraform(os.path.join(tf, "main.tf"), 20)
    row("parse floor: bare tree-sitter on the 20 MB Terraform file",
        [PY, os.path.join(HERE, "floor.py"), "."], tf, ok=(0,))
    row("policylint on one 20 MB Terraform file", LINT + ["--no-cache", "."], tf)
    shutil.rmtree(tf, ignore_errors=True)
    if big:
        mf = os.path.join(work, "mem-manifest")
        generate.big_manifest(os.path.join(mf, "huge.manifest"), 1 << 30)
        row("one 1 GB Ground Truth manifest (streamed), `--no-cache`",
            LINT + ["--no-cache", "."], mf)
        run_once(LINT + ["."], mf)  # fill the cache (stat-keyed above 32 MB)
        row("the same, warm cache", LINT + ["."], mf)
        shutil.rmtree(mf, ignore_errors=True)
    else:
        rep.say("| 1 GB manifest | skipped (`--quick`) | | |")
    rep.say()


def corpus(rep: Report, repeat: int) -> None:
    if not os.path.isdir(CORPUS):
        rep.say("Public corpus not found (../shared/corpus): not measured.")
        return
    t = median(LINT + ["--no-cache", "-q", CORPUS], REPO, repeat)
    j1 = median(LINT + ["--no-cache", "--jobs", "1", "-q", CORPUS], REPO, repeat)
    f = median([PY, os.path.join(HERE, "floor.py"), CORPUS], REPO, repeat, ok=(0,))
    rep.say("## Public corpus")
    rep.say()
    rep.say(f"`policylint --no-cache ../shared/corpus` (~3,500 files): {t}; with `--jobs 1`: "
            f"{j1}; parse floor of the same tree (every YAML/JSON/HCL file, relevant or not): "
            f"{f}; policylint / floor: {t.over(f)}.")
    rep.say()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1x and 4x, 3 repeats, no 1 GB file")
    ap.add_argument("--repeat", type=int, default=None, help="runs per measurement (default 5)")
    ap.add_argument("--scales", default=None, help="comma-separated factors (default 1,4,16)")
    ap.add_argument("--only", default=None,
                    help="comma-separated sections: startup,scaling,precommit,peers,memory,corpus")
    ap.add_argument("--out", help="also write the Markdown report to this file")
    ap.add_argument("--peers", action="store_true",
                    help="also time checkov and cfn-lint (installed on first use into the "
                         "git-ignored virtualenv bench/.peers)")
    ap.add_argument("--skip-peer", action="append", choices=("checkov", "cfn-lint"),
                    help="leave one peer out (repeatable)")
    args = ap.parse_args()
    repeat = args.repeat or (3 if args.quick else 5)
    factors = [int(x) for x in (args.scales or ("1,4" if args.quick else "1,4,16")).split(",")]
    only = set(args.only.split(",")) if args.only else None
    rep = Report()
    rep.say(f"# policylint benchmark ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    rep.say()
    machine(rep)
    with tempfile.TemporaryDirectory(prefix="policylint-bench-") as work:
        bytecode_env(work)
        bare = startup(rep, work, repeat) if not only or "startup" in only else Sample(.02, .02)
        rows = scaling(rep, work, factors, repeat) if not only or "scaling" in only else []
        if (not only or "precommit" in only) and rows:
            precommit(rep, work, bare, repeat)
        if not only or "precommit" in only:
            precommit_real(rep, work, bare, repeat)
        if args.peers or (only and "peers" in only):
            peers(rep, work, repeat, frozenset(args.skip_peer or ()))
        if not only or "memory" in only:
            memory(rep, work, big=not args.quick)
        if not only or "corpus" in only:
            corpus(rep, min(repeat, 3))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write("\n".join(rep.lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
