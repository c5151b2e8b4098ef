"""Terraform module directories (``.tf``, ``.tf.json``, ``.tfvars``): facts as Terraform would
evaluate them.

The unit is one folder. Its root module is evaluated with ``terraform.tfvars`` /
``*.auto.tfvars`` feeding ``var.*``, and every local child module (``source = "./..."``) is
evaluated as an instance with the caller's inputs, its facts addressed as Terraform does
(``module.data.aws_s3_bucket.this["raw"]``).

Every resource instance evaluated is emitted, tagged with its ``Provenance``: the module folder
that declares it, its address there, the call whose inputs it was evaluated with, whether that
folder is a *library module*, and whether it depends on inputs nobody set in this read. The
reader records the module folders it instantiated (``Facts.embedded``). Which unit reports
which fact (a module folder is also scanned as its own unit) is decided by the linker,
``policylint.link.owned``, never here.

A folder is a library module when its display path has a ``modules`` segment, or when it
declares an input without a default and has no ``provider`` block and no backend (it cannot be
applied on its own). Suppressions and parse errors are reported by the unit that owns the file.
"""
from __future__ import annotations

import os
from typing import Any

from policylint.model import (
    Embedded,
    Facts,
    Location,
    ParseError,
    Provenance,
    Severity,
    Suppression,
    Unknown,
)
from policylint.readers import Context, Unit
from policylint.readers.terraform.extract import (
    depends_on_inputs,
    instance_facts,
    is_labeling_comment,
    unknown_instance_scope,
)
from policylint.readers.terraform.module import (
    BUCKET_TYPE,
    COUNT_CAP,
    ModuleEval,
    ModuleFiles,
    Reader,
    is_tfvars,
    local_address,
    parse_source,
)
from policylint.readers.terraform.parse import Block, Comment, FileSyntax

MAX_INSTANCES = 2000
MAX_UNIT_INSTANCES = 20_000  # count × nested modules multiply: 10 levels of count = 10 is 10**10


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    if not unit.sources:
        return facts
    dir_abs = os.path.dirname(unit.sources[0].abspath)
    files = ModuleFiles(dir_abs, unit.key)
    for src in unit.sources:
        facts.files.append(src.path)
        fs = parse_source(src.path, src.data)
        facts.errors.extend(fs.errors)
        (files.tfvars if is_tfvars(src.path) else files.files).append(fs)
    reader = Reader(ctx, unit.key, dir_abs)
    reader.folders[dir_abs] = files
    root = ModuleEval(reader, files, "", None, (dir_abs,))
    facts.errors.extend(root.duplicates)
    _visit(root, facts, awaits=files.dir_display if is_library(files) else "")
    if reader.budget.left < 0:
        facts.errors.append(ParseError(
            "evaluation budget exhausted (an expression is too costly to analyse): values "
            "evaluated after it are unknown", Location(unit.sources[0].path, 1, 1),
            Severity.WARNING))
    for fs in files.files + files.tfvars:
        facts.suppressions.extend(suppressions(fs))
    return facts


def is_library(files: ModuleFiles) -> bool:
    parts = files.dir_display.replace("\\", "/").split("/")
    if "modules" in parts:
        return True
    blocks = [b for fs in files.files for b in fs.blocks]
    if files.tfvars or any(b.type == "provider" for b in blocks):
        return False
    if any(b.type == "terraform" and (b.children("backend") or b.children("cloud"))
           for b in blocks):
        return False
    return any(b.type == "variable" and "default" not in b.attrs for b in blocks)


