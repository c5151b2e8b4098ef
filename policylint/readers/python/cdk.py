"""CDK apps in Python: the front end that turns ``aws_cdk`` calls into ``readers.cdk.Site``.

Import spellings resolve through the evaluator's import table: ``from aws_cdk import aws_s3 as
s3``, ``import aws_cdk.aws_s3 as s3``, ``from aws_cdk.aws_s3 import Bucket``, ``import aws_cdk
as cdk; cdk.aws_s3.Bucket`` and CDK v1's ``aws_cdk.aws_s3`` / ``aws_cdk.core.Tags``. Keyword
arguments become camelCase props; ``s3.CorsRule(...)`` and ``CfnBucket.*Property(...)`` become
dicts, ``s3.HttpMethods.GET`` the string ``GET``.
"""
from __future__ import annotations

import ast
import re
from typing import Any, Callable

from policylint.model import Facts, Format, Unknown
from policylint.positioned import Pos
from policylint.readers import ReadOptions, cdk
from policylint.readers.python.calls import _deref
from policylint.readers.python.evaluate import Evaluator, Partial, _dotted, as_text

MARK = "aws_cdk"
_STRUCTS = ("s3.CorsRule", "s3.CfnBucket.CorsRuleProperty",
            "s3.CfnBucket.CorsConfigurationProperty", cdk.POLICY_STATEMENT)
_KINDS = (cdk.BUCKET, cdk.CFN_BUCKET, cdk.SSM_PARAMETER, cdk.FLOW_DEFINITION, cdk.IAM_ROLE) \
    + cdk.IMPORTED + cdk.FUNCTIONS
_METHODS = {"add_cors_rule": cdk.ADD_CORS_RULE,
            "add_event_notification": cdk.ADD_EVENT_NOTIFICATION,
            "grant_read": cdk.GRANT_READ, "grant_read_write": cdk.GRANT_READ,
            "add_to_policy": cdk.ADD_TO_POLICY, "add_to_principal_policy": cdk.ADD_TO_POLICY,
            "add_managed_policy": cdk.ADD_MANAGED_POLICY}
_MARKER = re.compile(r"#\s*policylint:\s*labeling-input\b")


def is_construct(node: ast.AST, ev: Evaluator) -> bool:
    """Whether ``node`` is a call of a CDK class or function (``s3.Bucket(...)``)."""
    dotted = _dotted(node.func) if isinstance(node, ast.Call) else None
    return dotted is not None and ev._resolve_dotted(dotted).startswith("aws_cdk.")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


