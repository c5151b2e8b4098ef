"""Loading rules: the built-in registry, entry points (``policylint.rules``) and ``rules-dirs``.

Found → loaded → validated, before anything runs: third-party codes must be PL9xx and unique,
a rule's ``OPTIONS`` must be a valid schema, and the configuration's ``rule-options`` must match
it (``configure``). This is the only module that imports the ``rules`` package.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from policylint.errors import ConfigError, PluginError
from policylint.rule import Check, RuleMeta

if TYPE_CHECKING:
    from policylint.config import Config

_CODE = re.compile(r"^PL\d{3}$")
_PLUGIN_CODE = re.compile(r"^PL9\d{2}$")


@dataclass(frozen=True)
class LoadedRule:
    meta: RuleMeta
    check: Check
    doc: str
    origin: str  # "built-in", "entry point NAME", or a file path
    # the module's OPTIONS: option name -> JSON Schema of its value ("default" optional)
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    # this run's values of those options (``configure``): the defaults until configured
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)


def _from_module(mod: ModuleType, origin: str) -> LoadedRule:
    meta = getattr(mod, "META", None)
    check = getattr(mod, "check", None)
    if not isinstance(meta, RuleMeta) or not callable(check):
        raise PluginError(f"{origin}: a rule module needs META = RuleMeta(...) and check()")
    options = _options_of(mod, origin)
    defaults = {k: v["default"] for k, v in options.items() if "default" in v}
    return LoadedRule(meta, check, _cleandoc(mod.__doc__ or ""), origin, options, defaults)


def _options_of(mod: ModuleType, origin: str) -> dict[str, Mapping[str, Any]]:
    """The module's ``OPTIONS`` ({} without), checked: option names → valid JSON Schemas whose
    defaults satisfy them. jsonschema is imported only for a rule that has options."""
    options = getattr(mod, "OPTIONS", None)
    if options is None:
        return {}
    if not isinstance(options, Mapping) or not all(
            isinstance(k, str) and k and isinstance(v, Mapping) for k, v in options.items()):
        raise PluginError(f"{origin}: OPTIONS must map option names to JSON Schemas")
    import jsonschema

    for name, schema in options.items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise PluginError(f"{origin}: OPTIONS['{name}'] is not a valid JSON Schema: "
                              f"{exc.message}") from None
        if "default" in schema:
            problem = next(jsonschema.Draft202012Validator(schema).iter_errors(schema["default"]),
                           None)
            if problem is not None:
                raise PluginError(f"{origin}: OPTIONS['{name}'] default does not match its "
                                  f"schema: {problem.message}")
    return dict(options)


def builtin_rules() -> list[LoadedRule]:
    registry = _registry()
    return [_from_module(importlib.import_module(f"policylint.rules.{name}"), "built-in")
            for name in registry.BUILTIN]


def _registry() -> ModuleType:
    """``policylint.rules``: the ``rules/`` folder, installed under that name. In a source checkout
    whose own ``policylint/`` is imported (``python -m policylint`` run there after a plain
    ``pip install .``: the working directory comes first on ``sys.path`` and shadows the installed
    package, whose ``rules`` the checkout lacks), the checkout's ``rules/`` beside ``policylint/``
    stands for it. Only that folder joins the import path, and only then: ``policylint``'s own
    search path stays its folder (a run reads nothing else of the checkout)."""
    try:
        return importlib.import_module("policylint.rules")
    except ModuleNotFoundError as exc:
        if exc.name != "policylint.rules":
            raise
        folder = _checkout_rules()
        if folder is None:
            raise
    spec = importlib.util.spec_from_file_location(
        "policylint.rules", os.path.join(folder, "__init__.py"),
        submodule_search_locations=[folder])
    if spec is None or spec.loader is None:  # pragma: no cover - a file location always has one
        raise ModuleNotFoundError("policylint.rules", name="policylint.rules")
    module = importlib.util.module_from_spec(spec)
    sys.modules["policylint.rules"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["policylint.rules"]
        raise
    import policylint

    policylint.rules = module  # type: ignore[attr-defined]  # as the import system binds it
    return module


def _checkout_rules() -> str | None:
    """The checkout's ``rules/`` folder when ``policylint`` is imported from a source checkout
    (its ``pyproject.toml`` installs ``rules`` as ``policylint.rules``), else None."""
    import policylint

    root = os.path.dirname(os.path.dirname(os.path.abspath(policylint.__file__)))
    folder = os.path.join(root, "rules")
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        return None
    try:
        with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as fh:
            mapped = re.search(r'"policylint\.rules"\s*=\s*"rules"', fh.read()) is not None
    except (OSError, UnicodeDecodeError):
        return None
    return folder if mapped else None


def _cleandoc(doc: str) -> str:
    """``inspect.cleandoc`` without importing ``inspect`` (5 ms on the pre-commit path)."""
    lines = doc.expandtabs().split("\n")
    indents = [len(ln) - len(ln.lstrip()) for ln in lines[1:] if ln.strip()]
    margin = min(indents) if indents else 0
    body = [lines[0].lstrip()] + [ln[margin:] for ln in lines[1:]]
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    return "\n".join(body)


def _may_have_entry_points(group: str = "policylint.rules") -> bool:
    """Whether any installed distribution declares ``group``: a look at each ``entry_points.txt``
    on ``sys.path`` (about 1 ms) instead of importing importlib.metadata (about 15 ms with
    ``email``) on every run. Anything unusual on the path (a zip, an unreadable folder) answers
    yes, so the real lookup decides."""
    marker = f"[{group}]".encode()
    for entry in sys.path:
        folder = entry or "."
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                return True  # a zip or egg: let importlib.metadata look inside
            continue
        try:
            with os.scandir(folder) as it:
                metas = [e.path for e in it if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            return True
        for meta in metas:
            try:
                with open(os.path.join(meta, "entry_points.txt"), "rb") as fh:
                    if marker in fh.read():
                        return True
            except OSError:
                continue
    return False


def _entry_point_rules() -> list[LoadedRule]:
    if not _may_have_entry_points():
        return []
    from importlib.metadata import entry_points

    out: list[LoadedRule] = []
    for ep in sorted(entry_points(group="policylint.rules"), key=lambda e: e.name):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin is the plugin's fault: name it
            raise PluginError(f"plugin '{ep.name}' failed to load: "
                              f"{type(exc).__name__}: {exc}") from None
        if isinstance(obj, ModuleType):
            out.append(_from_module(obj, f"entry point {ep.name}"))
        else:
            raise PluginError(f"plugin '{ep.name}' must point at a rule module")
    return out


def _dir_rules(dirs: Iterable[str]) -> list[LoadedRule]:
    out: list[LoadedRule] = []
    for d in dirs:
        if not os.path.isdir(d):
            raise PluginError(f"rules-dirs: '{d}' is not a folder")
        for name in sorted(os.listdir(d)):
            if not name.endswith(".py") or name.startswith("_"):
                continue
            path = os.path.join(d, name)
            modname = f"policylint_local_rules.{name[:-3]}"
            spec = importlib.util.spec_from_file_location(modname, path)
            if spec is None or spec.loader is None:
                continue
            mod = importlib.util.module_from_spec(spec)
            sys.modules[modname] = mod
            try:
                spec.loader.exec_module(mod)
            except Exception as exc:
                raise PluginError(f"rule file {path} failed to load: "
                                  f"{type(exc).__name__}: {exc}") from None
            out.append(_from_module(mod, path))
    return out


def load_rules(rules_dirs: Iterable[str] = (), *, entry_points: bool = True) -> list[LoadedRule]:
    rules = builtin_rules()
    extra = (_entry_point_rules() if entry_points else []) + _dir_rules(rules_dirs)
    codes = {r.meta.code for r in rules}
    names = {r.meta.name for r in rules}
    for r in extra:
        if not _CODE.match(r.meta.code) or not _PLUGIN_CODE.match(r.meta.code):
            raise PluginError(f"{r.origin}: rule code {r.meta.code} is not in the plugin range "
                              "PL900-PL999")
        if r.meta.code in codes or r.meta.name in names:
            raise PluginError(f"{r.origin}: rule {r.meta.code} ({r.meta.name}) is already "
                              "defined")
        codes.add(r.meta.code)
        names.add(r.meta.name)
        rules.append(r)
    return sorted(rules, key=lambda r: r.meta.code)


def for_config(config: Config, *, entry_points: bool = True) -> list[LoadedRule]:
    """The rules a run with this configuration uses: loaded (``rules-dirs`` included) and
    configured with its ``rule-options``."""
    rules = load_rules(config.rules_dirs, entry_points=entry_points)
    return configure(rules, config.rule_options, config.source)


def configure(rules: list[LoadedRule], raw: Mapping[str, Any], source: str) -> list[LoadedRule]:
    """The rules with their ``settings`` from ``rule-options`` (keyed by rule code or name):
    every key and value validated against the rule's ``OPTIONS``, defaults filled in. A problem
    is a ConfigError naming the key (``rule-options.PL901.prefix``), like any other config key."""
    if not raw:
        return rules
    import jsonschema

    resolve = resolver(rules)
    given: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for key, values in raw.items():
        code = resolve.get(str(key).upper()) or resolve.get(str(key).lower())
        if code is None:
            raise ConfigError(source, f"rule-options.{key}", f"unknown rule '{key}'")
        if code in given:
            raise ConfigError(source, f"rule-options.{key}",
                              f"rule {code} is configured twice (as '{given[code][0]}' too)")
        given[code] = (str(key), values)
    out = []
    for r in rules:
        if r.meta.code not in given:
            out.append(r)
            continue
        key, values = given[r.meta.code]
        settings = dict(r.settings)
        for name, value in values.items():
            where = f"rule-options.{key}.{name}"
            if name not in r.options:
                known = ", ".join(sorted(r.options)) or "none"
                raise ConfigError(source, where, f"unknown option of {r.meta.code} "
                                                 f"(its options: {known})")
            problem = next(jsonschema.Draft202012Validator(r.options[name]).iter_errors(value),
                           None)
            if problem is not None:
                sub = "".join(f".{p}" for p in problem.absolute_path)
                raise ConfigError(source, where + sub, problem.message)
            settings[name] = value
        out.append(replace(r, settings=settings))
    return out


def resolver(rules: Iterable[LoadedRule]) -> dict[str, str]:
    """Code or name (either case) → code."""
    out: dict[str, str] = {}
    for r in rules:
        out[r.meta.code.upper()] = r.meta.code
        out[r.meta.name.lower()] = r.meta.code
    return out
