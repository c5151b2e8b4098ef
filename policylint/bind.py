"""Binding code to the infrastructure that runs it: the one place where named unknowns meet
the values the scanned IaC gives them.

The binding API (shared by every reader of code: Python, notebooks, CDK apps):

- A reader of code marks a value it cannot know but can *name* as ``model.Bound(reason,
  source, path)`` (see policylint.readers.python.evaluate: ``bound``/``sub``/``kind_of``):
  ``os.environ["X"]`` is ``("env", ("X",))``, ``event["ResourceProperties"]["X"]`` is
  ``("event", ("ResourceProperties", "X"))``, an S3 event's bucket is ``("event",
  ("Records", i, "s3", "bucket", "name"))``, ``get_parameter(Name="P")`` is ``("ssm",
  ("P",))``. It puts that value in a ``BucketRef.name`` of a use or CORS source, located in
  the code file.
- A reader of IaC records what it defines, without knowing which code will ask:
  ``model.Function`` (the code paths, handler or inline span it runs, and its ``Binding``\\ s:
  environment variables, properties of custom resources whose ServiceToken is the function,
  buckets whose events invoke it) and SSM parameters as ``Facts.parameters``.
- ``resolve(facts)`` runs before linking: every use and CORS source whose bucket is a Bound
  value is matched to the functions that run its file (and, for SSM, to the parameters of the
  scan) and rewritten to the bucket the binding names, with the function and the entry in
  ``LabelingUse.via``. Several functions running one file bind it once per function, like a
  name defined twice. A file no scanned function runs, or a function that does not set the
  value, or sets it to a value not known statically, leaves it Unknown, with a reason naming
  the function: PL102, never a guess.
"""
from __future__ import annotations

import posixpath
from dataclasses import replace

from policylint import labeling
from policylint.model import (
    Binding,
    Bound,
    BucketRef,
    CorsConfig,
    Evidence,
    Facts,
    Function,
    LabelingUse,
    Location,
    SageMakerDefaultBucket,
    Unknown,
)

ENV, EVENT, SSM = "env", "event", "ssm"


def resolve(facts: Facts) -> Facts:
    """``facts`` with bound bucket references resolved (a new Facts; the input is unchanged)."""
    if not any(_bound(u.target) or u.conditional for u in facts.uses) and not any(
            c.target is not None and _bound(c.target) for c in facts.cors):
        return facts
    out = Facts()
    out.extend(facts)
    out.functions = merged(facts.functions)
    facts = out
    out.uses = [r for u in facts.uses for r in _resolve_use(u, facts)]
    out.cors = [r for c in facts.cors for r in _resolve_cors(c, facts)]
    return out


def merged(functions: list[Function]) -> list[Function]:
    """One Function per identity: a reader may describe one function in parts (Terraform's
    aws_s3_bucket_notification adds the S3 event binding to the aws_lambda_function)."""
    by_id: dict[str, Function] = {}
    for f in functions:
        old = by_id.get(f.identity)
        if old is None:
            by_id[f.identity] = f
            continue
        main, extra = (old, f) if (old.code or old.inline) or not (f.code or f.inline) else (f, old)
        by_id[f.identity] = replace(main, bindings=main.bindings + extra.bindings)
    return list(by_id.values())


def _bound(ref: BucketRef) -> bool:
    return isinstance(ref.name, Bound) and not isinstance(ref.name, SageMakerDefaultBucket)


def kind_of(value: Bound) -> str:
    """'env', 'resource-property', 's3-event-bucket', 'ssm', or the value's source."""
    if value.source == EVENT:
        if len(value.path) == 2 and value.path[0] == "ResourceProperties":
            return "resource-property"
        if value.path[:1] == ("Records",) and value.path[-3:] == ("s3", "bucket", "name"):
            return "s3-event-bucket"
    return value.source


def _key(value: Bound) -> str:
    kind = kind_of(value)
    if kind == "s3-event-bucket":
        return ""
    return value.path[-1] if value.path else ""


def runs(function: Function, location: Location) -> bool:
    """Whether ``function`` runs the code at ``location`` (a display path)."""
    if function.inline is not None:
        span = function.inline
        return (location.path == span.path
                and span.line <= location.line <= (span.end_line or span.line))
    path = posixpath.normpath(location.path.replace("\\", "/"))
    for code in function.code:
        code = posixpath.normpath(code)
        if path == code:
            return True
        if path.startswith(code.rstrip("/") + "/") or code == ".":
            if function.handler is None:
                return True
            module = function.handler.rsplit(".", 1)[0].replace(".", "/")
            rel = path[len(code.rstrip("/")) + 1:] if code != "." else path
            if rel in (f"{module}.py", f"{module}/__init__.py") or rel in [
                    module + ext for ext in (".js", ".mjs", ".cjs", ".ts")]:  # Node.js
                return True
    return False