class _Front:
    def __init__(self, tree: ast.Module, ev: Evaluator, pos: Callable[[ast.AST], Pos]):
        self.tree, self.ev, self.pos = tree, ev, pos
        self.stmt_of: dict[int, tuple[ast.stmt, str | None]] = {}
        self.stack_of: dict[int, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for inner in ast.walk(node):
                    self.stack_of[id(inner)] = node.name
            value = getattr(node, "value", None)
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)) and \
                    isinstance(value, ast.Call):
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                var = ast.unparse(targets[0]) if len(targets) == 1 else None
                self.stmt_of[id(value)] = (node, var)
        self.vars: set[str] = {v for _s, v in self.stmt_of.values() if v}

    def kind(self, func: ast.expr) -> str:
        dotted = _dotted(func)
        if dotted is None:
            return ""
        return cdk.kind_of(self.ev._resolve_dotted(dotted), camel)

    def sites(self) -> list[cdk.Site]:
        out: list[cdk.Site] = []
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Call):
                continue
            kind = self.kind(node.func)
            receiver = None
            if kind not in _KINDS and isinstance(node.func, ast.Attribute):
                attr = node.func.attr
                inner = node.func.value
                if attr in _METHODS:
                    kind, receiver = _METHODS[attr], ast.unparse(inner)
                elif attr == "add" and isinstance(inner, ast.Call) and inner.args and \
                        self.kind(inner.func).endswith("Tags.of"):
                    kind, receiver = cdk.TAGS_ADD, ast.unparse(inner.args[0])
            if kind not in _KINDS and receiver is None:
                continue
            out.append(self.site(node, kind, receiver))
        return out

    def site(self, node: ast.Call, kind: str, receiver: str | None) -> cdk.Site:
        stmt, var = self.stmt_of.get(id(node), (None, None))
        start = self.pos(stmt if stmt is not None else node)
        end = self.pos(node)
        props = {camel(k.arg): self.val(k.value) for k in node.keywords if k.arg}
        return cdk.Site(kind, tuple(self.val(a) for a in node.args), props,
                        Pos(start.line, start.column, end.end_line, end.end_column), var,
                        receiver, self.stack_of.get(id(node), ""), self.hints(node))

    def hints(self, node: ast.Call) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = [("lang", "python")]
        dotted = _dotted(node.func) or ""
        if "." in dotted:
            out.append(("s3", dotted.rsplit(".", 1)[0]))
        items: list[ast.AST] = [*node.args, *node.keywords]
        out += _list_hints("", node, items, self.pos)
        for k in node.keywords:
            if k.arg == "cors" and isinstance(k.value, ast.List):
                out += _list_hints("cors:", k.value, list(k.value.elts), self.pos)
        return tuple(out)

    def val(self, node: ast.AST, depth: int = 0) -> cdk.V:
        p = self.pos(node)
        if depth > 50:
            return cdk.V(Unknown("nested too deeply"), p)
        text = ast.unparse(node) if isinstance(node, (ast.Name, ast.Attribute)) else ""
        if text in self.vars:
            return cdk.V(cdk.Ref(text), p)
        if isinstance(node, ast.Attribute):
            owner = ast.unparse(node.value)
            if owner in self.vars:
                return cdk.V(cdk.Ref(owner, camel(node.attr)), p)
            if self.kind(node).startswith(("s3.HttpMethods.", "iam.Effect.")):
                return cdk.V(node.attr, p)
        if isinstance(node, ast.Call) and _is_struct(self.kind(node.func)):
            return cdk.V({camel(k.arg): self.val(k.value, depth + 1)
                          for k in node.keywords if k.arg}, p)
        if isinstance(node, ast.Call):
            got = self.call(node, depth)
            if got is not None:
                return cdk.V(got, p)
        if isinstance(node, (ast.List, ast.Tuple)):
            return cdk.V([self.val(e, depth + 1) for e in node.elts], p)
        if isinstance(node, ast.Dict):
            out: dict[str, cdk.V] = {}
            for k, v in zip(node.keys, node.values):
                key = self.ev.value(k) if k is not None else None
                if isinstance(key, str):
                    out[key] = self.val(v, depth + 1)
            return cdk.V(out, p)
        if isinstance(node, ast.Name):
            target = _deref(self.ev, node)
            if target is not node:
                got = self.val(target, depth + 1)
                return cdk.V(got.value, p)
        return cdk.V(_plain(self.ev.value(node)), p)


    def call(self, node: ast.Call, depth: int) -> Any:
        """Code.from_asset(path), os.path.join(os.path.dirname(__file__), ...) and
        s3n.LambdaDestination(fn)."""
        kind = self.kind(node.func)
        if kind == cdk.MANAGED_POLICY and node.args:
            return cdk.Managed(self.val(node.args[0], depth + 1).value)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "arn_for_objects" and \
                ast.unparse(node.func.value) in self.vars:
            return cdk.Ref(ast.unparse(node.func.value), "bucketArn")
        if kind == cdk.FROM_ASSET and node.args:
            return cdk.Asset(self.val(node.args[0], depth + 1).value)
        if kind == cdk.LAMBDA_DESTINATION and node.args and \
                ast.unparse(node.args[0]) in self.vars:
            return cdk.Destination(ast.unparse(node.args[0]))
        full = self.ev._resolve_dotted(_dotted(node.func) or "")
        if full == "os.path.join" and node.args and isinstance(node.args[0], ast.Call) \
                and self.ev._resolve_dotted(_dotted(node.args[0].func) or "") == \
                "os.path.dirname" and ast.unparse(node.args[0]).endswith("(__file__)"):
            rest = [self.ev.value(a) for a in node.args[1:]]
            if all(isinstance(r, str) for r in rest):
                return cdk.SourceRel("/".join(rest))
        return None


def _is_struct(kind: str) -> bool:
    """A props class (``s3.CorsRule``, ``sagemaker.CfnFlowDefinition.OutputConfigProperty``):
    its keyword arguments are a dict."""
    return kind in _STRUCTS or (kind.startswith("sagemaker.Cfn") and kind.endswith("Property"))


def _plain(value: Any) -> Any:
    if isinstance(value, Partial):
        return as_text(value)
    if isinstance(value, dict) or isinstance(value, list):
        return Unknown("a computed collection")
    return value


def _list_hints(prefix: str, node: ast.AST, items: list[ast.AST],
                pos: Callable[[ast.AST], Pos]) -> list[tuple[str, str]]:
    """Where the fixer inserts into a call's arguments or a list: after the last item (or
    before the closing bracket), on its own line when the items are."""
    whole = pos(node)
    out = [(prefix + "close", f"{whole.end_line}:{whole.end_column - 1}")]
    if items:
        last = pos(items[-1])
        out.append((prefix + "last", f"{last.end_line}:{last.end_column}"))
        first = pos(items[0])
        if last.line > whole.line or first.line > whole.line:
            out.append((prefix + "indent", f"{last.column - 1}"))
    return out


def read(path: str, text: str, tree: ast.Module, ev: Evaluator,
         pos: Callable[[ast.AST], Pos], mapper: Callable[[int, int], tuple[int, int]],
         options: ReadOptions, facts: Facts, resolve: cdk.Resolver | None = None) -> None:
    """CDK facts of one Python module (called by the Python reader when it mentions aws_cdk)."""
    front = _Front(tree, ev, pos)
    sites = front.sites()
    if not sites:
        return
    markers = [mapper(i + 1, m.start()) for i, line in enumerate(text.splitlines())
               for m in [_MARKER.search(line)] if m]
    cdk.build(sites, path, Format.CDK_PYTHON, options, markers, facts, resolve)
