"""The boto3 calls the Python reader understands: method name -> handler.

Calls are matched by method name on any receiver (``client.create_labeling_job(...)``,
``boto3.client("sagemaker").create_labeling_job(...)``). Each handler turns the evaluated keyword
arguments of one call into facts; ``Call`` gives it the positions of the call and of its
arguments. PREFILTER lists the substrings a file must contain to be parsed at all.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable

from policylint import cors_check, labeling
from policylint.model import (
    BucketRef,
    Confidence,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Facts,
    Format,
    LabelingUse,
    Location,
    Modality,
    Role,
    Service,
    Unknown,
)
from policylint.readers.python.evaluate import Bound, Evaluator, Partial, Value, as_text
from policylint.positioned import Pos

# Raw-byte substrings: a .py file (or notebook) that contains none of these is never parsed.
PREFILTER: tuple[bytes, ...] = (
    b"create_labeling_job", b"put_bucket_cors", b"BucketCors", b"delete_bucket_cors",
    b"start_human_loop", b"source-ref", b"policylint:", b"aws_cdk",
)


@dataclass
class Call:
    """One call site: its node, the evaluator and a position function for nodes."""

    node: ast.Call
    ev: Evaluator
    path: str
    pos: Callable[[ast.AST], Pos]

    def location(self, node: ast.AST | None = None) -> Location:
        p = self.pos(node if node is not None else self.node)
        return Location(self.path, p.line, p.column, p.end_line, p.end_column)

    def kwargs(self) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for k in self.node.keywords:
            v = self.ev.value(k.value)
            if k.arg is not None:
                out[k.arg] = v
            elif isinstance(v, dict):
                out.update(v)
        return out

    def node_of(self, keys: tuple[Any, ...]) -> ast.AST | None:
        """The AST node written for a key path of the keyword arguments (following literal
        dicts and lists, and names assigned one), or None."""
        node: ast.AST | None = None
        for k in self.node.keywords:
            if k.arg == keys[0]:
                node = k.value
            elif k.arg is None and node is None:
                got = _walk(self.ev, k.value, keys)
                if got is not None:
                    return got
        if node is None:
            return None
        return _walk(self.ev, node, keys[1:]) or node


def _walk(ev: Evaluator, node: ast.AST, keys: tuple[Any, ...]) -> ast.AST | None:
    for key in keys:
        node = _deref(ev, node)
        if isinstance(node, ast.Dict):
            match = None
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and k.value == key:
                    match = v
            if match is None:
                return None
            node = match
        elif isinstance(node, (ast.List, ast.Tuple)) and isinstance(key, int) \
                and 0 <= key < len(node.elts):
            node = node.elts[key]
        else:
            return None
    return node


def _deref(ev: Evaluator, node: ast.AST) -> ast.AST:
    for _ in range(20):
        if not isinstance(node, ast.Name):
            break
        assigned = ev._lookup(node.id, node)
        if not isinstance(assigned, ast.AST):
            break
        node = assigned
    return node


# --- values for the model -----------------------------------------------------------------

def model_value(value: Value) -> Any:
    """A value as the format-neutral helpers in labeling.py read it: a Partial keeps what its
    known parts say (an S3 URI whose bucket is written; the literal tail of an ARN); otherwise
    it is Unknown with the reason of its unknown parts."""
    if isinstance(value, dict):
        return {k: model_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [model_value(v) for v in value]
    if isinstance(value, Partial):
        prefix = value.prefix
        if prefix.startswith("s3://") and "/" in prefix[5:]:
            return prefix
        if not prefix.startswith("s3://") and ":" in value.suffix:
            return value.suffix  # the literal tail of an ARN names its task
        return as_text(value)
    return value


def _text(value: Value, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Partial):
        return "".join(p if isinstance(p, str) else "{…}" for p in value.parts)
    return what


# --- handlers -------------------------------------------------------------------------------

def create_labeling_job(call: Call, facts: Facts) -> None:
    params = model_value(call.kwargs())
    name = params.get("LabelingJobName") if isinstance(params, dict) else None
    label = f"create_labeling_job {name}" if isinstance(name, str) else "create_labeling_job"

    def locate(keys: tuple[Any, ...]) -> Location:
        return call.location(call.node_of(keys) or call.node)

    facts.uses += _named(labeling.labeling_job_uses(params, locate, f"Python {label}"), call)


def start_human_loop(call: Call, facts: Facts) -> None:
    params = call.kwargs()
    content = labeling._get(params, "HumanLoopInput", "InputContent")
    node = call.node_of(("HumanLoopInput", "InputContent")) or call.node
    loc = call.location(node)
    uses: list[LabelingUse] = []
    for text in _strings(content):
        doc = {"HumanLoopInput": {"InputContent": text}}
        uses += labeling.human_loop_uses(doc, lambda _k: loc, "Python start_human_loop")
    uses += _bound_uri_uses(content, loc)
    facts.uses += uses


def _bound_uri_uses(content: Value, loc: Location) -> list[LabelingUse]:
    """``f"s3://{os.environ['BUCKET']}/..."`` in a human loop's input: an A2I input in the bucket
    the run-time name holds (resolved by policylint.bind, else unverified)."""
    out: list[LabelingUse] = []
    stack = [content]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, Partial) and len(v.parts) >= 2 and v.parts[0] == "s3://" \
                and isinstance(v.parts[1], Bound) and (
                    len(v.parts) == 2 or (isinstance(v.parts[2], str)
                                          and v.parts[2].startswith("/"))):
            text = _text(v, "s3://…")
            out.append(LabelingUse(Service.A2I, Role.INPUT, Modality.IMAGE,
                                   f"Python start_human_loop: human loop input {text}", loc,
                                   Confidence.DEFINED, BucketRef(name=v.parts[1], text=text)))
    return out


def _strings(value: Value) -> list[str]:
    """Every known string (and known S3-URI prefix of a partly known string) inside a value."""
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, Partial):
            m = model_value(v)
            if isinstance(m, str):
                out.append(m)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return out


def manifest_lines(node: ast.Dict, call: Call, facts: Facts) -> None:
    """``{"source-ref": f"s3://{bucket}/{key}"}`` built in code: a Ground Truth manifest line,
    input evidence for the bucket it names (like a manifest file)."""
    for k, v in zip(node.keys, node.values):
        if isinstance(k, ast.Constant) and k.value == "source-ref":
            value = model_value(call.ev.value(v))
            name = labeling.bucket_of(value) if isinstance(value, (str, Unknown)) else None
            if name is None:
                return
            text = value if isinstance(value, str) else _text(call.ev.value(v), "source-ref")
            facts.uses.append(LabelingUse(
                Service.GROUND_TRUTH, Role.INPUT, Modality.UNKNOWN,
                "Python manifest line (source-ref) built in code", call.location(v),
                Confidence.INFERRED, BucketRef(name=name, text=text)))
            return


def _named(uses: list[LabelingUse], call: Call) -> list[LabelingUse]:
    return uses


def put_bucket_cors(call: Call, facts: Facts) -> None:
    kwargs = call.kwargs()
    target = _bucket(kwargs.get("Bucket"), call)
    config = kwargs.get("CORSConfiguration")
    where = call.location()
    facts.cors.append(_cors(call, target, config, ("CORSConfiguration",), where))


def bucket_cors_put(call: Call, facts: Facts) -> None:
    """``s3.BucketCors(name).put(CORSConfiguration=...)``."""
    receiver = call.node.func.value if isinstance(call.node.func, ast.Attribute) else None
    receiver = _deref(call.ev, receiver) if receiver is not None else None
    if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
            and receiver.func.attr == "BucketCors" and receiver.args):
        return
    target = _bucket(call.ev.value(receiver.args[0]), call)
    config = call.kwargs().get("CORSConfiguration")
    facts.cors.append(_cors(call, target, config, ("CORSConfiguration",), call.location()))


def delete_bucket_cors(call: Call, facts: Facts) -> None:
    target = _bucket(call.kwargs().get("Bucket"), call)
    facts.cors.append(CorsConfig(target=target, rules=(), location=call.location(),
                                 source=CorsSource.SCRIPT, format=Format.SCRIPT,
                                 problems=()))


def _bucket(value: Value, call: Call) -> BucketRef:
    text = as_text(value) if not isinstance(value, (int, float)) else Unknown("not a string")
    if isinstance(text, str):
        return BucketRef(name=text, text=text)
    return BucketRef(name=text, text=_text(value, "Bucket"))


def _cors(call: Call, target: BucketRef, config: Value, keys: tuple[str, ...],
          where: Location) -> CorsConfig:
    def fixed(rules: tuple[CorsRule, ...] | Unknown,
              problems: tuple[CorsProblem, ...] = ()) -> CorsConfig:
        return CorsConfig(target=target, rules=rules, location=where, source=CorsSource.SCRIPT,
                          format=Format.SCRIPT, problems=problems)

    if isinstance(config, Unknown):
        return fixed(Unknown(f"the CORS configuration is not known statically: {config.reason}"))
    rules_value = config.get("CORSRules") if isinstance(config, dict) else None
    if not isinstance(rules_value, list):
        why = rules_value.reason if isinstance(rules_value, Unknown) else "not a literal list"
        return fixed(Unknown(f"CORSRules is not known statically: {why}"))
    rules: list[CorsRule] = []
    problems: list[CorsProblem] = []
    for i, rule in enumerate(rules_value):
        rkeys = keys + ("CORSRules", i)
        rnode = call.node_of(rkeys) or call.node
        if not isinstance(rule, dict):
            rules.append(CorsRule(methods=Unknown("the rule is not known statically"),
                                  origins=Unknown("the rule is not known statically"),
                                  location=call.location(rnode)))
            continue
        fields = {}
        for key, v in rule.items():
            vnode = call.node_of(rkeys + (key,)) or rnode
            fields[str(key)] = (_cors_value(v), call.pos(vnode))
        built, found = cors_check.build_rule(fields, "s3", call.path, call.pos(rnode),
                                             text_numbers=False)
        rules.append(built)
        problems += found
    return fixed(tuple(rules), tuple(problems))


def _cors_value(v: Value) -> Any:
    if isinstance(v, list):
        return [_cors_value(x) for x in v]
    if isinstance(v, (Partial, Bound)):
        return as_text(v)
    return v


HANDLERS: dict[str, Callable[[Call, Facts], None]] = {
    "create_labeling_job": create_labeling_job,
    "start_human_loop": start_human_loop,
    "put_bucket_cors": put_bucket_cors,
    "delete_bucket_cors": delete_bucket_cors,
    "put": bucket_cors_put,
}

_ = Confidence  # re-exported names used by callers