def _candidates(value: Bound, location: Location, facts: Facts
                ) -> tuple[list[tuple[Binding, Function | None]], str]:
    """The bindings that set ``value`` for the code at ``location``, or ([], why not)."""
    kind, key = kind_of(value), _key(value)
    if kind == SSM:
        found: list[tuple[Binding, Function | None]] = [
            (b, None) for b in facts.parameters if b.key == key]
        if found:
            return found, ""
        return [], f"{value.reason}; no SSM parameter '{key}' is defined in the scanned files"
    if kind not in ("env", "resource-property", "s3-event-bucket"):
        return [], value.reason
    functions = [f for f in facts.functions if runs(f, location)]
    if not functions:
        return [], f"{value.reason}; no function defined in the scanned files runs this file"
    got: list[tuple[Binding, Function | None]] = []
    for f in functions:
        matches = [b for b in f.bindings if b.kind == kind and b.key == key]
        if not matches:
            what = {"env": f"does not set the environment variable {key}",
                    "resource-property": f"is the ServiceToken of no custom resource that sets "
                                         f"{key}",
                    "s3-event-bucket": "is invoked by no S3 event notification"}[kind]
            return [], (f"{value.reason}; the function {f.address} that runs this file {what} "
                        "in the scanned files")
        got += [(b, f) for b in matches]
    return got, ""


def _target(binding: Binding, function: Function | None, old: BucketRef) -> BucketRef:
    """The bucket a binding names: its ``ref``, or the bucket of its (URI) value."""
    owner = f" by {function.address}" if function is not None else ""
    if binding.ref is not None:
        return binding.ref
    value = binding.value
    if isinstance(value, Unknown):
        return replace(old, name=Unknown(
            f"{binding.kind} {binding.key or 'bucket'} is set{owner} to a value not known "
            f"statically: {value.reason}"))
    name = labeling.bucket_of(value)
    if name is None:
        name = value  # the value is the bucket's name
    return BucketRef(name=name, text=value if isinstance(name, str) else old.text)


def _via(binding: Binding, function: Function | None) -> tuple[Evidence, ...]:
    out = []
    if function is not None:
        out.append(Evidence(f"runs in {function.address}", function.location))
    what = {"env": "environment variable", "resource-property": "custom resource property",
            "s3-event-bucket": "S3 event notification", "ssm": "SSM parameter"}.get(
        binding.kind, binding.kind)
    shown = binding.value if isinstance(binding.value, str) else "a value not known statically"
    label = f"{what} {binding.key} = {shown}" if binding.key else f"{what} from {shown}"
    out.append(Evidence(label, binding.location))
    return tuple(out)


def _resolve_use(use: LabelingUse, facts: Facts) -> list[LabelingUse]:
    if not _bound(use.target):
        return [] if use.conditional else [use]
    assert isinstance(use.target.name, Bound)
    found, why = _candidates(use.target.name, use.location, facts)
    if not found:
        return [] if use.conditional else [replace(use, target=replace(use.target,
                                                                       name=Unknown(why)))]
    out = []
    for binding, function in found:
        if use.conditional and binding.ref is None and (
                not isinstance(binding.value, str) or labeling.parse_s3_uri(binding.value) is None):
            continue  # not an S3 location: a text value says nothing
        target = _target(binding, function, use.target)
        text = binding.value if isinstance(binding.value, str) else target.text
        if use.conditional:
            evidence = f"{use.evidence} {text}"
        else:
            evidence = use.evidence
        out.append(replace(use, target=target, evidence=evidence, conditional=False,
                           via=use.via + _via(binding, function)))
    return out


def _resolve_cors(config: CorsConfig, facts: Facts) -> list[CorsConfig]:
    if config.target is None or not _bound(config.target):
        return [config]
    assert isinstance(config.target.name, Bound)
    found, why = _candidates(config.target.name, config.location, facts)
    if not found:
        return [replace(config, target=replace(config.target, name=Unknown(why)))]
    return [replace(config, target=_target(b, f, config.target)) for b, f in found]
