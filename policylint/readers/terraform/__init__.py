"""Terraform module directories (``.tf``, ``.tf.json``, ``.tfvars``): facts as Terraform would
evaluate them.

The unit is one folder. Its root module is evaluated with ``terraform.tfvars`` /
``*.auto.tfvars`` feeding ``var.*``, and every local child module (``source = "./..."``) is
evaluated as an instance with the caller's inputs, its facts addressed as Terraform does
(``module.data.aws_s3_bucket.this["raw"]``).

Who reports a child module's facts (a module folder is also scanned as its own unit):

* A folder is a *library module* when its display path has a ``modules`` segment, or when it
  declares an input without a default and has no ``provider`` block and no backend (it cannot be
  applied on its own).
* Read on its own, a library module reports only the resource instances whose facts do not
  depend on inputs that its caller sets (``MISSING_INPUT``); the rest is unknowable there.
* Evaluated as a child of a caller, a library module's resource instance is reported by the
  caller only when it depends on the caller's inputs (otherwise the library's own read reports
  the very same fact, and the caller's references to that bucket are pointed at the library's
  identity for it). Non-library child folders are reported by every caller.

So each fact is reported once, by the unit that can know it. Suppressions and parse errors are
reported by the unit that owns the file.
"""
from __future__ import annotations

import os
from typing import Any

from policylint.model import BucketRef, Facts, Location, ParseError, Severity, Suppression, Unknown
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
from policylint.readers.terraform.parse import Block, FileSyntax

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
    deferred = Facts()
    _visit(root, facts, standalone_library=is_library(files), deferred=deferred)
    if reader.aliases:
        _apply_aliases(facts, reader.aliases)
        _apply_aliases(deferred, reader.aliases)
    if deferred.buckets or deferred.cors or deferred.uses:
        # reported only when no scanned unit calls this folder with its inputs (engine)
        facts.deferred.append((unit.key, deferred))
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


def _visit(m: ModuleEval, out: Facts, standalone_library: bool = False,
           twin: ModuleEval | None = None, seen: list[int] | None = None,
           deferred: Facts | None = None) -> None:
    """Facts of module instance ``m`` and its children. ``standalone_library``: ``m`` is a
    library read on its own, so facts that depend on its missing inputs (also through its
    children) are left to its callers. ``twin``: the same folder evaluated without inputs, when
    the folder is a library reported by its own unit."""
    declared = _declared_comments(m)
    count = 0
    seen = [0] if seen is None else seen  # instances in the whole unit, children included
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
            if standalone_library and depends_on_inputs(got):
                if deferred is not None:  # stands only if nothing in the scan calls the module
                    deferred.extend(got)
                continue
            if twin is not None and _twin_reports(twin, block, type_, name, key, declared):
                local = local_address(type_, name, key)  # references here mean the twin's
                m.reader.aliases[m.identity(local)] = twin.identity(local)
                continue
            out.extend(got)
    for name, block in m.modules.items():
        exp = m.expansion(block, "module", name)
        keys = [None] if isinstance(exp, Unknown) else [k for k, _scope in exp]
        for key in keys:
            child = m.child(name, key)
            if isinstance(child, Unknown):
                continue
            child_twin = None
            if child.anchor is None and is_library(child.files):
                child_twin = _twin(child)
                out.called_folders.append(child.files.dir_display)
            if not isinstance(exp, Unknown):
                _visit(child, out, standalone_library, twin=child_twin, seen=seen,
                       deferred=deferred)
            else:
                # unknown count/for_each: one instance is read, and whether its CORS exists is
                # not known (its buckets and uses still count)
                inner = Facts()
                _visit(child, inner, standalone_library, twin=child_twin, seen=seen,
                       deferred=deferred)
                _may_not_exist(inner, m.address(f"module.{name}"), exp)
                out.extend(inner)
            if seen[0] > MAX_UNIT_INSTANCES:
                return


