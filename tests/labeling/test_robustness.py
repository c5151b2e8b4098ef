"""Never a traceback: the labeling readers on fuzzed input, and on every labeling file of the
public corpus (../shared/corpus), where buckets defined nowhere are warnings, never errors."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint import discover, engine, plugins
from policylint.config import Config
from policylint.link import LinkOptions, link
from policylint.model import Facts, Severity
from policylint.readers import LocalContext, ReadOptions, Source, Unit, reader_for

REPO = Path(__file__).resolve().parent.parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
LABELING_KINDS = (discover.ASL, discover.REQUEST, discover.MANIFEST, discover.TEMPLATE,
                  discover.MTURK, discover.SCRIPT)

# fragments that steer random text towards the interesting paths of each reader
_FRAGMENTS = ["aws s3api put-bucket-cors", " --bucket ", " --cors-configuration ", "file://",
              "'", '"', "$", "${", "$(", "`", "\\\n", "\n", "<<EOF\n", "EOF\n", "#", "=",
              "{", "}", "[", "]", ":", ",", "s3://b-b/k", "https://b-b.s3.amazonaws.com/k",
              '"source-ref"', '"ManifestS3Uri"', '"InputConfig"', '"HumanLoopInput"',
              '"InputContent"', "<crowd-form>", "src=", "{{ ", " }}", "grant_read_access",
              "<HTMLQuestion>", "<![CDATA[", "]]>", "&quot;", "  - run: |\n", "env:\n",
              "StartAt", "States", "\t", "\x00", "\ufeff", "é"]
_TEXT = st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=8)),
                 max_size=40).map("".join)


def _read_kind(kind: str, name: str, data: bytes, root: Path) -> Facts:
    path = root / name
    path.write_bytes(data)
    src = Source(name, str(path), b"" if kind == discover.MANIFEST else data, kind, len(data))
    read = reader_for(kind)
    assert read is not None
    got = read(Unit(kind, name, (src,)), LocalContext(root=str(root)))
    assert isinstance(got, Facts)
    return got


@pytest.mark.parametrize("kind,name", [
    (discover.SCRIPT, "apply.sh"), (discover.SCRIPT, "Makefile"), (discover.SCRIPT, "ci.yml"),
    (discover.TEMPLATE, "t.html"), (discover.MTURK, "q.xml"), (discover.REQUEST, "r.json"),
    (discover.REQUEST, "r.yaml"), (discover.MANIFEST, "m.manifest"), (discover.MANIFEST, "m.json"),
    (discover.ASL, "s.asl.json"),
])
def test_readers_never_raise(kind: str, name: str, tmp_path: Path) -> None:
    @settings(max_examples=100, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(_TEXT)
    def check(text: str) -> None:
        facts = _read_kind(kind, name, text.encode("utf-8", errors="surrogatepass"), tmp_path)
        for e in facts.errors:
            assert e.location.line >= 1 and e.location.column >= 1

    check()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the public corpus (../shared/corpus) is absent")
def test_corpus_labeling_files_read_without_internal_errors() -> None:
    walker = discover.Walker(str(CORPUS), [])
    walker.walk(str(CORPUS))
    found = [f for f in walker.result.files if f.kind in LABELING_KINDS]
    kinds = {f.kind for f in found}
    assert {discover.ASL, discover.MANIFEST, discover.TEMPLATE} <= kinds
    facts = Facts()
    for kind, key, files in engine.build_units(found, str(CORPUS)):
        facts.extend(engine.read_unit(kind, key, files, str(CORPUS), str(CORPUS),
                                      ReadOptions()))
    assert [e for e in facts.errors if e.message.startswith("\x00")] == []  # PL000
    assert facts.errors == []  # every corpus manifest, request and ASL file parses
    project = link(facts, LinkOptions())
    findings = engine._run_rules(project, plugins.load_rules([]), Config())
    # buckets defined nowhere (the scan holds no IaC here): warnings at the uses, never errors
    got = sorted((f.rule, f.severity, os.path.basename(f.location.path), f.location.line,
                  f.bucket) for f in findings)
    assert got == [
        ("PL102", Severity.WARNING, "output-change.manifest", 1, "bucket"),
        ("PL102", Severity.WARNING, "sample-output.json", 2, "mlops-2021"),
    ]


@pytest.mark.parametrize("name,kind,payload", [
    ("t.html", discover.TEMPLATE, "<crowd-form>" + "{{ " * 40000),
    ("t.html", discover.TEMPLATE, "<crowd-form>" + "<!-- " * 40000),
    ("s.sh", discover.SCRIPT, "a=b " * 40000),
])
def test_unclosed_constructs_take_linear_time(tmp_path: Path, name: str, kind: str,
                                              payload: str) -> None:
    """Inputs that took minutes when every unclosed tag rescanned the rest of the file (or every
    word re-checked the words before it) now take well under a second."""
    import time

    start = time.process_time()
    facts = _read_kind(kind, name, payload.encode("utf-8"), tmp_path)
    assert facts.uses == [] and facts.errors == []
    assert time.process_time() - start < 5.0
