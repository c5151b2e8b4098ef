"""Terragrunt (``terragrunt.hcl``): the module its ``terraform { source }`` names, evaluated with
its ``inputs``.

Read like Terragrunt does, without running anything: ``locals``, ``include`` of parent files
(``find_in_parent_folders``; their ``inputs`` merged shallow, deep or not at all as
``merge_strategy`` says, the child winning; their ``terraform`` block used when the child has
none), ``read_terragrunt_config`` of local files, and ``get_env`` defaults. The source is a local
folder (``../modules//bucket`` included), the copy Terragrunt left in ``.terragrunt-cache`` for a
remote source (when exactly one copy is there), or the built-in model of
terraform-aws-modules/s3-bucket/aws. ``dependency`` outputs are known only after apply: Unknown.

The module's facts are those of the module evaluated with these inputs, located in the module's
files (where the fix goes), and owned like a local module call's (see ``__init__.py``).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from policylint.model import Embedded, Evidence, Facts, Unknown
from policylint.readers import Context, Unit
from policylint.readers.terraform.evaluate import Budget, Evaluator
from policylint.readers.terraform.module import (
    ModuleEval,
    ModuleFiles,
    Reader,
    parse_source,
)
from policylint.readers.terraform.parse import Attr, Block, FileSyntax
from policylint.readers.terraform.values import Lazy

CONFIG_NAME = "terragrunt.hcl"
CACHE_DIR = ".terragrunt-cache"
MAX_INCLUDE_DEPTH = 10
_TFR = re.compile(r"^tfr://(?:registry\.terraform\.io)?/?(?P<addr>[^?]+)(?:\?version=(?P<v>.+))?$")


class Config:
    """One Terragrunt file evaluated for the configuration in ``tg_dir`` (the child's folder:
    ``get_terragrunt_dir()`` means it also inside included parents)."""

    def __init__(self, ctx: Context, abspath: str, fs: FileSyntax, tg_dir: str, budget: Budget,
                 depth: int = 0, child: Config | None = None) -> None:
        self.ctx = ctx
        self.abspath = abspath
        self.dir = os.path.dirname(abspath)
        self.fs = fs
        self.tg_dir = tg_dir
        self.depth = depth
        self.child = child
        self.budget = budget
        self.locals: dict[str, Attr] = {}
        for b in fs.blocks:
            if b.type == "locals":
                self.locals.update(b.attrs)
        self.memo: dict[str, Any] = {}
        self.busy: set[str] = set()
        self.ev = Evaluator(self.root, budget, self._functions())
        self._includes: dict[str, tuple[Config, str]] | None = None

    # --- names --------------------------------------------------------------------------------

    def root(self, name: str) -> Any:
        if name == "local":
            return Lazy(self.local, "local")
        if name == "include":
            return {k: self._exposed(cfg) for k, (cfg, _s) in self.includes().items()}
        if name == "dependency":
            return Lazy(lambda n: Unknown(f"dependency.{n} outputs are known only after that "
                                          "configuration is applied"), "dependency")
        return Unknown(f"'{name}' is not known in a Terragrunt file")

    def local(self, name: str) -> Any:
        attr = self.locals.get(name)
        if attr is None:
            raise KeyError(name)
        if name in self.memo:
            return self.memo[name]
        if name in self.busy:
            return Unknown(f"reference cycle through local.{name}")
        self.busy.add(name)
        try:
            value = self.ev.value(attr.expr)
        finally:
            self.busy.discard(name)
        self.memo[name] = value
        return value

    def _exposed(self, cfg: Config) -> dict[str, Any]:
        return {"locals": {k: cfg.local(k) for k in cfg.locals}, "inputs": cfg.own_inputs()}

    def attr(self, name: str) -> Any:
        a = self.fs.attrs.get(name)
        return self.ev.value(a.expr) if a is not None else None

    # --- include ------------------------------------------------------------------------------

    def includes(self) -> dict[str, tuple[Config, str]]:
        """Label → (parent config, merge strategy), for each readable include."""
        if self._includes is not None:
            return self._includes
        self._includes = {}
        if self.depth >= MAX_INCLUDE_DEPTH:
            return self._includes
        for b in self.fs.blocks:
            if b.type != "include" or "path" not in b.attrs:
                continue
            path = self.ev.value(b.attrs["path"].expr)
            if not isinstance(path, str):
                continue
            strategy = self.ev.value(b.attrs["merge_strategy"].expr) \
                if "merge_strategy" in b.attrs else "shallow"
            cfg = load(self.ctx, self._path(path), self.tg_dir, self.budget, self.depth + 1,
                       self)
            if cfg is not None:
                label = b.labels[0] if b.labels else ""
                self._includes[label] = (cfg, strategy if isinstance(strategy, str) else "")
        return self._includes

    def own_inputs(self) -> Any:
        a = self.fs.attrs.get("inputs")
        return self.ev.value(a.expr) if a is not None else {}

    def inputs(self) -> dict[str, Any] | Unknown:
        """The inputs with every included parent's merged in (the child wins)."""
        merged: dict[str, Any] = {}
        for cfg, strategy in self.includes().values():
            if strategy == "no_merge":
                continue
            got = cfg.inputs()
            if isinstance(got, Unknown):
                return got
            merged = _deep_merge(merged, got) if strategy == "deep" else {**merged, **got}
        own = self.own_inputs()
        if isinstance(own, Unknown):
            return Unknown(f"inputs of {self.ctx.display(self.abspath)}: {own.reason}")
        if not isinstance(own, dict):
            return Unknown(f"inputs of {self.ctx.display(self.abspath)} is not an object")
        deep = any(s == "deep" for _c, s in self.includes().values())
        return _deep_merge(merged, own) if deep else {**merged, **own}

    def terraform_source(self) -> tuple[Any, Block] | None:
        """(source value, the terraform block naming it): the child's, else a parent's."""
        for b in self.fs.blocks:
            if b.type == "terraform" and "source" in b.attrs:
                return self.ev.value(b.attrs["source"].expr), b
        for cfg, strategy in self.includes().values():
            if strategy == "no_merge":
                continue
            got = cfg.terraform_source()
            if got is not None:
                return got
        return None

    # --- functions ----------------------------------------------------------------------------

    def _path(self, p: str) -> str:
        return os.path.normpath(os.path.join(self.dir, p))

    def _functions(self) -> dict[str, Callable[..., Any]]:
        return {
            "find_in_parent_folders": self.fn_find_in_parent_folders,
            "get_terragrunt_dir": lambda: self.tg_dir,
            "get_parent_terragrunt_dir": lambda *a: self.include_dir(),
            "path_relative_to_include": lambda *a: _rel(self.tg_dir, self.include_dir()),
            "path_relative_from_include": lambda *a: _rel(self.include_dir(), self.tg_dir),
            "get_original_terragrunt_dir": lambda: self.tg_dir,
            "get_env": self.fn_get_env,
            "read_terragrunt_config": self.fn_read_terragrunt_config,
            "get_aws_account_id": lambda: Unknown("get_aws_account_id() asks AWS at run time"),
            "get_aws_caller_identity_arn": lambda: Unknown(
                "get_aws_caller_identity_arn() asks AWS at run time"),
            "run_cmd": lambda *a: Unknown("run_cmd() runs a command: not evaluated"),
        }

    def include_dir(self) -> str:
        """The folder of the included file: this one's, when it is the included parent."""
        if self.child is not None:
            return self.dir
        if self._includes:  # not while the includes themselves are being read
            return next(iter(self._includes.values()))[0].dir
        return self.tg_dir

    def fn_find_in_parent_folders(self, name: Any = CONFIG_NAME, fallback: Any = None) -> Any:
        if isinstance(name, Unknown):
            return name
        folder = os.path.dirname(self.tg_dir)
        for _ in range(100):
            candidate = os.path.join(folder, str(name))
            if self.ctx.load(candidate) is not None:
                return candidate
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        if fallback is not None:
            return fallback
        return Unknown(f"find_in_parent_folders: no {name} above {self.ctx.display(self.tg_dir)} "
                       "in the scanned tree")

    def fn_get_env(self, name: Any, default: Any = None) -> Any:
        if default is not None:
            return default
        return Unknown(f"get_env({name!s}) is read from the environment at run time")

    def fn_read_terragrunt_config(self, p: Any, default: Any = None) -> Any:
        if isinstance(p, Unknown):
            return p
        full = self._path(str(p))
        cfg = load(self.ctx, full, os.path.dirname(full), self.budget, self.depth + 1, self)
        if cfg is None:
            return default if default is not None else Unknown(
                f"read_terragrunt_config({p!s}): the file is missing or outside the scanned tree")
        out = {k: cfg.attr(k) for k in cfg.fs.attrs}
        out.update({"locals": {k: cfg.local(k) for k in cfg.locals},
                    "inputs": cfg.own_inputs()})
        return out


