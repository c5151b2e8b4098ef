"""The cache never refuses its own types (issue 17.1).

A warm run starts in a fresh process, where a reader's module (say
``policylint.readers.terraform.values``) is not imported yet: every value type a reader can put in
its facts must still load, or the unit is silently re-read on every warm run. These tests run
the loads in fresh processes and count reads; a refused entry fails them.
"""
from __future__ import annotations

import dataclasses
import enum
import importlib
import json
import pickle
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

from policylint import cache as cache_mod
from policylint.model import Facts
from conftest import write_tree

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _allowed_modules() -> list[str]:
    """Every module under the allow-listed packages (new readers included, by walking)."""
    out: list[str] = []
    for name in cache_mod.ALLOWED_PACKAGES:
        mod = importlib.import_module(name)
        out.append(name)
        if hasattr(mod, "__path__"):
            out += [m.name for m in pkgutil.walk_packages(mod.__path__, name + ".")]
    return out


def _value_types() -> list[type]:
    types: list[type] = []
    for name in _allowed_modules():
        mod = importlib.import_module(name)
        for obj in vars(mod).values():
            if cache_mod.allowed_type(obj, name):
                types.append(obj)
    return types


def _instance(cls: type) -> object:
    """An instance of a dataclass with every field set (its default, else a string; a callable
    default such as ``LocalContext.display_fn`` is code, never facts)."""
    obj = object.__new__(cls)
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING and not callable(f.default):
            value: object = f.default
        elif f.default_factory is not dataclasses.MISSING:
            value = f.default_factory()
        else:
            value = f"{cls.__name__}.{f.name}"
        object.__setattr__(obj, f.name, value)
    return obj


def _load_in_fresh_process(blob: bytes) -> str:
    probe = ("import sys\nfrom policylint.cache import load_facts\n"
             "facts = load_facts(sys.stdin.buffer.read())\n"
             "print('refused' if facts is None else repr(facts.files))\n")
    return subprocess.run([sys.executable, "-c", probe], input=blob, capture_output=True,
                          check=True).stdout.decode().strip()


def test_the_walk_finds_the_readers_value_types() -> None:
    names = {f"{t.__module__}.{t.__qualname__}" for t in _value_types()}
    assert {"policylint.model.Unknown", "policylint.model.Facts", "policylint.model.Bound",
            "policylint.readers.terraform.values.UnknownRef",
            "policylint.readers.terraform.values.UnknownJson",
            "policylint.readers.python.evaluate.Partial"} <= names


def test_every_value_type_loads_in_a_fresh_process() -> None:
    values: list[object] = []
    for cls in _value_types():
        if issubclass(cls, enum.Enum):
            values += list(cls)
        else:
            values.append(_instance(cls))
    blob = cache_mod.dump_facts(Facts(files=values))  # type: ignore[arg-type]
    # a type may reduce itself on purpose (UnknownChoice keeps its options in the reader and
    # pickles as the plain Unknown it is): the fresh process must rebuild what this one does
    expected = [_degraded(v) for v in values]
    assert _load_in_fresh_process(blob) == repr(expected)


def _degraded(value: object) -> object:
    reduce = type(value).__dict__.get("__reduce__")
    if reduce is None:
        return value
    make, args = reduce(value)[:2]
    return make(*args)


def test_a_foreign_type_is_still_refused() -> None:
    # plain classes of allowed modules and anything outside them stay refused
    from fractions import Fraction

    from policylint.readers.terraform.values import Tracked

    for bad in (Tracked.of("b", "id", "addr"), Fraction(1, 3)):
        blob = pickle.dumps(Facts(files=[bad]))  # type: ignore[list-item]
        assert _load_in_fresh_process(blob) == "refused"
    assert cache_mod.load_facts(b"\x80\x05cpolicylint.readers.no_such\nThing\n.") is None


_COUNTING = """
import json, pickle, pickletools, sys
from policylint import readphase
from policylint.cli import main
seen = []
types = set()
real = readphase.read_one
def spy(unit, *a, **k):
    seen.append(unit[1])
    facts, deps = real(unit, *a, **k)
    # protocol 2 names every class with a GLOBAL opcode: the types these facts hold
    types.update(arg.replace(' ', '.') for op, arg, _ in
                 pickletools.genops(pickle.dumps(facts, protocol=2)) if op.name == 'GLOBAL')
    return facts, deps
readphase.read_one = spy
try:
    main(['-q', '--jobs', '1', '--format', 'json', '.'])
except SystemExit:
    pass
sys.stderr.write('READS ' + json.dumps([seen, sorted(types)]) + '\\n')
"""

TERRAFORM_UNKNOWN_REF = {
    "infra/main.tf": ('module "data" {\n  source = "./modules/data"\n  prefix = "team"\n}\n'
                      'resource "aws_s3_bucket" "logs" {\n  bucket_prefix = "logs-"\n}\n'),
    "infra/modules/data/main.tf": (
        'variable "prefix" {}\n'
        'resource "aws_s3_bucket" "input" {\n  bucket_prefix = "${var.prefix}-input-"\n}\n'
        'resource "aws_sagemaker_labeling_job" "job" {\n'
        '  input_config {\n    data_source {\n      s3_data_source {\n'
        '        manifest_s3_uri = "s3://${aws_s3_bucket.input.id}/m.manifest"\n'
        '      }\n    }\n  }\n}\n'),
}


# A Python unit whose facts hold named unknowns (model.Bound) and partly known strings
PYTHON_BOUND = {
    "jobs/job.py": (
        "import os\nimport boto3\n\nBUCKET = os.environ['INPUT_BUCKET']\n"
        "sm = boto3.client('sagemaker')\n"
        "sm.create_labeling_job(\n    LabelingJobName='j',\n"
        "    InputConfig={'DataSource': {'S3DataSource': {\n"
        "        'ManifestS3Uri': f's3://{BUCKET}/in.manifest'}}},\n"
        "    OutputConfig={'S3OutputPath': 's3://' + os.environ.get('OUT', 'x') + '-out/'},\n)\n"),
}


def _run_counting(repo: Path) -> tuple[list[str], set[str]]:
    """The units a run in a fresh process reads, and the classes their facts hold."""
    err = subprocess.run([sys.executable, "-c", _COUNTING], cwd=repo, capture_output=True,
                         text=True).stderr
    line = [ln for ln in err.splitlines() if ln.startswith("READS ")][-1]
    seen, types = json.loads(line[len("READS "):])
    return list(seen), set(types)


def _reads(repo: Path) -> list[str]:
    return _run_counting(repo)[0]


def test_a_warm_run_in_a_fresh_process_reads_no_unit(repo: Path) -> None:
    """Every fixture of every reader, plus a root module with a child and generated names."""
    shutil.copytree(FIXTURES, repo / "fixtures")
    write_tree(repo, {**TERRAFORM_UNKNOWN_REF, **PYTHON_BOUND})
    cold, types = _run_counting(repo)
    assert len(cold) > 50 and "infra" in cold and "jobs/job.py" in cold
    # the cold run really put the Python reader's named unknowns into the cache, and nothing
    # from outside the allow-listed packages
    assert {"policylint.model.Bound", "policylint.model.Unknown"} <= types
    # and the Terraform facts' provenance, which the linker decides ownership with
    assert {"policylint.model.Provenance", "policylint.model.Embedded"} <= types
    assert all(cache_mod.allowed_module(t.rsplit(".", 1)[0]) for t in types), types
    assert _reads(repo) == []
