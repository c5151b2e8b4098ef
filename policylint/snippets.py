"""Fix snippets: the CORS rule a bucket needs, written in the language of the file that owns it."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from policylint.model import Format, RuleNeed


@dataclass(frozen=True)
class Needed:
    """The CORS rule to add."""

    methods: tuple[str, ...] = ("GET",)
    origins: tuple[str, ...] = ("*",)
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None


BASIC = Needed()
GROUND_TRUTH = Needed(expose_headers=("Access-Control-Allow-Origin",))
MEDIA = Needed(methods=("GET", "HEAD", "PUT"), allowed_headers=("*",),
               expose_headers=("Access-Control-Allow-Origin",), max_age=3000)
NEEDED = {RuleNeed.GET: BASIC, RuleNeed.GET_EXPOSING_ORIGIN: GROUND_TRUTH, RuleNeed.MEDIA: MEDIA}


def _hcl_list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def hcl_cors_rule(n: Needed, indent: str = "  ") -> str:
    pairs = _hcl_pairs(n)
    width = max(len(k) for k, _ in pairs)
    body = "".join(f"{indent}  {k.ljust(width)} = {v}\n" for k, v in pairs)
    return f"{indent}cors_rule {{\n{body}{indent}}}\n"


def _hcl_pairs(n: Needed) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    if n.allowed_headers:
        pairs.append(("allowed_headers", _hcl_list(n.allowed_headers)))
    pairs.append(("allowed_methods", _hcl_list(n.methods)))
    pairs.append(("allowed_origins", _hcl_list(n.origins)))
    if n.expose_headers:
        pairs.append(("expose_headers", _hcl_list(n.expose_headers)))
    if n.max_age is not None:
        pairs.append(("max_age_seconds", str(n.max_age)))
    return pairs


def hcl_module_cors_input(n: Needed, indent: str = "  ") -> str:
    """The ``cors_rule`` input of terraform-aws-modules/s3-bucket (a list of rule objects)."""
    return f"{indent}cors_rule = [\n{hcl_rule_object(n, indent + '  ')}\n{indent}]\n"


def hcl_rule_object(n: Needed, indent: str | None = "") -> str:
    """One rule object of that list: on one line (``indent`` None) or in terraform fmt
    layout."""
    pairs = _hcl_pairs(n)
    if indent is None:
        return "{ " + ", ".join(f"{k} = {v}" for k, v in pairs) + " }"
    width = max(len(k) for k, _ in pairs)
    body = "".join(f"{indent}  {k.ljust(width)} = {v}\n" for k, v in pairs)
    return f"{indent}{{\n{body}{indent}}}"


def address_in_module(address: str) -> str:
    """A Terraform address as written inside the module that defines the resource:
    ``module.a.module.b["k"].aws_s3_bucket.x["i"]`` → ``aws_s3_bucket.x["i"]``."""
    parts = re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', address)
    while len(parts) >= 2 and parts[0] == "module":
        parts = parts[2:]
    return ".".join(parts)


def hcl_resource_name(address: str) -> str:
    """A resource name for the new CORS configuration from the bucket's address."""
    last = address.split(".")[-1]
    return re.sub(r"[^A-Za-z0-9_-]", "_", last.split("[")[0]) or "bucket"


def hcl_configuration(bucket_ref: str, name: str, n: Needed) -> str:
    return (f'resource "aws_s3_bucket_cors_configuration" "{name}" {{\n'
            f"  bucket = {bucket_ref}\n\n{hcl_cors_rule(n)}}}\n")


def cfn_rule_fields(n: Needed) -> list[tuple[str, object]]:
    fields: list[tuple[str, object]] = []
    if n.allowed_headers:
        fields.append(("AllowedHeaders", list(n.allowed_headers)))
    fields.append(("AllowedMethods", list(n.methods)))
    fields.append(("AllowedOrigins", list(n.origins)))
    if n.expose_headers:
        fields.append(("ExposedHeaders", list(n.expose_headers)))
    if n.max_age is not None:
        fields.append(("MaxAge", n.max_age))
    return fields


def _yaml_scalar(v: object) -> str:
    if isinstance(v, str):
        return f'"{v}"' if (v == "*" or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", v)) else v
    return str(v)


def _yaml_value(v: object) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_yaml_scalar(x) for x in v) + "]"
    return _yaml_scalar(v)


def cfn_yaml_rule(n: Needed, indent: str = "") -> str:
    return _yaml_rule(cfn_rule_fields(n), indent)


def s3_yaml_rule(n: Needed, indent: str = "") -> str:
    """The rule in S3 API naming as a YAML list item (a custom resource calling PutBucketCors)."""
    return _yaml_rule(list(s3_rule(n).items()), indent)


