"""Typed exceptions. Each maps to an exit code in the CLI."""
from __future__ import annotations


class PolicylintError(Exception):
    """Base class: a problem the user can act on (exit 2)."""

    exit_code = 2


class UsageError(PolicylintError):
    pass


class ConfigError(PolicylintError):
    def __init__(self, source: str, key: str, reason: str) -> None:
        where = f"{source}: " if source else ""
        keypart = f"'{key}': " if key else ""
        super().__init__(f"{where}{keypart}{reason}")
        self.source = source
        self.key = key
        self.reason = reason


class PluginError(PolicylintError):
    pass
