"""A small static evaluator for Python modules, shared by every reader of Python source
(boto3 scripts, notebooks, Lambda code, CDK apps in Python).

API (all values are plain, immutable data; nothing is ever guessed):

- ``Evaluator(tree)`` over a parsed ``ast.Module``; ``ev.value(node)`` evaluates an expression
  node where it appears (names resolve to the last assignment before that line in the enclosing
  function, else in the module).
- A value is one of: ``str``, ``int``/``float``/``bool``/``None``, ``dict``, ``list``,
  ``Partial`` (a string with known and unknown parts, e.g. ``f"s3://{bucket}/frames/"``),
  ``Unknown(reason)`` (from ``policylint.model``) or ``Bound`` (an Unknown with a *name*: where
  the value comes from at run time; defined in ``policylint.model`` so facts holding it
  pickle — an environment variable, a custom resource property, an S3
  event's bucket, an SSM parameter, the SageMaker default bucket — for the linker to resolve).
- ``as_text(value)`` turns a value into ``str | Unknown`` for the model (a Partial becomes an
  Unknown whose reason names its unknown parts, unless only its known parts are needed:
  ``Partial.prefix``/``Partial.suffix``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from policylint import bind
from policylint.model import Bound, SageMakerDefaultBucket, Unknown

# Bound sources: what a Bound value is waiting for.
ENV = "env"  # os.environ["X"], os.getenv("X"): path ("X",)
EVENT = "event"  # a Lambda handler's event: path of subscripts
SSM = "ssm"  # ssm.get_parameter(Name="P"): path ("P",)
SAGEMAKER_DEFAULT_BUCKET = SageMakerDefaultBucket.source  # Session().default_bucket()
ARGV = "argv"  # command-line arguments: never resolved statically


kind_of = bind.kind_of  # 'env', 'resource-property', 's3-event-bucket', 'ssm', ...


def sub(value: Bound, key: str) -> Bound:
    """The Bound value of ``value[key]``."""
    path = value.path + (key,)
    return Bound(_bound_reason(value.source, path), value.source, path)


def bound(source: str, *path: str) -> Bound:
    if source == SAGEMAKER_DEFAULT_BUCKET:
        return SageMakerDefaultBucket()
    return Bound(_bound_reason(source, path), source, tuple(path))


def _bound_reason(source: str, path: tuple[str, ...]) -> str:
    key = path[-1] if path else ""
    if source == ENV:
        return f"the environment variable {key or '?'} is set where the code runs"
    if source == SSM:
        return f"the SSM parameter {key or '?'} is read at run time"
    if source == ARGV:
        if key and not key.isdigit() and key != "*":  # argparse: args.manifest
            return f"the command-line argument --{key.replace('_', '-')}, given when the code runs"
        return "a command-line argument, given when the code runs"
    if source == EVENT:
        if len(path) == 2 and path[0] == "ResourceProperties":
            return f"the custom resource property {key} is set by the template"
        if path[:1] == ("Records",) and path[-3:] == ("s3", "bucket", "name"):
            return "the bucket of the S3 event that invokes the function"
        return "a field of the event the function is invoked with"
    return f"{source} at run time"


@dataclass(frozen=True)
class Partial:
    """A string with known and unknown parts, in order."""

    parts: tuple[str | Unknown, ...]

    @property
    def prefix(self) -> str:
        out = []
        for p in self.parts:
            if not isinstance(p, str):
                break
            out.append(p)
        return "".join(out)

    @property
    def suffix(self) -> str:
        out = []
        for p in reversed(self.parts):
            if not isinstance(p, str):
                break
            out.append(p)
        return "".join(reversed(out))

    @property
    def unknowns(self) -> tuple[Unknown, ...]:
        return tuple(p for p in self.parts if isinstance(p, Unknown))

    def reason(self) -> str:
        return "; ".join(dict.fromkeys(u.reason for u in self.unknowns))


Value = Any  # str | int | float | bool | None | dict | list | Partial | Unknown


def concat(*values: Value) -> Value:
    """String concatenation of values: a str when every part is known, else a Partial."""
    parts: list[str | Unknown] = []
    for v in values:
        if isinstance(v, Partial):
            parts.extend(v.parts)
        elif isinstance(v, Unknown):
            parts.append(v)
        elif isinstance(v, (str, int, float)) and not isinstance(v, bool):
            parts.append(str(v))
        else:
            return Unknown("a value that is not a string is joined into a string")
    merged: list[str | Unknown] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + p
        elif p != "":
            merged.append(p)
    if all(isinstance(p, str) for p in merged):
        return "".join(p for p in merged if isinstance(p, str))
    if len(merged) == 1:
        return merged[0]
    return Partial(tuple(merged))


def as_text(value: Value) -> str | Unknown:
    if isinstance(value, (str, Unknown)):
        return value
    if isinstance(value, Partial):
        bound_parts = [u for u in value.unknowns if isinstance(u, Bound)]
        if len(bound_parts) == 1 and len(value.unknowns) == 1:
            return bound_parts[0]
        return Unknown(value.reason())
    return Unknown("not a string")


MAX_DEPTH = 200  # nested expressions evaluated; deeper parts are Unknown (never a RecursionError)


class Evaluator:
    """Evaluates expressions of one module (see the module docstring)."""

    def __init__(self, tree: ast.Module, siblings: dict[str, dict[str, Value]] | None = None):
        self.tree = tree
        self.siblings = siblings or {}  # module name -> its top-level constants
        self._scope_of: dict[int, ast.AST] = {}
        self._assigns: dict[int, dict[str, list[tuple[int, ast.expr | None]]]] = {}
        self._imports: dict[str, str] = {}  # local name -> dotted origin
        self._collect(tree, tree)

    # --- collection -----------------------------------------------------------------------
    def _collect(self, scope: ast.AST, root: ast.AST) -> None:
        table = self._assigns.setdefault(id(scope), {})
        stack: list[ast.AST] = list(ast.iter_child_nodes(root))
        while stack:
            node = stack.pop()
            self._scope_of[id(node)] = scope
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                ftable = self._assigns.setdefault(id(node), {})
                for a in node.args.args + node.args.kwonlyargs:
                    ftable.setdefault(a.arg, []).append((0, None))
                self._collect(node, node)
                continue
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    self._target(table, t, node.value, node.lineno)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
                value = node.value if isinstance(node, ast.AnnAssign) else None
                self._target(table, node.target, value, node.lineno)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)):
                targets = ([node.target] if isinstance(node, (ast.For, ast.AsyncFor))
                           else [i.optional_vars for i in node.items if i.optional_vars])
                for t in targets:
                    self._target(table, t, None, node.lineno)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self._imports[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    self._imports[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"
            stack.extend(ast.iter_child_nodes(node))

    def _target(self, table: dict[str, list[tuple[int, ast.expr | None]]], target: ast.expr,
                value: ast.expr | None, line: int) -> None:
        if isinstance(target, ast.Name):
            table.setdefault(target.id, []).append((line, value))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._target(table, elt, None, line)  # unpacking: not followed

    # --- evaluation -------------------------------------------------------------------------
    def value(self, node: ast.AST | None, depth: int = 0) -> Value:
        if node is None:
            return Unknown("no value")
        if depth > MAX_DEPTH:
            return Unknown("the expression is nested too deeply to evaluate")
        method = getattr(self, f"_v_{type(node).__name__}", None)
        if method is None:
            return Unknown(f"'{_source(node)}' is computed at run time")
        result: Value = method(node, depth + 1)
        return result

    def _v_Constant(self, node: ast.Constant, depth: int) -> Value:
        return node.value if not isinstance(node.value, bytes) else Unknown("a bytes value")

    def _v_JoinedStr(self, node: ast.JoinedStr, depth: int) -> Value:
        parts = []
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                if v.format_spec is not None or v.conversion not in (-1, 115):
                    parts.append(Unknown(f"'{_source(v.value)}' is formatted at run time"))
                else:
                    parts.append(self.value(v.value, depth))
            else:
                parts.append(self.value(v, depth))
        return concat(*parts)

    def _v_Dict(self, node: ast.Dict, depth: int) -> Value:
        out: dict[Any, Value] = {}
        for k, v in zip(node.keys, node.values):
            if k is None:  # {**other}
                inner = self.value(v, depth)
                if isinstance(inner, dict):
                    out.update(inner)
                continue
            key = self.value(k, depth)
            if isinstance(key, (str, int)):
                out[key] = self.value(v, depth)
        return out

    def _v_List(self, node: ast.List | ast.Tuple, depth: int) -> Value:
        return [self.value(e, depth) for e in node.elts]

    _v_Tuple = _v_List

    def _v_Name(self, node: ast.Name, depth: int) -> Value:
        assigned = self._lookup(node.id, node)
        if assigned is _MISSING:
            origin = self._imports.get(node.id)
            if origin is not None:
                return self._imported(origin)
            return Unknown(f"'{node.id}' is not assigned in this file")
        if assigned is None:
            if node.id == "event":
                return bound(EVENT)
            return Unknown(f"'{node.id}' is a parameter or loop variable, set at run time")
        return self.value(assigned, depth)

    def _imported(self, origin: str) -> Value:
        module, _, name = origin.rpartition(".")
        consts = self.siblings.get(module.lstrip("."))
        if consts is not None and name in consts:
            return consts[name]
        if origin == "os.environ":
            return bound(ENV)
        if origin == "sys.argv":
            return bound(ARGV)
        return Unknown(f"'{origin}' is imported")

    def _lookup(self, name: str, at: ast.AST) -> Any:
        line = getattr(at, "lineno", 10**9)
        scope: ast.AST | None = self._scope_of.get(id(at), self.tree)
        while scope is not None:
            entries = sorted(self._assigns.get(id(scope), {}).get(name) or [],
                             key=lambda e: e[0])
            if entries:
                before = [e for e in entries if e[0] < line] or (
                    entries if scope is not self._scope_of.get(id(at)) else [])
                if before:
                    return before[-1][1]
            scope = None if scope is self.tree else self._scope_of.get(id(scope), self.tree)
        return _MISSING

    def _v_BinOp(self, node: ast.BinOp, depth: int) -> Value:
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        if isinstance(node.op, ast.Add):
            if isinstance(left, list) and isinstance(right, list):
                return left + right
            if _stringy(left) or _stringy(right):
                return concat(left, right)
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            return _percent(left, right)
        if (isinstance(left, (int, float)) and isinstance(right, (int, float))
                and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult))):
            ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                   ast.Mult: lambda a, b: a * b}
            return ops[type(node.op)](left, right)
        return Unknown(f"'{_source(node)}' is computed at run time")

    def _v_Subscript(self, node: ast.Subscript, depth: int) -> Value:
        base = self.value(node.value, depth)
        index = self.value(node.slice, depth)
        if isinstance(base, Bound):
            return sub(base, str(index) if isinstance(index, (str, int)) else "*")
        if isinstance(base, dict) and isinstance(index, (str, int)) and index in base:
            return base[index]
        if isinstance(base, list) and isinstance(index, int) and -len(base) <= index < len(base):
            return base[index]
        if isinstance(base, Unknown):
            return base
        return Unknown(f"'{_source(node)}' is not known statically")

    def _v_Attribute(self, node: ast.Attribute, depth: int) -> Value:
        dotted = _dotted(node)
        if dotted is not None and dotted.count(".") == 1:  # import config; config.BUCKET
            module, _, name = self._resolve_dotted(dotted).rpartition(".")
            consts = self.siblings.get(module)
            if consts is not None and name in consts:
                return consts[name]
        if dotted is not None and self._resolve_dotted(dotted) == "os.environ":
            return bound(ENV)
        if dotted is not None and self._resolve_dotted(dotted) == "sys.argv":
            return bound(ARGV)
        if isinstance(node.value, ast.Name):  # args = parser.parse_args(); args.bucket
            base = self.value(node.value, depth)
            if isinstance(base, Bound) and base.source == ARGV:
                return sub(base, node.attr)
        return Unknown(f"'{_source(node)}' is computed at run time")

    def _resolve_dotted(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        origin = self._imports.get(head, head)
        return f"{origin}.{rest}" if rest else origin

    def _v_Call(self, node: ast.Call, depth: int) -> Value:
        func = node.func
        dotted = _dotted(func)
        full = self._resolve_dotted(dotted) if dotted else ""
        args = node.args
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        if full in ("os.getenv", "os.environ.get") and args:
            name = self.value(args[0], depth)
            if isinstance(name, str):
                return bound(ENV, name)
        if full in ("os.path.join", "posixpath.join") and args:
            return _path_join([self.value(a, depth) for a in args])
        if full == "json.dumps" and args:
            inner = self.value(args[0], depth)
            return _dumps(inner)
        if full in ("str",) and len(args) == 1:
            return self.value(args[0], depth)
        if full in ("dict",) and not args:
            return {k: self.value(v, depth) for k, v in kw.items()}
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if attr in ("parse_args", "parse_known_args") and any(
                    o.split(".")[0] == "argparse" for o in self._imports.values()):
                return bound(ARGV)  # argparse: command-line arguments, set at run time
            if attr == "upload_data":  # sagemaker Session.upload_data(path, bucket=, key_prefix=)
                bucket = self.value(kw["bucket"], depth) if "bucket" in kw else bound(
                    SAGEMAKER_DEFAULT_BUCKET)
                prefix = self.value(kw["key_prefix"], depth) if "key_prefix" in kw else "data"
                return concat("s3://", bucket, "/", prefix, "/",
                              Unknown("the uploaded file's name"))
            if attr == "upload" and (dotted or "").endswith("S3Uploader.upload") \
                    and len(args) >= 2:
                return concat(self.value(args[1], depth), "/", Unknown("the uploaded file's name"))
            if attr == "generate_presigned_url" and _presigned_get(node, self, depth) is not None:
                return _presigned_get(node, self, depth)
            if attr == "default_bucket":
                return bound(SAGEMAKER_DEFAULT_BUCKET)
            if attr in ("get_parameter", "get_parameters") and "Name" in kw:
                name = self.value(kw["Name"], depth)
                if isinstance(name, str):
                    return _SSMResponse(name)
            receiver = self.value(func.value, depth)
            if attr == "get" and args:
                key = self.value(args[0], depth)
                if isinstance(receiver, Bound) and isinstance(key, str):
                    return sub(receiver, key)
                if isinstance(receiver, dict) and isinstance(key, str):
                    if key in receiver:
                        return receiver[key]
                    return self.value(args[1], depth) if len(args) > 1 else None
            if attr == "join" and isinstance(receiver, str) and len(args) == 1:
                items = self.value(args[0], depth)
                if isinstance(items, list):
                    joined: list[Value] = []
                    for i, item in enumerate(items):
                        if i:
                            joined.append(receiver)
                        joined.append(item)
                    return concat(*joined) if joined else ""
            if attr == "format" and isinstance(receiver, str):
                return _format(receiver, [self.value(a, depth) for a in args],
                               {k: self.value(v, depth) for k, v in kw.items()})
        return Unknown(f"'{_source(node)}' is computed at run time")


def _presigned_get(node: ast.Call, ev: Evaluator, depth: int) -> Value:
    """``generate_presigned_url("get_object", Params={"Bucket": B, "Key": K})``: a URL of the
    object s3://B/K, evaluated as that S3 location (whoever opens it reads from bucket B)."""
    kw = {k.arg: k.value for k in node.keywords if k.arg}
    method = ev.value(node.args[0], depth) if node.args else (
        ev.value(kw["ClientMethod"], depth) if "ClientMethod" in kw else None)
    params_node = kw.get("Params") or (node.args[1] if len(node.args) > 1 else None)
    if method != "get_object" or params_node is None:
        return None
    params = ev.value(params_node, depth)
    if not isinstance(params, dict) or "Bucket" not in params:
        return None
    key = params.get("Key", Unknown("the object key"))
    return concat("s3://", params["Bucket"], "/", key)


