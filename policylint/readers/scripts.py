"""CORS applied by scripts: shell scripts, Makefiles, CI YAML and Dockerfiles that run
``aws s3api put-bucket-cors --bucket B --cors-configuration ...``.

- ``file://F``: the CORS document F applies to bucket B. F is relative to the script's folder,
  else to the repository root. A document the scan reads as CORS is bound by the linker (a
  ``cors_bindings`` entry); one the scan does not read (another name) is read here; a missing
  one is a CORS source whose rules are unknown.
- inline JSON, directly or through a variable set to a literal earlier in the same file: a
  CorsConfig (source ``script``) with positions in the script.
- anything else (a run-time value, CLI shorthand): a CORS source whose rules are unknown.
"""
from __future__ import annotations

import bisect
import os
from dataclasses import replace
from typing import Callable

from policylint import discover
from policylint.model import (
    BucketRef,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Facts,
    Format,
    Location,
    ParseError,
    Suppression,
    Unknown,
)
from policylint.readers import Context, Source, Unit, documents, shell
from policylint.readers.cors import read_document
from policylint.suppress import comment_scope, parse_comment
from policylint.decoding import line_col


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src, text in documents.texts(unit, facts):
        script_dir = os.path.dirname(src.abspath)
        parsed = shell.parse(text, flavour_of(src.path), script_dir)
        cwd: str | None = None  # the folder a `cd` moved to; None: not known
        for words in parsed.commands:
            cwd = _after_cd(words, cwd, script_dir)
            _command(words, text, src, ctx, facts, cwd)
        facts.suppressions += _suppressions(parsed, text, src.path)
    return facts


def flavour_of(path: str) -> str:
    name = os.path.basename(path).lower()
    if name.endswith((".yml", ".yaml")):
        return shell.YAML
    if name in ("makefile", "gnumakefile") or name.endswith(".mk"):
        return shell.MAKE
    if name.endswith(".ps1"):
        return shell.POWERSHELL
    return shell.SHELL


def _loc(text: str, path: str, start: int, end: int) -> Location:
    line, column = line_col(text, start)
    end_line, end_column = line_col(text, end)
    return Location(path, line, column, end_line, end_column)


def _option(words: list[shell.Word], name: str) -> shell.Word | None:
    """The value of ``--name V`` or ``--name=V`` among a command's words."""
    for i, w in enumerate(words):
        if not isinstance(w.value, str):
            continue
        if w.value == name and i + 1 < len(words):
            return words[i + 1]
        if w.value.startswith(name + "="):
            cut = len(name) + 1
            at = w.literal_at + cut if w.literal_at is not None else None
            return shell.Word(w.value[cut:], w.start + cut, w.end, at)
    return None


def _after_cd(words: list[shell.Word], cwd: str | None, script_dir: str) -> str | None:
    """The working folder after a command: ``cd DIR``/``pushd DIR`` with a known DIR moves it
    (relative to the current one, else to the script's folder); an unknown DIR forgets it."""
    if len(words) < 2 or words[0].value not in ("cd", "pushd"):
        return cwd
    target = words[1].value
    if not isinstance(target, str) or target.startswith("-") or target.startswith("~"):
        return None
    return os.path.normpath(os.path.join(cwd or script_dir, target))


def _put_bucket_cors_at(words: list[shell.Word]) -> int | None:
    for i in range(1, len(words)):
        if words[i].value == "put-bucket-cors" and words[i - 1].value == "s3api":
            return i
    return None


def _command(words: list[shell.Word], text: str, src: Source, ctx: Context, facts: Facts,
             cwd: str | None) -> None:
    at = _put_bucket_cors_at(words)
    if at is None:
        return
    args = words[at + 1:]
    bucket_w = _option(args, "--bucket")
    cors_w = _option(args, "--cors-configuration")
    if bucket_w is None or cors_w is None:
        return
    first = next((w for w in reversed(words[:at]) if str(w.value).endswith("aws")), words[0])
    where = _loc(text, src.path, first.start, words[-1].end)
    ref = _bucket_ref(bucket_w, text)
    value = cors_w.value
    if isinstance(value, Unknown):
        facts.cors.append(_unknown(ref, where, f"the CORS configuration is not known "
                                               f"statically: {value.reason}"))
    elif value.startswith(("file://", "fileb://")):
        _from_file(value.split("://", 1)[1], ref, where, src, ctx, facts, cwd)
    elif value.lstrip().startswith(("{", "[")):
        _inline(value, cors_w, ref, where, text, src.path, facts)
    else:
        facts.cors.append(_unknown(ref, where, f"the CORS configuration '{value[:60]}' is not "
                                               "JSON or a file:// document"))


def _bucket_ref(w: shell.Word, text: str) -> BucketRef:
    raw = text[w.start:w.end]
    if isinstance(w.value, Unknown):
        return BucketRef(name=Unknown(f"--bucket {raw}: {w.value.reason}"), text=raw)
    return BucketRef(name=w.value, text=w.value)


def _unknown(ref: BucketRef, where: Location, reason: str) -> CorsConfig:
    return CorsConfig(target=ref, rules=Unknown(reason), location=where, source=CorsSource.SCRIPT,
                      format=Format.CORS_JSON)