def load(ctx: Context, abspath: str, tg_dir: str, budget: Budget, depth: int,
         child: Config | None) -> Config | None:
    """Another Terragrunt file as a Config, or None when it cannot be read (or includes itself)."""
    c: Config | None = child
    while c is not None:
        if os.path.normpath(c.abspath) == os.path.normpath(abspath):
            return None
        c = c.child
    data = ctx.load(abspath)
    if data is None:
        return None
    fs = parse_source(ctx.display(abspath), data)
    if fs.errors:
        return None
    return Config(ctx, abspath, fs, tg_dir, budget, depth, child)


def _rel(to: str, start: str) -> str:
    rel = os.path.relpath(to, start).replace(os.sep, "/")
    return "." if rel in ("", ".") else rel


def _deep_merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        if isinstance(out.get(k), dict) and isinstance(v, dict):
            out[k] = _deep_merge(out[k], v)
        elif isinstance(out.get(k), list) and isinstance(v, list):
            out[k] = out[k] + v
        else:
            out[k] = v
    return out


# --- the module ---------------------------------------------------------------------------------

def module_folder(reader: Reader, cfg: Config, source: str, block: Block
                  ) -> tuple[ModuleFiles, Any] | Unknown:
    """The folder the source names (and an Anchor for the built-in model), or why not."""
    from policylint.readers.terraform import external

    tfr = _TFR.match(source)
    if tfr is not None:
        major = external.s3_bucket_major(tfr.group("addr"), tfr.group("v"))
    else:
        major = external.s3_bucket_major(source.split("?", 1)[0] if "//" not in source else
                                         source, None) if not _is_local(source) else None
    if _is_local(source):
        root, _, sub = source.partition("//")
        folder = reader.child_folder(os.path.normpath(os.path.join(cfg.dir, root, sub)))
        if folder is None:
            return Unknown(f"terraform.source '{source}': no Terraform files there")
        return folder, None
    cached = _cached(reader, cfg, source)
    if cached is not None:
        return cached, None
    if isinstance(major, int) and major in external.MODEL_MAJORS:
        d = external.model_dir(major)
        folder = reader.folders.get(d) or external.model_files(major)
        reader.folders[d] = folder
        label = f"{external.S3_BUCKET} (policylint's built-in model of v{major})"
        inputs = _inputs_block(cfg)
        if inputs is not None:  # reported, and fixed, at the file's own inputs
            return folder, external.Anchor(inputs, "inputs", label, (d,), True, False)
        return folder, external.Anchor(block, "terraform", label, (d,), False, False)
    return Unknown(f"terraform.source '{source}' is not a local path and has no single copy in "
                   f"{CACHE_DIR}: it is not analysed")


