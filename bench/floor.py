"""The parse floor: the files policylint reads, parsed by the bare parsers and nothing else.

One process, no cache, no pool: tree-sitter-hcl for ``.tf``/``.tfvars``, PyYAML's CSafeLoader
for YAML (any ``!Tag`` accepted), stdlib ``json`` for JSON (a manifest line by line), pyexpat for
XML; worker templates are only read. Usage: ``python bench/floor.py DIR`` prints the number of
files and bytes it parsed. The benchmark times this whole command, interpreter start included,
exactly as it times ``python -m policylint DIR``.
"""
from __future__ import annotations

import json
import os
import sys

SKIP = {".git", ".policylint_cache", ".terraform", "node_modules"}
YAML_EXT = (".yaml", ".yml", ".template")
JSON_EXT = (".json",)
LINE_EXT = (".manifest", ".jsonl")
TEXT_EXT = (".liquid", ".html", ".htm")


def _hcl_parser() -> object:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def _yaml_loader() -> type:
    import yaml

    class Loader(yaml.CSafeLoader):  # type: ignore[misc,name-defined]
        pass

    def tagged(loader: object, suffix: str, node: object) -> object:
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)  # type: ignore[attr-defined]
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)  # type: ignore[attr-defined]
        return loader.construct_mapping(node)  # type: ignore[attr-defined]

    Loader.add_multi_constructor("!", tagged)
    return Loader


def parse_tree(top: str) -> tuple[int, int]:
    """(files, bytes) parsed; a file that fails to parse still counts (its parse was paid)."""
    hcl = None
    loader = None
    files = size = 0
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP)
        for name in sorted(names):
            path = os.path.join(folder, name)
            lower = name.lower()
            if lower.endswith((".tf", ".tfvars")):
                hcl = hcl or _hcl_parser()
                with open(path, "rb") as fh:
                    data = fh.read()
                # tree-sitter never raises: broken input becomes error nodes
                hcl.parse(data)  # type: ignore[attr-defined]
            elif lower.endswith(YAML_EXT):
                import yaml

                loader = loader or _yaml_loader()
                with open(path, "rb") as fh:
                    data = fh.read()
                _quietly(lambda: list(yaml.load_all(data, Loader=loader)))  # noqa: S506
            elif lower.endswith(JSON_EXT):
                with open(path, "rb") as fh:
                    data = fh.read()
                _quietly(lambda: json.loads(data))
            elif lower.endswith(LINE_EXT):
                data = b""
                with open(path, "rb") as fh:
                    for line in fh:
                        data = line
                        size += len(line)
                        if line.strip():
                            _quietly(lambda: json.loads(line))
                files += 1
                continue
            elif lower.endswith(".xml"):
                import xml.parsers.expat

                with open(path, "rb") as fh:
                    data = fh.read()
                _quietly(lambda: xml.parsers.expat.ParserCreate().Parse(data, True))
            elif lower.endswith(TEXT_EXT):
                with open(path, "rb") as fh:
                    data = fh.read()
            else:
                continue
            files += 1
            size += len(data)
    return files, size


def _quietly(parse: object) -> None:
    """Run one parse; broken input (the public corpus has some) is part of the work, not an
    end of it."""
    try:
        parse()  # type: ignore[operator]
    except Exception:  # noqa: BLE001 - any parser error
        pass


if __name__ == "__main__":
    n, b = parse_tree(sys.argv[1] if len(sys.argv) > 1 else ".")
    print(f"{n} files, {b} bytes")
