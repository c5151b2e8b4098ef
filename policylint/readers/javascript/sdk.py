"""The AWS SDK for JavaScript (v2 and v3) in Lambda and script code.

v2 calls are matched by method name on any receiver (``s3.putBucketCors({...})``,
``new AWS.SageMaker().createLabelingJob(params).promise()``); v3 by the command class
(``new PutBucketCorsCommand({...})``). The first argument is evaluated by the CDK front end's
evaluator, extended here with ``JSON.stringify(x)`` (the value of ``x``: callers read inside it),
``process.env.X`` / ``process.env["X"]`` (bound like Python's ``os.environ["X"]``) and
``event.ResourceProperties.X`` (a custom resource's property); policylint.bind resolves those
from the infrastructure. The facts are made by the Python reader's handlers
(policylint.readers.python.calls), which use the shared tables of policylint.labeling; only
their evidence is renamed to the JavaScript API.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from policylint.model import Facts, Location, Unknown
from policylint.positioned import Pos
from policylint.readers import cdk
from policylint.readers.javascript.front import Front
from policylint.readers.python import calls
from policylint.readers.python.evaluate import ENV, EVENT, bound

# JavaScript API name (v2 method, v3 command) -> (Python handler name, evidence label).
_V2 = {
    "putBucketCors": "put_bucket_cors",
    "deleteBucketCors": "delete_bucket_cors",
    "createLabelingJob": "create_labeling_job",
    "startHumanLoop": "start_human_loop",
    "analyzeDocument": "analyze_document",
    "detectModerationLabels": "detect_moderation_labels",
}
_V3 = {name[0].upper() + name[1:] + "Command": py for name, py in _V2.items()}
# The Python handlers' evidence names the boto3 API; these rename it.
_PY_LABELS = {
    "put_bucket_cors": "put_bucket_cors", "delete_bucket_cors": "delete_bucket_cors",
    "create_labeling_job": "create_labeling_job", "start_human_loop": "start_human_loop",
    "analyze_document": "Textract analyze_document",
    "detect_moderation_labels": "Rekognition detect_moderation_labels",
}


class SdkFront(Front):
    """The CDK front end's evaluator, plus what Lambda code reads at run time."""

    def _call(self, node: Any, depth: int) -> Any:
        func = node.child_by_field_name("function")
        args = self._args(node)
        if self.text(func) == "JSON.stringify" and args:
            return self._value(args[0], depth + 1)
        return super()._call(node, depth)

    def _member(self, node: Any, depth: int) -> Any:
        obj = node.child_by_field_name("object")
        prop = self.text(node.child_by_field_name("property"))
        if obj is not None and self.text(obj) == "event.ResourceProperties":
            return bound(EVENT, "ResourceProperties", prop)
        return super()._member(node, depth)

    def _value(self, node: Any, depth: int) -> Any:
        if node.type == "subscript_expression" and depth <= 60:
            obj = node.child_by_field_name("object")
            index = node.child_by_field_name("index")
            if obj is not None and index is not None and index.type == "string":
                key = self._string(index)
                if self.text(obj) == "process.env":
                    return bound(ENV, key)
                if self.text(obj) == "event.ResourceProperties":
                    return bound(EVENT, "ResourceProperties", key)
        return super()._value(node, depth)


def api_of(node: Any, front: Front) -> str | None:
    """The Python handler name for a v2 call or v3 command construction, or None."""
    if node.type == "new_expression":
        ctor = node.child_by_field_name("constructor")
        name = front.text(ctor.child_by_field_name("property")) if ctor is not None \
            and ctor.type == "member_expression" else front.text(ctor)
        return _V3.get(name)
    if node.type == "call_expression":
        func = node.child_by_field_name("function")
        if func is not None and func.type == "member_expression":
            return _V2.get(front.text(func.child_by_field_name("property")))
    return None


class JsCall(calls.Call):
    """A JavaScript call as the Python handlers read one: its "nodes" are ``cdk.V`` values
    (the evaluated first argument, with the position of everything written in it)."""

    def __init__(self, whole: cdk.V, params: cdk.V | None, path: str) -> None:
        self.node = whole  # type: ignore[assignment]
        self.params = params
        self.path = path
        self.pos = _pos_of  # type: ignore[assignment]
        self.ev = None  # type: ignore[assignment]  # read only for Python names (never here)

    def kwargs(self) -> dict[str, Any]:
        value = plain(self.params.value) if self.params is not None else {}
        return value if isinstance(value, dict) else {}

    def node_of(self, keys: tuple[Any, ...]) -> Any:
        node = self.params
        for key in keys:
            value = node.value if node is not None else None
            if isinstance(value, dict) and isinstance(key, str) and key in value:
                node = value[key]
            elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                node = value[key]
            else:
                return None
        return node

    def location(self, node: Any = None) -> Location:
        p = _pos_of(node if node is not None else self.node)
        return Location(self.path, p.line, p.column, p.end_line, p.end_column)


def _pos_of(node: Any) -> Pos:
    return node.pos if isinstance(node, cdk.V) else Pos(1, 1, 1, 1)


def plain(value: Any) -> Any:
    """A front-end value with its positions dropped (the Python evaluator's Value)."""
    if isinstance(value, cdk.V):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (cdk.Ref, cdk.Asset, cdk.SourceRel)):
        return Unknown("a construct, not a value known in this code")
    return value


def read_calls(front: Front, path: str, facts: Facts) -> None:
    """Every SDK call of interest in a parsed file -> uses and CORS definitions in ``facts``."""
    for n in front.nodes:
        api = api_of(n, front)
        if api is None:
            continue
        args = front._args(n)
        params = front.val(args[0]) if args else None
        whole = cdk.V(None, front.pos(n))
        got = Facts()
        calls.HANDLERS[api](JsCall(whole, params, path), got)
        js = _js_name(n, front)
        label = _PY_LABELS[api]
        for use in got.uses:
            facts.uses.append(replace(use, evidence=use.evidence.replace(
                f"Python {label}", f"JavaScript {js}", 1)))
        facts.cors += got.cors


def _js_name(node: Any, front: Front) -> str:
    if node.type == "new_expression":
        ctor = node.child_by_field_name("constructor")
        if ctor is not None and ctor.type == "member_expression":
            ctor = ctor.child_by_field_name("property")
        return front.text(ctor)
    func = node.child_by_field_name("function")
    return front.text(func.child_by_field_name("property"))
