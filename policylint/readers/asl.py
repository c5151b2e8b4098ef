"""Amazon States Language, format-neutral: labeling uses in a state machine definition.

``uses_from_definition`` is shared by Terraform (``aws_sfn_state_machine.definition``),
CloudFormation/SAM (``Definition``, ``DefinitionString``, ``DefinitionUri``) and standalone
``*.asl.json`` files. It takes the definition as plain or positioned (PDict/PList) data.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterator, Mapping

from policylint import labeling
from policylint.model import (
    BucketRef,
    Confidence,
    LabelingUse,
    Location,
    Modality,
    Role,
    Text,
    Unknown,
)
from policylint.positioned import PDict, Pos

# Every integration form: optimized (``states:::sagemaker:createLabelingJob``) and AWS SDK
# (``states:::aws-sdk:sagemaker:createLabelingJob``), each as request/response, ``.sync`` or
# ``.waitForTaskToken``. The APIs themselves are labeling.STATES_LABELING_APIS.
_INTEGRATION = re.compile(
    r"^arn:aws[a-z-]*:states:::(?:aws-sdk:)?(?P<service>[a-z0-9-]+):(?P<action>[A-Za-z0-9]+)"
    r"(?:\.sync(?::2)?|\.waitForTaskToken)?$")
_PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")

MAX_STATES_DEPTH = 64


def iter_task_states(definition: Any, depth: int = 0) -> Iterator[tuple[str, Any, tuple[Any, ...]]]:
    """(state name, state, key path from the definition root) for every state, nested ones
    (Parallel branches, Map iterators/item processors) included."""
    if depth > MAX_STATES_DEPTH or not isinstance(definition, dict):
        return
    states = definition.get("States")
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        yield str(name), state, ("States", name)
        for b_i, branch in enumerate(state.get("Branches") or []
                                     if isinstance(state.get("Branches"), list) else []):
            for n, s, p in iter_task_states(branch, depth + 1):
                yield n, s, ("States", name, "Branches", b_i) + p
        for key in ("Iterator", "ItemProcessor"):
            sub = state.get(key)
            if isinstance(sub, dict):
                for n, s, p in iter_task_states(sub, depth + 1):
                    yield n, s, ("States", name, key) + p


def substitute(value: Any, substitutions: Mapping[str, Text]) -> Any:
    """Replace ``${Name}`` placeholders (DefinitionSubstitutions) in every string of ``value``.
    A placeholder with an unknown or missing value makes the string Unknown."""
    if not substitutions:
        return value
    if isinstance(value, str):
        missing: list[str] = []

        def repl(m: re.Match[str]) -> str:
            v = substitutions.get(m.group(1))
            if isinstance(v, str):
                return v
            missing.append(m.group(1) if v is None else f"{m.group(1)} ({v.reason})")
            return m.group(0)

        out = _PLACEHOLDER.sub(repl, value)
        if missing and any(n.split(" ")[0] in substitutions for n in missing):
            return Unknown(f"substitution {', '.join(missing)} is not known statically")
        return out
    if isinstance(value, PDict):
        new = PDict({k: substitute(v, substitutions) for k, v in value.items()})
        new.pos, new.kpos, new.vpos = value.pos, value.kpos, value.vpos
        return new
    if isinstance(value, dict):
        return {k: substitute(v, substitutions) for k, v in value.items()}
    if isinstance(value, list):
        return type(value)(substitute(v, substitutions) for v in value) if not hasattr(
            value, "ipos") else _copy_list(value, substitutions)
    return value


def _copy_list(value: Any, substitutions: Mapping[str, Text]) -> Any:
    from policylint.positioned import PList

    new = PList([substitute(v, substitutions) for v in value])
    new.pos, new.ipos = value.pos, value.ipos
    return new


def positioned_locate(root: Any, path: str, fallback: Location) -> Callable[[tuple[Any, ...]], Location]:
    """A ``locate(key path)`` for a positioned tree: the deepest node on the path that has a
    position (the value's position when the whole path exists)."""

    def locate(keys: tuple[Any, ...]) -> Location:
        node: Any = root
        best: Pos | None = getattr(root, "pos", None) if isinstance(root, (dict, list)) else None
        for k in keys:
            if isinstance(node, dict) and k in node:
                vp = getattr(node, "vpos", {}).get(k) if hasattr(node, "vpos") else None
                kp = getattr(node, "kpos", {}).get(k) if hasattr(node, "kpos") else None
                best = kp or vp or best
                if vp is not None and not isinstance(node[k], (dict, list)):
                    best = vp
                node = node[k]
            elif isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node):
                ip = node.ipos[k] if hasattr(node, "ipos") and k < len(node.ipos) else None
                best = ip or best
                node = node[k]
            else:
                break
        if best is None or best == Pos(1, 1, 1, 1) and fallback.line != 1:
            return fallback
        return Location(path, best.line, best.column, best.end_line, best.end_column)

    return locate


