"""The Python reader: ``*.py`` files (and notebooks, see notebook.py) read with the standard
library's ``ast``. Only files that pass the text prefilter (calls.PREFILTER) reach this reader;
a file that does not parse as Python 3 is a PL001 note. Calls are listed in calls.py; values are
evaluated by evaluate.py."""
from __future__ import annotations

import ast
import warnings
from typing import Callable

from policylint.model import Facts, Location, ParseError, Severity
from policylint.readers import Context, ReadOptions, Unit
from policylint.readers.cdk import Resolver, resolver
from policylint.readers.python import calls
from policylint.readers.python import cdk as cdk_app
from policylint.readers.python.evaluate import Evaluator
from policylint.decoding import DecodeError, decode
from policylint.positioned import Pos

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

            notebook.read_notebook(src.path, text, facts, ctx)
        else:
            read_module(src.path, text, facts, line_positions(text), ctx.options,
                        resolver(src.abspath, ctx))
    return facts


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
                options: ReadOptions | None = None,
                resolve: Resolver | None = None) -> None:
    tree, error = parse(text, path)
    if error is not None:
        line, col = mapper(error.location.line, error.location.column - 1)
        facts.errors.append(ParseError(error.message, Location(path, line, col), error.severity))
        return
    assert tree is not None
    lines = text.splitlines()
    ev = Evaluator(tree)
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
