"""CDK apps in TypeScript and JavaScript (``.ts``, ``.tsx``, ``.js``, ``.mjs``, ``.cjs``),
parsed with tree-sitter (``tree-sitter-typescript``, ``tree-sitter-javascript``). Only files
that pass discover's text prefilter (they name ``aws-cdk`` or one of the AWS SDK calls sdk.py
reads) reach this reader, so the grammars are imported only on runs that have such files.

A small evaluator (evaluate.py) reads string and template literals, numbers, ``const``
bindings, object and array literals; the CDK calls become ``readers.cdk.Site`` values and
readers/cdk.py gives them their meaning, as for Python. sdk.py reads the AWS SDK for
JavaScript (v2 methods, v3 commands) as the Python reader reads boto3.
"""
from __future__ import annotations

from typing import Any

from policylint.decoding import DecodeError, Positions, decode
from policylint.model import Facts, Format, Location, ParseError, Severity
from policylint.discover import JS_SDK_MARK
from policylint.readers import Context, Unit, cdk

PARSES = [0]  # number of tree-sitter parses made by this reader (tests count them)
_PARSERS: dict[str, Any] = {}


def parser_for(path: str) -> Any:
    """The tree-sitter parser for a file's language, built (and its grammar imported) lazily."""
    lower = path.lower()
    lang = "tsx" if lower.endswith(".tsx") else "ts" if lower.endswith(".ts") else "js"
    if lang not in _PARSERS:
        import tree_sitter

        if lang == "js":
            import tree_sitter_javascript as grammar

            language = grammar.language()
        else:
            import tree_sitter_typescript as ts_grammar

            language = (ts_grammar.language_tsx() if lang == "tsx"
                        else ts_grammar.language_typescript())
        _PARSERS[lang] = tree_sitter.Parser(tree_sitter.Language(language))
    return _PARSERS[lang]


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        try:
            decode(src.data)
        except DecodeError as exc:
            facts.errors.append(ParseError(exc.message, Location(src.path, exc.line, exc.column),
                                           Severity.NOTE))
            continue
        read_source(src.path, src.data, ctx, facts, cdk.resolver(src.abspath, ctx))
    return facts


def read_source(path: str, data: bytes, ctx: Context, facts: Facts,
                resolve: cdk.Resolver | None = None) -> None:
    from policylint.readers.javascript import front, sdk

    PARSES[0] += 1
    tree = parser_for(path).parse(data)
    pos = Positions(path, data)
    root = tree.root_node
    if root.has_error:
        first = front.first_error(root)
        loc = pos.loc(first) if first is not None else Location(path, 1, 1)
        facts.errors.append(ParseError(
            "not fully valid TypeScript/JavaScript for policylint's parser; the rest of the "
            "file is still read", Location(path, loc.line, loc.column), Severity.NOTE))
    f = sdk.SdkFront(root, pos, data)
    if JS_SDK_MARK.search(data):
        sdk.read_calls(f, path, facts)
    sites = f.sites()
    fmt = Format.CDK_TYPESCRIPT
    if sites:
        cdk.build(sites, path, fmt, ctx.options, f.markers(), facts, resolve)
    facts.suppressions += f.suppressions(path)
