"""Extracts facts from evaluated resource instances: buckets, CORS configurations, labeling uses.

Each resource instance yields its own small ``Facts`` (``instance_facts``), so that the caller
can decide which module instance reports it (see ``__init__.py``).
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from policylint import cors_check, labeling
from policylint.model import (
    Bucket,
    BucketRef,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Embedded,
    Evidence,
    Facts,
    Format,
    LabelingUse,
    Location,
    Service,
    Unknown,
)
from policylint.readers.terraform import functions
from policylint.readers.terraform.module import (  # noqa: F401 (re-exported)
    BUCKET_TYPE,
    ModuleEval,
    local_address,
    unknown_instance_scope,
)
from policylint.readers.terraform.parse import Attr, Block, JsonExpr, hcl_locator
from policylint.readers.terraform.values import (
    MISSING_INPUT,
    JsonText,
    Sourced,
    Tracked,
    UnknownChoice,
    UnknownJson,
    UnknownRef,
)
from policylint.positioned import PDict, PList, Pos

CORS_CONFIG_TYPE = "aws_s3_bucket_cors_configuration"
SFN_TYPE = "aws_sfn_state_machine"
FLOW_TYPE = "aws_sagemaker_flow_definition"
LABELING_INPUT_COMMENT = re.compile(r"policylint\s*:\s*labeling-input\b", re.I)

Scope = dict[str, Any]


def pos_of(loc: Location) -> Pos:
    return Pos(loc.line, loc.column, loc.end_line, loc.end_column)


def loc_of(path: str, pos: Pos) -> Location:
    return Location(path, pos.line, pos.column, pos.end_line, pos.end_column)


def instance_facts(m: ModuleEval, block: Block, type_: str, name: str, key: Any,
                   scope: Scope, declared: list[Location]) -> Facts:
    """Facts of one resource instance. ``declared``: ``policylint: labeling-input`` comments
    in or above the block."""
    out = Facts()
    local = local_address(type_, name, key)
    if type_ == BUCKET_TYPE:
        _bucket(m, block, local, scope, declared, out)
    elif type_ == CORS_CONFIG_TYPE:
        _cors_resource(m, block, local, scope, out)
    elif type_ == SFN_TYPE:
        _state_machine(m, block, local, scope, out)
    elif type_ == FLOW_TYPE:
        from policylint.readers.terraform.iamdoc import flow_definition_uses

        out.uses += flow_definition_uses(m, block, local, scope)
    elif type_ == "aws_sagemaker_human_task_ui":
        _human_task_ui(m, block, local, scope, out)
    elif _is_labeling_job(type_, block):
        _labeling_job(m, block, local, scope, out)
    elif type_ in functions.TYPES:
        functions.read(m, block, type_, local, scope, out)
    return out


# --- buckets ------------------------------------------------------------------------------------

def _bucket(m: ModuleEval, block: Block, local: str, scope: Scope, declared: list[Location],
            out: Facts) -> None:
    name = m.bucket_name(block, local, scope)
    identity, address = m.identity(local), m.address(local)
    tags = _tags(m, block, scope)
    evidence: list[Evidence] = []
    opts = m.reader.ctx.options
    for k, v in tags:
        if k == opts.tag_key and isinstance(v, str) and (
                v == opts.tag_value if opts.tag_value is not None else v.lower() != "false"):
            where = block.attrs["tags"].loc if "tags" in block.attrs else block.loc
            evidence.append(Evidence(f"tagged {k}={v}", where))
    for c in declared:
        evidence.append(Evidence("marked '# policylint: labeling-input'", c))
    bucket_name = str(name) if isinstance(name, str) else name
    out.buckets.append(Bucket(identity, address, _plain_text(bucket_name), block.loc,
                              block.fmt, tuple(tags), tuple(evidence)))
    rules_blocks = block.children("cors_rule") + [
        b for b in block.children("dynamic") if b.labels[:1] == ["cors_rule"]]
    if rules_blocks:
        rules, problems, document = _cors_rules(m, rules_blocks, scope)
        first, last = rules_blocks[0].loc, rules_blocks[-1].loc
        span = Location(first.path, first.line, first.column, last.end_line, last.end_column)
        out.cors.append(CorsConfig(
            BucketRef(identity=identity, name=_plain_text(bucket_name), text=address),
            rules, span, CorsSource.INLINE, block.fmt, tuple(problems),
            document=document))


def _plain_text(v: Any) -> Any:
    if isinstance(v, UnknownRef):
        return Unknown(v.reason)
    if isinstance(v, str):
        return str(v)
    return v


def _tags(m: ModuleEval, block: Block, scope: Scope) -> list[tuple[str, Any]]:
    attr = block.attrs.get("tags")
    if attr is None:
        return []
    value = m.ev.value(attr.expr, scope)
    if not isinstance(value, dict):
        return []
    out: list[tuple[str, Any]] = []
    for k in value:
        v = value[k]
        if isinstance(v, bool):
            v = "true" if v else "false"
        elif isinstance(v, (int, float)):
            v = str(v)
        elif isinstance(v, str):
            v = str(v)
        elif not isinstance(v, Unknown):
            v = Unknown("tag value is not a string")
        out.append((str(k), v))
    return out


# --- CORS ---------------------------------------------------------------------------------------

def _cors_resource(m: ModuleEval, block: Block, local: str, scope: Scope, out: Facts) -> None:
    attr = block.attrs.get("bucket")
    target_value = m.ev.value(attr.expr, scope) if attr is not None else Unknown(
        "the CORS configuration has no bucket argument")
    text = _source_text(attr)
    rules_blocks = block.children("cors_rule") + [
        b for b in block.children("dynamic") if b.labels[:1] == ["cors_rule"]]
    rules, problems, document = _cors_rules(m, rules_blocks, scope)
    if not rules_blocks:
        problems.append(CorsProblem("aws_s3_bucket_cors_configuration has no cors_rule block",
                                    block.loc))
    candidates = _candidate_refs(target_value, text) if isinstance(
        target_value, UnknownChoice) else []
    if not candidates:
        out.cors.append(CorsConfig(_bucket_ref(target_value, text), rules, block.loc,
                                   CorsSource.RESOURCE, block.fmt, tuple(problems),
                                   document=document))
        return
    # the bucket is one of several, chosen by a key that is not known statically: each of them
    # may or may not get these rules, so each one's CORS is unverified (never "no CORS")
    assert isinstance(target_value, UnknownChoice)
    names = ", ".join(r.identity.split("#", 1)[-1] if r.identity else str(r.name)
                      for r in candidates[:MAX_NAMED])
    more = f" and {len(candidates) - MAX_NAMED} more" if len(candidates) > MAX_NAMED else ""
    maybe = Unknown(f"{m.address(local)} may or may not configure it: its bucket {text} is one "
                    f"of {names}{more}, and {target_value.reason}")
    for i, ref in enumerate(candidates):
        out.cors.append(CorsConfig(ref, maybe, block.loc, CorsSource.RESOURCE, block.fmt,
                                   tuple(problems) if i == 0 else (), document=document,
                                   may_not_apply=True))


MAX_NAMED = 5  # candidate buckets named in a reason


def _candidate_refs(choice: UnknownChoice, text: str) -> list[BucketRef]:
    """The distinct buckets that a bucket argument chosen by an unknown key may name: the
    options that point at a bucket (a defined bucket's identity, or a literal name). The
    name of a candidate with an identity is the choice itself: which bucket is meant is not
    known, and a choice that only the module's caller settles leaves the fact to the caller."""
    out: list[BucketRef] = []
    seen: set[tuple[str | None, Any]] = set()
    for option in choice.options:
        ref = _bucket_ref(option, text)
        if ref.identity:
            ref = BucketRef(identity=ref.identity, name=Unknown(choice.reason), text=text)
        elif not isinstance(ref.name, str):
            continue
        key = (ref.identity, ref.name if ref.identity is None else None)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return out


def _bucket_ref(value: Any, text: str) -> BucketRef:
    if isinstance(value, Tracked):
        return BucketRef(identity=value.identity or None, name=str(value), text=text)
    if isinstance(value, UnknownRef):
        return BucketRef(identity=value.identity or None, name=Unknown(value.reason), text=text)
    if isinstance(value, Unknown):
        return BucketRef(name=value, text=text)
    if isinstance(value, str):
        got = labeling.parse_s3_uri(value)  # an ARN given as bucket
        return BucketRef(name=got[0] if got and value.startswith("arn:") else str(value),
                         text=text)
    return BucketRef(name=Unknown(f"bucket is not a string ({value!r})"), text=text)


def _source_text(attr: Attr | None) -> str:
    if attr is None:
        return ""
    expr = attr.expr
    if isinstance(expr, JsonExpr):
        return json.dumps(expr.value) if not isinstance(expr.value, str) else expr.value
    return str(expr.text.decode("utf-8", "replace"))[:200]


def _cors_rules(m: ModuleEval, blocks: list[Block], scope: Scope
                ) -> tuple[tuple[CorsRule, ...] | Unknown, list[CorsProblem], str | None]:
    rules: list[CorsRule] = []
    problems: list[CorsProblem] = []
    document: str | None = None
    for b in blocks:
        if b.type == "cors_rule":
            rule, found = _static_rule(m, b, scope)
            rules.append(rule)
            problems += found
            continue
        got = _dynamic_rules(m, b, scope)
        if isinstance(got, Unknown):
            return got, problems, document
        for rule, found, doc in got:
            rules.append(rule)
            problems += found
            document = document or doc
    if blocks:
        problems += cors_check.check_rule_count(len(rules), blocks[0].loc.path,
                                                pos_of(blocks[0].loc))
    return tuple(rules), problems, document


def _static_rule(m: ModuleEval, b: Block, scope: Scope) -> tuple[CorsRule, list[CorsProblem]]:
    fields = {k: (m.ev.value(a.expr, scope), pos_of(a.value_loc)) for k, a in b.attrs.items()}
    fields = {k: f for k, f in fields.items() if f[0] is not None}  # null: not set
    items = {k: _item_positions(a) for k, a in b.attrs.items()}
    keys = {k: pos_of(a.loc) for k, a in b.attrs.items()}
    return cors_check.build_rule(fields, "terraform", b.loc.path, pos_of(b.loc), items, keys)


def _item_positions(attr: Attr) -> list[Pos]:
    """Positions of the items of a literal list (``["GET", "PUT"]``)."""
    expr = attr.expr
    if isinstance(expr, JsonExpr):
        return []
    pos = _positions_of(attr)
    if pos is None:
        return []
    node = expr
    for want in ("collection_value", "tuple"):
        node = next((c for c in node.children if c.type == want), None)
        if node is None:
            return []
    return [pos_of(pos.loc(c)) for c in node.children if c.type == "expression"]


def _positions_of(attr: Attr) -> Any:
    return attr.positions


def _dynamic_rules(m: ModuleEval, b: Block, scope: Scope
                   ) -> list[tuple[CorsRule, list[CorsProblem], str | None]] | Unknown:
    fe = b.attrs.get("for_each")
    if fe is None:
        return Unknown("dynamic cors_rule has no for_each")
    coll = m.ev.value(fe.expr, scope)
    if isinstance(coll, Unknown):
        return Unknown(f"dynamic cors_rule: for_each is unknown: {coll.reason}")
    iterator = "cors_rule"
    it_attr = b.attrs.get("iterator")
    if it_attr is not None and not isinstance(it_attr.expr, JsonExpr):
        iterator = it_attr.expr.text.decode("utf-8", "replace").strip() or iterator
    content = next(iter(b.children("content")), None)
    if content is None:
        return Unknown("dynamic cors_rule has no content block")
    doc = m.reader.documents.get(id(coll))
    doc_path = doc[1] if doc is not None and doc[0] is coll else None
    if doc_path is None:
        doc_path = _document_of(m, coll)
    pairs = list(coll.items()) if isinstance(coll, dict) else list(enumerate(coll)) if \
        isinstance(coll, list) else None
    if pairs is None:
        return Unknown("dynamic cors_rule: for_each is not a collection")
    out: list[tuple[CorsRule, list[CorsProblem], str | None]] = []
    for i, (k, v) in enumerate(pairs):
        inner = dict(scope)
        inner[iterator] = {"key": k, "value": v}
        if doc_path is not None and isinstance(coll, PList):
            rule_pos = coll.item_pos(i)
            fields: dict[str, tuple[Any, Pos]] = {}
            for name, a in content.attrs.items():
                value = m.ev.value(a.expr, inner)
                if value is not None:  # null: not set
                    fields[name] = (value, getattr(value, "pos", rule_pos))
            items = {n: list(f[0].ipos) for n, f in fields.items() if isinstance(f[0], PList)}
            rule, found = cors_check.build_rule(fields, "terraform", doc_path, rule_pos, items)
            if isinstance(v, dict) and any(k in v for k in _S3_RULE_KEYS):
                found = []  # an S3 CORS document: its reader reports its problems itself
        else:
            fields = {name: (m.ev.value(a.expr, inner), pos_of(a.value_loc))
                      for name, a in content.attrs.items()}
            fields = {k: f for k, f in fields.items() if f[0] is not None}  # null: not set
            rule, found = cors_check.build_rule(fields, "terraform", b.loc.path, pos_of(b.loc),
                                                {}, {n: pos_of(a.loc)
                                                     for n, a in content.attrs.items()})
        out.append((rule, found, doc_path))
    return out


_S3_RULE_KEYS = ("AllowedMethods", "AllowedOrigins")


def _document_of(m: ModuleEval, value: Any) -> str | None:
    """The display path of the decoded document that ``value`` is part of, if any."""
    for doc, path in m.reader.documents.values():
        if doc is value:
            return path
        if isinstance(doc, dict):
            for v in doc.values():
                if v is value:
                    return path
    return None


# --- labeling jobs ------------------------------------------------------------------------------

_JOB_PATHS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri"):
        ("input_config", "data_source", "s3_data_source", "manifest_s3_uri"),
    ("OutputConfig", "S3OutputPath"): ("output_config", "s3_output_path"),
    ("HumanTaskConfig", "PreHumanTaskLambdaArn"):
        ("human_task_config", "pre_human_task_lambda_arn"),
    ("HumanTaskConfig", "UiConfig", "HumanTaskUiArn"):
        ("human_task_config", "ui_config", "human_task_ui_arn"),
}


