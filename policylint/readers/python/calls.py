"""The boto3 calls the Python reader understands: method name -> handler.

Calls are matched by method name on any receiver (``client.create_labeling_job(...)``,
``boto3.client("sagemaker").create_labeling_job(...)``). Each handler turns the evaluated keyword
arguments of one call into facts; ``Call`` gives it the positions of the call and of its
arguments. PREFILTER lists the substrings a file must contain to be parsed at all.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from policylint import cors_check, labeling
from policylint.discover import PYTHON_MARKS
from policylint.model import (
    Bucket,
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
    SageMakerDefaultBucket,
    Service,
    Unknown,
)
from policylint.positioned import Pos
from policylint.readers import templates
from policylint.readers.python.evaluate import Bound, Evaluator, Partial, Value, as_text

# Raw-byte substrings: a .py file (or notebook) that contains none of these is never parsed.
PREFILTER: tuple[bytes, ...] = PYTHON_MARKS


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
        return "".join(p if isinstance(p, str) else _placeholder(p) for p in value.parts)
    return what


def _placeholder(part: Unknown) -> str:
    """How an unknown part of a string is shown: ``{INPUT_BUCKET}`` for a named one."""
    if isinstance(part, Bound) and part.path and not isinstance(part, SageMakerDefaultBucket):
        return "{" + part.path[-1] + "}"
    if isinstance(part, SageMakerDefaultBucket):
        return "{default_bucket}"
    return "{…}"


# --- handlers -------------------------------------------------------------------------------

def create_labeling_job(call: Call, facts: Facts) -> None:
    params = model_value(call.kwargs())
    name = params.get("LabelingJobName") if isinstance(params, dict) else None
    label = f"create_labeling_job {name}" if isinstance(name, str) else "create_labeling_job"

    def locate(keys: tuple[Any, ...]) -> Location:
        return call.location(call.node_of(keys) or call.node)

    ui = labeling._get(params, "HumanTaskConfig", "UiConfig", "HumanTaskUiArn")
    modality = labeling.modality_of(
        labeling._get(params, "HumanTaskConfig", "PreHumanTaskLambdaArn"))
    if modality is Modality.UNKNOWN:
        modality = ui_modality(ui)
    raw = call.kwargs()
    for use in labeling.labeling_job_uses(params, locate, f"Python {label}", modality=modality):
        key = {"ManifestS3Uri": ("InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri"),
               "S3OutputPath": ("OutputConfig", "S3OutputPath")}.get(use.target.text)
        if key is not None:  # show how the code spells a location it does not know
            use = replace(use, target=replace(
                use.target, text=_text(labeling._get(raw, *key), use.target.text)))
        facts.uses.append(use)


# Built-in worker UIs (``arn:aws:sagemaker:REGION:ACCOUNT:human-task-ui/NAME``): their modality.
_BUILTIN_UIS: tuple[tuple[str, Modality], ...] = (
    ("pointcloud", Modality.POINT_CLOUD),
    ("video", Modality.VIDEO),
    ("namedentityrecognition", Modality.TEXT),
    ("text", Modality.TEXT),
)


def ui_modality(ui: Any) -> Modality:
    """The modality of a built-in ``HumanTaskUiArn`` (PointCloudObjectDetection,
    VideoObjectTracking, NamedEntityRecognition, ...); UNKNOWN for a custom UI or an unknown
    value."""
    if not isinstance(ui, str) or "human-task-ui/" not in ui:
        return Modality.UNKNOWN
    name = ui.rsplit("human-task-ui/", 1)[1].lower()
    for needle, modality in _BUILTIN_UIS:
        if name.startswith(needle) or needle == "namedentityrecognition" and needle in name:
            return modality
    return Modality.UNKNOWN


def start_human_loop(call: Call, facts: Facts) -> None:
    params = call.kwargs()
    content = labeling._get(params, "HumanLoopInput", "InputContent")
    node = call.node_of(("HumanLoopInput", "InputContent")) or call.node
    loc = call.location(node)
    uses: list[LabelingUse] = []
    for text in _strings(content):
        doc = {"HumanLoopInput": {"InputContent": text}}
        uses += labeling.human_loop_uses(doc, lambda _k: loc, "Python start_human_loop")
    seen: set[Any] = set()
    for part in _unknown_buckets(content):
        if part in seen:
            continue
        seen.add(part)
        uses.append(LabelingUse(Service.A2I, Role.INPUT, Modality.IMAGE,
                                "Python start_human_loop: human loop input in an S3 bucket not "
                                "known statically", loc, Confidence.DEFINED,
                                BucketRef(name=part, text=_text(_first_s3(content), "InputContent"))))
    for value in _bound_values(content):  # an S3 location only if its binding says so
        if value in seen:
            continue
        seen.add(value)
        uses.append(LabelingUse(Service.A2I, Role.INPUT, Modality.IMAGE,
                                "Python start_human_loop: human loop input", loc,
                                Confidence.DEFINED, BucketRef(name=value, text=value.reason),
                                conditional=True))
    facts.uses += uses


def _leaves(value: Value) -> list[Value]:
    """The values inside dicts and lists (not the containers), in stack order."""
    out: list[Value] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
        else:
            out.append(v)
    return out


def _bound_values(value: Value) -> list[Bound]:
    """Whole named unknowns inside a value (``{"taskObject": props["S3Uri"]}``)."""
    return [v for v in _leaves(value)
            if isinstance(v, Bound) and not isinstance(v, SageMakerDefaultBucket)]


def _s3_partials(value: Value) -> list[Partial]:
    """Partly known strings in a value that are S3 locations whose bucket is unknown:
    ``f"s3://{bucket}/{key}"`` (a presigned URL of get_object evaluates to one too)."""
    return [v for v in _leaves(value)
            if isinstance(v, Partial) and v.prefix == "s3://" and len(v.parts) > 1]


def _unknown_buckets(value: Value) -> list[Unknown]:
    return [p.parts[1] for p in _s3_partials(value) if isinstance(p.parts[1], Unknown)]


def _first_s3(value: Value) -> Value:
    found = _s3_partials(value)
    return found[0] if found else "InputContent"


def _strings(value: Value) -> list[str]:
    """Every known string (and known S3-URI prefix of a partly known string) inside a value."""
    out: list[str] = []
    for v in _leaves(value):
        m = model_value(v) if isinstance(v, Partial) else v
        if isinstance(m, str):
            out.append(m)
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


def put_bucket_cors(call: Call, facts: Facts) -> None:
    kwargs = call.kwargs()
    target = _bucket(kwargs.get("Bucket"), call)
    config = kwargs.get("CORSConfiguration")
    where = call.location()
    facts.cors.append(_cors(call, target, config, ("CORSConfiguration",), where))


def _cors_resource(call: Call) -> BucketRef | None:
    """The bucket of a BucketCors resource receiver: ``s3.BucketCors(name)`` or
    ``s3.Bucket(name).Cors()``, written inline or through a name assigned once."""
    func = call.node.func
    receiver: ast.AST | None = _deref(call.ev, func.value) if isinstance(
        func, ast.Attribute) else None
    if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)):
        return None
    if receiver.func.attr == "BucketCors" and receiver.args:
        return _bucket(call.ev.value(receiver.args[0]), call)
    if receiver.func.attr == "Cors" and not receiver.args:
        bucket = _deref(call.ev, receiver.func.value)
        if isinstance(bucket, ast.Call) and isinstance(bucket.func, ast.Attribute) \
                and bucket.func.attr == "Bucket" and bucket.args:
            return _bucket(call.ev.value(bucket.args[0]), call)
    return None


def bucket_cors_put(call: Call, facts: Facts) -> None:
    """``s3.BucketCors(name).put(CORSConfiguration=...)`` (or ``Bucket(name).Cors().put``)."""
    target = _cors_resource(call)
    if target is None:
        return
    config = call.kwargs().get("CORSConfiguration")
    facts.cors.append(_cors(call, target, config, ("CORSConfiguration",), call.location()))


def bucket_cors_delete(call: Call, facts: Facts) -> None:
    """``s3.BucketCors(name).delete()``: like delete_bucket_cors."""
    target = _cors_resource(call)
    if target is None:
        return
    facts.cors.append(CorsConfig(target=target, rules=(), location=call.location(),
                                 source=CorsSource.SCRIPT, format=Format.SCRIPT, problems=()))


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
    list_node = call.node_of(keys + ("CORSRules",))
    list_node = _deref(call.ev, list_node) if list_node is not None else None
    hints: tuple[tuple[str, str], ...] = ()
    if isinstance(list_node, ast.List):  # --fix inserts the rule into this literal list
        lp = call.pos(list_node)
        hints = (("python-list", f"{lp.line}:{lp.column}"),)

    def fixed(rules: tuple[CorsRule, ...] | Unknown,
              problems: tuple[CorsProblem, ...] = ()) -> CorsConfig:
        return CorsConfig(target=target, rules=rules, location=where, source=CorsSource.SCRIPT,
                          format=Format.SCRIPT, problems=problems, fix_hints=hints)

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


def _s3_object_use(key: str, api: str) -> Callable[[Call, Facts], None]:
    """Textract ``analyze_document(Document=...)`` / Rekognition
    ``detect_moderation_labels(Image=...)`` with a ``HumanLoopConfig``: labeling.a2i_builtin_uses."""
    def handler(call: Call, facts: Facts) -> None:
        params = model_value(call.kwargs())

        def locate(keys: tuple[Any, ...]) -> Location:
            return call.location(call.node_of(keys) or call.node)

        for use in labeling.a2i_builtin_uses(params, key, locate, f"Python {api}"):
            raw = labeling._get(call.kwargs(), key, "S3Object", "Bucket")
            if not isinstance(raw, str):  # show how the code spells an unknown bucket
                use = replace(use, target=replace(use.target, text=_text(raw, use.target.text)))
            facts.uses.append(use)
    return handler


def create_flow_definition(call: Call, facts: Facts) -> None:
    """``create_flow_definition(OutputConfig={"S3OutputPath": ...})``: where A2I writes its
    results (output evidence for the inventory; output needs no CORS)."""
    out = model_value(labeling._get(call.kwargs(), "OutputConfig", "S3OutputPath"))
    name = labeling.bucket_of(out) if out is not None else None
    if name is None:
        return
    name_arg = call.kwargs().get("FlowDefinitionName")
    label = f" {name_arg}" if isinstance(name_arg, str) else ""
    node = call.node_of(("OutputConfig", "S3OutputPath")) or call.node
    facts.uses.append(LabelingUse(
        Service.A2I, Role.OUTPUT, Modality.UNKNOWN,
        f"Python create_flow_definition{label}: output path", call.location(node),
        Confidence.DEFINED, BucketRef(name=name, text=out if isinstance(out, str) else
                                      _text(labeling._get(call.kwargs(), "OutputConfig",
                                                          "S3OutputPath"), "S3OutputPath"))))


def create_hit(call: Call, facts: Facts) -> None:
    """MTurk ``create_hit`` / ``create_hit_with_hit_type``: the ``Question`` XML is read with
    the worker-template reader's rules; its uses are located at the Question argument."""
    question = call.kwargs().get("Question")
    if not isinstance(question, (str, Partial)):
        return
    text = question if isinstance(question, str) else _text(question, "")
    where = call.location(call.node_of(("Question",)) or call.node)
    for use in templates.uses_of_template(text, call.path):
        evidence = use.evidence.replace(f"worker template {call.path}", "create_hit Question")
        facts.uses.append(replace(use, service=Service.MTURK, location=where,
                                  evidence=f"Python {evidence}"))


