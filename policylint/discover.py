"""Walk the given paths and classify files by name and a cheap content sniff.

Classification never parses: it looks at the name and at markers in the first bytes of a file.
A file that looks like a recognised kind but does not parse becomes PL001 in its reader.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Iterator

from policylint.ignore import Pattern, compile_patterns, is_ignored

SKIP_DIRS = frozenset({".git", ".terraform", ".terragrunt-cache", "node_modules", ".policylint_cache", ".hg", ".svn",
                       "__pycache__", ".venv", ".tox", ".mypy_cache", ".pytest_cache"})
SNIFF_BYTES = 256 * 1024
CDK_OUT = "cdk.out"
MAX_DEPTH = 200  # folder nesting walked below a scanned path

# kinds (the reader registry maps them to modules)
TERRAFORM = "terraform"
PLAN = "terraform-plan"
CLOUDFORMATION = "cloudformation"
CORS = "cors"
ASL = "asl"
REQUEST = "request"
MANIFEST = "manifest"
TEMPLATE = "template"
MTURK = "mturk"
SCRIPT = "script"
PYTHON = "python"
JAVASCRIPT = "javascript"
TERRAGRUNT = "terragrunt"

_CFN_MARK = re.compile(rb"AWSTemplateFormatVersion|[\"']?Type[\"']?\s*:\s*[\"']?(?:AWS|Custom)::")
_CFN_RESOURCES = re.compile(rb"(?m)^\s*[\"']?Resources[\"']?\s*:")
_CFN_RESOURCES_JSON = re.compile(rb"\"Resources\"\s*:\s*\{")  # minified JSON: not at a line start
_PLAN_MARK = re.compile(rb"\"(?:planned_values|terraform_version)\"\s*:")
_CORS_JSON_MARK = re.compile(rb"\"(?:CORSRules|AllowedOrigins|AllowedMethods)\"\s*:")
_ASL_START = re.compile(rb"[\"']?StartAt[\"']?\s*:")
_ASL_STATES = re.compile(rb"[\"']?States[\"']?\s*:")
_REQUEST_MARK = re.compile(
    rb"[\"']?(?:LabelingJobName|HumanLoopName|FlowDefinitionArn)[\"']?\s*:"
)
_REQUEST_BODY = re.compile(rb"[\"']?(?:InputConfig|HumanLoopInput|ManifestS3Uri)[\"']?\s*:")
_PUT_CORS = re.compile(rb"put-bucket-cors")
_MANIFEST_MARK = re.compile(rb"^\s*\{\s*\"(?:source-ref|source)\"|\"source-ref\"\s*:")
_TEMPLATE_MARK = re.compile(rb"crowd-|grant_read_access|s3://|\.s3[.-]|s3\.amazonaws\.com"
                            rb"|s3\.[a-z0-9-]+\.amazonaws\.com", re.I)
_WORKER_MARK = re.compile(rb"<\s*crowd-|grant_read_access")
_XML_CORS = re.compile(rb"<\s*(?:[A-Za-z_][\w.-]*:)?CORSConfiguration\b")  # s3: prefix too
_XML_MTURK = re.compile(rb"<\s*(?:HTMLQuestion|ExternalQuestion)\b")

SCRIPT_NAMES = frozenset({"Makefile", "makefile", "GNUmakefile", "Dockerfile", "Jenkinsfile",
                          ".gitlab-ci.yml", "buildspec.yml", "buildspec.yaml"})
SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".mk", ".ps1")


def classify(name: str, head: bytes) -> str | None:
    """The kind of a file from its base name and its first bytes, or None to skip it."""
    head = _sniffable(head)
    lower = name.lower()
    if lower.endswith((".tf", ".tfvars", ".tf.json", ".tfvars.json")):
        return TERRAFORM
    if name == "terragrunt.hcl":
        return TERRAGRUNT
    if lower.endswith((".asl.json", ".asl.yaml", ".asl.yml")):
        return ASL
    if lower.endswith((".manifest", ".jsonl")):
        return MANIFEST
    if lower.endswith((".html", ".htm", ".liquid")):
        return TEMPLATE if _TEMPLATE_MARK.search(head) else None
    if lower.endswith(".xml"):
        if _XML_CORS.search(head):
            return CORS
        if _XML_MTURK.search(head):
            return MTURK
        return None
    if lower.endswith((".py", ".ipynb")):
        return PYTHON if python_prefilter(head) else None
    if lower.endswith(JS_SUFFIXES) and not lower.endswith(".d.ts"):
        return JAVASCRIPT if any(m in head for m in JS_MARKS) or JS_SDK_MARK.search(head) \
            else None
    if name in SCRIPT_NAMES or lower.endswith(SCRIPT_SUFFIXES):
        return SCRIPT if _PUT_CORS.search(head) else None
    is_json = lower.endswith(".json")
    is_yaml = lower.endswith((".yaml", ".yml"))
    if not (is_json or is_yaml or lower.endswith((".template", ".cfn"))):
        return None
    if is_json and _PLAN_MARK.search(head):
        return PLAN
    if _CFN_MARK.search(head) and (b"AWSTemplateFormatVersion" in head or _CFN_RESOURCES.search(head)
                                   or (is_json and _CFN_RESOURCES_JSON.search(head))):
        return CLOUDFORMATION
    if lower.endswith(".template") and _WORKER_MARK.search(head):
        return TEMPLATE  # a worker template named .template (not CloudFormation)
    if is_json and _CORS_JSON_MARK.search(head):
        return CORS
    if _REQUEST_MARK.search(head) and _REQUEST_BODY.search(head):
        return REQUEST
    if _ASL_START.search(head) and _ASL_STATES.search(head):
        return ASL
    if is_yaml and _PUT_CORS.search(head):
        return SCRIPT
    if is_json and _MANIFEST_MARK.search(head):
        return MANIFEST
    return None


# A Python file or notebook is read only when its text names one of the calls the Python reader
# understands (the single list; policylint.readers.python.calls.PREFILTER is this one): parsing is
# never paid for unrelated code. ``Cors(`` is boto3's ``Bucket(name).Cors()``.
PYTHON_MARKS = (b"create_labeling_job", b"put_bucket_cors", b"BucketCors", b"delete_bucket_cors",
                b"start_human_loop", b"source-ref", b"policylint:", b"HumanLoopConfig",
                b"create_flow_definition", b"create_hit", b"create_bucket", b"Cors(", b"aws_cdk")



# TypeScript/JavaScript: read only when it names the CDK (aws-cdk-lib, @aws-cdk/...) or an AWS
# SDK call the reader understands (v2 putBucketCors, v3 PutBucketCorsCommand, ...): the
# tree-sitter grammars are imported only then.
JS_SUFFIXES = (".ts", ".tsx", ".js", ".mjs", ".cjs")
JS_MARKS = (b"aws-cdk",)
JS_SDK_MARK = re.compile(rb"[pP]utBucketCors|[dD]eleteBucketCors|[cC]reateLabelingJob"
                         rb"|[sS]tartHumanLoop|HumanLoopConfig")


_NAME_DECIDES = (".tf", ".tfvars", ".tf.json", ".tfvars.json", ".asl.json", ".asl.yaml",
                 ".asl.yml", ".manifest", ".jsonl", ".d.ts")
_HEAD_SUFFIXES = (".html", ".htm", ".liquid", ".xml", ".py", ".ipynb", *JS_SUFFIXES,
                  *SCRIPT_SUFFIXES, ".json", ".yaml", ".yml", ".template", ".cfn")


def needs_head(name: str) -> bool:
    """Whether ``classify`` looks at a file's bytes for this name: a ``.tf`` is Terraform and a
    ``.png`` nothing whatever they hold, so the walk opens neither (most of a large tree)."""
    lower = name.lower()
    if lower.endswith(_NAME_DECIDES) or name == "terragrunt.hcl":
        return False
    return name in SCRIPT_NAMES or lower.endswith(_HEAD_SUFFIXES)


def python_prefilter(head: bytes) -> bool:
    for mark in PYTHON_MARKS:  # a plain loop: a generator in any() cost a third more
        if mark in head:
            return True
    return False


def _sniffable(head: bytes) -> bytes:
    """UTF-16/32 text (with a BOM) re-encoded as UTF-8, so that the byte markers above match it:
    otherwise such a file would be skipped silently instead of read (or reported)."""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return head.decode(codec, errors="ignore").encode("utf-8")
    return head


@dataclass
class Found:
    path: str  # absolute, as walked (symlinks not resolved beyond the root check)
    kind: str
    size: int


@dataclass
class WalkProblem:
    path: str
    message: str


@dataclass
class Walk:
    files: list[Found] = field(default_factory=list)
    problems: list[WalkProblem] = field(default_factory=list)
    skipped_large: list[Found] = field(default_factory=list)
    links: set[str] = field(default_factory=set)  # files walked as a symbolic link

    def real_paths(self, names: frozenset[str]) -> set[str]:
        """The real paths of the walked files whose real name is among ``names`` (base names):
        a file that is not itself a link keeps its base name through ``realpath`` (folder links
        change only its folder), so only those and the file links are resolved."""
        return {os.path.realpath(f.path) for f in self.files
                if f.path in self.links or os.path.basename(f.path) in names}


def _read_head(path: str, limit: int = SNIFF_BYTES, size: int | None = None) -> bytes:
    """The first ``limit`` bytes. Given the size from the walk's stat, one ``read`` of exactly
    that much (a 256 KiB buffer per small file cost three times the read itself)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        want = limit if size is None else min(limit, size + 1)  # +1: a file grown since
        head = os.read(fd, want)
        if size is None or len(head) < want or len(head) >= limit:
            return head
        parts = [head]  # it grew past its stat size: read on up to the limit
        while sum(map(len, parts)) < limit:
            more = os.read(fd, limit - sum(map(len, parts)))
            if not more:
                break
            parts.append(more)
        return b"".join(parts)
    finally:
        os.close(fd)


