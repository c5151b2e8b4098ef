"""python-hcl2 as an oracle: on every .tf file of ../shared/corpus that both parsers accept,
the literal attribute values policylint extracts agree with python-hcl2's.

python-hcl2 8.x keeps string literals as their source text (quotes and escapes included) and
marks blocks with ``__is_block__``; both are normalised here. Only literal attributes are
compared (strings without interpolation, numbers, bools, null, and lists/objects of those):
python-hcl2 returns expressions as source text, which is not a value.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from policylint.readers.terraform.evaluate import Budget, Evaluator, unescape_template
from policylint.readers.terraform.parse import Block, parse_hcl

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
NOT_LITERAL = object()
_LITERAL_NODES = frozenset({
    "expression", "literal_value", "numeric_lit", "bool_lit", "null_lit", "string_lit",
    "quoted_template_start", "quoted_template_end", "template_literal", "collection_value",
    "tuple", "tuple_start", "tuple_end", "object", "object_start", "object_end", "object_elem",
    "true", "false", "null", "{", "}", "[", "]", ",", "=", ":", "comment",
})


def _is_literal(node: Any, key: bool = False) -> bool:
    if node.type == "variable_expr":
        return key  # a bare object key
    if node.type not in _LITERAL_NODES:
        return False
    if node.type == "object_elem":
        kids = [c for c in node.children if c.type == "expression"]
        return len(kids) == 2 and _is_literal(kids[0], key=True) and _is_literal(kids[1])
    return all(_is_literal(c, key and node.type == "expression") for c in node.children)


def _oracle_value(v: Any) -> Any:
    if isinstance(v, str):
        if len(v) >= 2 and v.startswith('"') and v.endswith('"') and "${" not in v \
                and "%{" not in v:
            return unescape_template(v[1:-1], raw=False)
        return NOT_LITERAL
    if isinstance(v, list):
        items = [_oracle_value(x) for x in v]
        return NOT_LITERAL if any(x is NOT_LITERAL for x in items) else items
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == "__is_block__":
                continue
            ov = _oracle_value(x)
            if ov is NOT_LITERAL:
                return NOT_LITERAL
            out[_oracle_key(k)] = ov
        return out
    return v


def _oracle_key(k: str) -> str:
    return unescape_template(k[1:-1], raw=False) if k.startswith('"') and k.endswith('"') else k


def _ours(blocks: list[Block], ev: Evaluator) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) of every literal attribute, paths in python-hcl2's shape."""
    counts: dict[tuple[str, ...], int] = {}
    for b in blocks:
        head = (b.type, *b.labels)
        i = counts.get(head, 0)
        counts[head] = i + 1
        yield from _block_values(b, (b.type, i, *b.labels), ev)


def _block_values(b: Block, path: tuple[Any, ...], ev: Evaluator
                  ) -> Iterator[tuple[tuple[Any, ...], Any]]:
    for name, attr in b.attrs.items():
        if _is_literal(attr.expr):
            yield path + (name,), ev.value(attr.expr)
    counts: dict[str, int] = {}
    for child in b.blocks:
        i = counts.get(child.type, 0)
        counts[child.type] = i + 1
        yield from _block_values(child, path + (child.type, i, *child.labels), ev)


def _lookup(doc: Any, path: tuple[Any, ...]) -> Any:
    """Follow our path in python-hcl2's structure: top-level blocks are lists per type, labels
    nest as quoted keys, nested blocks are lists under their type."""
    type_, index, *rest = path
    entries = [e for e in doc.get(type_, [])]
    labels_done = 0
    node: Any = None
    seen = 0
    # top-level: find the index-th entry with these labels
    labels = []
    for part in rest:
        if isinstance(part, str) and labels_done < 2 and type_ in ("resource", "data") or (
                labels_done < 1 and type_ in ("variable", "output", "module", "provider")):
            labels.append(part)
            labels_done += 1
        else:
            break
    attr_path = rest[len(labels):]
    for e in entries:
        cur = e
        ok = True
        for lab in labels:
            key = next((k for k in cur if _oracle_key(k) == lab), None)
            if key is None:
                ok = False
                break
            cur = cur[key]
        if not ok:
            continue
        if seen == index:
            node = cur
            break
        seen += 1
    if node is None:
        raise KeyError(path)
    i = 0
    while i < len(attr_path):
        part = attr_path[i]
        if isinstance(node, list):
            node = node[part]
        elif isinstance(node, dict):
            key = part if part in node else next((k for k in node if _oracle_key(k) == part))
            node = node[key]
        i += 1
    return node