def _is_labeling_job(type_: str, block: Block) -> bool:
    if type_.endswith("labeling_job"):
        return True
    return "manifest_s3_uri" in block.attrs or _find(block, _JOB_PATHS[(
        "InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri")]) is not None


def _find(block: Block, path: tuple[str, ...]) -> Attr | None:
    """The attribute at a nested block path (blocks or object attributes)."""
    node: Block | None = block
    for i, part in enumerate(path):
        if node is None:
            return None
        if i == len(path) - 1:
            return node.attrs.get(part)
        kids = node.children(part)
        if kids:
            node = kids[0]
            continue
        if part in node.attrs:
            return _object_attr(node.attrs[part], path[i + 1:])
        return None
    return None


def _object_attr(attr: Attr, rest: tuple[str, ...]) -> Attr | None:
    """``input_config = { data_source = {...} }`` written as an object: keep the outer attr and
    the remaining path (evaluated later)."""
    return Attr(".".join((attr.name,) + rest), attr.expr, attr.loc, attr.value_loc, attr.positions)


def _attr_value(m: ModuleEval, block: Block, path: tuple[str, ...], scope: Scope
                ) -> tuple[Any, Location] | None:
    attr = _find(block, path)
    if attr is None:
        return None
    value = m.ev.value(attr.expr, scope)
    if "." in attr.name:  # an object attribute: walk the rest of the path
        for part in attr.name.split(".")[1:]:
            if isinstance(value, list) and value:
                value = value[0]
            if isinstance(value, dict):
                value = value.get(part)
            elif not isinstance(value, Unknown):
                return None
    return value, attr.value_loc


