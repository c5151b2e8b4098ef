"""A content-hash cache of reader facts in ``.policylint_cache/`` at the scan root.

Why: reading (parsing) is nearly all of a run's cost, and it is a pure function of the unit's
bytes, the files its reader loaded through the context, the reading options and the code that
reads. A warm run (pre-commit, the second push) only hashes files and unpickles facts.

Safety, in the order it matters:
- A hit needs the same content hash of every file of the unit AND of every file (or folder
  listing) the reader looked at through the context, the same policylint code (version and the
  stat signature of the package sources, so an edited reader invalidates its entries), the same
  model schema (dataclass fields, enum members) and the same reading options.
- The pack is loaded with an unpickler that only builds policylint dataclasses and enums, so a
  planted cache file cannot run code. Anything unreadable (truncated, foreign, old schema) is
  ignored and rebuilt; the run never fails because of the cache.
- Writes are atomic (temporary file + ``os.replace``); an unwritable folder means no cache.
- The folder carries its own ``.gitignore`` (``*``) and a ``CACHEDIR.TAG``.
"""
from __future__ import annotations

import enum
import hashlib
import io
import os
import pickle
import sys
import time
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Iterable

from policylint import __version__
from policylint.model import Facts
from policylint.readers import LocalContext

CACHE_DIR = ".policylint_cache"
PACK_NAME = "facts.pickle"
MAGIC = b"policylint-facts-cache 1\n"
# Files above this size (only streamed manifests get there) are keyed by their stat signature
# (size, mtime, ctime, inode): hashing a 1 GB manifest would cost more than the cache saves.
LARGE_FILE = 32 * 1024 * 1024
MAX_AGE = 30 * 24 * 3600  # entries unused for 30 days are dropped on save
REFRESH = 24 * 3600  # a hit older than this refreshes its "last used" time
MAX_ENTRIES = 200_000
PROTOCOL = 5
_CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                 "# This file marks policylint's cache; backup tools may skip the folder.\n")

# (operation, absolute path, digest of what the context returned): "load" or "list"
Dep = tuple[str, str, str]
MISSING = "-"


def digest_bytes(data: bytes | None) -> str:
    if data is None:
        return MISSING
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def file_digest(path: str, size: int) -> str | None:
    """Content hash of a file (streamed), its stat signature when very large, None when it
    cannot be read (the unit is then not cached)."""
    try:
        if size > LARGE_FILE:
            st = os.stat(path)
            return f"stat:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}:{st.st_dev}"
        h = hashlib.blake2b(digest_size=20)
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
        return h.hexdigest()
    except OSError:
        return None


# --- what invalidates everything ----------------------------------------------------------

def model_schema() -> str:
    """A digest of the model's shape: every dataclass's fields and every enum's members. A
    field added to ``Bucket`` changes it, so old pickles are never read into new classes."""
    from policylint import model

    parts: list[str] = []
    for name in sorted(vars(model)):
        obj = getattr(model, name)
        if not isinstance(obj, type) or obj.__module__ != model.__name__:
            continue
        if is_dataclass(obj):
            parts.append(name + "(" + ",".join(f"{f.name}:{f.type}" for f in fields(obj)) + ")")
        elif issubclass(obj, enum.Enum):
            parts.append(name + "{" + ",".join(f"{m.name}={m.value}" for m in obj) + "}")
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def code_stamp() -> str:
    """policylint's version plus the stat signature of its sources: a release bump or an edited
    reader (editable installs) invalidates the cache without anyone remembering to."""
    import policylint

    base = os.path.dirname(os.path.abspath(policylint.__file__))
    sig: list[str] = [__version__, sys.version.split()[0]]
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for n in sorted(names):
            if n.endswith(".py"):
                p = os.path.join(folder, n)
                try:
                    st = os.stat(p)
                except OSError:
                    continue
                sig.append(f"{os.path.relpath(p, base)}:{st.st_size}:{st.st_mtime_ns}")
    sig += _parser_stamps()
    return hashlib.blake2b("\n".join(sig).encode(), digest_size=16).hexdigest()


# The parsers whose upgrade can change facts (a new grammar parses differently).
PARSER_PACKAGES = ("tree_sitter", "tree_sitter_hcl", "yaml")


def _parser_stamps() -> list[str]:
    """The stat signature of each parser package's files, found without importing it (a
    one-file CORS run must not pay for tree-sitter)."""
    import importlib.util

    out: list[str] = []
    for name in PARSER_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        places = list(getattr(spec, "submodule_search_locations", None) or [])
        if not places and spec is not None and spec.origin:
            places = [os.path.dirname(spec.origin)]
        for folder in places[:1]:
            try:
                with os.scandir(folder) as it:
                    for e in sorted(it, key=lambda e: e.name):
                        if e.is_file():
                            st = e.stat()
                            out.append(f"{name}/{e.name}:{st.st_size}:{st.st_mtime_ns}")
            except OSError:
                out.append(f"{name}:unreadable")
        if not places:
            out.append(f"{name}:absent")
    return out


