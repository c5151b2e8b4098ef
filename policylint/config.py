"""Find, load and validate ``.policylint.yaml`` or ``[tool.policylint]`` in ``pyproject.toml``.

Looked up from the scanned path upwards to its repository's root (discover.analysis_root), or given with --config.
Unknown keys and bad values are errors (exit 2) naming the key and the reason.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from policylint.errors import ConfigError

if TYPE_CHECKING:
    from policylint.suppress import ConfigSuppression

CONFIG_NAMES = (".policylint.yaml", ".policylint.yml")

_CODES = {"type": "array", "items": {"type": "string", "minLength": 1}}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": _CODES,
        "ignore": _CODES,
        "exclude": {"type": "array", "items": {"type": "string"}},
        "fail-on": {"enum": ["error", "warning", "note"]},
        "severity": {"type": "object",
                     "additionalProperties": {"enum": ["error", "warning", "note"]}},
        "labeling": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "buckets": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "tag": {"type": "object", "additionalProperties": False,
                        "properties": {"key": {"type": "string", "minLength": 1},
                                       "value": {"type": ["string", "null"]}}},
                "accepted-origins": {"type": "array", "minItems": 1,
                                     "items": {"type": "string", "minLength": 1}},
                "strict-ground-truth": {"type": "boolean"},
            },
        },
        "cors-files": {"type": "object",
                       "additionalProperties": {"type": "string", "minLength": 3}},
        "suppress": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rule", "reason"],
                "properties": {
                    "rule": {"type": "string"},
                    "path": {"type": "string"},
                    "subject": {"type": "string"},
                    "bucket": {"type": "string"},
                    "reason": {"type": "string", "minLength": 1},
                    "expires": {"type": "string",
                                "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                },
            },
        },
        "rules-dirs": {"type": "array", "items": {"type": "string"}},
        # rule code or name -> that rule's options; checked against the rule's OPTIONS once the
        # rules are loaded (plugins.configure), since rules-dirs may define the rule
        "rule-options": {"type": "object", "additionalProperties": {"type": "object"}},
        "aws": {"type": "object", "additionalProperties": False,
                "properties": {"profile": {"type": "string", "minLength": 1},
                               "region": {"type": "string", "minLength": 1},
                               "role-arn": {"type": "string", "pattern": "^arn:"}}},
        "max-file-size": {"type": "integer", "minimum": 1},
    },
}


@dataclass
class Config:
    source: str = ""  # the file it came from ("" = defaults)
    base_dir: str = "."  # paths in the config are relative to this folder
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    fail_on: str | None = None
    severity: dict[str, str] = field(default_factory=dict)
    labeling_buckets: list[tuple[str, int]] = field(default_factory=list)  # (glob, line)
    tag_key: str = "policylint:labeling-input"
    tag_value: str | None = None
    accepted_origins: list[str] = field(default_factory=lambda: ["*"])
    strict_ground_truth: bool = False
    cors_files: list[tuple[str, str, int]] = field(default_factory=list)  # (path, bucket, line)
    suppress: list[dict[str, Any]] = field(default_factory=list)
    rules_dirs: list[str] = field(default_factory=list)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # as written
    max_file_size: int = 50 * 1024 * 1024
    # aws: profile / region / role-arn for --aws and aws-audit (used only when asked for)
    aws: dict[str, str] = field(default_factory=dict)


def find_config(start: str, stop: str) -> str | None:
    """The nearest config from ``start`` upwards, not above ``stop`` (the repository root)."""
    d = os.path.abspath(start)
    stop = os.path.abspath(stop)
    while True:
        for name in CONFIG_NAMES:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                return p
        pp = os.path.join(d, "pyproject.toml")
        if os.path.isfile(pp) and _pyproject_has_section(pp):
            return pp
        if d == stop or os.path.dirname(d) == d or not (d + os.sep).startswith(stop + os.sep):
            return None
        d = os.path.dirname(d)


def _pyproject_has_section(path: str) -> bool:
    """Whether ``pyproject.toml`` configures policylint: ``[tool.policylint]`` and its
    sub-tables, or dotted keys (``policylint.labeling.buckets = [...]`` under ``[tool]``). A file
    that does not parse but names the section is taken, so that loading it reports the error."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return False
    if "policylint" not in text:
        return False
    try:
        return "policylint" in _toml_tool(text)
    except ValueError:
        # [tool.policylint], [tool.policylint.x], or an array of tables [[tool.policylint.x]]
        return re.search(r"(?m)^\s*\[\[?\s*tool\.policylint[\].]", text) is not None


def _toml_tool(text: str) -> dict[str, Any]:
    """The ``[tool]`` table of a pyproject text. Raises ValueError when it is not valid TOML."""
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        tool = tomllib.loads(text).get("tool", {})
    except RecursionError:  # tomllib recurses per nesting level
        raise ValueError("nested too deeply") from None
    return tool if isinstance(tool, dict) else {}