def uses_from_definition(
    definition: Any,
    locate: Callable[[tuple[Any, ...]], Location],
    evidence: str,
    substitutions: Mapping[str, Text] | None = None,
    confidence: Confidence = Confidence.DEFINED,
) -> list[LabelingUse]:
    """Labeling uses of every labeling task in a state machine definition.

    ``locate(keys)`` maps a key path from the definition root to a location; readers pass
    ``positioned_locate`` for positioned trees, or a function returning the attribute's location
    for definitions built by evaluation. ``evidence`` names the source, e.g. ``Step Functions
    aws_sfn_state_machine.labeling``.
    """
    uses: list[LabelingUse] = []
    subs = substitutions or {}
    for name, state, path in iter_task_states(definition):
        if state.get("Type") != "Task":
            continue
        resource = substitute(state.get("Resource"), subs) if subs else state.get("Resource")
        api = labeling_api(resource)
        if api is None:
            continue
        what = f"{evidence}, state '{name}' ({api.action})"
        uses += _state_uses(state, api, subs, _under(locate, path), what, confidence)
    return uses


def _under(locate: Callable[[tuple[Any, ...]], Location],
           prefix: tuple[Any, ...]) -> Callable[[tuple[Any, ...]], Location]:
    def loc(keys: tuple[Any, ...]) -> Location:
        return locate(prefix + keys)

    return loc


def labeling_api(resource: Any) -> labeling.StatesApi | None:
    """The labeling API a Task state's ``Resource`` calls, in any integration form, or None."""
    if not isinstance(resource, str):
        return None
    m = _INTEGRATION.match(resource.strip())
    if m is None:
        return None
    return labeling.STATES_LABELING_APIS.get((m.group("service"), m.group("action")))


def _state_uses(state: Mapping[str, Any], api: labeling.StatesApi, subs: Mapping[str, Text],
                locate: Callable[[tuple[Any, ...]], Location], what: str,
                confidence: Confidence) -> list[LabelingUse]:
    """Uses of one labeling Task state; run-time input (``Parameters.$``, ``Key.$`` at any depth,
    JSONata ``{% ... %}``) where a bucket would be makes the bucket Unknown, never silence."""
    key = "Parameters" if "Parameters" in state or "Parameters.$" in state else "Arguments"
    params = state.get(key)
    if f"{key}.$" in state or _jsonata(params):
        shown = state.get(f"{key}.$", params)
        runtime = f"{key}.$" if f"{key}.$" in state else key
        return [_runtime_use(api, Modality.UNKNOWN, (runtime,), shown, locate, what,
                             confidence)]
    if not isinstance(params, dict):
        return []
    if subs:
        params = substitute(params, subs)

    def loc(keys: tuple[Any, ...]) -> Location:
        return locate((key,) + keys)

    if api.kind == "labeling-job":
        found = labeling.labeling_job_uses(params, loc, what, confidence)
    elif api.kind == "human-loop":
        found = labeling.human_loop_uses(params, loc, what, confidence)
    else:
        found = labeling.a2i_builtin_uses(params, api.document_key, loc, what, confidence)
        if not any(k in params for k in ("HumanLoopConfig", "HumanLoopConfig.$")):
            return found
    modality = labeling.task_modality(
        labeling.get_path(params, "HumanTaskConfig", "PreHumanTaskLambdaArn"),
        labeling.get_path(params, "HumanTaskConfig", "UiConfig", "HumanTaskUiArn"))
    for role, bucket_path in api.bucket_paths:
        if role is Role.OUTPUT and not modality.needs_media_cors:
            continue
        if any(u.role is role for u in found):
            continue
        hidden = _runtime_at(params, bucket_path)
        if hidden is not None:
            found.append(_runtime_use(api, modality, (key, *hidden[0]), hidden[1], locate,
                                      what, confidence, role))
    return found


def _jsonata(value: Any) -> bool:
    """A JSONata expression string (``{% ... %}``): known only at run time."""
    return isinstance(value, str) and value.strip().startswith("{%") and value.strip().endswith(
        "%}")


def _runtime_at(params: Any, keys: tuple[str, ...]) -> tuple[tuple[str, ...], Any] | None:
    """(key path, expression) of the first run-time value on ``keys``: a ``Key.$`` path at any
    depth or a JSONata string; None when the path is literal or absent."""
    node: Any = params
    for i, k in enumerate(keys):
        if not isinstance(node, dict):
            return None
        if f"{k}.$" in node:
            return (*keys[:i], f"{k}.$"), node[f"{k}.$"]
        if k not in node:
            return None
        node = node[k]
        if _jsonata(node):
            return keys[:i + 1], node
    return None


def _runtime_use(api: labeling.StatesApi, modality: Modality, keys: tuple[Any, ...],
                 expr: Any, locate: Callable[[tuple[Any, ...]], Location], what: str,
                 confidence: Confidence, role: Role | None = None) -> LabelingUse:
    shown = expr if isinstance(expr, str) else type(expr).__name__
    where = ".".join(str(k) for k in keys)
    return LabelingUse(
        api.service, role or Role.INPUT, modality, f"{what}: {where} is set at run time",
        locate(keys), confidence,
        BucketRef(name=Unknown(f"{where} is set at run time ({shown})"), text=f"{where} {shown}"))


def read(unit: Any, ctx: Any) -> Any:
    """Standalone ASL files: ``*.asl.json`` / ``*.asl.yaml`` or content with StartAt and States.
    YAML needs the positioned YAML loader; without it a YAML file is skipped, never guessed."""
    from policylint.model import Facts
    from policylint.readers import documents

    facts = Facts()
    for src, doc in documents.trees(unit, facts):
        fallback = Location(src.path, 1, 1)
        facts.uses += uses_from_definition(doc, positioned_locate(doc, src.path, fallback),
                                           f"Step Functions definition {src.path}")
    return facts