# --- safe (de)serialisation -----------------------------------------------------------------

# Facts hold only values of these packages' classes (the model, and each reader's own value
# types such as ``readers.terraform.values.UnknownRef``): a new reader's types are allowed by
# living there, without anyone editing a list.
ALLOWED_PACKAGES = ("policylint.model", "policylint.readers")


def allowed_module(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in ALLOWED_PACKAGES)


def allowed_type(obj: object, module: str) -> bool:
    """A dataclass or enum defined in ``module`` itself (not one it merely imported)."""
    return (isinstance(obj, type) and getattr(obj, "__module__", None) == module
            and (is_dataclass(obj) or issubclass(obj, enum.Enum)))


def _own_module(module: str) -> object | None:
    """``module`` imported if it is one of policylint's allowed modules. A warm run may meet a
    reader's value type before that reader was imported (the cache is what spares the import):
    refusing it there re-read the unit on every warm run (issue 17)."""
    mod = sys.modules.get(module)
    if mod is not None or not allowed_module(module):
        return mod
    import importlib

    try:
        return importlib.import_module(module)
    except Exception:  # a name no module answers to (foreign or planted pack): refused
        return None


class _SafeUnpickler(pickle.Unpickler):
    """Builds only dataclasses and enums of policylint's model and readers (and plain
    containers, which need no lookup): a planted pack cannot name ``os.system``."""

    def find_class(self, module: str, name: str) -> type:
        got = _ALLOWED.get((module, name))  # a warm run asks ~10 times per unit: decide once
        if got is not None:
            return got
        mod = _own_module(module) if allowed_module(module) else None
        obj = getattr(mod, name, None) if mod is not None else None
        if allowed_type(obj, module):
            _ALLOWED[(module, name)] = obj  # type: ignore[assignment]
            return obj  # type: ignore[return-value]
        raise pickle.UnpicklingError(f"cache refuses {module}.{name}")


# (module, name) -> class already judged allowed in this process (refusals are not kept: they
# raise each time, and a refused name is never allowed later)
_ALLOWED: dict[tuple[str, str], type] = {}


def safe_loads(data: bytes) -> object:
    return _SafeUnpickler(io.BytesIO(data)).load()


def dump_facts(facts: Facts) -> bytes:
    return pickle.dumps(facts, protocol=PROTOCOL)


def load_facts(data: bytes) -> Facts | None:
    """Facts from an entry, or None when the entry is unreadable for any reason."""
    try:
        got = safe_loads(data)
    except Exception:  # corrupt, truncated or foreign: a miss, never a crash
        return None
    return got if isinstance(got, Facts) else None


# --- recording what a reader looked at --------------------------------------------------------

@dataclass
class RecordingContext(LocalContext):
    """A LocalContext that remembers every load and listing, hits and misses alike: a file
    that was missing and appears later must invalidate the unit too."""

    deps: list[Dep] = field(default_factory=list)

    def load(self, abspath: str) -> bytes | None:
        data = super().load(abspath)
        self.deps.append(("load", abspath, digest_bytes(data)))
        return data

    def listdir(self, abspath: str) -> list[str] | None:
        names = super().listdir(abspath)
        listing = None if names is None else "\x00".join(names).encode("utf-8", "surrogateescape")
        self.deps.append(("list", abspath, digest_bytes(listing)))
        return names


def deps_hold(deps: Iterable[Dep], ctx: LocalContext) -> bool:
    """Whether every recorded dependency still reads the same through ``ctx``."""
    seen: set[tuple[str, str]] = set()
    for op, path, want in deps:
        if (op, path) in seen:
            continue
        seen.add((op, path))
        if op == "load":
            got = digest_bytes(LocalContext.load(ctx, path))
        elif op == "list":
            names = LocalContext.listdir(ctx, path)
            got = digest_bytes(None if names is None else
                               "\x00".join(names).encode("utf-8", "surrogateescape"))
        else:
            return False
        if got != want:
            return False
    return True


# --- the pack ---------------------------------------------------------------------------------

@dataclass
class Entry:
    facts: bytes
    deps: tuple[Dep, ...]
    used: float


def _entry_from(raw: object) -> Entry | None:
    if not (isinstance(raw, tuple) and len(raw) == 3):
        return None
    facts, deps, used = raw
    if not isinstance(facts, bytes) or not isinstance(deps, tuple) or not isinstance(used, float):
        return None
    return Entry(facts, deps, used)