def load_config(path: str) -> Config:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(path, "", "not valid UTF-8") from None
    if os.path.basename(path) == "pyproject.toml":
        data = _load_toml(path, text)
    else:
        data = _load_yaml(path, text)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(path, "", "the configuration must be a mapping of keys to values")
    validate(data, path)
    return _build(data, path, text)


def _load_yaml(path: str, text: str) -> Any:
    """The config as a positioned tree (so findings about config entries point at their line);
    duplicate keys are an error rather than "the last one wins"."""
    from policylint import yamlpos

    try:
        return yamlpos.load(text)
    except yamlpos.YAMLPosError as exc:
        message = exc.message if exc.message.startswith("invalid YAML") else (
            f"invalid YAML: {exc.message}")
        raise ConfigError(path, "", f"{message} (line {exc.line}, column {exc.column})") from None


def _load_toml(path: str, text: str) -> Any:
    try:
        tool = _toml_tool(text)
    except ValueError as exc:  # tomllib.TOMLDecodeError is a ValueError
        raise ConfigError(path, "", f"invalid TOML: {exc}") from None
    return tool.get("policylint", {})


def validate(data: dict[str, Any], source: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    e = errors[0]
    key = ".".join(str(p) for p in e.absolute_path)
    if e.validator == "additionalProperties":
        extra = sorted(set((e.instance or {})) - set(e.schema.get("properties", {})))
        known = ", ".join(sorted(e.schema.get("properties", {})))
        where = f"{key}." if key else ""
        raise ConfigError(source, f"{where}{extra[0]}" if extra else key,
                          f"unknown key (known keys: {known})")
    if e.validator == "required":
        raise ConfigError(source, key, e.message)
    raise ConfigError(source, key or "(top level)", e.message)


def _line_of(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 1


def _item_lines(data: Any, text: str) -> list[tuple[str, int]]:
    """Each item of a list with its line: from the YAML positions, else found in the text."""
    ipos = getattr(data, "ipos", None)
    if ipos is not None and len(ipos) == len(data):
        return [(item, p.line) for item, p in zip(data, ipos)]
    return [(item, _line_of(text, item)) for item in data]


def _key_lines(data: Any, text: str) -> list[tuple[str, Any, int]]:
    """Each entry of a mapping with the line of its key."""
    kpos = getattr(data, "kpos", None)
    return [(k, v, kpos[k].line if kpos and k in kpos else _line_of(text, k))
            for k, v in data.items()]


def _build(data: dict[str, Any], path: str, text: str) -> Config:
    c = Config(source=path, base_dir=os.path.dirname(os.path.abspath(path)))
    c.select = list(data.get("select", []))
    c.ignore = list(data.get("ignore", []))
    c.exclude = list(data.get("exclude", []))
    c.fail_on = data.get("fail-on")
    c.severity = dict(data.get("severity", {}))
    lab = data.get("labeling", {}) or {}
    c.labeling_buckets = _item_lines(lab.get("buckets", []), text)
    tag = lab.get("tag", {}) or {}
    c.tag_key = tag.get("key", c.tag_key)
    c.tag_value = tag.get("value", c.tag_value)
    c.accepted_origins = list(lab.get("accepted-origins", c.accepted_origins))
    c.strict_ground_truth = bool(lab.get("strict-ground-truth", False))
    c.cors_files = _key_lines(data.get("cors-files") or {}, text)
    for doc, _bucket, _line in c.cors_files:  # a typo would silently leave a bucket unchecked
        if not os.path.isfile(os.path.join(c.base_dir, doc)):
            raise ConfigError(path, f"cors-files.{doc}",
                              "no such file (paths are relative to the configuration's folder)")
    c.suppress = list(data.get("suppress", []))
    c.rules_dirs = [os.path.join(c.base_dir, d) for d in data.get("rules-dirs", [])]
    c.rule_options = {str(k): _plain(v) for k, v in (data.get("rule-options") or {}).items()}
    c.max_file_size = int(data.get("max-file-size", c.max_file_size))
    c.aws = {str(k): str(v) for k, v in (data.get("aws") or {}).items()}
    return c


def _plain(value: Any) -> Any:
    """A configuration value as plain dicts and lists (not the positioned YAML tree): what a rule
    gets in ``options.settings``."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def suppressions(config: Config, resolve: dict[str, str], cwd: str) -> list[ConfigSuppression]:
    """The config's ``suppress`` entries with their rules resolved and their source lines."""
    from policylint import suppress
    from policylint.paths import display_path

    out = []
    source = display_path(config.source, cwd) if config.source else ""
    lines = suppress.entry_lines(config.source, config.suppress) if config.suppress else []
    for i, s in enumerate(config.suppress):
        code = resolve.get(s["rule"].upper()) or resolve.get(s["rule"].lower())
        if code is None:
            raise ConfigError(config.source, f"suppress.{i}.rule", f"unknown rule '{s['rule']}'")
        out.append(suppress.ConfigSuppression(code, s["reason"], s.get("path"), s.get("subject"),
                                              s.get("bucket"), s.get("expires"), source, i,
                                              lines[i]))
    return out
