"""Turn CORS rules as written in any format into ``CorsRule`` values, checking S3's rules.

Readers pass each rule as a mapping of field name → (value, position) in the field names of their
format; this module knows the names of each format, builds the model value and lists what breaks
S3's rules (reported by PL200). Values may be ``Unknown``: they are never checked.
"""
from __future__ import annotations

import json
import re
from typing import Any, Mapping

from policylint.model import CorsProblem, CorsRule, Location, Unknown
from policylint.positioned import Pos

METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
MAX_RULES = 100
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_ID = 255

# model attribute for each field name, per naming scheme
SCHEMES: dict[str, dict[str, str]] = {
    "s3": {"ID": "id", "AllowedMethods": "methods", "AllowedOrigins": "origins",
           "AllowedHeaders": "allowed_headers", "ExposeHeaders": "expose_headers",
           "MaxAgeSeconds": "max_age"},
    "cloudformation": {"Id": "id", "AllowedMethods": "methods", "AllowedOrigins": "origins",
                       "AllowedHeaders": "allowed_headers", "ExposedHeaders": "expose_headers",
                       "MaxAge": "max_age"},
    "terraform": {"id": "id", "allowed_methods": "methods", "allowed_origins": "origins",
                  "allowed_headers": "allowed_headers", "expose_headers": "expose_headers",
                  "max_age_seconds": "max_age"},
}
# names that belong to the other format: the most common mistake, with its correction
MISNAMED: dict[str, dict[str, str]] = {
    "s3": {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID",
           "ExposedHeader": "ExposeHeaders"},
    "cloudformation": {"ExposeHeaders": "ExposedHeaders", "MaxAgeSeconds": "MaxAge", "ID": "Id"},
    "terraform": {},
}
_SCHEME_TITLE = {"s3": "an S3 CORS document", "cloudformation": "CloudFormation",
                 "terraform": "Terraform"}

Field = tuple[Any, Pos]


def _loc(path: str, pos: Pos) -> Location:
    return Location(path, pos.line, pos.column, pos.end_line, pos.end_column)


def _strings(
    name: str, value: Any, pos: Pos, path: str, problems: list[CorsProblem],
    item_pos: list[Pos] | None = None,
) -> tuple[Any, ...] | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):  # S3 XML and some consoles give one value as a string
        value = [value]
    if not isinstance(value, (list, tuple)):
        problems.append(CorsProblem(f"{name} must be a list of strings, not "
                                    f"{_type_name(value)}", _loc(path, pos)))
        return Unknown(f"{name} is not a list")
    out: list[Any] = []
    for i, item in enumerate(value):
        if isinstance(item, (str, Unknown)):
            out.append(item)
        else:
            ipos = item_pos[i] if item_pos and i < len(item_pos) else pos
            problems.append(CorsProblem(f"{name}[{i}] must be a string, not {_type_name(item)}",
                                        _loc(path, ipos)))
    return tuple(out)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", dict: "an object",
            list: "a list", str: "a string"}.get(type(value), type(value).__name__)


