"""Modules that are not local folders: initialised copies and the built-in registry model.

* **Initialised** (``terraform init``): ``.terraform/modules/modules.json`` in the root module's
  folder maps every module key (``images``, ``data.raw``) to the folder it was downloaded to.
  Such a folder is read like a local module; nothing is ever downloaded.
* **Built-in model**: ``terraform-aws-modules/s3-bucket/aws`` (registry and git spellings) when it
  is not initialised. The model is a small Terraform module, written here per major version, with
  the inputs and outputs that decide a bucket's name, tags and CORS; it is read by the same
  evaluator as any module (tests check it against the real module).

Facts of such a module are *located at the caller's module block* (the module's files are not
the user's to edit): see ``Anchor`` and ``relocate``.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from typing import Any

from policylint.model import Evidence, Facts, Location, ModuleCall, Unknown
from policylint.readers.terraform.parse import Block, ModuleFiles, parse_hcl

S3_BUCKET = "terraform-aws-modules/s3-bucket/aws"
MODEL_DIR = "<policylint built-in model>"
_REGISTRY = re.compile(r"^(?:registry\.terraform\.io/|registry\.opentofu\.org/)?"
                       r"terraform-aws-modules/s3-bucket/aws$", re.IGNORECASE)
_GIT = re.compile(r"^(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]terraform-aws-modules/"
                  r"terraform-aws-s3-bucket(?:\.git)?(?:\?ref=(?P<ref>[^&]+))?$", re.IGNORECASE)
_VERSION = re.compile(r"(?<![\d.])v?(\d+)(?:\.\d+){0,2}")


@dataclass(frozen=True)
class Anchor:
    """The caller's ``module`` block that stands for everything an external module creates."""

    block: Block  # the module block in the scanned caller
    name: str  # its label
    label: str  # how the module is named to the user
    dirs: tuple[str, ...]  # display folders: facts located below them are relocated
    s3_bucket: bool  # the module is terraform-aws-modules/s3-bucket: it takes ``cors_rule``
    installed: bool  # an initialised copy (its files are real), not the built-in model


def s3_bucket_major(source: str, version: Any) -> int | None | Unknown:
    """The major version when ``source`` spells terraform-aws-modules/s3-bucket/aws (None: it
    does not); Unknown when the version cannot be told."""
    src = source.strip()
    if "//" in src.split("://", 1)[-1]:
        return None  # a submodule (//modules/object): not the bucket module
    got = _GIT.match(src)
    if got is not None:
        ref = got.group("ref")
        if ref is None:
            return LATEST
        return _major(ref)
    if _REGISTRY.match(src):
        if version is None:
            return LATEST
        if not isinstance(version, str):
            return Unknown(f"the version constraint of {S3_BUCKET} is not a literal string")
        return _major(version)
    return None


def _major(text: str) -> int | Unknown:
    """The major version a constraint picks: the one it names, or the highest when every major
    it names is modelled (they share the modelled interface, so the choice does not matter)."""
    majors = {int(m.group(1)) for m in _VERSION.finditer(text)}
    if len(majors) == 1:
        return majors.pop()
    if majors and all(m in MODEL_MAJORS for m in majors):
        return max(majors)
    return Unknown(f"the version '{text}' of {S3_BUCKET} does not name one major version")


# --- the built-in model -----------------------------------------------------------------------

# The interface that decides name, tags and CORS has been the same since v2 (cors_rule a list of
# objects, or a JSON string of one); later majors add inputs this model does not need.
MODEL_MAJORS = range(2, 6)
LATEST = MODEL_MAJORS[-1]

_MODEL = """\
variable "create_bucket" {
  default = true
}
variable "bucket" {
  default = null
}
variable "bucket_prefix" {
  default = null
}
variable "tags" {
  default = {}
}
variable "cors_rule" {
  default = []
}
variable "is_directory_bucket" {
  default = false
}

locals {
  cors_rules = try(jsondecode(var.cors_rule), var.cors_rule)
}

resource "aws_s3_bucket" "this" {
  count = var.create_bucket && !var.is_directory_bucket ? 1 : 0

  bucket        = var.bucket
  bucket_prefix = var.bucket_prefix
  tags          = var.tags
}

resource "aws_s3_bucket_cors_configuration" "this" {
  count = var.create_bucket && length(local.cors_rules) > 0 && !var.is_directory_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  dynamic "cors_rule" {
    for_each = local.cors_rules

    content {
      id              = try(cors_rule.value.id, null)
      allowed_methods = cors_rule.value.allowed_methods
      allowed_origins = cors_rule.value.allowed_origins
      allowed_headers = try(cors_rule.value.allowed_headers, null)
      expose_headers  = try(cors_rule.value.expose_headers, null)
      max_age_seconds = try(cors_rule.value.max_age_seconds, null)
    }
  }
}

output "s3_bucket_id" {
  value = try(aws_s3_bucket.this[0].id, "")
}
output "s3_bucket_arn" {
  value = try(aws_s3_bucket.this[0].arn, "")
}
output "s3_bucket_bucket_domain_name" {
  value = try(aws_s3_bucket.this[0].bucket_domain_name, "")
}
output "s3_bucket_bucket_regional_domain_name" {
  value = try(aws_s3_bucket.this[0].bucket_regional_domain_name, "")
}
output "s3_bucket_region" {
  value = try(aws_s3_bucket.this[0].region, "")
}
"""