def _may_not_exist(facts: Facts, address: str, why: Unknown) -> None:
    """CORS defined by a block (or in a module) whose count/for_each is unknown may not exist:
    its rules become unknown, so a labeling bucket relying on it is unverified, never passed."""
    from dataclasses import replace

    reason = Unknown(f"{address} may not exist: {why.reason}")
    facts.cors[:] = [replace(c, rules=reason) for c in facts.cors]


def _apply_aliases(facts: Facts, aliases: dict[str, str]) -> None:
    """Point references at the identity of the unit that reports the bucket."""
    from dataclasses import replace

    def fix(ref: BucketRef | None) -> BucketRef | None:
        if ref is not None and ref.identity in aliases:
            return replace(ref, identity=aliases[ref.identity])
        return ref

    facts.cors = [replace(c, target=fix(c.target)) for c in facts.cors]
    facts.uses = [replace(u, target=fix(u.target) or u.target) for u in facts.uses]


def _twin(child: ModuleEval) -> ModuleEval:
    """The child's folder evaluated as its own unit would: no inputs, its own address space
    (one per folder, however many instances call it)."""
    twins = child.reader.twins
    if child.files.dir_abs not in twins:
        reader = Reader(child.reader.ctx, child.files.dir_display, child.files.dir_abs)
        reader.budget = child.reader.budget
        reader.folders = child.reader.folders
        twins[child.files.dir_abs] = ModuleEval(reader, child.files, "", {},
                                                (child.files.dir_abs,))
    return twins[child.files.dir_abs]


def _twin_reports(twin: ModuleEval, block: Block, type_: str, name: str, key: Any,
                  declared: dict[int, list[Location]]) -> bool:
    exp = twin.expansion(block, type_, name)
    if isinstance(exp, Unknown):
        return False
    scopes = dict(exp)
    if key not in scopes:
        return False
    got = instance_facts(twin, block, type_, name, key, scopes[key], declared.get(id(block), []))
    return not depends_on_inputs(got)


# --- comments: declarations and suppressions -------------------------------------------------

def _declared_comments(m: ModuleEval) -> dict[int, list[Location]]:
    """``policylint: labeling-input`` comments in or directly above each resource block."""
    out: dict[int, list[Location]] = {}
    for fs in m.files.files:
        marks = [c for c in fs.comments if is_labeling_comment(c.text)]
        if not marks:
            continue
        for c in marks:
            block = _block_for(fs, c.loc.line, c.trailing)
            if block is not None:
                out.setdefault(id(block), []).append(c.loc)
    return out


def _comment_lines(fs: FileSyntax) -> set[int]:
    lines: set[int] = set()
    for c in fs.comments:
        if not c.trailing:
            lines.update(range(c.loc.line, c.loc.end_line + 1))
    return lines


def _block_for(fs: FileSyntax, line: int, trailing: bool) -> Block | None:
    """The top-level block a comment on ``line`` is in, or directly above."""
    for b in fs.blocks:
        if b.loc.line <= line <= b.loc.end_line:
            return b
    if trailing:
        return None
    comment_lines = _comment_lines(fs)
    for b in fs.blocks:
        if b.loc.line > line and all(n in comment_lines for n in range(line, b.loc.line)):
            return b
    return None


def suppressions(fs: FileSyntax) -> list[Suppression]:
    from policylint import suppress

    out: list[Suppression] = []
    for c in fs.comments:
        if "policylint" not in c.text.lower():
            continue
        block = _block_for(fs, c.loc.line, c.trailing)
        if block is not None:  # in the block, or directly above it
            start = min(block.loc.line, c.loc.line)
            scope = Location(c.loc.path, start, 1, block.loc.end_line, block.loc.end_column)
        elif c.trailing:  # after code outside any block: its own line
            scope = Location(c.loc.path, c.loc.line, 1, c.loc.line, 10_000)
        else:  # a lone comment: its line and the next
            scope = Location(c.loc.path, c.loc.line, 1, c.loc.end_line + 1, 10_000)
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