def _yaml_rule(fields: list[tuple[str, object]], indent: str) -> str:
    lines = []
    for i, (k, v) in enumerate(fields):
        lead = "- " if i == 0 else "  "
        lines.append(f"{indent}{lead}{k}: {_yaml_value(v)}")
    return "\n".join(lines) + "\n"


def cfn_yaml_configuration(n: Needed) -> str:
    return "CorsConfiguration:\n  CorsRules:\n" + cfn_yaml_rule(n, "    ")


def cfn_json_rule(n: Needed) -> str:
    return json.dumps(dict(cfn_rule_fields(n)))


def cfn_json_configuration(n: Needed) -> str:
    return '"CorsConfiguration": {"CorsRules": [' + cfn_json_rule(n) + "]}"


def s3_rule(n: Needed) -> dict[str, object]:
    """The rule in S3 API naming, with the empty lists AWS's documentation shows."""
    d: dict[str, object] = {"AllowedHeaders": list(n.allowed_headers),
                            "AllowedMethods": list(n.methods),
                            "AllowedOrigins": list(n.origins),
                            "ExposeHeaders": list(n.expose_headers)}
    if n.max_age is not None:
        d["MaxAgeSeconds"] = n.max_age
    return d


def s3_json_rule(n: Needed) -> str:
    return json.dumps(s3_rule(n))


def s3_xml_rule(n: Needed, indent: str = "") -> str:
    inner = "  "
    parts = [f"{indent}<CORSRule>"]
    parts += [f"{indent}{inner}<AllowedHeader>{h}</AllowedHeader>" for h in n.allowed_headers]
    parts += [f"{indent}{inner}<AllowedMethod>{m}</AllowedMethod>" for m in n.methods]
    parts += [f"{indent}{inner}<AllowedOrigin>{o}</AllowedOrigin>" for o in n.origins]
    parts += [f"{indent}{inner}<ExposeHeader>{h}</ExposeHeader>" for h in n.expose_headers]
    if n.max_age is not None:
        parts.append(f"{indent}{inner}<MaxAgeSeconds>{n.max_age}</MaxAgeSeconds>")
    parts.append(f"{indent}</CORSRule>")
    return "\n".join(parts) + "\n"


def cli_command(bucket: str, n: Needed) -> str:
    doc = '{"CORSRules": [' + s3_json_rule(n) + "]}"
    return f"aws s3api put-bucket-cors --bucket {bucket} --cors-configuration '{doc}'"


def cdk_rule(n: Needed, lang: str, s3: str = "s3") -> str:
    """A CDK ``CorsRule``: a Python ``s3.CorsRule(...)`` call or a TypeScript object literal.
    ``s3`` is how the file names the aws_s3 module ("" when its members are imported)."""
    dot = f"{s3}." if s3 else ""
    python = lang == "python"
    quote = (lambda v: json.dumps(v)) if python else (lambda v: "'" + v.replace("'", "\\'") + "'")
    fields: list[tuple[str, str]] = [
        ("allowed_methods", "[" + ", ".join(f"{dot}HttpMethods.{m}" for m in n.methods) + "]"),
        ("allowed_origins", "[" + ", ".join(quote(o) for o in n.origins) + "]")]
    if n.allowed_headers:
        fields.append(("allowed_headers", "[" + ", ".join(quote(h) for h in n.allowed_headers) + "]"))
    if n.expose_headers:
        fields.append(("exposed_headers", "[" + ", ".join(quote(h) for h in n.expose_headers) + "]"))
    if n.max_age is not None:
        fields.append(("max_age", str(n.max_age)))
    if python:
        return f"{dot}CorsRule(" + ", ".join(f"{k}={v}" for k, v in fields) + ")"
    return "{ " + ", ".join(f"{_camel(k)}: {v}" for k, v in fields) + " }"


def cdk_cors_prop(n: Needed, lang: str, s3: str = "s3") -> str:
    """The ``cors`` property of a CDK ``Bucket`` holding the needed rule."""
    sep = "=" if lang == "python" else ": "
    return f"cors{sep}[{cdk_rule(n, lang, s3)}]"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def language_of(fmt: Format) -> str:
    return {
        Format.CDK_PYTHON: "python", Format.CDK_TYPESCRIPT: "typescript",
        Format.TERRAFORM: "hcl", Format.TERRAFORM_JSON: "json", Format.PLAN: "hcl",
        Format.CLOUDFORMATION_YAML: "yaml", Format.CLOUDFORMATION_JSON: "json",
        Format.CORS_JSON: "json", Format.CORS_XML: "xml",
    }.get(fmt, "shell")