def _visit(m: ModuleEval, out: Facts, awaits: str = "", called_by: str = "",
           seen: list[int] | None = None) -> None:
    """Facts of module instance ``m`` and its children, each tagged with its provenance.
    ``awaits``: the folder of the unit's root when it is a library read on its own; facts that
    depend on its unset inputs (also through its children) name it. ``called_by``: what gave
    the root instance its inputs (a terragrunt.hcl); "" for a folder read on its own."""
    declared = _declared_comments(m)
    count = 0
    seen = [0] if seen is None else seen  # instances in the whole unit, children included
    caller = m.prefix or called_by
    library = m.anchor is None and is_library(m.files)
    for (type_, name), block in m.resources.items():
        exp = m.expansion(block, type_, name)
        instances: list[tuple[Any, dict[str, Any]]]
        if isinstance(exp, Unknown):
            instances = [(None, unknown_instance_scope(exp))]
        else:
            instances = exp
        if id(block) in m.cut_counts:
            out.errors.append(ParseError(
                f"count is {m.cut_counts[id(block)]}: only the first {COUNT_CAP} instances are "
                "analysed", block.loc, Severity.WARNING))
        for key, scope in instances:
            count += 1
            seen[0] += 1
            if seen[0] > MAX_UNIT_INSTANCES:
                if seen[0] == MAX_UNIT_INSTANCES + 1:  # say it once, where it stopped
                    out.errors.append(ParseError(
                        f"more than {MAX_UNIT_INSTANCES} resource instances in this module and "
                        "its children: the rest are not analysed", block.loc, Severity.WARNING))
                return
            if count > MAX_INSTANCES:
                out.errors.append(ParseError(
                    f"more than {MAX_INSTANCES} resource instances in one module: the rest are "
                    "not analysed", block.loc, Severity.WARNING))
                return
            got = instance_facts(m, block, type_, name, key, scope, declared.get(id(block), []))
            if isinstance(exp, Unknown) and type_ != BUCKET_TYPE:  # a bucket's own CORS is its
                _may_not_exist(got, f"{m.address(local_address(type_, name, None))}", exp)
            if m.anchor is not None:  # an initialised or built-in module: reported at the call
                from policylint.readers.terraform.external import relocate

                got = relocate(got, m.anchor)
            waits = awaits if awaits and depends_on_inputs(got) else ""
            where = Provenance(m.files.dir_display, local_address(type_, name, key), caller,
                               library, waits)
            out.extend(_tagged(got, where))
    for name, block in m.modules.items():
        exp = m.expansion(block, "module", name)
        keys = [None] if isinstance(exp, Unknown) else [k for k, _scope in exp]
        for key in keys:
            child = m.child(name, key)
            if isinstance(child, Unknown):
                continue
            if child.anchor is None:
                out.embedded.append(Embedded(child.files.dir_display, child.prefix, module=True))
            if not isinstance(exp, Unknown):
                _visit(child, out, awaits, called_by, seen=seen)
            else:
                # unknown count/for_each: one instance is read, and whether its CORS exists is
                # not known (its buckets and uses still count)
                inner = Facts()
                _visit(child, inner, awaits, called_by, seen=seen)
                _may_not_exist(inner, m.address(f"module.{name}"), exp)
                out.extend(inner)
            if seen[0] > MAX_UNIT_INSTANCES:
                return


def _tagged(facts: Facts, where: Provenance) -> Facts:
    """``facts`` (one resource instance's) with their provenance set."""
    from dataclasses import replace

    facts.buckets = [replace(b, provenance=where) for b in facts.buckets]
    facts.cors = [replace(c, provenance=where) for c in facts.cors]
    facts.uses = [replace(u, provenance=where) for u in facts.uses]
    facts.functions = [replace(f, provenance=where) for f in facts.functions]
    facts.parameters = [replace(p, provenance=where) for p in facts.parameters]
    return facts


def _may_not_exist(facts: Facts, address: str, why: Unknown) -> None:
    """CORS defined by a block (or in a module) whose count/for_each is unknown may not exist:
    its rules become unknown, so a labeling bucket relying on it is unverified, never passed."""
    from dataclasses import replace

    reason = Unknown(f"{address} may not exist: {why.reason}")
    facts.cors[:] = [replace(c, rules=reason, may_not_apply=True) for c in facts.cors]


# --- comments: declarations and suppressions -------------------------------------------------

def _declared_comments(m: ModuleEval) -> dict[int, list[Location]]:
    """``policylint: labeling-input`` comments in or directly above each resource block."""
    out: dict[int, list[Location]] = {}
    for fs in m.files.files:
        marks = [c for c in fs.comments if is_labeling_comment(c.text)]
        if not marks:
            continue
        lines, comment_lines = _text_lines(fs), _comment_lines(fs)
        for c in marks:
            block = _block_for(fs, c, lines, comment_lines)
            if block is not None:
                out.setdefault(id(block), []).append(c.loc)
    return out


def _comment_lines(fs: FileSyntax) -> set[int]:
    lines: set[int] = set()
    for c in fs.comments:
        if not c.trailing:
            lines.update(range(c.loc.line, c.loc.end_line + 1))
    return lines


def _text_lines(fs: FileSyntax) -> list[str]:
    return fs.pos.data.decode("utf-8", "replace").split("\n") if fs.pos is not None else []


def _block_for(fs: FileSyntax, c: Comment, lines: list[str], comment_lines: set[int]) -> Block | None:
    """The top-level block a comment is about (``suppress.comment_unit``: the one it is in, or
    directly above)."""
    from policylint import suppress

    spans = {(b.loc.line, b.loc.end_line): b for b in fs.blocks}
    unit = suppress.comment_unit((c.loc.line, c.loc.end_line), not c.trailing, spans, lines,
                                 comment_lines)
    return spans.get(unit) if unit is not None else None


def suppressions(fs: FileSyntax) -> list[Suppression]:
    from policylint import suppress

    found = [c for c in fs.comments if "policylint" in c.text.lower()]
    if not found:
        return []
    lines, comment_lines = _text_lines(fs), _comment_lines(fs)
    units = [(b.loc.line, b.loc.end_line) for b in fs.blocks]
    out: list[Suppression] = []
    for c in found:
        scope = suppress.comment_scope(c.loc.path, (c.loc.line, c.loc.end_line), not c.trailing,
                                       units, lines, comment_lines)
        got = suppress.parse_comment(_comment_body(c.text), c.loc, scope)
        if got is not None:
            out.append(got)
    return out


def _comment_body(text: str) -> str:
    t = text.strip()
    for lead in ("#", "//", "/*"):
        if t.startswith(lead):
            t = t[len(lead):]
            break
    if t.endswith("*/"):
        t = t[:-2]
    return t.strip()