class FactsCache:
    """The entries of one scan root. ``salt`` holds everything run-wide that affects reading
    (code stamp, schema, reading options, root, working directory)."""

    def __init__(self, root: str, salt: str) -> None:
        self.folder = os.path.join(root, CACHE_DIR)
        self.path = os.path.join(self.folder, PACK_NAME)
        self.salt = salt
        self.entries: dict[str, Entry] = {}
        self.dirty = False
        self.hits = 0
        self.misses = 0
        self.now = time.time()

    # loading
    def _linked(self) -> bool:
        """A planted ``.policylint_cache`` (or pack) symlink would make the cache read and write
        outside the scanned tree (or over the repository's own .gitignore): no cache then."""
        return os.path.islink(self.folder) or os.path.islink(self.path)

    def load(self) -> None:
        if self._linked():
            return
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except OSError:
            return
        self.entries = self._parse(data)

    def _parse(self, data: bytes) -> dict[str, Entry]:
        header = MAGIC + self.schema_line()
        if not data.startswith(header):
            self.dirty = True  # other version or corrupt: rebuilt on save
            return {}
        try:
            raw = safe_loads(data[len(header):])
        except Exception:  # corrupt pack: start afresh
            self.dirty = True
            return {}
        if not isinstance(raw, dict):
            self.dirty = True
            return {}
        out: dict[str, Entry] = {}
        for k, v in raw.items():
            e = _entry_from(v)
            if isinstance(k, str) and e is not None:
                out[k] = e
        return out

    @staticmethod
    def schema_line() -> bytes:
        return f"schema {model_schema()} python {sys.version_info[0]}.{sys.version_info[1]}\n".encode()

    # keys
    def unit_key(self, kind: str, key: str, files: Iterable[tuple[str, int]]) -> str | None:
        """The key of a unit from its kind, key and (absolute path, size) of each file; None
        when a file cannot be hashed (then the unit is simply read)."""
        h = hashlib.blake2b(digest_size=20)
        for part in (self.salt, kind, key):
            h.update(part.encode("utf-8", "surrogateescape") + b"\x00")
        for abspath, size in files:
            d = file_digest(abspath, size)
            if d is None:
                return None
            line = f"{abspath}\x00{size}\x00{d}\x00"
            h.update(line.encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    # lookups
    def get(self, key: str, ctx: LocalContext) -> tuple[Facts, bytes] | None:
        entry = self.entries.get(key)
        if entry is None or not deps_hold(entry.deps, ctx):
            self.misses += 1
            return None
        facts = load_facts(entry.facts)
        if facts is None:
            del self.entries[key]
            self.dirty = True
            self.misses += 1
            return None
        if self.now - entry.used > REFRESH:
            entry.used = self.now
            self.dirty = True
        self.hits += 1
        return facts, entry.facts

    def put(self, key: str, facts: bytes, deps: Iterable[Dep]) -> None:
        self.entries[key] = Entry(facts, tuple(deps), self.now)
        self.dirty = True

    # saving
    def save(self) -> bool:
        """Write the pack atomically; False (and nothing raised) when the folder is not
        writable."""
        if not self.dirty:
            return True
        if self._linked():
            return False
        keep = {k: (e.facts, e.deps, e.used) for k, e in self.entries.items()
                if self.now - e.used <= MAX_AGE}
        if len(keep) > MAX_ENTRIES:
            newest = sorted(keep.items(), key=lambda kv: kv[1][2], reverse=True)[:MAX_ENTRIES]
            keep = dict(newest)
        try:
            self._prepare_folder()
            payload = MAGIC + self.schema_line() + pickle.dumps(keep, protocol=PROTOCOL)
            _atomic_write(self.path, payload)
        except (OSError, pickle.PicklingError):
            return False
        self.dirty = False
        return True

    def _prepare_folder(self) -> None:
        if not os.path.isdir(self.folder):
            parent = os.path.dirname(self.folder)
            if not os.stat(parent).st_mode & 0o222:
                # marked read-only (a shared corpus, a mounted checkout): root could write
                # anyway, but nobody asked for a cache there
                raise PermissionError(f"{parent} is read-only")
            os.makedirs(self.folder, exist_ok=True)
        for name, text in ((".gitignore", "# created by policylint: ignore everything here\n*\n"),
                           ("CACHEDIR.TAG", _CACHEDIR_TAG)):
            p = os.path.join(self.folder, name)
            if not os.path.exists(p):
                _atomic_write(p, text.encode())


def _atomic_write(path: str, data: bytes) -> None:
    import tempfile  # only when writing: it imports random and shutil

    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def open_cache(root: str, salt_parts: Iterable[str]) -> FactsCache:
    """The cache of ``root``, loaded; run-wide key parts are mixed with the code stamp."""
    salt = "\x00".join([code_stamp(), model_schema(), *salt_parts])
    cache = FactsCache(root, hashlib.blake2b(salt.encode("utf-8", "surrogateescape"),
                                             digest_size=16).hexdigest())
    cache.load()
    return cache