class _Missing:
    pass


_MISSING = _Missing()


class _SSMResponse(dict):  # type: ignore[type-arg]
    """get_parameter()'s response: ["Parameter"]["Value"] is the parameter's value."""

    def __init__(self, name: str) -> None:
        value = bound(SSM, name)
        super().__init__({"Parameter": {"Value": value}, "Parameters": [{"Value": value}]})


def _stringy(v: Value) -> bool:
    return isinstance(v, (str, Partial, Unknown))


def _path_join(parts: list[Value]) -> Value:
    pieces: list[Value] = []
    for i, p in enumerate(parts):
        if i and not (isinstance(pieces[-1], str) and pieces[-1].endswith("/")):
            pieces.append("/")
        pieces.append(p)
    return concat(*pieces)


def _percent(fmt: str, args: Value) -> Value:
    values = args if isinstance(args, list) else [args]
    pieces: list[Value] = []
    rest = fmt
    i = 0
    while "%" in rest:
        before, _, after = rest.partition("%")
        pieces.append(before)
        if after[:1] == "%":
            pieces.append("%")
            rest = after[1:]
            continue
        if after[:1] not in ("s", "d", "r") or i >= len(values):
            return Unknown(f"the format '{fmt[:60]}' is not known statically")
        pieces.append(values[i])
        i += 1
        rest = after[1:]
    pieces.append(rest)
    return concat(*pieces)


