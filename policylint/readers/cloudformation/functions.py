"""Functions a template defines and the values it gives their code (see policylint.bind).

- ``AWS::Serverless::Function``: ``CodeUri`` (a local folder, relative to the template) and
  ``Handler``, with ``Globals.Function`` for what the function leaves out; ``Environment.
  Variables`` merged over the global ones; ``Events`` of ``Type: S3`` bind the S3 event's
  bucket.
- ``AWS::Lambda::Function``: ``Code`` as a local path (as ``aws cloudformation package``
  takes it) or ``Code.ZipFile`` inline code of a ``python*`` Runtime that passes the Python
  prefilter, read here as a Python file at its place in the
  template (a ``|`` block keeps exact positions; other forms — ``!Sub``, ``!FindInMap``, a
  quoted string — are read where they resolve and located at the ``ZipFile`` value).
- A custom resource (``Custom::*``, ``AWS::CloudFormation::CustomResource``) passes its
  properties to the function behind its ``ServiceToken``.
- A bucket's ``NotificationConfiguration.LambdaConfigurations`` binds its events' bucket.
- ``AWS::SSM::Parameter``: ``Name`` -> ``Value`` for ``get_parameter``.
"""
from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, Any

from policylint import labeling
from policylint.model import Binding, BucketRef, Function, Location, Unknown
from policylint.positioned import PDict, Pos
from policylint.readers.cloudformation.evaluate import intrinsic

if TYPE_CHECKING:
    from policylint.readers.cloudformation.extract import TemplateReader

SAM_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTIONS = frozenset({SAM_FUNCTION, LAMBDA_FUNCTION})


def _type(res: dict[str, Any]) -> str:
    rtype = res.get("Type")
    return rtype if isinstance(rtype, str) else ""


def _is_custom(rtype: str) -> bool:
    return rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource"


