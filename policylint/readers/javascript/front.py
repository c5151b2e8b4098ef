"""The TypeScript/JavaScript front end: tree-sitter nodes -> ``readers.cdk.Site``.

Imports resolve to the dotted origin the Python front end uses: ``import * as s3 from
'aws-cdk-lib/aws-s3'`` and CDK v1's ``'@aws-cdk/aws-s3'`` make ``s3`` ``aws_cdk.aws_s3``;
``import { Bucket } from ...`` makes ``Bucket`` ``aws_cdk.aws_s3.Bucket``; ``import { aws_s3 as
s3 } from 'aws-cdk-lib'``, ``const s3 = require('aws-cdk-lib').aws_s3`` and ``const s3 =
require('aws-cdk-lib/aws-s3')`` likewise.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

from policylint.decoding import Positions
from policylint.model import Location, Suppression, Unknown
from policylint.positioned import Pos
from policylint.readers import cdk
from policylint.readers.python.evaluate import ENV, Partial, as_text, bound, concat
from policylint.suppress import comment_scope, parse_comment

_KINDS = (cdk.BUCKET, cdk.CFN_BUCKET, cdk.SSM_PARAMETER, cdk.FLOW_DEFINITION, cdk.IAM_ROLE) \
    + cdk.IMPORTED + cdk.FUNCTIONS
_STATEMENTS = frozenset({"lexical_declaration", "variable_declaration", "expression_statement",
                         "public_field_definition", "field_definition", "return_statement",
                         "export_statement"})
_MARKER = re.compile(r"policylint:\s*labeling-input\b")
MAX_DEPTH = 60
_METHODS = {"addCorsRule": cdk.ADD_CORS_RULE, "addEventNotification": cdk.ADD_EVENT_NOTIFICATION,
            "grantRead": cdk.GRANT_READ, "grantReadWrite": cdk.GRANT_READ,
            "addToPolicy": cdk.ADD_TO_POLICY, "addToPrincipalPolicy": cdk.ADD_TO_POLICY,
            "addManagedPolicy": cdk.ADD_MANAGED_POLICY}


def module_origin(source: str) -> str | None:
    """'aws-cdk-lib/aws-s3' / '@aws-cdk/aws-s3' -> 'aws_cdk.aws_s3'; 'aws-cdk-lib' ->
    'aws_cdk'; '@aws-cdk/core' -> 'aws_cdk.core'."""
    if source in ("aws-cdk-lib", "@aws-cdk/core"):
        return "aws_cdk" if source == "aws-cdk-lib" else "aws_cdk.core"
    for prefix in ("aws-cdk-lib/", "@aws-cdk/"):
        if source.startswith(prefix):
            return "aws_cdk." + source[len(prefix):].replace("-", "_")
    return None


def first_error(node: Any) -> Any:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return n
        stack.extend(reversed(n.children))
    return None


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


class Front:
    def __init__(self, root: Any, pos: Positions, data: bytes) -> None:
        self.root, self.positions, self.data = root, pos, data
        self.imports: dict[str, str] = {}
        self.consts: dict[str, list[tuple[int, Any]]] = {}
        self.vars: set[str] = set()
        self.nodes = list(_walk(root))
        for n in self.nodes:
            if n.type == "import_statement":
                self._import(n)
            elif n.type == "variable_declarator":
                self._declarator(n)
        for n in self.nodes:
            if n.type == "new_expression":
                _stmt, var = self.statement(n)
                if var:
                    self.vars.add(var)

    # --- collection -------------------------------------------------------------------
    def text(self, node: Any) -> str:
        return node.text.decode("utf-8", "replace") if node is not None else ""

    def pos(self, node: Any) -> Pos:
        loc = self.positions.loc(node)
        return Pos(loc.line, loc.column, loc.end_line, loc.end_column)

    def _import(self, n: Any) -> None:
        source = n.child_by_field_name("source")
        origin = module_origin(self._string(source)) if source is not None else None
        if origin is None:
            return
        for c in _walk(n):
            if c.type == "namespace_import":
                ids = [x for x in c.children if x.type == "identifier"]
                if ids:
                    self.imports[self.text(ids[0])] = origin
            elif c.type == "import_specifier":
                name = self.text(c.child_by_field_name("name"))
                alias = c.child_by_field_name("alias")
                self.imports[self.text(alias) if alias is not None else name] = f"{origin}.{name}"

    def _declarator(self, n: Any) -> None:
        name, value = n.child_by_field_name("name"), n.child_by_field_name("value")
        if name is None or value is None:
            return
        origin = self._require(value)
        if name.type == "identifier":
            if origin is not None:
                self.imports[self.text(name)] = origin
            else:
                self.consts.setdefault(self.text(name), []).append((n.start_point[0], value))
        elif name.type == "object_pattern" and origin is not None:
            for c in name.children:
                if c.type == "shorthand_property_identifier_pattern":
                    self.imports[self.text(c)] = f"{origin}.{self.text(c)}"
                elif c.type == "pair_pattern":
                    key, val = c.child_by_field_name("key"), c.child_by_field_name("value")
                    if key is not None and val is not None:
                        self.imports[self.text(val)] = f"{origin}.{self.text(key)}"

    def _require(self, node: Any) -> str | None:
        """The origin of require('m') or require('m').member, or None."""
        if node.type == "member_expression":
            inner = self._require(node.child_by_field_name("object"))
            prop = self.text(node.child_by_field_name("property"))
            return f"{inner}.{prop}" if inner is not None else None
        if node.type == "call_expression" and self.text(node.child_by_field_name("function")) \
                == "require":
            args = [a for a in (node.child_by_field_name("arguments") or node).named_children]
            if args and args[0].type == "string":
                return module_origin(self._string(args[0]))
        return None

    def _string(self, node: Any) -> str:
        raw = self.text(node)
        if len(raw) >= 2 and raw[0] in "'\"`" and raw[-1] == raw[0]:
            raw = raw[1:-1]
        if "\\" in raw:
            try:
                raw = raw.encode("utf-8").decode("unicode_escape").encode(
                    "latin-1").decode("utf-8")
            except (UnicodeDecodeError, UnicodeEncodeError):
                pass
        return raw

    def statement(self, node: Any) -> tuple[Any, str | None]:
        """The statement holding a construct call and the variable it is assigned to."""
        parent = node.parent
        while parent is not None and parent.type in ("parenthesized_expression", "as_expression",
                                                     "non_null_expression",
                                                     "satisfies_expression"):
            parent = parent.parent
        var: str | None = None
        if parent is not None and parent.type == "variable_declarator":
            var = self.text(parent.child_by_field_name("name"))
        elif parent is not None and parent.type == "assignment_expression":
            var = self.text(parent.child_by_field_name("left"))
        elif parent is not None and parent.type in ("public_field_definition", "field_definition"):
            prop = parent.child_by_field_name("name") or parent.child_by_field_name("property")
            var = "this." + self.text(prop) if prop is not None else None
        stmt = parent
        while stmt is not None and stmt.type not in _STATEMENTS:
            stmt = stmt.parent
        if stmt is None or (stmt.parent is not None and stmt.parent.type == "export_statement"):
            stmt = stmt.parent if stmt is not None else node
        return stmt, var

    def resolve(self, node: Any) -> str:
        parts: list[str] = []
        while node is not None and node.type == "member_expression":
            parts.append(self.text(node.child_by_field_name("property")))
            node = node.child_by_field_name("object")
        if node is None or node.type != "identifier":
            return ""
        head = self.text(node)
        origin = self.imports.get(head)
        if origin is None:
            return ""
        return ".".join([origin] + list(reversed(parts)))

    def stack_of(self, node: Any) -> str:
        n = node.parent
        while n is not None:
            if n.type in ("class_declaration", "class", "abstract_class_declaration"):
                name = n.child_by_field_name("name")
                return self.text(name) if name is not None else ""
            n = n.parent
        return ""

    # --- sites ----------------------------------------------------------------------------
    def sites(self) -> list[cdk.Site]:
        out: list[cdk.Site] = []
        for n in self.nodes:
            if n.type == "new_expression":
                kind = cdk.kind_of(self.resolve(n.child_by_field_name("constructor")))
                if kind in _KINDS:
                    out.append(self.site(n, kind, None))
            elif n.type == "call_expression":
                func = n.child_by_field_name("function")
                if func is None or func.type != "member_expression":
                    continue
                attr = self.text(func.child_by_field_name("property"))
                obj = func.child_by_field_name("object")
                full = cdk.kind_of(self.resolve(func))
                if full in _KINDS:
                    out.append(self.site(n, full, None))
                elif attr in _METHODS and obj is not None:
                    out.append(self.site(n, _METHODS[attr], self.text(obj)))
                elif attr == "add" and obj is not None and obj.type == "call_expression":
                    of = obj.child_by_field_name("function")
                    args = self._args(obj)
                    if of is not None and cdk.kind_of(self.resolve(of)).endswith("Tags.of") \
                            and args:
                        out.append(self.site(n, cdk.TAGS_ADD, self.text(args[0])))
        return out

    def _args(self, call: Any) -> list[Any]:
        args = call.child_by_field_name("arguments")
        return [a for a in args.named_children if a.type != "comment"] if args else []

    def site(self, n: Any, kind: str, receiver: str | None) -> cdk.Site:
        stmt, var = self.statement(n)
        start, end = self.pos(stmt if stmt is not None else n), self.pos(n)
        args = self._args(n)
        props: dict[str, cdk.V] = {}
        props_node = args[2] if kind in (cdk.BUCKET, cdk.CFN_BUCKET, cdk.SSM_PARAMETER,
                                         cdk.FLOW_DEFINITION, cdk.IAM_ROLE) + cdk.FUNCTIONS \
            and len(args) > 2 else None
        if kind == cdk.ADD_CORS_RULE and args:
            props_node = args[0]
        if props_node is not None:
            got = self.val(props_node)
            if isinstance(got.value, dict):
                props = got.value
        return cdk.Site(kind, tuple(self.val(a) for a in args), props,
                        Pos(start.line, start.column, end.end_line, end.end_column), var,
                        receiver, self.stack_of(n), self.hints(n, args, props_node))

    def hints(self, n: Any, args: list[Any], props_node: Any) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = [("lang", "typescript")]
        ctor = n.child_by_field_name("constructor") or n.child_by_field_name("function")
        if ctor is not None and ctor.type == "member_expression":
            out.append(("s3", self.text(ctor.child_by_field_name("object"))))
        elif "HttpMethods" not in self.imports:
            out.append(("s3", "s3"))
            out.append(("refuse", "HttpMethods is not imported: add the rule by hand"))
        if props_node is not None and props_node.type == "object":
            out += self._list_hints("", props_node, [c for c in props_node.named_children
                                                     if c.type != "comment"])
            for pair in props_node.named_children:
                if pair.type == "pair" and self.text(pair.child_by_field_name("key")) == "cors":
                    value = pair.child_by_field_name("value")
                    if value is not None and value.type == "array":
                        out += self._list_hints("cors:", value, [
                            c for c in value.named_children if c.type != "comment"])
        elif props_node is None and args:
            out.append(("wrap", "1"))
            out += self._list_hints("", n.child_by_field_name("arguments"), args)
        return tuple(out)

    def _list_hints(self, prefix: str, node: Any, items: list[Any]) -> list[tuple[str, str]]:
        whole = self.pos(node)
        out = [(prefix + "close", f"{whole.end_line}:{whole.end_column - 1}")]
        if items:
            last = self.pos(items[-1])
            out.append((prefix + "last", f"{last.end_line}:{last.end_column}"))
            if last.line > whole.line:
                out.append((prefix + "indent", f"{last.column - 1}"))
        return out

    # --- values ---------------------------------------------------------------------------
    def val(self, node: Any, depth: int = 0) -> cdk.V:
        p = self.pos(node)
        return cdk.V(self._value(node, depth), p)

    def _value(self, node: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            return Unknown("the expression is nested too deeply to evaluate")
        t = node.type
        text = self.text(node)
        if t in ("identifier", "member_expression", "this") and text in self.vars:
            return cdk.Ref(text)
        if t == "string":
            return self._string(node)
        if t == "template_string":
            return self._template(node, depth)
        if t == "number":
            try:
                return int(text) if text.isdigit() else float(text)
            except ValueError:
                return Unknown(f"the number {text}")
        if t in ("true", "false"):
            return t == "true"
        if t in ("null", "undefined"):
            return None
        if t in ("parenthesized_expression", "as_expression", "non_null_expression",
                 "satisfies_expression") and node.named_children:
            return self._value(node.named_children[0], depth + 1)
        if t == "array":
            return [self.val(c, depth + 1) for c in node.named_children if c.type != "comment"]
        if t == "object":
            return self._object(node, depth)
        if t == "identifier":
            return self._name(node, depth)
        if t == "member_expression":
            return self._member(node, depth)
        if t == "call_expression":
            return self._call(node, depth)
        if t == "new_expression":
            return self._new(node, depth)
        if t == "binary_expression" and self.text(node.child_by_field_name("operator")) == "+":
            left = self._value(node.child_by_field_name("left"), depth + 1)
            right = self._value(node.child_by_field_name("right"), depth + 1)
            if all(isinstance(v, (str, Partial, Unknown)) for v in (left, right)):
                return _text(concat(left, right))
        short = text if len(text) <= 60 else text[:57] + "..."
        return Unknown(f"'{short}' is computed at run time")

    def _call(self, node: Any, depth: int) -> Any:
        func = node.child_by_field_name("function")
        args = self._args(node)
        kind = cdk.kind_of(self.resolve(func)) if func is not None else ""
        if kind == cdk.FROM_ASSET and args:
            return cdk.Asset(self._value(args[0], depth + 1))
        if kind == cdk.MANAGED_POLICY and args:
            return cdk.Managed(self._value(args[0], depth + 1))
        if func is not None and func.type == "member_expression" and self.text(
                func.child_by_field_name("property")) == "arnForObjects" and self.text(
                func.child_by_field_name("object")) in self.vars:
            return cdk.Ref(self.text(func.child_by_field_name("object")), "bucketArn")
        name = self.text(func)
        if name in ("path.join", "path.resolve", "join", "resolve") and args \
                and self.text(args[0]) == "__dirname":
            rest = [self._value(a, depth + 1) for a in args[1:]]
            if all(isinstance(r, str) for r in rest):
                return cdk.SourceRel("/".join(rest))
        short = self.text(node)
        return Unknown(f"'{short[:57]}' is computed at run time")

    def _new(self, node: Any, depth: int) -> Any:
        """``new s3n.LambdaDestination(fn)``: the function's variable; ``new
        iam.PolicyStatement({...})``: its props."""
        args = self._args(node)
        kind = cdk.kind_of(self.resolve(node.child_by_field_name("constructor")))
        if kind == cdk.LAMBDA_DESTINATION and args and self.text(args[0]) in self.vars:
            return cdk.Destination(self.text(args[0]))
        if kind == cdk.POLICY_STATEMENT and args:
            return self._value(args[0], depth + 1)
        return Unknown(f"'{self.text(node)[:57]}' is computed at run time")

    def _template(self, node: Any, depth: int) -> Any:
        parts: list[Any] = []
        for c in node.named_children:
            if c.type == "template_substitution" and c.named_children:
                parts.append(self._value(c.named_children[0], depth + 1))
            elif c.type in ("string_fragment", "escape_sequence"):
                parts.append(self._string(c) if c.type == "escape_sequence" else self.text(c))
        if not node.named_children:
            return self.text(node)[1:-1]
        return _text(concat(*parts)) if parts else ""

    def _object(self, node: Any, depth: int) -> dict[str, cdk.V]:
        out: dict[str, cdk.V] = {}
        for c in node.named_children:
            if c.type == "pair":
                key = c.child_by_field_name("key")
                value = c.child_by_field_name("value")
                if key is None or value is None:
                    continue
                name = self._string(key) if key.type == "string" else self.text(key)
                out[name] = self.val(value, depth + 1)
            elif c.type == "shorthand_property_identifier":
                out[self.text(c)] = cdk.V(self._name(c, depth), self.pos(c))
            elif c.type == "spread_element" and c.named_children:
                inner = self._value(c.named_children[0], depth + 1)
                if isinstance(inner, dict):
                    out.update(inner)
        return out

    def _name(self, node: Any, depth: int) -> Any:
        name = self.text(node)
        line = node.start_point[0]
        entries = [v for at, v in self.consts.get(name, []) if at <= line]
        if entries:
            return self._value(entries[-1], depth + 1)
        return Unknown(f"'{name}' is not assigned in this file")

    def _member(self, node: Any, depth: int) -> Any:
        obj = node.child_by_field_name("object")
        prop = self.text(node.child_by_field_name("property"))
        if obj is not None and self.text(obj) in self.vars:
            return cdk.Ref(self.text(obj), prop)
        if cdk.kind_of(self.resolve(node)).startswith(("s3.HttpMethods.", "iam.Effect.")):
            return prop
        if obj is not None and self.text(obj) == "process.env":
            return bound(ENV, prop)
        if obj is not None and obj.type in ("identifier", "member_expression", "object"):
            base = self._value(obj, depth + 1) if obj.type != "identifier" or \
                self.consts.get(self.text(obj)) else None
            if isinstance(base, dict) and prop in base:
                return base[prop].value
        return Unknown(f"'{self.text(node)[:60]}' is computed at run time")

    # --- comments -------------------------------------------------------------------------
    def comments(self) -> list[Any]:
        return [n for n in self.nodes if n.type == "comment"]

    def markers(self) -> list[tuple[int, int]]:
        out = []
        for c in self.comments():
            if _MARKER.search(self.text(c)):
                p = self.pos(c)
                out.append((p.line, p.column))
        return out

    def suppressions(self, path: str) -> list[Suppression]:
        """``// policylint: disable=...`` (or ``/* */``) comments, scoped by
        ``suppress.comment_scope`` over the file's statements."""
        comments = self.comments()
        found = [c for c in comments if b"policylint" in c.text]
        if not found:
            return []
        spans = [(self.pos(n).line, self.pos(n).end_line) for n in self.nodes
                 if n.type in _STATEMENTS or n.type == "class_declaration"]
        raw_lines = self.data.split(b"\n")
        lines = [ln.decode("utf-8", "replace") for ln in raw_lines]
        alone = {id(c): not raw_lines[c.start_point[0]][:c.start_point[1]].strip()
                 for c in comments}
        comment_lines = {n for c in comments if alone[id(c)]
                         for n in range(self.pos(c).line, self.pos(c).end_line + 1)}
        out: list[Suppression] = []
        for c in found:
            p = self.pos(c)
            scope = comment_scope(path, (p.line, p.end_line), alone[id(c)], spans, lines,
                                  comment_lines)
            got = parse_comment(self.text(c), Location(path, p.line, p.column), scope)
            if got is not None:
                out.append(got)
        return out


def _text(value: Any) -> Any:
    return as_text(value) if isinstance(value, Partial) else value