def _format(fmt: str, args: list[Value], kwargs: dict[str, Value]) -> Value:
    import string

    pieces: list[Value] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return Unknown(f"the format '{fmt[:60]}' is not valid")
    for literal, field, spec, conv in parsed:
        pieces.append(literal)
        if field is None:
            continue
        if spec or conv:
            pieces.append(Unknown(f"'{{{field}}}' is formatted at run time"))
        elif field == "":
            pieces.append(args[auto] if auto < len(args) else Unknown("a missing format argument"))
            auto += 1
        elif field.isdigit():
            n = int(field)
            pieces.append(args[n] if n < len(args) else Unknown("a missing format argument"))
        else:
            pieces.append(kwargs.get(field, Unknown(f"the format field {field} is not given")))
    return concat(*pieces)


def _dumps(value: Value) -> Value:
    """json.dumps of a value: the text when fully known; otherwise the value itself stays
    available to callers that look inside it (a dict, a list)."""
    import json

    if _plain(value):
        return json.dumps(value)
    return value  # callers that read JSON content read the structure


def _plain(value: Value) -> bool:
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return isinstance(value, (str, int, float, bool)) or value is None


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _source(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 - unparse of odd trees is best effort
        return type(node).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def module_constants(tree: ast.Module) -> dict[str, Value]:
    """Top-level names assigned a literal-evaluable value (for sibling-module imports)."""
    ev = Evaluator(tree)
    out: dict[str, Value] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ev.value(node.value)
    return out