def create_bucket(call: Call, facts: Facts) -> None:
    """``create_bucket(Bucket=...)`` (or ``s3.Bucket(name).create()``): a bucket defined in
    code, without CORS unless a put_bucket_cors for it is scanned."""
    name = _bucket_name_of_call(call)
    if name is None:
        return
    where = call.location()
    label = name.text or "Bucket"
    facts.buckets.append(Bucket(
        identity=f"{call.path}#create_bucket@{where.line}:{where.column}",
        address=f"create_bucket {label}", name=name.name if name.name is not None else
        Unknown("no bucket name"), location=where, format=Format.SCRIPT))


def _bucket_name_of_call(call: Call) -> BucketRef | None:
    if isinstance(call.node.func, ast.Attribute) and call.node.func.attr == "create":
        receiver = _deref(call.ev, call.node.func.value)
        if not (isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr == "Bucket" and receiver.args):
            return None
        return _bucket(call.ev.value(receiver.args[0]), call)
    value = call.kwargs().get("Bucket")
    return _bucket(value, call) if value is not None else None


HANDLERS: dict[str, Callable[[Call, Facts], None]] = {
    "create_labeling_job": create_labeling_job,
    "start_human_loop": start_human_loop,
    "put_bucket_cors": put_bucket_cors,
    "delete_bucket_cors": delete_bucket_cors,
    "put": bucket_cors_put,
    "delete": bucket_cors_delete,
    "analyze_document": _s3_object_use("Document", "Textract analyze_document"),
    "detect_moderation_labels": _s3_object_use("Image", "Rekognition detect_moderation_labels"),
    "create_flow_definition": create_flow_definition,
    "create_hit": create_hit,
    "create_hit_with_hit_type": create_hit,
    "create_bucket": create_bucket,
    "create": create_bucket,
}

_ = Confidence  # re-exported names used by callers