class FunctionReader:
    """Reads the functions of one template into ``reader.facts``."""

    def __init__(self, reader: TemplateReader) -> None:
        self.r = reader
        self.tpl = reader.tpl
        self.path = reader.path
        globals_ = reader.src.doc.get("Globals")
        fn = globals_.get("Function") if isinstance(globals_, dict) else None
        self.globals: PDict = fn if isinstance(fn, PDict) else PDict()
        self.extra: dict[str, list[Binding]] = {}  # function logical ID -> bindings from others

    def read(self) -> None:
        resources = self.r.resources
        wanted = FUNCTIONS | {"AWS::SSM::Parameter"}
        if not any(isinstance(r, dict) and _type(r) in wanted for r in resources.values()):
            return
        for lid, res in resources.items():
            if not isinstance(res, PDict) or not isinstance(lid, str):
                continue
            rtype = res.get("Type")
            props = self.r.props(res)
            if not isinstance(rtype, str) or props is None:
                continue
            if _is_custom(rtype):
                self.custom_resource(lid, props)
            elif rtype == "AWS::S3::Bucket":
                self.notifications(lid, props)
            elif rtype == "AWS::SSM::Parameter":
                self.parameter(props)
        for lid, res in resources.items():
            if isinstance(res, PDict) and isinstance(lid, str) and _type(res) in FUNCTIONS:
                self.function(lid, res)

    # -- values -------------------------------------------------------------------------------

    def binding(self, kind: str, key: str, node: Any, where: Pos) -> Binding:
        text = self.tpl.text(node)
        value: str | Unknown = text if text is not None else Unknown(f"{key} is not a string")
        ref = None
        if isinstance(value, str):
            lid = self.tpl.bucket_of_placeholder(value)
            if lid is None:
                got = labeling.parse_s3_uri(value)
                lid = self.tpl.bucket_of_placeholder(got[0]) if got else None
            if lid is not None:
                ref = BucketRef(identity=self.r.identity(lid), name=self.tpl.bucket_name(lid),
                                text=lid)
            value = self.tpl.resolve(value) if "policylint-cfn-ref-" in value else value
            if isinstance(value, str) and "policylint-cfn-ref-" in value:
                value = self.tpl.readable(value)
        return Binding(kind, key, value, Location(self.path, where.line, where.column), ref)

    def target(self, node: Any) -> str | None:
        """The logical ID a ``ServiceToken`` / ``Function`` names (``!GetAtt Fn.Arn``,
        ``!Ref Fn``), or None."""
        fn = intrinsic(node)
        if fn is None:
            return None
        name, arg = fn
        if name == "Fn::GetAtt":
            arg = arg.split(".", 1)[0] if isinstance(arg, str) else (
                arg[0] if isinstance(arg, list) and arg else None)
        elif name != "Ref":
            return None
        return arg if isinstance(arg, str) else None

    def add(self, lid: str | None, binding: Binding) -> None:
        if lid is not None:
            self.extra.setdefault(lid, []).append(binding)

    # -- sources of bindings ------------------------------------------------------------------

    def custom_resource(self, lid: str, props: PDict) -> None:
        fn = self.target(props.get("ServiceToken"))
        if fn is None:
            return
        for key in props:
            if key != "ServiceToken" and isinstance(key, str):
                self.add(fn, self.binding("resource-property", key, props[key],
                                          props.key_pos(key)))

    def notifications(self, lid: str, props: PDict) -> None:
        conf = props.get("NotificationConfiguration")
        items = conf.get("LambdaConfigurations") if isinstance(conf, dict) else None
        if not isinstance(items, list):
            return
        for item in items:
            if isinstance(item, PDict):
                self.add(self.target(item.get("Function")), self.bucket_binding(lid, item.pos))

    def bucket_binding(self, bucket_lid: str, where: Pos) -> Binding:
        name = self.tpl.bucket_name(bucket_lid)
        return Binding("s3-event-bucket", "", name if isinstance(name, str) else bucket_lid,
                       Location(self.path, where.line, where.column),
                       BucketRef(identity=self.r.identity(bucket_lid), name=name,
                                 text=bucket_lid))

    def parameter(self, props: PDict) -> None:
        name = self.tpl.text(props.get("Name"))
        if isinstance(name, str) and "Value" in props:
            self.r.facts.parameters.append(
                self.binding("ssm", name, props["Value"], props.key_pos("Value")))

    # -- functions ----------------------------------------------------------------------------

    def prop(self, props: PDict, key: str, sam: bool) -> Any:
        if key in props:
            return props[key]
        return self.globals.get(key) if sam else None

    def function(self, lid: str, res: PDict) -> None:
        props = self.r.props(res) or PDict()
        sam = res.get("Type") == SAM_FUNCTION
        bindings: list[Binding] = []
        envs = [self.globals.get("Environment")] if sam else []
        envs.append(props.get("Environment"))
        for env in envs:
            variables = env.get("Variables") if isinstance(env, dict) else None
            if isinstance(variables, PDict):
                for key in variables:
                    if isinstance(key, str):
                        bindings = [b for b in bindings if b.key != key]
                        bindings.append(self.binding("env", key, variables[key],
                                                     variables.key_pos(key)))
        if sam:
            bindings += self.sam_events(props.get("Events"))
        bindings += self.extra.get(lid, [])
        handler = self.tpl.text(self.prop(props, "Handler", sam))
        code: tuple[str, ...] = ()
        inline: Location | None = None
        if sam:
            uri = self.tpl.text(self.prop(props, "CodeUri", sam))
            code = self.local(uri)
        else:
            node = props.get("Code")
            runtime = self.tpl.text(props.get("Runtime"))
            if isinstance(node, PDict) and "ZipFile" in node and isinstance(runtime, str) \
                    and runtime.lower().startswith("python"):
                inline = self.inline(node, lid)
            elif not isinstance(node, dict):
                code = self.local(self.tpl.text(node))
        self.r.facts.functions.append(Function(
            identity=self.r.identity(lid), address=lid, location=self.r.resource_location(lid),
            code=code, handler=handler if isinstance(handler, str) else None, inline=inline,
            bindings=tuple(bindings)))

    def sam_events(self, events: Any) -> list[Binding]:
        out: list[Binding] = []
        if not isinstance(events, dict):
            return out
        for event in events.values():
            if not isinstance(event, PDict) or event.get("Type") != "S3":
                continue
            p = event.get("Properties")
            bucket = self.target(p.get("Bucket")) if isinstance(p, dict) else None
            if bucket is not None and bucket in self.tpl.bucket_ids:
                out.append(self.bucket_binding(bucket, event.pos))
        return out

    def local(self, uri: Any) -> tuple[str, ...]:
        """A local code path relative to the template (never an S3 location)."""
        if not isinstance(uri, str) or not uri or uri.startswith(("s3://", "http")):
            return ()
        base = posixpath.dirname(self.path.replace("\\", "/"))
        return (posixpath.normpath(posixpath.join(base, uri)),)

    def inline(self, code: PDict, lid: str) -> Location:
        from policylint.discover import python_prefilter
        from policylint.readers.python import read_module

        start = code.value_pos("ZipFile")
        node = code["ZipFile"]
        text = node if isinstance(node, str) and intrinsic(node) is None else (
            self.tpl.document_text(node))
        block = self.r.src.at(start, 1) in ("|",) and isinstance(node, str)
        lines = self.r.src.lines
        if block:
            first = start.line + 1
            body = [ln for ln in lines[first - 1:first + 200] if ln.strip()]
            indent = len(body[0]) - len(body[0].lstrip(" ")) if body else 0

            def mapper(line: int, col: int) -> tuple[int, int]:
                return start.line + line, indent + col + 1
            span = Location(self.path, first, 1, max(start.end_line, first), 1)
        else:
            def mapper(line: int, col: int) -> tuple[int, int]:
                return start.line, start.column
            span = Location(self.path, start.line, start.column, start.end_line,
                            start.end_column)
        if isinstance(text, str) and python_prefilter(text.encode("utf-8", "replace")):
            read_module(self.path, text, self.r.facts, mapper)
        return span

