"""Terraform plan JSON (``terraform show -json plan.out``, or of a state): the values Terraform
planned, with child modules. Findings point at the plan file and name the resource address.

Plan files can be large: the tree comes from stdlib ``json`` and a resource's line is found by
searching the text for its ``"address"`` entry, not by a positioned parse.
"""
from __future__ import annotations

import bisect
import json
import re
from typing import Any, Iterator

from policylint import cors_check, labeling
from policylint.model import (
    Bucket,
    BucketRef,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Evidence,
    Facts,
    Format,
    Location,
    ParseError,
    Unknown,
)
from policylint.readers import Context, Unit
from policylint.decoding import DecodeError, decode
from policylint.positioned import Pos

BUCKET = "aws_s3_bucket"
CORS = "aws_s3_bucket_cors_configuration"
SFN = "aws_sfn_state_machine"
_AFTER_APPLY = "known only after apply"


class _Lines:
    """Line of each resource's ``"address"`` entry, indexed in one pass over the text."""

    _ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        base = max(text.find('"planned_values"'), 0)
        self.where: dict[str, tuple[int, int]] = {}
        for m in self._ADDRESS.finditer(text):
            try:
                addr = json.loads(f'"{m.group(1)}"')
            except ValueError:
                continue
            if addr not in self.where or (m.start() >= base > self.where[addr][0]):
                self.where[addr] = (m.start(), m.end())

    def locate(self, path: str, address: str) -> Location:
        span = self.where.get(address)
        if span is None:
            return Location(path, 1, 1)
        start, end = span
        line = bisect.bisect_right(self.starts, start)
        col = start - self.starts[line - 1] + 1
        return Location(path, line, col, line, col + (end - start))


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        try:
            text = decode(src.data)
        except DecodeError as exc:
            facts.errors.append(ParseError(exc.message, Location(src.path, exc.line, exc.column)))
            continue
        try:
            doc = json.loads(text)
        except ValueError as exc:
            line, col = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
            facts.errors.append(ParseError(f"invalid JSON: {getattr(exc, 'msg', exc)}",
                                           Location(src.path, line, col)))
            continue
        if not isinstance(doc, dict):
            facts.errors.append(ParseError("not a Terraform plan: expected an object",
                                           Location(src.path, 1, 1)))
            continue
        read_plan(src.path, doc, _Lines(text), ctx, facts)
    return facts


def read_plan(path: str, doc: dict[str, Any], lines: _Lines, ctx: Any, facts: Facts) -> None:
    planned = doc.get("planned_values") or doc.get("values") or {}
    root = planned.get("root_module") if isinstance(planned, dict) else None
    refs = _config_references(doc.get("configuration"))
    for res in _resources(root):
        if res.get("mode", "managed") != "managed":
            continue
        address = str(res.get("address", ""))
        raw = res.get("values")
        values: dict[str, Any] = raw if isinstance(raw, dict) else {}
        loc = lines.locate(path, address)
        type_ = res.get("type")
        if type_ == BUCKET:
            _bucket(path, address, values, loc, ctx, facts)
        elif type_ == CORS:
            _cors(path, address, values, loc, refs, facts)
        elif type_ == SFN:
            _sfn(address, values, loc, facts)
        elif isinstance(type_, str) and type_.endswith("labeling_job"):
            _job(address, values, loc, facts)


def _resources(module: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if not isinstance(module, dict) or depth > 50:
        return
    for r in module.get("resources") or []:
        if isinstance(r, dict):
            yield r
    for child in module.get("child_modules") or []:
        yield from _resources(child, depth + 1)


def _config_references(config: Any) -> dict[str, list[str]]:
    """address (module prefix + type.name) → references of its ``bucket`` expression."""
    out: dict[str, list[str]] = {}

    def walk(module: Any, prefix: str, depth: int) -> None:
        if not isinstance(module, dict) or depth > 50:
            return
        for r in module.get("resources") or []:
            if not isinstance(r, dict):
                continue
            expr = (r.get("expressions") or {}).get("bucket")
            if isinstance(expr, dict) and isinstance(expr.get("references"), list):
                out[prefix + str(r.get("address", ""))] = [str(x) for x in expr["references"]]
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict):
                walk(call.get("module"), f"{prefix}module.{name}.", depth + 1)

    if isinstance(config, dict):
        walk(config.get("root_module"), "", 0)
    return out


