"""Evaluate HCL expressions (tree-sitter nodes) and JSON-syntax expressions to plain values.

Anything that cannot be known statically becomes ``Unknown(reason)``. Terraform errors (a missing
map key, an attribute of null) raise ``EvalError``, which ``try``/``can`` catch and which become
Unknown at the top. Every call spends from a per-unit budget, so pathological expressions end.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from policylint.model import Unknown
from policylint.readers.terraform import regex as tf_regex
from policylint.readers.terraform.parse import JsonExpr, json_string_template
from policylint.readers.terraform.values import (
    JsonText,
    Lazy,
    Sourced,
    Tracked,
    UnknownChoice,
    UnknownJson,
    UnknownRef,
    first_unknown,
)

MAX_ITEMS = 10_000
MAX_CHOICES = 2_000  # options an UnknownChoice keeps (a for_each bucket's instances, at most)
BUDGET = 400_000


class EvalError(Exception):
    """A Terraform evaluation error (not an unknown value)."""


class Budget:
    def __init__(self, steps: int = BUDGET) -> None:
        self.left = steps

    def spend(self) -> bool:
        self.left -= 1
        return self.left >= 0


EXHAUSTED = Unknown("evaluation budget exhausted (expression too costly to analyse)")
TOO_LARGE = Unknown("value too large to analyse")
MAX_VALUE_NODES = 100_000  # values (counted through shared references) a function may see
MAX_CHARS = 1_000_000  # characters of all strings in them


def too_large(values: list[Any]) -> bool:
    """Whether ``values`` hold more than MAX_VALUE_NODES values or MAX_CHARS characters. Locals
    can share references (``l1 = [local.l0, local.l0]``), so a few lines can stand for 2**60
    values: functions that walk them (``jsonencode``, ``flatten``, ``length``) would never end.
    The walk stops at the limit, so the check itself is cheap."""
    todo = list(values)
    nodes = chars = 0
    while todo:
        v = todo.pop()
        nodes += 1
        if isinstance(v, str):
            chars += len(v)
        elif isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, (list, tuple)):
            todo.extend(v)
        if nodes > MAX_VALUE_NODES or chars > MAX_CHARS:
            return True
    return False

Resolver = Callable[[str], Any]  # root name (var, local, aws_s3_bucket, ...) → value


class Evaluator:
    """Evaluates expressions of one module instance. ``resolve(root)`` gives the value of a
    root name (``var``, ``local``, ``module``, a resource type...); ``functions`` may add
    file-reading functions."""

    def __init__(self, resolve: Resolver, budget: Budget,
                 functions: dict[str, Callable[..., Any]] | None = None) -> None:
        self.resolve = resolve
        self.budget = budget
        self.functions: dict[str, Callable[..., Any]] = dict(FUNCTIONS)
        if functions:
            self.functions.update(functions)

    # --- entry points -----------------------------------------------------------------------

    def value(self, expr: Any, scope: dict[str, Any] | None = None) -> Any:
        """The value of ``expr``; errors become Unknown."""
        try:
            return self.eval(expr, scope or {})
        except EvalError as exc:
            return Unknown(str(exc))
        except RecursionError:
            return Unknown("expression nested too deeply")

    def eval(self, node: Any, scope: dict[str, Any]) -> Any:
        if not self.budget.spend():
            return EXHAUSTED
        if isinstance(node, JsonExpr):
            return self._json(node.value, scope)
        method = _DISPATCH.get(node.type)
        if method is None:
            return Unknown(f"unsupported expression '{node.type}'")
        return method(self, node, scope)

    # --- JSON syntax --------------------------------------------------------------------------

    def _json(self, value: Any, scope: dict[str, Any]) -> Any:
        if isinstance(value, str):
            if "${" not in value and "%{" not in value:
                return value
            node = json_string_template(value)
            if node is None:
                return Unknown("template in JSON string could not be parsed")
            return self.eval(node, scope)
        if isinstance(value, dict):
            return {k: self._json(v, scope) for k, v in value.items()}
        if isinstance(value, list):
            return [self._json(v, scope) for v in value]
        return value

    # --- node kinds ---------------------------------------------------------------------------

    def _expression(self, node: Any, scope: dict[str, Any]) -> Any:
        return self._chain([c for c in node.children if c.type != "comment"], scope)

    def _chain(self, children: list[Any], scope: dict[str, Any]) -> Any:
        """A primary expression followed by traversal steps (``var.a[0].b``)."""
        if not children:
            return Unknown("empty expression")
        if children[0].type == "(":
            inner = next((c for c in children if c.type == "expression"), None)
            value = self.eval(inner, scope) if inner is not None else Unknown("empty")
            rest = children[3:] if len(children) > 3 else []
        else:
            first = children[0]
            if first.type == "variable_expr":
                value = self._variable(first, scope)
            else:
                value = self.eval(first, scope)
            rest = children[1:]
        for step in rest:
            value = self._step(value, step, scope)
        return value

    def _variable(self, node: Any, scope: dict[str, Any]) -> Any:
        name = _text(node)
        if name in scope:
            return scope[name]
        if name in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[name]
        return self.resolve(name)

    def _step(self, value: Any, step: Any, scope: dict[str, Any]) -> Any:
        if step.type == "get_attr":
            ident = next((c for c in step.children if c.type == "identifier"), None)
            return get_attr(value, _text(ident) if ident is not None else "")
        if step.type == "index":
            inner = step.children[0] if step.children else None
            if inner is None:
                return Unknown("empty index")
            if inner.type == "legacy_index":
                digits = _text(inner).lstrip(".")
                return get_index(value, int(digits) if digits.isdigit() else digits)
            key_node = next((c for c in inner.children if c.type == "expression"), None)
            key = self.eval(key_node, scope) if key_node is not None else Unknown("no index")
            return get_index(value, key, f"[{_text(key_node)}]")
        if step.type == "splat":
            inner = step.children[0] if step.children else None
            if inner is None:
                return value
            return self._splat(value, inner, scope)
        return Unknown(f"unsupported traversal '{step.type}'")

    def _splat(self, value: Any, splat: Any, scope: dict[str, Any]) -> Any:
        if isinstance(value, Unknown):
            return plain_unknown(value)
        if value is None:
            return []
        items = list(value.values()) if isinstance(value, dict) else (
            list(value) if isinstance(value, list) else [value])
        steps = [c for c in splat.children if c.type not in (".*", "[*]")]
        out = []
        for item in items:
            v = item
            for s in steps:
                v = self._step(v, s, scope)
            out.append(v)
        return out

    def _literal(self, node: Any, scope: dict[str, Any]) -> Any:
        child = node.children[0] if node.children else None
        if child is None:
            return None
        t = child.type
        if t == "numeric_lit":
            return parse_number(_text(child))
        if t == "bool_lit":
            return _text(child).strip() == "true"
        if t == "null_lit":
            return None
        if t == "string_lit":
            return self._template_parts(child, scope, heredoc=False)
        return Unknown(f"unsupported literal '{t}'")

    def _collection(self, node: Any, scope: dict[str, Any]) -> Any:
        child = node.children[0] if node.children else None
        if child is None:
            return None
        if child.type == "tuple":
            out: list[Any] = []
            for c in child.children:
                if c.type == "expression":
                    out.append(self.eval(c, scope))
            return out
        obj: dict[str, Any] = {}
        unknown_key: Unknown | None = None
        for elem in child.children:
            if elem.type != "object_elem":
                continue
            exprs = [c for c in elem.children if c.type == "expression"]
            if len(exprs) != 2:
                continue
            key = self.object_key(exprs[0], scope)
            if isinstance(key, Unknown):
                unknown_key = key
                continue
            obj[str(key)] = self.eval(exprs[1], scope)
        if unknown_key is not None:
            return Unknown(f"an object key is unknown: {unknown_key.reason}")
        return obj

    def object_key(self, expr: Any, scope: dict[str, Any]) -> Any:
        """An object key: a bare identifier is a literal name, anything else an expression."""
        kids = [c for c in expr.children if c.type != "comment"]
        if len(kids) == 1 and kids[0].type == "variable_expr":
            return _text(kids[0])
        if len(kids) == 3 and kids[0].type == "(":
            return to_string(self.eval(kids[1], scope))
        value = self.eval(expr, scope)
        return value if isinstance(value, Unknown) else to_string(value)

    def _template_expr(self, node: Any, scope: dict[str, Any]) -> Any:
        child = node.children[0] if node.children else None
        if child is None:
            return ""
        return self._template_parts(child, scope, heredoc=child.type == "heredoc_template")

    def _template_parts(self, node: Any, scope: dict[str, Any], heredoc: bool) -> Any:
        if heredoc:
            return self._heredoc(node, scope)
        kids = node.children
        if len(kids) < 2:
            return ""
        parts = [c for c in kids[1:-1] if c.type != "comment"]
        # tree-sitter leaves edge whitespace out of template_literal: take text from the source
        return self._render(node, parts, kids[0].end_byte, kids[-1].start_byte, scope, False)

    def _render(self, container: Any, parts: list[Any], start: int, end: int,
                scope: dict[str, Any], raw: bool) -> Any:
        """Render template ``parts`` lying between byte offsets ``start`` and ``end`` of
        ``container``; text between parts comes from the source."""
        src: bytes = container.text
        base = container.start_byte
        out: list[Any] = []
        cursor = start
        for c in parts:
            if c.start_byte > cursor:
                out.append(unescape_template(
                    src[cursor - base:c.start_byte - base].decode("utf-8", "replace"), raw))
            if c.type == "template_literal":
                out.append(unescape_template(_text(c), raw))
            elif c.type == "template_interpolation":
                inner = next((x for x in c.children if x.type == "expression"), None)
                out.append(self.eval(inner, scope) if inner is not None else "")
            elif c.type == "template_directive":
                out.append(self._directive(c, scope, raw))
            cursor = max(cursor, c.end_byte)
        if end > cursor:
            out.append(unescape_template(src[cursor - base:end - base].decode("utf-8", "replace"),
                                         raw))
        return concat_template(out)

    def _directive(self, node: Any, scope: dict[str, Any], raw: bool) -> Any:
        inner = node.children[0] if node.children else None
        if inner is None:
            return ""
        if inner.type == "template_if":
            return plain_unknown(self._template_if(inner, scope, raw))
        if inner.type == "template_for":
            return plain_unknown(self._template_for(inner, scope, raw))
        return Unknown(f"unsupported template directive '{inner.type}'")

    def _template_if(self, node: Any, scope: dict[str, Any], raw: bool) -> Any:
        kids = node.children
        intro = next((c for c in kids if c.type == "template_if_intro"), None)
        else_ = next((c for c in kids if c.type == "template_else_intro"), None)
        end = next((c for c in kids if c.type == "template_if_end"), None)
        if intro is None or end is None:
            return Unknown("malformed template if")
        e = next((x for x in intro.children if x.type == "expression"), None)
        cond = self.eval(e, scope) if e is not None else Unknown("no condition")
        if isinstance(cond, Unknown):
            return cond
        then_end = else_.start_byte if else_ is not None else end.start_byte
        if truthy(cond):
            lo, hi = intro.end_byte, then_end
        elif else_ is not None:
            lo, hi = else_.end_byte, end.start_byte
        else:
            return ""
        parts = [c for c in kids if lo <= c.start_byte and c.end_byte <= hi]
        return self._render(node, parts, lo, hi, scope, raw)

    def _template_for(self, node: Any, scope: dict[str, Any], raw: bool) -> Any:
        kids = node.children
        start = next((c for c in kids if c.type == "template_for_start"), None)
        end = next((c for c in kids if c.type == "template_for_end"), None)
        if start is None or end is None:
            return Unknown("malformed template for")
        names = [_text(x) for x in start.children if x.type == "identifier"]
        e = next((x for x in start.children if x.type == "expression"), None)
        coll = self.eval(e, scope) if e is not None else Unknown("no collection")
        pairs = iterate(coll)
        if isinstance(pairs, Unknown):
            return pairs
        lo, hi = start.end_byte, end.start_byte
        body = [c for c in kids if lo <= c.start_byte and c.end_byte <= hi]
        out: list[Any] = []
        chars = 0
        for k, v in pairs:
            # each iteration costs a step, as a for expression's does: a body of plain text
            # (nested loops of literals) would otherwise repeat for free
            if not self.budget.spend():
                return EXHAUSTED
            inner = dict(scope)
            if len(names) == 2:
                inner[names[0]], inner[names[1]] = k, v
            elif names:
                inner[names[0]] = v
            piece = self._render(node, body, lo, hi, inner, raw)
            chars += len(piece) if isinstance(piece, str) else 0
            if chars > MAX_CHARS:
                return TOO_LARGE
            out.append(piece)
        return concat_template(out)

    def _heredoc(self, node: Any, scope: dict[str, Any]) -> Any:
        kids = node.children
        strip = any(c.type == "heredoc_start" and _text(c).startswith("<<-") for c in kids)
        idents = [c for c in kids if c.type == "heredoc_identifier"]
        if len(idents) < 2:
            return Unknown("unterminated heredoc")
        body = [c for c in kids if c.type in ("template_literal", "template_interpolation",
                                              "template_directive")]
        src: bytes = node.text
        base = node.start_byte
        nl = src.find(b"\n", idents[0].end_byte - base)
        start = base + nl + 1 if nl != -1 else idents[0].end_byte
        last_nl = src.rfind(b"\n", 0, idents[-1].start_byte - base)
        end = base + last_nl + 1 if last_nl != -1 else idents[-1].start_byte
        value = self._render(node, body, start, end, scope, True)
        shift = 0
        if strip and isinstance(value, str):
            value, shift = dedent(value)
        if isinstance(value, str):
            return Sourced.of(value, "", node.start_point[0] + 1, shift)
        return value

    def _function_call(self, node: Any, scope: dict[str, Any]) -> Any:
        name_node = next((c for c in node.children if c.type == "identifier"), None)
        name = _text(name_node) if name_node is not None else ""
        if "::" in name:
            name = name.rsplit("::", 1)[-1]
        args_node = next((c for c in node.children if c.type == "function_arguments"), None)
        arg_nodes = [c for c in args_node.children if c.type == "expression"] if args_node else []
        expand = args_node is not None and any(c.type == "ellipsis" for c in args_node.children)
        if name in ("try", "can"):
            return self._try(name, arg_nodes, scope)
        fn = self.functions.get(name)
        if fn is None:
            return Unknown(f"function {name}() is not evaluated by policylint")
        args = [self.eval(a, scope) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if isinstance(last, Unknown):
                return last
            args.extend(last if isinstance(last, list) else list(last.values())
                        if isinstance(last, dict) else [last])
        if too_large(args):
            return TOO_LARGE
        try:
            result = fn(*args)
        except EvalError:
            raise
        except (TypeError, ValueError, KeyError, IndexError, AttributeError,
                ZeroDivisionError, OverflowError) as exc:
            raise EvalError(f"{name}(): {exc}") from None
        except MemoryError:
            return TOO_LARGE
        if name not in _CHOOSERS:  # a function's result is not one of its argument's options
            result = plain_unknown(result)
        return TOO_LARGE if too_large([result]) else result

    def _try(self, name: str, args: list[Any], scope: dict[str, Any]) -> Any:
        for a in args:
            try:
                v = self.eval(a, scope)
            except EvalError:
                if name == "can":
                    return False
                continue
            if name == "can":
                return v if isinstance(v, Unknown) else True
            return v
        if name == "can":
            return False
        raise EvalError("try(): no argument could be evaluated")

    def _conditional(self, node: Any, scope: dict[str, Any]) -> Any:
        exprs = [c for c in node.children if c.type == "expression"]
        if len(exprs) != 3:
            return Unknown("malformed conditional")
        cond = self.eval(exprs[0], scope)
        if isinstance(cond, Unknown):
            a, b = self.eval(exprs[1], scope), self.eval(exprs[2], scope)
            if not isinstance(a, Unknown) and a == b and type(a) is type(b):
                return a
            # one of the two branches: which bucket a reference means stays known up to that
            return one_of(f"the condition is unknown: {cond.reason}", [a, b])
        return self.eval(exprs[1] if truthy(cond) else exprs[2], scope)

    def _operation(self, node: Any, scope: dict[str, Any]) -> Any:
        return plain_unknown(self._operation_value(node, scope))

    def _operation_value(self, node: Any, scope: dict[str, Any]) -> Any:
        inner = node.children[0] if node.children else None
        if inner is None:
            return Unknown("empty operation")
        kids = [c for c in inner.children if c.type != "comment"]
        at = next((i for i, c in enumerate(kids) if c.type in _OPERATOR_TOKENS
                   and (inner.type == "unary_operation" or i > 0)), None)
        if at is None:
            return Unknown("malformed operation")
        ops = [kids[at]]
        operands = [kids[:at], kids[at + 1:]]
        if inner.type == "unary_operation":
            if not operands[1]:
                return Unknown("malformed operation")
            v = self._chain(operands[1], scope)
            if isinstance(v, Unknown):
                return v
            if ops[0].type == "!":
                return not truthy(v)
            return -to_number(v)
        if not operands[0] or not operands[1]:
            return Unknown("malformed operation")
        op = ops[0].type
        left = self._chain(operands[0], scope)
        if op in ("&&", "||") and not isinstance(left, Unknown):
            if op == "&&" and not truthy(left):
                return False
            if op == "||" and truthy(left):
                return True
        right = self._chain(operands[1], scope)
        return binary(op, left, right)

    def _for(self, node: Any, scope: dict[str, Any]) -> Any:
        return plain_unknown(self._for_value(node, scope))

    def _for_value(self, node: Any, scope: dict[str, Any]) -> Any:
        inner = node.children[0] if node.children else None
        if inner is None:
            return Unknown("empty for expression")
        intro = next((c for c in inner.children if c.type == "for_intro"), None)
        if intro is None:
            return Unknown("malformed for expression")
        names = [_text(c) for c in intro.children if c.type == "identifier"]
        coll_node = next((c for c in intro.children if c.type == "expression"), None)
        coll = self.eval(coll_node, scope) if coll_node is not None else None
        pairs = iterate(coll)
        if isinstance(pairs, Unknown):
            return pairs
        exprs = [c for c in inner.children if c.type == "expression"]
        cond_node = next((c for c in inner.children if c.type == "for_cond"), None)
        cond_expr = next((c for c in cond_node.children if c.type == "expression"),
                         None) if cond_node is not None else None
        is_object = inner.type == "for_object_expr"
        grouping = any(c.type == "ellipsis" for c in inner.children)
        out_list: list[Any] = []
        out_obj: dict[str, Any] = {}
        for k, v in pairs:
            if not self.budget.spend():
                return EXHAUSTED
            local = dict(scope)
            if len(names) >= 2:
                local[names[0]], local[names[1]] = k, v
            elif names:
                local[names[0]] = v
            if cond_expr is not None:
                c = self.eval(cond_expr, local)
                if isinstance(c, Unknown):
                    return c
                if not truthy(c):
                    continue
            if is_object:
                if len(exprs) < 2:
                    return Unknown("malformed for expression")
                key = self.eval(exprs[0], local)
                if isinstance(key, Unknown):
                    return key
                val = self.eval(exprs[1], local)
                skey = to_string(key)
                if grouping:
                    out_obj.setdefault(skey, []).append(val)
                else:
                    out_obj[skey] = val
            else:
                if not exprs:
                    return Unknown("malformed for expression")
                out_list.append(self.eval(exprs[0], local))
        return out_obj if is_object else out_list


_OPERATOR_TOKENS = frozenset({"!", "-", "+", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=",
                              "&&", "||"})

_DISPATCH: dict[str, Callable[[Evaluator, Any, dict[str, Any]], Any]] = {
    "expression": Evaluator._expression,
    "literal_value": Evaluator._literal,
    "collection_value": Evaluator._collection,
    "template_expr": Evaluator._template_expr,
    "function_call": Evaluator._function_call,
    "conditional": Evaluator._conditional,
    "operation": Evaluator._operation,
    "for_expr": Evaluator._for,
    "variable_expr": Evaluator._variable,
}


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace") if node is not None else ""


# --- value helpers ----------------------------------------------------------------------------

def parse_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise EvalError(f"'{text}' is not a number") from None


_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{", re.S)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


def unescape_template(text: str, raw: bool) -> str:
    """Template literal text → value: backslash escapes (quoted only), ``$${`` and ``%%{``."""
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text

    def repl(m: re.Match[str]) -> str:
        whole = m.group(0)
        if whole == "$${":
            return "${"
        if whole == "%%{":
            return "%{"
        if raw:
            return whole
        esc = m.group(1)
        if esc[0] in "uU" and len(esc) > 1:
            try:
                return chr(int(esc[1:], 16))
            except ValueError:
                return whole
        return _SIMPLE.get(esc, whole)

    return _ESCAPES.sub(repl, text)


def concat_template(parts: list[Any]) -> Any:
    """Join template pieces. A lone interpolation keeps its value (as Terraform does); any
    unknown piece makes the result unknown, keeping a bucket identity when there is one."""
    real = [p for p in parts if not (isinstance(p, str) and p == "")]
    if len(real) == 1 and not isinstance(real[0], str) or (
            len(real) == 1 and isinstance(real[0], (Tracked, JsonText))):
        return real[0]
    unknown = plain_unknown(first_unknown(real))
    if unknown is not None:
        refs = {p.identity for p in real if isinstance(p, (Tracked, UnknownRef)) and p.identity}
        if len(refs) == 1 and not isinstance(unknown, UnknownRef):
            ref = next(p for p in real if isinstance(p, (Tracked, UnknownRef)) and p.identity)
            return UnknownRef(unknown.reason, ref.identity, ref.address)
        return unknown
    out: list[str] = []
    for p in real:
        out.append(to_string(p))
    return "".join(out)


def dedent(text: str) -> tuple[str, int]:
    lines = text.split("\n")
    widths = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip()]
    n = min(widths) if widths else 0
    return "\n".join(ln[n:] if len(ln) >= n else ln.lstrip() for ln in lines), n


def to_string(v: Any) -> str:
    if isinstance(v, Unknown):
        raise EvalError("unknown value in string")
    if isinstance(v, str):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (int, float)):
        return repr(v)
    if v is None:
        raise EvalError("cannot use a null value in a string")
    raise EvalError(f"cannot convert {type(v).__name__} to string")


def to_number(v: Any) -> int | float:
    if isinstance(v, bool):
        raise EvalError("a bool is not a number")
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        return parse_number(v.strip())
    raise EvalError(f"cannot convert {type(v).__name__} to number")


def truthy(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v in ("true", "false"):
        return v == "true"
    raise EvalError(f"condition must be a bool, not {v!r}")


def iterate(coll: Any) -> list[tuple[Any, Any]] | Unknown:
    if isinstance(coll, Unknown):
        return coll
    if isinstance(coll, dict):
        return [(k, coll[k]) for k in sorted(coll)][:MAX_ITEMS]
    if isinstance(coll, (list, tuple, set, frozenset)):
        return list(enumerate(coll))[:MAX_ITEMS]
    if isinstance(coll, Lazy):
        return Unknown(f"cannot iterate over {coll.describe}")
    if coll is None:
        raise EvalError("cannot iterate over null")
    raise EvalError(f"cannot iterate over {type(coll).__name__}")


def plain_unknown(v: Any) -> Any:
    """``v``, without the options of an UnknownChoice: what an operation, a function or a
    template makes of an unknown value is not one of that value's options."""
    return Unknown(v.reason) if isinstance(v, UnknownChoice) else v


def one_of(reason: str, options: list[Any]) -> Any:
    """An unknown value that is one of ``options`` (options that are choices themselves are
    flattened); the option itself when there is only one, plain Unknown past MAX_CHOICES."""
    flat: list[Any] = []
    for o in options:
        flat.extend(o.options if isinstance(o, UnknownChoice) else [o])
    if len(flat) == 1:
        return flat[0]
    if len(flat) > MAX_CHOICES:
        return Unknown(reason)
    return UnknownChoice(reason, tuple(flat))


def choose(coll: Any, key: Unknown, text: str = "") -> Any:
    """``coll[key]`` for a key that is not known statically: one of the elements of a known
    list or map (any other key fails the plan, so a collection of one gives its element)."""
    if not isinstance(coll, (dict, list)) or not coll or len(coll) > MAX_CHOICES:
        return plain_unknown(key)
    items = list(coll.values()) if isinstance(coll, dict) else list(coll)
    if isinstance(key, UnknownChoice) and not any(isinstance(k, Unknown) for k in key.options):
        # one of known keys (``var.x ? "a" : "b"``): one of their elements
        picked: list[Any] = []
        for k in key.options:
            try:
                picked.append(get_index(coll, k))
            except EvalError:
                continue  # that key fails the plan
        if picked:
            items = picked
    if len(items) == 1:
        return items[0]
    where = f"the key {text}" if text else "the key"
    return one_of(f"{where} is not known statically: {key.reason}", items)


def _each_option(value: UnknownChoice, step: Callable[[Any], Any]) -> Any:
    """``step`` applied to each option of ``value``; an option for which Terraform would fail
    is not a possible value. When every option fails, so does the expression."""
    out: list[Any] = []
    error: EvalError | None = None
    for option in value.options:
        try:
            out.append(step(option))
        except EvalError as exc:
            error = exc
    if not out:
        raise error or EvalError(value.reason)
    if any(isinstance(o, UnknownChoice) for o in out):  # an unknown key into each option
        return Unknown(value.reason)
    return out[0] if len(out) == 1 else UnknownChoice(value.reason, tuple(out))


def get_attr(value: Any, name: str) -> Any:
    if isinstance(value, UnknownChoice):
        return _each_option(value, lambda v: get_attr(v, name))
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Lazy):
        try:
            return value.get(name)
        except KeyError:
            raise EvalError(f"{value.describe} has no attribute '{name}'") from None
    if isinstance(value, dict):
        if name in value:
            return value[name]
        raise EvalError(f"object has no attribute '{name}'")
    if value is None:
        raise EvalError(f"attribute '{name}' of a null value")
    if isinstance(value, list):
        raise EvalError(f"a list has no attribute '{name}' (use [*].{name} or an index)")
    raise EvalError(f"a {type(value).__name__} has no attribute '{name}'")


def get_index(value: Any, key: Any, text: str = "") -> Any:
    if isinstance(value, UnknownChoice) and not isinstance(key, Unknown):
        return _each_option(value, lambda v: get_index(v, key))
    if isinstance(value, Unknown):
        return plain_unknown(value)
    if isinstance(key, Unknown):
        return choose(value, key, text)
    if isinstance(value, Lazy):
        return get_attr(value, to_string(key))
    if isinstance(value, dict):
        skey = to_string(key)
        if skey in value:
            return value[skey]
        raise EvalError(f"no key \"{skey}\" in the map")
    if isinstance(value, list):
        i = int(to_number(key))
        if 0 <= i < len(value):
            return value[i]
        raise EvalError(f"index {i} out of range (length {len(value)})")
    if value is None:
        raise EvalError("index of a null value")
    raise EvalError(f"cannot index a {type(value).__name__}")


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not (
            isinstance(a, bool) or isinstance(b, bool)):
        return a == b
    return type(a) is type(b) and a == b or (isinstance(a, str) and isinstance(b, str) and a == b)


def binary(op: str, left: Any, right: Any) -> Any:
    unknown = first_unknown((left, right))
    if unknown is not None:
        return unknown
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op == "&&":
        return truthy(left) and truthy(right)
    if op == "||":
        return truthy(left) or truthy(right)
    a, b = to_number(left), to_number(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        r = a / b
        return int(r) if r.is_integer() else r
    if op == "%":
        if b == 0:
            raise EvalError("division by zero")
        return a % b
    return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


# --- functions ----------------------------------------------------------------------------------

def _strict(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a function that needs all its arguments known (top level)."""

    def wrapper(*args: Any) -> Any:
        unknown = first_unknown(args)
        if unknown is not None:
            return unknown
        return fn(*args)

    wrapper.__name__ = fn.__name__
    return wrapper


def _deep_unknown(v: Any) -> Unknown | None:
    if isinstance(v, Unknown):
        return v
    if isinstance(v, dict):
        for x in v.values():
            u = _deep_unknown(x)
            if u is not None:
                return u
    if isinstance(v, list):
        for x in v:
            u = _deep_unknown(x)
            if u is not None:
                return u
    if isinstance(v, Lazy):
        return Unknown(f"{v.describe} is not a plain value")
    return None


def plain(v: Any) -> Any:
    """A plain copy (no Lazy, str subclasses kept as str) for encoding."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, str):
        return str(v)
    return v


def fn_jsonencode(v: Any) -> Any:
    u = _deep_unknown(v)
    if u is not None:
        return UnknownJson(f"jsonencode of a value with unknown parts: {u.reason}", v)
    t = JsonText(json.dumps(plain(v), separators=(",", ":"), ensure_ascii=False))
    t.structure = v
    return t


def fn_jsondecode(v: Any) -> Any:
    if isinstance(v, UnknownJson):
        return v.structure
    if isinstance(v, Unknown):
        return v
    if isinstance(v, JsonText):
        return v.structure
    if not isinstance(v, str):
        raise EvalError("jsondecode needs a string")
    if isinstance(v, Sourced) and v.path:
        from policylint import jsonpos

        try:
            return jsonpos.loads(str(v))
        except jsonpos.JSONPosError as exc:
            raise EvalError(f"jsondecode: invalid JSON in {v.path}: {exc.message}") from None
    try:
        return json.loads(v)
    except ValueError as exc:
        raise EvalError(f"jsondecode: invalid JSON: {exc}") from None


def fn_format(spec: Any, *args: Any) -> Any:
    """Terraform's format(), verb for verb (policylint.readers.terraform.tfformat)."""
    return _formatted("format", spec, args)


def fn_formatlist(spec: Any, *args: Any) -> Any:
    return _formatted("formatlist", spec, args)


def _formatted(fn: str, spec: Any, args: tuple[Any, ...]) -> Any:
    from policylint.readers.terraform import tfformat

    unknown = first_unknown((spec,) + args) or _deep_unknown(list(args))
    if unknown is not None:
        return unknown
    if any(a is None for a in args):  # what Terraform does (checked with terraform console)
        return Unknown(f"{fn} with a null argument: Terraform leaves the result unknown")
    call = tfformat.tf_format if fn == "format" else tfformat.tf_formatlist
    try:
        return call(to_string(spec), [plain(a) for a in args])
    except tfformat.FormatError as exc:
        raise EvalError(f"{fn}: {exc}") from None


def fn_replace(s: Any, old: Any, new: Any) -> Any:
    s, old, new = to_string(s), to_string(old), to_string(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return _regex_call(tf_regex.replace, old[1:-1], s, new)
    return s.replace(old, new)


def _regex_call(fn: Callable[..., Any], *args: Any) -> Any:
    """A regex function on text arguments; Terraform's errors become EvalError."""
    try:
        return fn(*(to_string(a) for a in args))
    except tf_regex.RegexError as exc:
        raise EvalError(str(exc)) from None


def fn_merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if isinstance(m, Unknown):
            return m
        if not isinstance(m, dict):
            raise EvalError("merge needs maps")
        out.update(m)
    return out


def fn_lookup(m: Any, key: Any, *default: Any) -> Any:
    if isinstance(key, Unknown) and isinstance(m, dict) and m and not isinstance(m, Unknown):
        return one_of(f"lookup(): the key is not known statically: {key.reason}",
                      list(m.values()) + list(default[:1]))
    if isinstance(m, Unknown) or isinstance(key, Unknown):
        return plain_unknown(m if isinstance(m, Unknown) else key)
    if not isinstance(m, dict):
        raise EvalError("lookup needs a map")
    skey = to_string(key)
    if skey in m:
        return m[skey]
    if default:
        return default[0]
    raise EvalError(f"lookup: no key \"{skey}\"")


def fn_coalesce(*args: Any) -> Any:
    for a in args:
        if isinstance(a, Unknown):
            return a
        if a is not None and a != "":
            return a
    raise EvalError("coalesce: no non-null argument")


def fn_element(lst: Any, i: Any) -> Any:
    if isinstance(lst, Unknown):
        return plain_unknown(lst)
    if not isinstance(lst, list):
        raise EvalError("element needs a list")
    if not lst:
        raise EvalError("element of an empty list")
    if isinstance(i, Unknown):  # the index wraps around: any element
        return one_of(f"element(): the index is not known statically: {i.reason}", lst)
    return lst[int(to_number(i)) % len(lst)]


def fn_toset(v: Any) -> Any:
    if isinstance(v, dict):
        raise EvalError("toset needs a list")
    out: list[Any] = []
    for x in v:
        if x not in out:
            out.append(x)
    if all(isinstance(x, str) for x in out):
        out.sort()
    return out


def fn_tomap(v: Any) -> Any:
    if not isinstance(v, dict):
        raise EvalError("tomap needs an object")
    return dict(v)


def fn_tolist(v: Any) -> Any:
    if isinstance(v, dict):
        raise EvalError("tolist needs a list or set")
    return list(v)


def fn_concat(*lists: Any) -> Any:
    out: list[Any] = []
    for lst in lists:
        if not isinstance(lst, list):
            raise EvalError("concat needs lists")
        out.extend(lst)
    return out


def fn_join(sep: Any, *lists: Any) -> Any:
    items: list[Any] = []
    for lst in lists:
        if isinstance(lst, Unknown):
            return lst
        items.extend(lst)
    unknown = first_unknown(items)
    if unknown is not None:
        return unknown
    return to_string(sep).join(to_string(x) for x in items)


def fn_length(v: Any) -> Any:
    if isinstance(v, (str, list, dict)):
        return len(v)
    raise EvalError("length needs a string or collection")


def fn_flatten(v: Any) -> Any:
    out: list[Any] = []
    for x in v:
        if isinstance(x, Unknown):
            return x
        if isinstance(x, list):
            flat = fn_flatten(x)
            if isinstance(flat, Unknown):
                return flat
            out.extend(flat)
        else:
            out.append(x)
    return out


def fn_range(*args: Any) -> Any:
    nums = [int(to_number(a)) for a in args]
    r = range(*nums)
    if len(r) > MAX_ITEMS:
        raise EvalError("range too large")
    return list(r)


# functions whose result may be one of the options of an unknown argument
_CHOOSERS = frozenset({"lookup", "element"})

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": fn_jsonencode,
    "jsondecode": fn_jsondecode,
    "format": fn_format,
    "formatlist": fn_formatlist,
    "lower": _strict(lambda s: to_string(s).lower()),
    "upper": _strict(lambda s: to_string(s).upper()),
    "replace": _strict(fn_replace),
    "regex": _strict(lambda p, s: _regex_call(tf_regex.regex, p, s)),
    "regexall": _strict(lambda p, s: _regex_call(tf_regex.regexall, p, s)),
    "join": fn_join,
    "split": _strict(lambda sep, s: to_string(s).split(to_string(sep))),
    "concat": _strict(fn_concat),
    "merge": fn_merge,
    "lookup": fn_lookup,
    "coalesce": fn_coalesce,
    "toset": _strict(fn_toset),
    "tolist": _strict(fn_tolist),
    "tomap": _strict(fn_tomap),
    "element": fn_element,
    "trimprefix": _strict(lambda s, p: s[len(p):] if s.startswith(p) else str(s)),
    "trimsuffix": _strict(lambda s, p: s[: len(s) - len(p)] if p and s.endswith(p) else str(s)),
    "trimspace": _strict(lambda s: to_string(s).strip()),
    "tostring": _strict(lambda v: None if v is None else to_string(v)),
    "tonumber": _strict(lambda v: None if v is None else to_number(v)),
    "length": _strict(fn_length),
    "keys": _strict(lambda m: sorted(m)),
    "values": _strict(lambda m: [m[k] for k in sorted(m)]),
    "contains": _strict(lambda lst, v: v in lst),
    "distinct": _strict(lambda lst: [x for i, x in enumerate(lst) if x not in lst[:i]]),
    "flatten": _strict(fn_flatten),
    "compact": _strict(lambda lst: [x for x in lst if x not in (None, "")]),
    "startswith": _strict(lambda s, p: to_string(s).startswith(to_string(p))),
    "endswith": _strict(lambda s, p: to_string(s).endswith(to_string(p))),
    "substr": _strict(lambda s, o, n: s[int(o):] if int(n) < 0 else s[int(o):int(o) + int(n)]),
    "range": _strict(fn_range),
    "zipmap": _strict(lambda k, v: {to_string(a): b for a, b in zip(k, v)}),
    "one": _strict(lambda lst: None if not lst else (lst[0] if len(lst) == 1 else
                                                      (_ for _ in ()).throw(EvalError("one(): more than one")))),
    "coalescelist": _strict(lambda *ls: next((x for x in ls if x), [])),
    "min": _strict(lambda *a: min(to_number(x) for x in a)),
    "max": _strict(lambda *a: max(to_number(x) for x in a)),
    "abs": _strict(lambda a: abs(to_number(a))),
    "sort": _strict(lambda lst: sorted(to_string(x) for x in lst)),
    "reverse": _strict(lambda lst: list(reversed(lst))),
}
