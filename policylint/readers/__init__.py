"""The reader registry: which module reads which kind of file, and the types readers share.

A reader module exposes ``read(unit: Unit, ctx: Context) -> Facts``. It turns the files of one
unit into facts and knows no rule. The engine imports readers only through ``READERS``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable, Protocol

from policylint import discover

# kind -> module. A Terraform unit is a module directory; every other unit is one file.
READERS: dict[str, str] = {
    discover.CORS: "policylint.readers.cors",
    discover.TERRAFORM: "policylint.readers.terraform",
    discover.TERRAGRUNT: "policylint.readers.terraform.terragrunt",
    discover.PLAN: "policylint.readers.tfplan",
    discover.CLOUDFORMATION: "policylint.readers.cloudformation",
    discover.ASL: "policylint.readers.asl",
    discover.REQUEST: "policylint.readers.requests",
    discover.MANIFEST: "policylint.readers.manifests",
    discover.TEMPLATE: "policylint.readers.templates",
    discover.MTURK: "policylint.readers.templates",
    discover.SCRIPT: "policylint.readers.scripts",
    discover.PYTHON: "policylint.readers.python",
    discover.JAVASCRIPT: "policylint.readers.javascript",
}
DIRECTORY_UNITS = frozenset({discover.TERRAFORM})


@dataclass(frozen=True)
class Source:
    path: str  # display path (relative to the working directory when below it, POSIX)
    abspath: str
    data: bytes
    kind: str
    size: int = 0


@dataclass(frozen=True)
class Unit:
    kind: str
    key: str  # the display path of the folder (Terraform) or file
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class ReadOptions:
    """The parts of the configuration readers need (never rule options)."""

    tag_key: str = "policylint:labeling-input"
    tag_value: str | None = None  # None: any value but "false"
    max_file_size: int = 50 * 1024 * 1024


class Context(Protocol):
    root: str
    options: ReadOptions

    def display(self, abspath: str) -> str: ...

    def load(self, abspath: str) -> bytes | None:
        """Another file's bytes (file(), DefinitionUri, a child module), or None when it is
        missing, too large, or outside the scanned tree."""
        ...

    def listdir(self, abspath: str) -> list[str] | None: ...


_cache: dict[str, ModuleType | None] = {}


def reader_for(kind: str) -> Callable[..., object] | None:
    """The ``read`` function for ``kind``, imported on first use; None when not available."""
    modname = READERS.get(kind)
    if modname is None:
        return None
    if modname not in _cache:
        try:
            _cache[modname] = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name and modname.startswith(exc.name):
                _cache[modname] = None  # reader not shipped in this build
            else:
                raise
    mod = _cache[modname]
    return getattr(mod, "read", None) if mod is not None else None


@dataclass
class LocalContext:
    """A Context over the real file system, confined to ``root``."""

    root: str
    options: ReadOptions = field(default_factory=ReadOptions)
    display_fn: Callable[[str], str] = str
    loaded: list[str] = field(default_factory=list)
    # abspath -> bytes served instead of the disk (--fix verification of edited files)
    overlay: dict[str, bytes] | None = None

    def display(self, abspath: str) -> str:
        return self.display_fn(abspath)

    def _inside(self, abspath: str) -> str | None:
        import os

        if "\x00" in abspath:  # no file has such a name (and the OS calls refuse it)
            return None
        real = os.path.realpath(abspath)
        root = os.path.realpath(self.root)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return real
        return None

    def load(self, abspath: str) -> bytes | None:
        import os

        real = self._inside(abspath)
        if real is None:
            return None
        if self.overlay is not None and os.path.abspath(abspath) in self.overlay:
            self.loaded.append(abspath)
            return self.overlay[os.path.abspath(abspath)]
        try:
            if not os.path.isfile(real) or os.path.getsize(real) > self.options.max_file_size:
                return None
            with open(real, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        self.loaded.append(abspath)
        return data

    def listdir(self, abspath: str) -> list[str] | None:
        import os

        real = self._inside(abspath)
        if real is None:
            return None
        try:
            # the cache's own folder is never input: listing it would make a listing of the
            # root (a missing file:// document looked for there) change after the first run
            return sorted(n for n in os.listdir(real) if n != ".policylint_cache")
        except OSError:
            return None
