"""The Python reader: ``*.py`` files (and notebooks, see notebook.py) read with the standard
library's ``ast``. Only files that pass the text prefilter (calls.PREFILTER) reach this reader;
a file that does not parse as Python 3 is a PL001 note. Calls are listed in calls.py; values are
evaluated by evaluate.py."""
from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Callable

from policylint.decoding import DecodeError, decode
from policylint.model import (
    BucketRef,
    Confidence,
    Facts,
    LabelingUse,
    Location,
    Modality,
    ParseError,
    Role,
    Service,
    Severity,
    Unknown,
)
from policylint.positioned import Pos
from policylint.readers import Context, ReadOptions, Unit
from policylint.readers.cdk import Resolver, resolver
from policylint.readers.python import calls
from policylint.readers.python import cdk as cdk_app
from policylint.readers.python.evaluate import Evaluator

PARSES = [0]  # number of ast.parse calls made by this reader (tests and bench count them)


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        try:
            text = decode(src.data)
        except DecodeError as exc:
            facts.errors.append(ParseError(exc.message, Location(src.path, exc.line, exc.column),
                                           Severity.NOTE))
            continue
        if src.path.lower().endswith(".ipynb"):
            from policylint.readers.python import notebook

            notebook.read_notebook(src.path, text, facts, ctx, read_module)
        else:
            read_module(src.path, text, facts, line_positions(text),
                        siblings=_siblings_of(src.abspath, ctx), options=ctx.options,
                        resolve=resolver(src.abspath, ctx))
    return facts


def _siblings_of(abspath: str, ctx: Context
                 ) -> Callable[[ast.Module], dict[str, dict[str, object]]]:
    return lambda tree: sibling_constants(tree, abspath, ctx)


MAX_SIBLINGS = 8  # sibling modules read for imported constants, per file


def sibling_constants(tree: ast.Module, abspath: str, ctx: Context
                      ) -> dict[str, dict[str, object]]:
    """Top-level constants of the sibling modules a file imports names from
    (``from config import BUCKET``, ``from .config import BUCKET`` beside the file): module name
    -> its constants. A sibling that is missing, not Python 3 or outside the scan adds nothing
    (its names stay Unknown, "imported")."""
    import os

    from policylint.readers.python.evaluate import module_constants

    folder = os.path.dirname(abspath)
    out: dict[str, dict[str, object]] = {}
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level <= 1:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    for name in names:
        if name in out or len(out) >= MAX_SIBLINGS or "." in name:
            continue
        path = os.path.join(folder, name + ".py")
        if not os.path.isfile(path):  # os, boto3, ...: not a sibling, nothing to load
            continue
        data = ctx.load(path)
        if data is None:
            continue
        try:
            sibling, _err = parse(decode(data), name + ".py")
        except DecodeError:
            continue
        if sibling is not None:
            out[name] = module_constants(sibling)
    return out


Mapper = Callable[[int, int], tuple[int, int]]  # (module line, char column 0-based) -> file (line, col)


def line_positions(text: str) -> Mapper:
    return lambda line, col: (line, col + 1)


def parse(text: str, path: str) -> tuple[ast.Module | None, ParseError | None]:
    PARSES[0] += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text, filename=path), None
    except SyntaxError as exc:
        return None, ParseError(
            f"not valid Python 3 ({exc.msg}); the file is not read",
            Location(path, exc.lineno or 1, max(exc.offset or 1, 1)), Severity.NOTE)
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, ParseError(f"not readable as Python 3 ({type(exc).__name__}); the file is "
                                "not read", Location(path, 1, 1), Severity.NOTE)