def _labeling_job(m: ModuleEval, block: Block, local: str, scope: Scope, out: Facts) -> None:
    params: dict[str, Any] = {}
    where: dict[tuple[str, ...], Location] = {}
    for api, tf in _JOB_PATHS.items():
        got = _attr_value(m, block, tf, scope)
        if got is None and api[-1] == "ManifestS3Uri" and "manifest_s3_uri" in block.attrs:
            a = block.attrs["manifest_s3_uri"]
            got = (m.ev.value(a.expr, scope), a.value_loc)
        if got is None:
            continue
        value, loc = got
        if api[-1] in ("PreHumanTaskLambdaArn", "HumanTaskUiArn") and isinstance(value, Unknown):
            # the task type is literal even when the ARN's partition or region is not
            # (arn:${data.aws_partition.current.partition}:...:function:PRE-BoundingBox)
            tail = _literal_tail(_find(block, tf))
            value = tail if tail is not None else value
        d = params
        for part in api[:-1]:
            d = d.setdefault(part, {})
        d[api[-1]] = _uri_value(value)
        where[api] = loc

    def locate(keys: tuple[Any, ...]) -> Location:
        return where.get(tuple(keys), block.loc)

    uses = _with_identity(labeling.labeling_job_uses(params, locate, f"{m.address(local)}"),
                          params)
    out.uses += uses
    from policylint.readers.terraform.iamdoc import role_uses

    output = labeling.bucket_of(params.get("OutputConfig", {}).get("S3OutputPath"))
    defined = {u.target.name for u in uses if isinstance(u.target.name, str)}
    modality = uses[0].modality if uses else labeling.modality_of(None)
    out.uses += [u for u in role_uses(m, block, scope, {output} if isinstance(output, str) else set(),
                                      Service.GROUND_TRUTH, modality, m.address(local))
                 if not (isinstance(u.target.name, str) and u.target.name in defined)]