def model_dir(major: int) -> str:
    return f"{MODEL_DIR}/{S3_BUCKET}/v{major}"


def model_files(major: int) -> Any:
    """The model's parsed files (a ``ModuleFiles``) for a supported major version."""
    d = model_dir(major)
    mf = ModuleFiles(d, d)
    mf.files.append(parse_hcl(f"{d}/main.tf", _MODEL.encode("utf-8")))
    return mf


# --- initialised modules ----------------------------------------------------------------------

def installed_modules(ctx: Any, root_abs: str) -> dict[str, tuple[str, str]]:
    """Module key → (folder, source) from ``.terraform/modules/modules.json`` under the root
    module's folder; empty when Terraform was not initialised there (or the file is broken:
    then the modules stay unknown, as without it)."""
    data = ctx.load(os.path.join(root_abs, ".terraform", "modules", "modules.json"))
    if data is None:
        return {}
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except (ValueError, RecursionError):
        return {}
    mods = doc.get("Modules") if isinstance(doc, dict) else None
    out: dict[str, tuple[str, str]] = {}
    for m in mods if isinstance(mods, list) else []:
        if not isinstance(m, dict):
            continue
        key, folder, source = m.get("Key"), m.get("Dir"), m.get("Source", "")
        if isinstance(key, str) and key and isinstance(folder, str) and folder \
                and "\x00" not in folder:
            out[key] = (os.path.normpath(os.path.join(root_abs, folder)),
                        source if isinstance(source, str) else "")
    return out


def same_source(recorded: str, written: str) -> bool:
    """Whether modules.json's source is the one the module block names (else it is stale)."""
    def norm(s: str) -> str:
        s = s.strip()
        s = re.sub(r"^registry\.terraform\.io/", "", s, flags=re.IGNORECASE)
        return s.rstrip("/")

    return not recorded or norm(recorded) == norm(written)


# --- locating facts at the caller -------------------------------------------------------------

def relocate(facts: Facts, anchor: Anchor) -> Facts:
    """The facts of an external module instance, located at the caller's module block (tags
    evidence at its ``tags`` input, CORS at its ``cors_rule`` input, when given)."""
    block = anchor.block
    at = block.loc
    tags_at = block.attrs["tags"].loc if "tags" in block.attrs else at
    cors_at = block.attrs["cors_rule"].loc if "cors_rule" in block.attrs else at

    def move(loc: Location | None, to: Location) -> Location | None:
        inside = loc is not None and any(_inside(loc.path, d) for d in anchor.dirs)
        return to if inside else loc

    call = ModuleCall(anchor.name, cors_input=anchor.s3_bucket)
    out = Facts()
    for b in facts.buckets:
        origin = _origin(anchor, b.address, b.location)
        declared = tuple(Evidence(e.message, move(e.location, tags_at if e.message.startswith(
            "tagged ") else at) or at) for e in b.declared)
        out.buckets.append(replace(b, location=move(b.location, at) or at, format=block.fmt,
                                   declared=declared, origin=origin, module_call=call))
    for c in facts.cors:
        rules = c.rules if isinstance(c.rules, Unknown) else tuple(
            replace(r, location=move(r.location, cors_at)) for r in c.rules)
        problems = tuple(replace(p, location=move(p.location, cors_at) or cors_at)
                         for p in c.problems)
        out.cors.append(replace(c, location=move(c.location, cors_at) or cors_at, rules=rules,
                                problems=problems, format=block.fmt, module_call=call))
    for u in facts.uses:
        out.uses.append(replace(u, location=move(u.location, at) or at))
    for e in facts.errors:
        out.errors.append(replace(e, location=move(e.location, at) or at))
    out.cors_bindings = facts.cors_bindings
    return out


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


_CALL = re.compile(r'^module\.[^.\[]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?\.')


def _origin(anchor: Anchor, address: str, loc: Location) -> Evidence:
    while _CALL.match(address):
        address = _CALL.sub("", address, count=1)
    if anchor.installed:
        return Evidence(f"created by {address} in {anchor.label}", loc)
    src = anchor.block.attrs.get("source")
    return Evidence(f"created by {address} of {anchor.label}",
                    src.loc if src is not None else anchor.block.loc)