def read_module(path: str, text: str, facts: Facts, mapper: Mapper,
                siblings: Callable[[ast.Module], dict[str, dict[str, object]]] | None = None,
                options: ReadOptions | None = None, resolve: Resolver | None = None
                ) -> None:
    """Read one module's calls into ``facts``; ``mapper`` maps module positions to file ones;
    ``siblings(tree)`` gives the constants of the modules it imports from (see
    sibling_constants); ``options`` and ``resolve`` serve CDK apps (readers/cdk.py)."""
    tree, error = parse(text, path)
    if error is not None:
        line, col = mapper(error.location.line, error.location.column - 1)
        facts.errors.append(ParseError(error.message, Location(path, line, col), error.severity))
        return
    assert tree is not None
    lines = text.splitlines()
    ev = Evaluator(tree, siblings(tree) if siblings is not None else None)
    pos = _positions(lines, mapper)
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            calls.manifest_lines(node, calls.Call(_NO_CALL, ev, path, pos), facts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            handler = calls.HANDLERS.get(node.func.attr)
            if handler is not None:
                try:
                    handler(calls.Call(node, ev, path, pos), facts)
                except RecursionError:
                    p = pos(node)
                    facts.errors.append(ParseError(
                        f"the arguments of {node.func.attr}() are nested too deeply to read",
                        Location(path, p.line, p.column), Severity.NOTE))
    if cdk_app.MARK in text:
        try:
            cdk_app.read(path, text, tree, ev, pos, mapper, options or ReadOptions(), facts,
                         resolve)
        except RecursionError:
            facts.errors.append(ParseError("the CDK constructs are nested too deeply to read",
                                           Location(path, 1, 1), Severity.NOTE))
    from policylint.readers.python import comments

    facts.suppressions += comments.suppressions(text, path, tree, mapper)
    if "labeling-input" in text:
        facts.uses += _markers(text, path, tree, ev, pos)


def _markers(text: str, path: str, tree: ast.Module, ev: Evaluator,
             pos: Callable[[ast.AST], Pos]) -> list[LabelingUse]:
    """``# policylint: labeling-input`` on (or alone above) a statement declares the bucket it
    names as labeling input: an assignment of a bucket name or S3 URI, or a create_bucket
    call. Like a tag on a bucket, for buckets whose use the scan cannot see."""
    from policylint import labeling
    from policylint.readers.python import comments

    out: list[LabelingUse] = []
    stmts = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    for line, _col, body, alone in comments._comments(text):
        if not _MARKER.search(body):
            continue
        target = [s for s in stmts if (s.lineno > line if alone else
                                       s.lineno <= line <= (s.end_lineno or s.lineno))]
        if not target:
            continue
        stmt = min(target, key=lambda s: (s.lineno, -(s.end_lineno or s.lineno))) if alone \
            else max(target, key=lambda s: s.lineno)
        value_node = _marked_value(stmt)
        if value_node is None or cdk_app.is_construct(value_node, ev):
            continue  # a CDK construct: readers/cdk.py declares the bucket itself
        value = calls.model_value(ev.value(value_node))
        name = labeling.bucket_of(value) if isinstance(value, str) and "/" in value else value
        if not isinstance(name, (str, Unknown)):
            continue
        p = pos(value_node)
        out.append(LabelingUse(Service.UNKNOWN, Role.INPUT, Modality.UNKNOWN,
                               "comment '# policylint: labeling-input'",
                               Location(path, p.line, p.column, p.end_line, p.end_column),
                               Confidence.DECLARED,
                               BucketRef(name=name, text=name if isinstance(name, str) else
                                         "marked value")))
    return out


_MARKER = re.compile(r"policylint\s*:\s*labeling-input\b", re.IGNORECASE)


def _marked_value(stmt: ast.stmt) -> ast.expr | None:
    if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
        return stmt.value
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
            and call.func.attr == "create_bucket":
        for k in call.keywords:
            if k.arg == "Bucket":
                return k.value
    return None


_NO_CALL = ast.Call(func=ast.Name(id="", ctx=ast.Load()), args=[], keywords=[], lineno=1,
                    col_offset=0)


def _positions(lines: list[str], mapper: Mapper) -> Callable[[ast.AST], Pos]:
    def char_col(line: int, byte_col: int) -> int:
        if 1 <= line <= len(lines):
            return len(lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", "ignore"))
        return byte_col

    def pos(node: ast.AST) -> Pos:
        line = getattr(node, "lineno", 1)
        col = char_col(line, getattr(node, "col_offset", 0))
        end_line = getattr(node, "end_lineno", None) or line
        end_col = char_col(end_line, getattr(node, "end_col_offset", None) or 0)
        a = mapper(line, col)
        b = mapper(end_line, end_col)
        return Pos(a[0], a[1], b[0], b[1])

    return pos