def _literal_tail(attr: Attr | None) -> str | None:
    """The text after the last interpolation of a quoted template, when it names a task
    function (``...:function:PRE-...``) or a built-in worker UI (``...:human-task-ui/...``)."""
    if attr is None or isinstance(attr.expr, JsonExpr):
        return None
    raw = attr.expr.text.decode("utf-8", "replace").strip()
    tail = raw.rsplit("}", 1)[-1].rstrip('"')
    return tail if ":function:" in tail or "human-task-ui/" in tail else None


def _uri_value(value: Any) -> Any:
    if isinstance(value, UnknownRef):
        return value
    if isinstance(value, str):
        return str(value)
    return value


def _with_identity(uses: list[LabelingUse], params: Any) -> list[LabelingUse]:
    """Keep the bucket identity of an unknown-named bucket reference (``bucket_prefix``)."""
    out: list[LabelingUse] = []
    for u in uses:
        name = u.target.name
        if isinstance(name, UnknownRef):
            u = LabelingUse(u.service, u.role, u.modality, u.evidence, u.location, u.confidence,
                            BucketRef(identity=name.identity or None,
                                      name=Unknown(name.reason), text=u.target.text))
        out.append(u)
    return out


# --- Step Functions -----------------------------------------------------------------------------

def _state_machine(m: ModuleEval, block: Block, local: str, scope: Scope, out: Facts) -> None:
    from policylint.readers import asl

    attr = block.attrs.get("definition")
    if attr is None:
        return
    value = m.ev.value(attr.expr, scope)
    definition, locate = _definition(m, attr, value)
    if definition is None:
        return
    what = f"Step Functions {m.address(local)}"
    if isinstance(value, Sourced) and value.path:
        out.embedded.append(Embedded(value.path, m.address(local)))  # file()/templatefile()
    uses = _with_identity(asl.uses_from_definition(definition, locate, what), definition)
    out.uses += uses
    out.uses += _task_role_uses(m, definition, scope, what, uses)


