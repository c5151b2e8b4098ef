"""Functions a Terraform module defines and the values it gives their code (policylint.bind).

- ``aws_lambda_function``: the code is the ``source_dir``/``source_file`` of the
  ``data "archive_file"`` its ``filename`` names (``data.archive_file.NAME.output_path``);
  ``handler`` picks the file; ``environment { variables = {...} }`` are its bindings.
- ``aws_s3_bucket_notification``: each ``lambda_function { lambda_function_arn =
  aws_lambda_function.NAME.arn }`` binds the S3 event's bucket in that function's code (a
  partial ``Function`` with the same identity, merged by policylint.bind).
- ``aws_ssm_parameter``: ``name`` -> ``value`` for ``get_parameter``.
"""
from __future__ import annotations

import os
import re
from typing import Any

from policylint.model import Binding, BucketRef, Facts, Function, Location, Unknown
from policylint.readers.terraform.module import ModuleEval
from policylint.readers.terraform.parse import Attr, Block, JsonExpr
from policylint.readers.terraform.values import Tracked, UnknownRef

LAMBDA_TYPE = "aws_lambda_function"
NOTIFICATION_TYPE = "aws_s3_bucket_notification"
SSM_TYPE = "aws_ssm_parameter"
TYPES = frozenset({LAMBDA_TYPE, NOTIFICATION_TYPE, SSM_TYPE})

_ARCHIVE = re.compile(r"\bdata\.archive_file\.([A-Za-z0-9_-]+)")
_LAMBDA = re.compile(r"\baws_lambda_function\.([A-Za-z0-9_-]+)")


def read(m: ModuleEval, block: Block, type_: str, local: str, scope: dict[str, Any],
         out: Facts) -> None:
    if type_ == LAMBDA_TYPE:
        _function(m, block, local, scope, out)
    elif type_ == NOTIFICATION_TYPE:
        _notification(m, block, scope, out)
    elif type_ == SSM_TYPE:
        name = _value(m, block.attrs.get("name"), scope)
        if isinstance(name, str) and "value" in block.attrs:
            out.parameters.append(_binding(m, "ssm", str(name), block.attrs["value"], scope,
                                           block.attrs["value"].loc))


def _value(m: ModuleEval, attr: Attr | None, scope: dict[str, Any]) -> Any:
    return m.ev.value(attr.expr, scope) if attr is not None else None


def _expr_text(attr: Attr | None) -> str:
    if attr is None:
        return ""
    if isinstance(attr.expr, JsonExpr):
        return str(attr.expr.value)
    return attr.expr.text.decode("utf-8", "replace")


def _binding(m: ModuleEval, kind: str, key: str, attr: Attr | None, scope: dict[str, Any],
             where: Location, value: Any = None) -> Binding:
    if value is None:
        value = _value(m, attr, scope)
    return _of(kind, key, value, where)


def _of(kind: str, key: str, value: Any, where: Location) -> Binding:
    ref = None
    if isinstance(value, Tracked) and value.identity:
        ref = BucketRef(identity=value.identity, name=str(value), text=value.address)
    elif isinstance(value, UnknownRef) and value.identity:
        ref = BucketRef(identity=value.identity, name=Unknown(value.reason), text=value.address)
    text: str | Unknown
    if isinstance(value, Unknown):
        text = Unknown(value.reason)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = Unknown(f"{key} is not a string")
    return Binding(kind, key, text, where, ref)


def _entry_location(block: Block, attr: Attr, key: str) -> Location:
    """Where ``KEY = ...`` is written inside an object attribute (else the attribute)."""
    lines = block.text.decode("utf-8", "replace").split("\n")
    pat = re.compile(r'^(\s*)"?' + re.escape(key) + r'"?\s*[=:]')
    for line in range(attr.loc.line, min(attr.loc.end_line, len(lines)) + 1):
        got = pat.match(lines[line - 1])
        if got:
            return Location(attr.loc.path, line, len(got.group(1)) + 1)
    return attr.loc


def _function(m: ModuleEval, block: Block, local: str, scope: dict[str, Any],
              out: Facts) -> None:
    bindings: list[Binding] = []
    for env in block.children("environment")[:1]:
        attr = env.attrs.get("variables")
        variables = _value(m, attr, scope)
        if attr is not None and isinstance(variables, dict):
            for key, value in variables.items():
                bindings.append(_of("env", str(key), value,
                                    _entry_location(block, attr, str(key))))
    handler = _value(m, block.attrs.get("handler"), scope)
    out.functions.append(Function(
        identity=m.identity(local), address=m.address(local), location=block.loc,
        code=_code(m, block, scope), handler=str(handler) if isinstance(handler, str) else None,
        bindings=tuple(bindings)))


def _code(m: ModuleEval, block: Block, scope: dict[str, Any]) -> tuple[str, ...]:
    got = _ARCHIVE.search(_expr_text(block.attrs.get("filename")))
    archive = m.data.get(("archive_file", got.group(1))) if got else None
    if archive is None:
        return ()
    out = []
    for key in ("source_dir", "source_file"):
        value = _value(m, archive.attrs.get(key), scope)
        if isinstance(value, str) and value:
            full = os.path.normpath(os.path.join(m.reader.root_abs, str(value)))
            out.append(m.reader.ctx.display(full).replace("\\", "/"))
    return tuple(out)


def _notification(m: ModuleEval, block: Block, scope: dict[str, Any], out: Facts) -> None:
    bucket = _value(m, block.attrs.get("bucket"), scope)
    for fn in block.children("lambda_function"):
        got = _LAMBDA.search(_expr_text(fn.attrs.get("lambda_function_arn")))
        if got is None:
            continue
        local = f"{LAMBDA_TYPE}.{got.group(1)}"
        out.functions.append(Function(
            identity=m.identity(local), address=m.address(local), location=fn.loc,
            bindings=(_of("s3-event-bucket", "", bucket, fn.loc),)))