def build_rule(
    fields: Mapping[str, Field],
    scheme: str,
    path: str,
    rule_pos: Pos,
    item_positions: Mapping[str, list[Pos]] | None = None,
    key_positions: Mapping[str, Pos] | None = None,
    *,
    text_numbers: bool = True,
) -> tuple[CorsRule, list[CorsProblem]]:
    """One rule: model value and the problems S3 would reject it for. Problems with a field's
    name point at ``key_positions[name]`` when given, problems with its value at its value.
    ``text_numbers``: a max age written as digits in a string counts as a number (XML text,
    HCL, CloudFormation); S3 API JSON wants a JSON integer (the AWS CLI rejects "3000")."""
    names = SCHEMES[scheme]
    inverse = {v: k for k, v in names.items()}
    problems: list[CorsProblem] = []
    values: dict[str, Any] = {}
    item_positions = item_positions or {}
    for key, (value, pos) in fields.items():
        attr = names.get(key)
        if attr is None:
            pos = (key_positions or {}).get(key, pos)
            right = MISNAMED[scheme].get(key)
            if right is not None:
                problems.append(CorsProblem(
                    f"'{key}' is not a field of {_SCHEME_TITLE[scheme]}: use '{right}'"
                    f" ('{key}' is the {'CloudFormation' if scheme == 's3' else 'S3 API'} name)",
                    _loc(path, pos)))
            else:
                problems.append(CorsProblem(
                    f"unknown field '{key}' in a CORS rule (expected one of "
                    f"{', '.join(names)})", _loc(path, pos)))
            continue
        values[attr] = (value, pos, key)

    for attr in ("methods", "origins"):
        if attr not in values:
            problems.append(CorsProblem(f"CORS rule has no {inverse[attr]} (required)",
                                        _loc(path, rule_pos)))

    def get_list(attr: str) -> tuple[Any, ...] | Unknown:
        if attr not in values:
            return ()
        value, pos, key = values[attr]
        return _strings(key, value, pos, path, problems, item_positions.get(key))

    methods = get_list("methods")
    origins = get_list("origins")
    allowed_headers = get_list("allowed_headers")
    expose_headers = get_list("expose_headers")

    if "methods" in values and isinstance(methods, tuple):
        value, pos, key = values["methods"]
        ipos = item_positions.get(key)
        if not methods and not isinstance(value, Unknown):
            problems.append(CorsProblem(f"{key} is empty: a rule needs at least one method",
                                        _loc(path, pos)))
        for i, m in enumerate(methods):
            if isinstance(m, str) and m not in METHODS:
                hint = f" (did you mean '{m.upper()}'?)" if m.upper() in METHODS else ""
                problems.append(CorsProblem(
                    f"{key} has '{m}', which S3 does not accept: only "
                    f"{', '.join(METHODS)}{hint}",
                    _loc(path, ipos[i] if ipos and i < len(ipos) else pos)))
    if "origins" in values and isinstance(origins, tuple):
        value, pos, key = values["origins"]
        if not origins and not isinstance(value, Unknown):
            problems.append(CorsProblem(f"{key} is empty: a rule needs at least one origin",
                                        _loc(path, pos)))
    for attr in ("origins", "allowed_headers"):
        seq = origins if attr == "origins" else allowed_headers
        if attr in values and isinstance(seq, tuple):
            _, pos, key = values[attr]
            ipos = item_positions.get(key)
            for i, o in enumerate(seq):
                if isinstance(o, str) and o.count("*") > 1:
                    problems.append(CorsProblem(
                        f"{key} entry '{o}' has more than one '*' wildcard (S3 allows one)",
                        _loc(path, ipos[i] if ipos and i < len(ipos) else pos)))

    rule_id: Any = None
    if "id" in values:
        value, pos, key = values["id"]
        if isinstance(value, Unknown):
            rule_id = value
        elif not isinstance(value, str):
            problems.append(CorsProblem(f"{key} must be a string, not {_type_name(value)}",
                                        _loc(path, pos)))
        else:
            rule_id = value
            if len(value) > MAX_ID:
                problems.append(CorsProblem(
                    f"{key} is {len(value)} characters long; S3 allows at most {MAX_ID}",
                    _loc(path, pos)))

    max_age: Any = None
    if "max_age" in values:
        value, pos, key = values["max_age"]
        max_age = _max_age(key, value, _loc(path, pos), problems, text_numbers)

    rule = CorsRule(methods=methods, origins=origins, allowed_headers=allowed_headers,
                    expose_headers=expose_headers, max_age=max_age, id=rule_id,
                    location=_loc(path, rule_pos))
    return rule, problems


def _max_age(key: str, value: Any, loc: Location, problems: list[CorsProblem],
             text_numbers: bool) -> int | Unknown | None:
    """The max age as an int (None when invalid), listing why S3 would reject it."""
    if isinstance(value, Unknown):
        return value
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif text_numbers and isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        number = int(value)
    elif text_numbers and isinstance(value, float) and value.is_integer():
        number = int(value)  # YAML/HCL numbers such as 3000.0
    if number is None:
        problems.append(CorsProblem(
            f"{key} must be a whole number of seconds, not {_show(value)}", loc))
        return None
    if number < 0:
        problems.append(CorsProblem(f"{key} is {number}: it must not be negative", loc))
    return number


def _show(value: Any) -> str:
    """A value as it is written in JSON (true, 1.5, "3000"), for messages."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def check_rule_count(count: int, path: str, pos: Pos) -> list[CorsProblem]:
    if count > MAX_RULES:
        return [CorsProblem(f"{count} CORS rules; S3 allows at most {MAX_RULES}", _loc(path, pos))]
    return []


def check_document_size(size: int, path: str) -> list[CorsProblem]:
    if size > MAX_DOCUMENT_BYTES:
        return [CorsProblem(f"CORS document is {size} bytes; S3 allows at most "
                            f"{MAX_DOCUMENT_BYTES} (64 KB)", Location(path, 1, 1))]
    return []