def _human_task_ui(m: ModuleEval, block: Block, local: str, scope: Scope, out: Facts) -> None:
    """``ui_template { content = ... }`` read as a worker template: at its lines in the heredoc
    or the ``file()``/``templatefile()`` file, else at the attribute's value."""
    from policylint.readers import templates

    found = _attr_value(m, block, ("ui_template", "content"), scope)
    if found is None or not isinstance(found[0], str):
        return
    value, fallback = found
    path, line0, shift = fallback.path, -1, 0
    if isinstance(value, Sourced):
        path = value.path or fallback.path
        line0, shift = value.line0, value.col_shift
        if value.path:
            out.embedded.append(Embedded(value.path, m.address(local)))  # with its variables

    def place(line: int, column: int) -> Location:
        if line0 < 0:
            return fallback
        return Location(path, line + line0, column + shift)

    out.uses += templates.uses_of_template(str(value), path, place, m.address(local))


def _task_role_uses(m: ModuleEval, definition: Any, scope: Scope, what: str,
                    defined: list[LabelingUse]) -> list[LabelingUse]:
    """Inferred inputs from the RoleArn of each createLabelingJob task (a role of this module)."""
    from policylint.readers import asl
    from policylint.readers.terraform.iamdoc import policies_uses

    out: list[LabelingUse] = []
    names = {u.target.name for u in defined if isinstance(u.target.name, str)}
    for state_name, state, _path in asl.iter_task_states(definition):
        resource = state.get("Resource")
        params = state.get("Parameters")
        if not (isinstance(resource, str) and resource.startswith("arn:aws")
                and "sagemaker:createLabelingJob" in resource and isinstance(params, dict)):
            continue
        output = labeling.bucket_of((params.get("OutputConfig") or {}).get("S3OutputPath")
                                    if isinstance(params.get("OutputConfig"), dict) else None)
        htc = params.get("HumanTaskConfig")
        htc = htc if isinstance(htc, dict) else {}
        ui = htc.get("UiConfig")
        modality = labeling.task_modality(htc.get("PreHumanTaskLambdaArn"),
                                          ui.get("HumanTaskUiArn") if isinstance(ui, dict) else None)
        found = policies_uses(m, params.get("RoleArn"),
                              {output} if isinstance(output, str) else set(), Service.GROUND_TRUTH,
                              modality, f"{what}, state '{state_name}'")
        out += [u for u in found if not (isinstance(u.target.name, str) and u.target.name in names)]
    return out