def _unindexed(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _bucket(path: str, address: str, values: dict[str, Any], loc: Location, ctx: Any,
            facts: Facts) -> None:
    name = values.get("bucket")
    bucket_name: Any = name if isinstance(name, str) else Unknown(f"{address}.bucket is "
                                                                  f"{_AFTER_APPLY}")
    raw_tags = values.get("tags")
    tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
    tag_items = tuple((str(k), str(v)) for k, v in tags.items() if v is not None)
    declared: list[Evidence] = []
    opts = ctx.options
    for k, v in tag_items:
        if k == opts.tag_key and (v == opts.tag_value if opts.tag_value is not None
                                  else v.lower() != "false"):
            declared.append(Evidence(f"tagged {k}={v}", loc))
    identity = f"{path}#{address}"
    facts.buckets.append(Bucket(identity, address, bucket_name, loc, Format.PLAN, tag_items,
                                tuple(declared), generated=True))
    inline = values.get("cors_rule")
    if isinstance(inline, list) and inline:
        rules, problems = _rules(path, inline, loc)
        facts.cors.append(CorsConfig(BucketRef(identity=identity, name=bucket_name, text=address),
                                     rules, loc, CorsSource.PLAN, Format.PLAN, tuple(problems)))


def _rules(path: str, items: list[Any], loc: Location) -> tuple[tuple[CorsRule, ...], list[CorsProblem]]:
    rules: list[CorsRule] = []
    problems: list[CorsProblem] = []
    pos = Pos(loc.line, loc.column, loc.end_line, loc.end_column)
    for item in items:
        if not isinstance(item, dict):
            continue
        fields = {k: (v, pos) for k, v in item.items() if v is not None}
        rule, found = cors_check.build_rule(fields, "terraform", path, pos)
        rules.append(rule)
        problems += found
    return tuple(rules), problems


def _cors(path: str, address: str, values: dict[str, Any], loc: Location,
          refs: dict[str, list[str]], facts: Facts) -> None:
    name = values.get("bucket")
    identity = None
    for ref in refs.get(_unindexed(address), []):
        prefix = address[: address.rfind(CORS)] if CORS in address else ""
        if ref.startswith(BUCKET + ".") and ref.count(".") == 1:
            identity = f"{path}#{_unindexed(prefix)}{ref}"
            break
    target_name: Any = name if isinstance(name, str) else Unknown(
        f"{address}.bucket is {_AFTER_APPLY}")
    raw_items = values.get("cors_rule")
    items: list[Any] = raw_items if isinstance(raw_items, list) else []
    rules, problems = _rules(path, items, loc)
    facts.cors.append(CorsConfig(BucketRef(identity=identity, name=target_name, text=address),
                                 rules, loc, CorsSource.PLAN, Format.PLAN, tuple(problems)))


def _sfn(address: str, values: dict[str, Any], loc: Location, facts: Facts) -> None:
    from policylint.readers import asl

    definition = values.get("definition")
    if not isinstance(definition, str):
        return
    try:
        doc = json.loads(definition)
    except ValueError:
        return
    facts.uses += asl.uses_from_definition(doc, lambda keys: loc,
                                           f"Step Functions {address} (plan)")


def _job(address: str, values: dict[str, Any], loc: Location, facts: Facts) -> None:
    def first(v: Any, *keys: str) -> Any:
        for k in keys:
            if isinstance(v, list):
                v = v[0] if v else None
            if not isinstance(v, dict):
                return None
            v = v.get(k)
        return v

    params = {
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": first(
            values, "input_config", "data_source", "s3_data_source", "manifest_s3_uri")
            or values.get("manifest_s3_uri")}}},
        "OutputConfig": {"S3OutputPath": first(values, "output_config", "s3_output_path")},
        "HumanTaskConfig": {"PreHumanTaskLambdaArn": first(
            values, "human_task_config", "pre_human_task_lambda_arn")},
    }
    facts.uses += labeling.labeling_job_uses(params, lambda keys: loc, f"{address} (plan)")