def _from_file(name: str, ref: BucketRef, where: Location, src: Source, ctx: Context,
               facts: Facts, cwd: str | None) -> None:
    found = _find_document(name, src, ctx, cwd)
    if found is None:
        absent = _absent_document(name, src, ctx, cwd)
        if absent is not None:
            facts.cors.append(CorsConfig(target=ref, rules=(), location=where,
                                         source=CorsSource.SCRIPT, format=Format.CORS_JSON,
                                         document=name, missing=ctx.display(absent)))
            return
        facts.cors.append(_unknown(ref, where, f"the CORS document {name} applied here is not in "
                                               "the scanned files"))
        return
    abspath, data = found
    display = ctx.display(abspath)
    if discover.classify(os.path.basename(abspath), data[:discover.SNIFF_BYTES]) == discover.CORS:
        facts.cors_bindings.append((display, ref, where))  # the scan reads it: the linker binds
        return
    config, error = read_document(display, data)
    if error is not None:
        facts.errors.append(error)
    if config is not None:
        facts.cors.append(replace(config, target=ref))


def _absent_document(name: str, src: Source, ctx: Context, cwd: str | None) -> str | None:
    """The path (of the first candidate) when a ``file://`` document exists nowhere it could
    be: each candidate's folder (or, for a missing folder, its parent) is listed inside the
    root and lacks it. None when a candidate lies outside the root or cannot be listed (then
    it is only unknown)."""
    candidates = _candidates(name, src, ctx, cwd)
    for candidate in candidates:
        path = os.path.normpath(candidate)
        folder, base = os.path.split(path)
        names = ctx.listdir(folder)
        if names is None:
            parent = ctx.listdir(os.path.dirname(folder))
            if parent is None or os.path.basename(folder) in parent:
                return None
        elif base in names:
            return None
    return os.path.normpath(candidates[0])


def _candidates(name: str, src: Source, ctx: Context, cwd: str | None) -> list[str]:
    if os.path.isabs(name):
        return [name]
    if cwd is not None:
        return [os.path.join(cwd, name)]
    return [os.path.join(os.path.dirname(src.abspath), name), os.path.join(ctx.root, name)]


def _find_document(name: str, src: Source, ctx: Context,
                   cwd: str | None) -> tuple[str, bytes] | None:
    """(absolute path, bytes) of a ``file://`` document: relative to the folder the script
    moved to with ``cd``, else to the script's folder, else to the repository root."""
    for candidate in _candidates(name, src, ctx, cwd):
        path = os.path.normpath(candidate)
        data = ctx.load(path)
        if data is not None:
            return path, data
    return None


def _inline(value: str, w: shell.Word, ref: BucketRef, where: Location, text: str, path: str,
            facts: Facts) -> None:
    """Inline JSON: parsed as a CORS document, positions moved into the script when the JSON
    appears verbatim there, else all at the command."""
    config, error = read_document(path, value.encode("utf-8"))

    def move(loc: Location) -> Location:
        if w.literal_at is None:
            return where
        line0, col0 = line_col(text, w.literal_at)
        line = line0 + loc.line - 1
        column = col0 + loc.column - 1 if loc.line == 1 else loc.column
        end_line = line0 + loc.end_line - 1
        end_column = col0 + loc.end_column - 1 if loc.end_line == 1 else loc.end_column
        return Location(path, line, column, end_line, end_column)

    if error is not None:
        facts.errors.append(ParseError(error.message, move(error.location)))
    if config is None:
        return
    rules = config.rules
    if not isinstance(rules, Unknown):
        rules = tuple(_move_rule(r, move) for r in rules)
    facts.cors.append(replace(
        config, target=ref, rules=rules, location=move(config.location), source=CorsSource.SCRIPT,
        document=None, problems=tuple(CorsProblem(p.message, move(p.location))
                                      for p in config.problems)))


def _move_rule(rule: CorsRule, move: Callable[[Location], Location]) -> CorsRule:
    if rule.location is None:
        return rule
    return replace(rule, location=move(rule.location))


def _suppressions(parsed: shell.Parsed, text: str, path: str) -> list[Suppression]:
    """``# policylint: disable=...`` comments, scoped by ``suppress.comment_scope`` over the
    script's commands (a command continued over several lines is one unit)."""
    if not any("policylint" in c.text.lower() for c in parsed.comments):
        return []
    lines = text.split("\n")
    starts = [0]
    for ln in lines[:-1]:
        starts.append(starts[-1] + len(ln) + 1)

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    units = [(line_of(words[0].start), line_of(max(words[-1].end - 1, words[0].start)))
             for words in parsed.commands if words]
    placed = []
    for c in parsed.comments:
        line = line_of(c.start)
        column = c.start - starts[line - 1] + 1
        placed.append((c, line, column, not lines[line - 1][:column - 1].strip()))
    comment_lines = {line for _c, line, _col, alone in placed if alone}
    out = []
    for c, line, column, alone in placed:
        if "policylint" not in c.text.lower():
            continue
        scope = comment_scope(path, (line, line), alone, units, lines, comment_lines)
        got = parse_comment(c.text, Location(path, line, column), scope)
        if got is not None:
            out.append(got)
    return out