def _definition(m: ModuleEval, attr: Attr, value: Any
                ) -> tuple[Any, Callable[[tuple[Any, ...]], Location]]:
    from policylint import jsonpos
    from policylint.readers import asl

    fallback = attr.value_loc
    if isinstance(value, (JsonText, UnknownJson)):
        return value.structure, hcl_locator(attr, fallback)
    if isinstance(value, Sourced):
        try:
            doc = jsonpos.loads(str(value))
        except jsonpos.JSONPosError:
            return None, lambda k: fallback
        path = value.path or attr.loc.path
        base = asl.positioned_locate(doc, path, fallback)
        if value.path:
            return doc, base
        line0, shift = value.line0, value.col_shift

        def shifted(keys: tuple[Any, ...]) -> Location:
            got = base(keys)
            if got is fallback:
                return got
            return Location(path, got.line + line0, got.column + shift,
                            got.end_line + line0, got.end_column + shift)

        return doc, shifted
    if isinstance(value, str):
        try:
            return json.loads(value), lambda k: fallback
        except ValueError:
            return None, lambda k: fallback
    if isinstance(value, dict):
        return value, lambda k: fallback
    return None, lambda k: fallback


# --- what depends on a module's inputs ---------------------------------------------------------

def depends_on_inputs(facts: Facts) -> bool:
    """True when a fact holds a value that only the module's caller can set."""
    def missing(v: Any) -> bool:
        return isinstance(v, Unknown) and MISSING_INPUT in v.reason

    for b in facts.buckets:
        if missing(b.name):
            return True
    for c in facts.cors:
        # judged by the bucket it configures, so that a bucket and its CORS are reported by
        # the same unit (CORS rules set by the caller stay Unknown there: unverified, never a
        # "no CORS" claim)
        if c.target is not None and missing(c.target.name):
            return True
    for u in facts.uses:
        if missing(u.target.name):
            return True
    return False



def is_labeling_comment(text: str) -> bool:
    return bool(LABELING_INPUT_COMMENT.search(text))


__all__ = ["instance_facts", "depends_on_inputs", "unknown_instance_scope", "pos_of",
           "loc_of", "is_labeling_comment", "Format", "PDict"]