def _tf_files() -> list[Path]:
    out = []
    for dirpath, _dirs, files in os.walk(CORPUS):
        out += [Path(dirpath) / f for f in files if f.endswith(".tf")]
    return sorted(out)


# Where python-hcl2 8.1 itself is wrong (checked by hand against Terraform's grammar):
KNOWN_ORACLE_BUGS = {
    # python-hcl2 drops every aws_kms_key block after the first when a `<<POLICY` heredoc
    # follows (the file has five; python-hcl2 returns one)
    "bridgecrewio__checkov/tests/terraform/checks/resource/aws/example_KMSKeyWildcardPrincipal/"
    "pass.tf",
    # python-hcl2 does not return `assert` blocks nested in `check` blocks
    "awslabs__genai-idp-terraform/main.tf",
}


def _hcl2_tree(path: str) -> Any:
    """python-hcl2's tree for one file, or None when it rejects it (runs in a worker)."""
    import hcl2

    try:
        return hcl2.loads(Path(path).read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - python-hcl2 rejects the file: not compared
        return None


def _entry(folder: Path, data: bytes) -> Path:
    import hashlib

    return folder / f"{hashlib.sha256(data).hexdigest()}.json"


def _prefetch(folder: Path, paths: list[Path]) -> None:
    """Fill the cache for files not in it, two processes at a time (python-hcl2 takes ~100 s
    on the corpus in one process; the cache, kept by content, makes repeated runs ~10 s)."""
    from concurrent.futures import ProcessPoolExecutor

    todo = [p for p in paths if not _entry(folder, p.read_bytes()).exists()]
    if not todo:
        return
    with ProcessPoolExecutor(max_workers=2) as pool:
        for p, tree in zip(todo, pool.map(_hcl2_tree, [str(p) for p in todo], chunksize=16)):
            _entry(folder, p.read_bytes()).write_text(json.dumps({"tree": tree}))


def _oracle(folder: Path, data: bytes) -> Any:
    return json.loads(_entry(folder, data).read_text())["tree"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
def test_literal_values_agree_with_python_hcl2(request: pytest.FixtureRequest,
                                              tmp_path: Path) -> None:
    hcl2 = pytest.importorskip("hcl2")
    ev = Evaluator(lambda name: None, Budget(10**9))
    compared = 0
    disagreements: list[str] = []
    both = 0
    start = time.monotonic()
    cache = getattr(request.config, "cache", None)  # absent under -p no:cacheprovider
    base = Path(cache.mkdir("policylint-hcl2-oracle")) if cache is not None else tmp_path
    folder = base / getattr(hcl2, "__version__", "x")
    folder.mkdir(parents=True, exist_ok=True)
    files = _tf_files()
    _prefetch(folder, files)
    for path in files:
        data = path.read_bytes()
        ours = parse_hcl(str(path), data)
        if ours.errors:
            continue
        theirs = _oracle(folder, data)
        if theirs is None or str(path.relative_to(CORPUS)) in KNOWN_ORACLE_BUGS:
            continue
        both += 1
        for p, value in _ours(ours.blocks, ev):
            try:
                expected = _oracle_value(_lookup(theirs, p))
            except (KeyError, IndexError, StopIteration, TypeError):
                disagreements.append(f"{path}: {p} missing in python-hcl2")
                continue
            if expected is NOT_LITERAL:
                continue
            compared += 1
            if json.dumps(value, sort_keys=True) != json.dumps(expected, sort_keys=True):
                disagreements.append(f"{path}: {p}: {value!r} != {expected!r}")
    print(f"{both} files accepted by both, {compared} literal values compared "
          f"in {time.monotonic() - start:.1f}s")
    assert both > 1000 and compared > 10000
    print("\n".join(disagreements))
    assert disagreements == []
