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


_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
               int: "a number", float: "a number", type(None): "null"}


class _Checker:
    """Reads plan parts defensively: a part of the wrong type is a PL001 at that part (the
    resource whose address it sits under, else the first line naming its key), and reading
    goes on without it."""

    def __init__(self, path: str, lines: _Lines, facts: Facts) -> None:
        self.path, self.lines, self.facts = path, lines, facts

    def get(self, parent: dict[str, Any], key: str, want: type, where: str,
            address: str = "") -> Any:
        """``parent[key]`` when it is a ``want`` (absent or null: an empty one)."""
        value = parent.get(key)
        if value is None:
            return want()
        if isinstance(value, want) and not (want is int and isinstance(value, bool)):
            return value
        self.malformed(f"{where}{key}", want, value, address)
        return want()

    def item(self, value: Any, want: type, where: str, address: str = "") -> bool:
        if isinstance(value, want):
            return True
        self.malformed(where, want, value, address)
        return False

    def malformed(self, what: str, want: type, value: Any, address: str) -> None:
        loc = (self.lines.locate(self.path, address) if address and not what.startswith("config")
               else self._find(what, address))
        self.facts.errors.append(ParseError(
            f"malformed Terraform plan: {what.replace('@', address)} is {_TYPE_NAMES.get(type(value), 'a value')}, "
            f"expected {_TYPE_NAMES.get(want, want.__name__)}; this part is skipped", loc))

    def _find(self, what: str, address: str) -> Location:
        """The last key of ``what`` found in order in the text (``configuration``, then
        ``root_module`` after it, ...): the part's own line in a usual plan."""
        text, at = self.lines.text, -1
        for comp in re.split(r"[.\[\] ]+", what):
            if not comp or comp.isdigit():
                continue
            needle = json.dumps(address if comp == "@" else comp)
            found = text.find(needle, at + 1)
            if found >= 0:
                at = found
        if at < 0:
            return Location(self.path, 1, 1)
        line = bisect.bisect_right(self.lines.starts, at)
        return Location(self.path, line, at - self.lines.starts[line - 1] + 1)


def read_plan(path: str, doc: dict[str, Any], lines: _Lines, ctx: Any, facts: Facts) -> None:
    check = _Checker(path, lines, facts)
    key = "planned_values" if doc.get("planned_values") is not None else "values"
    planned = check.get(doc, key, dict, "")
    root = check.get(planned, "root_module", dict, f"{key}.") if planned else {}
    config = check.get(doc, "configuration", dict, "")
    refs = _config_references(config, check)
    inline: set[int] = set()  # ids of the buckets' own cors_rule configurations
    for res in _resources(root, check, f"{key}.root_module"):
        if res.get("mode", "managed") != "managed":
            continue
        address = str(res.get("address", ""))
        values: dict[str, Any] = check.get(res, "values", dict, f"{address}.", address)
        loc = lines.locate(path, address)
        type_ = res.get("type")
        if type_ == BUCKET:
            before = len(facts.cors)
            _bucket(path, address, values, loc, ctx, facts, check)
            inline.update(id(c) for c in facts.cors[before:])
        elif type_ == CORS:
            _cors(path, address, values, loc, refs, facts, check)
        elif type_ == SFN:
            _sfn(address, values, loc, facts)
        elif isinstance(type_, str) and type_.endswith("labeling_job"):
            _job(address, values, loc, facts)
    _drop_echoes(facts, inline)


def _drop_echoes(facts: Facts, inline: set[int]) -> None:
    """In AWS provider v4+ ``aws_s3_bucket.cors_rule`` is computed: read back from GetBucketCors,
    it echoes the CORS that an ``aws_s3_bucket_cors_configuration`` sets. Beside such a resource
    for the same bucket (by reference or by name) it is not a second definition."""
    separate = [c.target for c in facts.cors if c.target is not None and id(c) not in inline]
    ids = {t.identity for t in separate if t.identity}
    names = {t.name for t in separate if isinstance(t.name, str)}
    facts.cors[:] = [c for c in facts.cors if id(c) not in inline or c.target is None
                     or not (c.target.identity in ids or (isinstance(c.target.name, str)
                                                          and c.target.name in names))]


def _resources(module: dict[str, Any], check: _Checker, where: str,
               depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 50:
        return
    for i, r in enumerate(check.get(module, "resources", list, f"{where}.")):
        if check.item(r, dict, f"{where}.resources[{i}]"):
            yield r
    for i, child in enumerate(check.get(module, "child_modules", list, f"{where}.")):
        if check.item(child, dict, f"{where}.child_modules[{i}]"):
            yield from _resources(child, check, f"{where}.child_modules[{i}]", depth + 1)


def _config_references(config: dict[str, Any], check: _Checker) -> dict[str, list[str]]:
    """address (module prefix + type.name) → references of its ``bucket`` expression."""
    out: dict[str, list[str]] = {}

    def walk(module: dict[str, Any], prefix: str, where: str, depth: int) -> None:
        if depth > 50:
            return
        for i, r in enumerate(check.get(module, "resources", list, f"{where}.")):
            if not check.item(r, dict, f"{where}.resources[{i}]"):
                continue
            address = str(r.get("address", ""))
            at = f"{where}.resources[{i}].@." if address else f"{where}.resources[{i}]."
            exprs = check.get(r, "expressions", dict, at, address)
            expr = check.get(exprs, "bucket", dict, f"{at}expressions.", address)
            references = check.get(expr, "references", list, f"{at}expressions.bucket.",
                                   address)
            if references:
                out[prefix + address] = [x for x in references if isinstance(x, str)]
        calls = check.get(module, "module_calls", dict, f"{where}.")
        for name, call in calls.items():
            if check.item(call, dict, f"{where}.module_calls.{name}"):
                child = check.get(call, "module", dict, f"{where}.module_calls.{name}.")
                walk(child, f"{prefix}module.{name}.", f"{where}.module_calls.{name}.module",
                     depth + 1)

    walk(check.get(config, "root_module", dict, "configuration."), "", "configuration.root_module",
         0)
    return out


def _unindexed(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _bucket(path: str, address: str, values: dict[str, Any], loc: Location, ctx: Any,
            facts: Facts, check: _Checker) -> None:
    name = values.get("bucket")
    bucket_name: Any = name if isinstance(name, str) else Unknown(f"{address}.bucket is "
                                                                  f"{_AFTER_APPLY}")
    tags: dict[str, Any] = check.get(values, "tags", dict, f"{address}.", address)
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
    inline = check.get(values, "cors_rule", list, f"{address}.", address)
    if inline:
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
          refs: dict[str, list[str]], facts: Facts, check: _Checker) -> None:
    name = values.get("bucket")
    identity = None
    for ref in refs.get(_unindexed(address), []):
        prefix = address[: address.rfind(CORS)] if CORS in address else ""
        if ref.startswith(BUCKET + ".") and ref.count(".") == 1:
            identity = f"{path}#{_unindexed(prefix)}{ref}"
            break
    target_name: Any = name if isinstance(name, str) else Unknown(
        f"{address}.bucket is {_AFTER_APPLY}")
    items: list[Any] = check.get(values, "cors_rule", list, f"{address}.", address)
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
            values, "human_task_config", "pre_human_task_lambda_arn"),
            "UiConfig": {"HumanTaskUiArn": first(
                values, "human_task_config", "ui_config", "human_task_ui_arn")}},
    }
    facts.uses += labeling.labeling_job_uses(params, lambda keys: loc, f"{address} (plan)")