def _inputs_block(cfg: Config) -> Block | None:
    """The file's ``inputs = {...}`` literal as a block whose attributes are its members (so
    facts can point at its ``tags`` and ``cors_rule``)."""
    attr = cfg.fs.attrs.get("inputs")
    pos = attr.positions if attr is not None else None
    if attr is None or pos is None:
        return None
    node: Any = attr.expr
    for want in ("collection_value", "object"):
        node = next((c for c in getattr(node, "children", []) if c.type == want), None)
        if node is None:
            return None
    members: dict[str, Attr] = {}
    for elem in node.children:
        if elem.type != "object_elem":
            continue
        exprs = [c for c in elem.children if c.type == "expression"]
        if len(exprs) == 2:
            key = exprs[0].text.decode("utf-8", "replace").strip().strip('"')
            members[key] = Attr(key, exprs[1], pos.loc(elem), pos.loc(exprs[1]), pos)
    loc = attr.loc
    return Block("inputs", [], members, [], loc, cfg.fs.fmt, (loc.end_line, loc.end_column))


def _is_local(source: str) -> bool:
    return source.startswith(("./", "../", "/"))


def _cached(reader: Reader, cfg: Config, source: str) -> ModuleFiles | None:
    """The one copy of a remote source under ``.terragrunt-cache/<hash>/<hash>/[subdir]``."""
    sub = source.split("://", 1)[-1].partition("//")[2].split("?", 1)[0]
    cache = os.path.join(cfg.tg_dir, CACHE_DIR)
    found: list[ModuleFiles] = []
    for h1 in reader.ctx.listdir(cache) or []:
        for h2 in reader.ctx.listdir(os.path.join(cache, h1)) or []:
            folder = reader.child_folder(os.path.normpath(os.path.join(cache, h1, h2, sub)))
            if folder is not None:
                found.append(folder)
    return found[0] if len(found) == 1 else None


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def read(unit: Unit, ctx: Context) -> Facts:
    from policylint.readers.terraform import _visit, suppressions

    facts = Facts()
    src = unit.sources[0]
    facts.files.append(src.path)
    fs = parse_source(src.path, src.data)
    facts.errors.extend(fs.errors)
    facts.suppressions.extend(suppressions(fs))
    if fs.errors:
        return facts
    budget = Budget()
    cfg = Config(ctx, src.abspath, fs, os.path.dirname(src.abspath), budget)
    got = cfg.terraform_source()
    if got is None or not isinstance(got[0], str):
        return facts
    reader = Reader(ctx, unit.key, cfg.tg_dir)
    reader.budget = budget
    where = module_folder(reader, cfg, got[0], got[1])
    if isinstance(where, Unknown):
        return facts
    folder, anchor = where
    inputs = cfg.inputs()
    values: dict[str, Callable[[], Any]] = {}
    if isinstance(inputs, dict):
        values = {str(k): _constant(v) for k, v in inputs.items()}
    reader.root_abs = folder.dir_abs  # Terraform runs in (a copy of) the module's folder
    m = ModuleEval(reader, folder, "", values, (folder.dir_abs,), anchor=anchor)
    if anchor is None:
        facts.embedded.append(Embedded(folder.dir_display, src.path, module=True))
    _visit(m, facts, called_by=src.path)  # the linker decides what the folder's own unit keeps
    at = fs.attrs["inputs"].loc if "inputs" in fs.attrs else got[1].loc
    facts.buckets = [b if b.origin is not None else replace(
        b, origin=Evidence(f"evaluated with the inputs of {src.path}", at)) for b in facts.buckets]
    return facts