class Walker:
    """Walks folders under ``root`` (never out of it), honouring .gitignore files and
    ``exclude`` patterns (relative to ``root``)."""

    def __init__(self, root: str, exclude: list[str], *, use_gitignore: bool = True) -> None:
        self.root = os.path.realpath(root)
        self.exclude = compile_patterns(exclude)
        self.use_gitignore = use_gitignore
        self.result = Walk()
        self._seen_dirs: set[tuple[int, int]] = set()
        self._tree = self.root  # the folder being walked: links never lead out of it

    def _rel(self, path: str) -> str:
        real = os.path.realpath(path)
        rel = os.path.relpath(real, self.root)
        return rel.replace(os.sep, "/")

    def inside_root(self, path: str, root: str | None = None) -> bool:
        top = root or self.root
        real = os.path.realpath(path)
        return real == top or real.startswith(top.rstrip(os.sep) + os.sep)

    def excluded(self, path: str, is_dir: bool) -> bool:
        if not self.exclude:  # no patterns: skip the realpath (a third of a walk's time)
            return False
        rel = self._rel(path)
        if rel.startswith(".."):
            rel = os.path.abspath(path).lstrip("/")
        return is_ignored(self.exclude, rel, is_dir) is True

    def add_file(self, path: str, *, explicit: bool = False) -> None:
        try:
            st = os.stat(path)
        except OSError as exc:
            self.result.problems.append(WalkProblem(path, f"cannot read: {exc.strerror or exc}"))
            return
        if not stat.S_ISREG(st.st_mode):
            return
        name = os.path.basename(path)
        if not explicit and not needs_head(name):
            kind = classify(name, b"")
            if kind is not None:
                self.result.files.append(Found(path, kind, st.st_size))
            return
        try:
            head = _read_head(path, SNIFF_BYTES, st.st_size)
        except OSError as exc:
            kind = classify(name, b"")
            if kind is not None or explicit:
                self.result.problems.append(
                    WalkProblem(path, f"cannot read: {exc.strerror or exc}")
                )
            return
        kind = classify(name, head)
        if kind is not None:
            self.result.files.append(Found(path, kind, st.st_size))

    def walk(self, top: str) -> None:
        self._tree = os.path.realpath(top)
        gitignores: list[tuple[str, list[Pattern]]] = []
        if self.use_gitignore:
            # .gitignore files of the folders above ``top`` up to the root apply too
            chain: list[str] = []
            d = os.path.realpath(top)
            while self.inside_root(d):
                chain.append(d)
                if d == self.root:
                    break
                d = os.path.dirname(d)
            for d in reversed(chain[1:]):
                pats = self._load_gitignore(d)
                if pats:
                    gitignores.append((d, pats))
            if gitignores and self._ignored(top, True, gitignores):
                gitignores = []  # a folder named on the command line is read even if ignored
        self._walk(top, gitignores)

    def _load_gitignore(self, folder: str) -> list[Pattern]:
        try:
            with open(os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace") as fh:
                return compile_patterns(fh.read().splitlines())
        except OSError:
            return []

    def _ignored(self, path: str, is_dir: bool, gitignores: list[tuple[str, list[Pattern]]]) -> bool:
        if self.excluded(path, is_dir):
            return True
        decision: bool | None = None
        real = os.path.realpath(path) if os.path.islink(path) else path
        for folder, pats in gitignores:
            rel = os.path.relpath(real, folder).replace(os.sep, "/")
            if rel.startswith(".."):
                continue
            d = is_ignored(pats, rel, is_dir)
            if d is not None:
                decision = d
        return decision is True

    def _walk(self, folder: str, gitignores: list[tuple[str, list[Pattern]]],
              depth: int = 0) -> None:
        if depth > MAX_DEPTH:  # thousands of nested folders would exhaust the stack
            self.result.problems.append(WalkProblem(
                folder, f"folders nested deeper than {MAX_DEPTH} levels are not scanned"))
            return
        try:
            st = os.stat(folder)
        except OSError as exc:
            self.result.problems.append(WalkProblem(folder, f"cannot read: {exc.strerror or exc}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in self._seen_dirs:  # symlink loop or a folder reached twice
            return
        self._seen_dirs.add(key)
        if self.use_gitignore:
            pats = self._load_gitignore(folder)
            if pats:
                gitignores = gitignores + [(os.path.realpath(folder), pats)]
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.result.problems.append(WalkProblem(folder, f"cannot list: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = entry.path
            try:
                is_link = entry.is_symlink()
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                continue
            if is_link and not self.inside_root(path, self._tree):
                continue  # never follow a link out of the scanned tree
            if is_dir:
                if entry.name in SKIP_DIRS:
                    continue
                if self._ignored(path, True, gitignores):
                    # synthesized templates are real input: cdk.out is read although projects
                    # git-ignore it (a config `exclude` still skips it)
                    if entry.name != CDK_OUT or self.excluded(path, True):
                        continue
                    self._walk(path, [], depth + 1)
                    continue
                self._walk(path, gitignores, depth + 1)
            elif is_file:
                if self._ignored(path, False, gitignores):
                    continue
                if is_link:
                    self.result.links.add(path)
                self.add_file(path)


def git_root(start: str) -> str | None:
    """The git work tree containing ``start`` (a file or folder), or None outside git."""
    d = os.path.abspath(start)
    if not os.path.isdir(d):
        d = os.path.dirname(d)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def find_root(start: str) -> str:
    """The git work tree containing ``start``, else ``start`` itself (a folder)."""
    found = git_root(start)
    if found is not None:
        return found
    d = os.path.abspath(start)
    return d if os.path.isdir(d) else os.path.dirname(d)


def iter_parents(path: str, stop: str) -> Iterator[str]:
    from pathlib import Path  # lazily: pathlib costs ~5 ms of import on the pre-commit path

    d = Path(path).resolve()
    stop_p = Path(stop).resolve()
    while True:
        yield str(d)
        if d == stop_p or d.parent == d:
            return
        d = d.parent
