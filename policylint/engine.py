"""discover → read → link → rules → suppressions/baseline: the whole run, without printing.

The engine imports readers through ``policylint.readers`` and rules through
``policylint.plugins`` only.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

from policylint import discover, suppress
from policylint.config import Config
from policylint.link import LinkOptions, link
from policylint.model import Facts, Finding, Location, ParseError, Project, Severity
from policylint.plugins import LoadedRule
from policylint.readers import (
    DIRECTORY_UNITS,
    LocalContext,
    ReadOptions,
    Source,
    Unit,
    reader_for,
)
from policylint.rule import Options

INTERNAL = "PL000"


@dataclass
class RunOptions:
    paths: list[str] = field(default_factory=lambda: ["."])
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    strict: bool = False
    inline_suppressions: bool = True
    baseline: Mapping[str, int] | None = None  # fingerprint -> accepted count (baseline.load)
    jobs: int | None = None
    use_cache: bool = True
    today: _dt.date = field(default_factory=_dt.date.today)
    cwd: str = field(default_factory=os.getcwd)
    progress: Callable[[int, int], None] | None = None
    # abspath -> bytes read instead of the disk (fix verification); bypasses the cache
    overlay: dict[str, bytes] | None = None
    # --aws: where to read deployed CORS from (policylint.live.Settings); None = never
    live: Any = None
    live_session: Callable[..., Any] | None = None  # tests: a boto3.Session factory


@dataclass
class Result:
    findings: list[Finding]
    suppressed: list[Finding]
    baselined: list[Finding]
    files: list[str]
    project: Project
    rules: list[LoadedRule]


def display_path(abspath: str, cwd: str) -> str:
    rel = os.path.relpath(abspath, cwd)
    if rel == os.curdir:
        return "."
    if rel.startswith(os.pardir):
        rel = os.path.abspath(abspath)
    rel = rel.replace(os.sep, "/")
    # a name that is not UTF-8 (held as surrogate escapes) could be neither printed nor hashed
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def fingerprint(rule: str, path: str, subject: str, bucket: str | None) -> str:
    h = hashlib.sha256("\x1f".join((rule, path, subject, bucket or ""))
                       .encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


def _internal(message: str, location: Location, subject: str) -> Finding:
    return Finding(INTERNAL, "internal-error", Severity.ERROR, message, location,
                   subject=subject,
                   why="this is a bug in policylint; the rest of the run went on")


def _crash_text(exc: BaseException) -> str:
    import traceback  # only after a crash: it costs ~3 ms (textwrap) on every run otherwise

    tb = traceback.extract_tb(exc.__traceback__)
    where = f" ({os.path.basename(tb[-1].filename)}:{tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


# --- reading ----------------------------------------------------------------------------------

def build_units(found: Iterable[discover.Found], cwd: str) -> list[tuple[str, str, list[discover.Found]]]:
    """(kind, key, files): one unit per Terraform folder, one per file otherwise."""
    groups: dict[tuple[str, str], list[discover.Found]] = {}
    for f in found:
        if f.kind in DIRECTORY_UNITS:
            key = display_path(os.path.dirname(os.path.abspath(f.path)), cwd)
        else:
            key = display_path(os.path.abspath(f.path), cwd)
        groups.setdefault((f.kind, key), []).append(f)
    return [(kind, key, files) for (kind, key), files in sorted(groups.items())]


def read_unit(kind: str, key: str, files: list[discover.Found], root: str, cwd: str,
              ropts: ReadOptions, overlay: dict[str, bytes] | None = None,
              ctx: LocalContext | None = None) -> Facts:
    """Read one unit. Pure apart from reading its own files (and, through the context, files
    it references inside ``root``). Never raises: problems become PL001 or PL000."""
    facts = Facts()
    sources: list[Source] = []
    for f in files:
        path = display_path(os.path.abspath(f.path), cwd)
        facts.files.append(path)
        if f.size > ropts.max_file_size and kind != discover.MANIFEST:
            facts.errors.append(ParseError(
                f"file skipped: {f.size} bytes is over the size limit of {ropts.max_file_size} "
                "(max-file-size)", Location(path, 1, 1), Severity.NOTE))
            continue
        try:
            if overlay is not None and os.path.abspath(f.path) in overlay:
                data = overlay[os.path.abspath(f.path)]  # --fix verification: edited bytes
            elif kind == discover.MANIFEST:
                data = b""  # manifests are streamed by their reader from abspath
            else:
                with open(f.path, "rb") as fh:
                    data = fh.read(ropts.max_file_size + 1)
        except OSError as exc:
            facts.errors.append(ParseError(f"cannot read: {exc.strerror or exc}",
                                           Location(path, 1, 1)))
            continue
        sources.append(Source(path, os.path.abspath(f.path), data, kind, f.size))
    if not sources:
        return facts
    read = reader_for(kind)
    if read is None:
        return facts
    if ctx is None:  # the read phase passes a recording context when it caches
        ctx = LocalContext(root=root, options=ropts, display_fn=lambda p: display_path(p, cwd),
                           overlay=overlay)
    unit = Unit(kind, key, tuple(sources))
    try:
        got = read(unit, ctx)
    except RecursionError:
        facts.errors.append(ParseError("input nested too deeply to analyse",
                                       Location(sources[0].path, 1, 1)))
        return facts
    except MemoryError:
        facts.errors.append(ParseError("input too large to analyse in memory",
                                       Location(sources[0].path, 1, 1)))
        return facts
    except Exception as exc:  # a reader bug must not stop the run
        facts.errors.append(ParseError("\x00" + f"reader for {kind} crashed: {_crash_text(exc)}",
                                       Location(sources[0].path, 1, 1)))
        return facts
    assert isinstance(got, Facts)
    got.files = sorted(set(got.files) | set(facts.files))
    got.errors = facts.errors + got.errors
    return got


# --- the run --------------------------------------------------------------------------------

def _scan_plan(paths: list[str], cwd: str) -> tuple[str, list[str], set[str] | None]:
    """(root, folders or files to walk, focus). Explicit files (pre-commit) widen the scan to the
    repository, and the focus keeps what concerns their units."""
    abs_paths = [os.path.abspath(os.path.join(cwd, p)) for p in paths]
    all_files = bool(abs_paths) and all(os.path.isfile(p) for p in abs_paths)
    if all_files:
        root = discover.find_root(cwd)
        if not all(_inside(p, root) for p in abs_paths):
            root = os.path.commonpath([root] + [os.path.dirname(p) for p in abs_paths])
        return root, [root], {os.path.realpath(p) for p in abs_paths}
    first = abs_paths[0] if abs_paths else cwd
    root = discover.find_root(first if os.path.isdir(first) else os.path.dirname(first))
    if not all(_inside(p, root) for p in abs_paths):
        root = os.path.commonpath(abs_paths) if abs_paths else cwd
        if os.path.isfile(root):
            root = os.path.dirname(root)
    return root, abs_paths, None


def _inside(path: str, root: str) -> bool:
    real, r = os.path.realpath(path), os.path.realpath(root)
    return real == r or real.startswith(r.rstrip(os.sep) + os.sep)


def run(config: Config, rules: list[LoadedRule], opts: RunOptions) -> Result:
    cwd = opts.cwd
    root, tops, focus = _scan_plan(opts.paths, cwd)
    walker = discover.Walker(root, _exclude_patterns(config, root))
    for top in tops:
        if not os.path.exists(top):
            continue
        if os.path.isdir(top):
            walker.walk(top)
        else:
            walker.add_file(top, explicit=True)
    walk = walker.result
    if focus is not None:
        # files named on the command line (pre-commit) are read even when git-ignored;
        # a config `exclude` still applies to them
        seen = {os.path.realpath(f.path) for f in walk.files}
        for real in sorted(focus - seen):
            if not walker.excluded(real, False):
                walker.add_file(real, explicit=True)
    ropts = ReadOptions(tag_key=config.tag_key, tag_value=config.tag_value,
                        max_file_size=config.max_file_size)
    units = build_units(walk.files, cwd)
    facts = Facts()
    for p in walk.problems:
        facts.errors.append(ParseError(p.message, Location(display_path(p.path, cwd), 1, 1)))
    facts.extend(resolve_ownership(units, _read_all(units, root, cwd, ropts, opts)))

    # reader crashes travel as marked ParseErrors (so that facts stay plain data)
    crashes = [e for e in facts.errors if e.message.startswith("\x00")]
    facts.errors = [e for e in facts.errors if not e.message.startswith("\x00")]
    project = link(facts, _link_options(config, cwd))
    if opts.live is not None and opts.overlay is None:  # never while verifying a --fix
        from policylint.live.verify import verify

        verify(project, opts.live, rule_options(config), opts.live_session)
    findings = [_internal(e.message[1:], e.location, e.location.path) for e in crashes]
    findings += _run_rules(project, _active(rules, config, opts), config)

    from policylint.plugins import resolver

    resolve = resolver(rules)
    inline = project.suppressions if opts.inline_suppressions else []
    valid, problems = suppress.validate(inline, resolve, opts.today)
    cfg_sups = _config_suppressions(config, resolve, cwd)
    outcome = suppress.apply(findings, valid, cfg_sups, today=opts.today)
    findings = outcome.kept
    pl002 = next((r for r in rules if r.meta.code == "PL002"), None)
    if pl002 is not None:
        extra = problems + outcome.problems + (outcome.unused if opts.strict else [])
        for message, loc in extra:
            findings.append(Finding("PL002", pl002.meta.name, pl002.meta.severity, message, loc,
                                    subject=loc.path,
                                    why="a suppression must name known rules, give a reason "
                                        "and be current"))
    findings = _select(findings, resolve, config, opts)
    findings = [_finalise(f, config) for f in findings]
    if focus is not None:
        findings = _focus(findings, focus, project, cwd)
    baselined: list[Finding] = []
    if opts.baseline is not None:
        from policylint import baseline as _baseline

        findings, baselined = _baseline.split(findings, opts.baseline)
    findings.sort(key=Finding.sort_key)
    # a folder or file it could not list or read was tried: it counts among the files
    tried = sorted(set(project.files) | {display_path(p.path, cwd) for p in walk.problems})
    return Result(findings, outcome.suppressed, baselined, tried, project, rules)


def resolve_ownership(units: list[tuple[str, str, list[discover.Found]]],
                      read: list[Facts]) -> Facts:
    """Merge every unit's facts, deciding what only one unit may report: a library module's
    input-dependent facts stand only when no scanned unit calls the module (a caller reports
    them with its inputs), and a file another unit read in its context (a SAM DefinitionUri with
    its DefinitionSubstitutions) gives up its standalone labeling uses to that unit."""
    called = {f for got in read for f in got.called_folders}
    consumed = {p for got in read for p in got.consumed}
    out = Facts()
    for (kind, key, _files), got in zip(units, read):
        if consumed and kind != discover.TERRAFORM and key in consumed:
            got.uses = []
        out.extend(got)
        for folder, later in got.deferred:
            if folder not in called:
                out.extend(later)
    out.deferred, out.called_folders, out.consumed = [], [], []
    return out


def _read_all(units: list[tuple[str, str, list[discover.Found]]], root: str, cwd: str,
              ropts: ReadOptions, opts: RunOptions) -> list[Facts]:
    """Every unit's facts in unit order: through the cache and a process pool (readphase), or
    plainly in this process when an overlay (fix verification) must be read instead of disk."""
    overlay = getattr(opts, "overlay", None)
    if overlay is not None:
        out = []
        for i, (kind, key, files) in enumerate(units):
            out.append(read_unit(kind, key, files, root, cwd, ropts, overlay=overlay))
            if opts.progress is not None:
                opts.progress(i + 1, len(units))
        return out
    from policylint import readphase

    plan = readphase.Plan(root, cwd, ropts, readphase.default_jobs(opts.jobs), opts.use_cache,
                          opts.progress)
    return readphase.read_units(units, plan)


def _exclude_patterns(config: Config, root: str) -> list[str]:
    """Config excludes are relative to the config's folder; the walker's to the root."""
    out = []
    base = os.path.relpath(config.base_dir, root).replace(os.sep, "/") if config.source else "."
    for pat in config.exclude:
        if base in (".", "") or base.startswith(".."):
            out.append(pat)
        else:
            neg = pat.startswith("!")
            body = pat[1:] if neg else pat
            anchored = "/" in body.rstrip("/")
            body = body.lstrip("/")
            full = f"{base}/{body}" if anchored else f"{base}/**/{body}"
            out.append(("!" if neg else "") + full)
    return out


def _link_options(config: Config, cwd: str) -> LinkOptions:
    src = display_path(config.source, cwd) if config.source else ".policylint.yaml"
    buckets = tuple((g, Location(src, line, 1)) for g, line in config.labeling_buckets)
    files = tuple(
        (display_path(os.path.normpath(os.path.join(config.base_dir, p)), cwd), b,
         Location(src, line, 1))
        for p, b, line in config.cors_files)
    return LinkOptions(labeling_buckets=buckets, cors_files=files)


def rule_options(config: Config) -> Options:
    return Options(accepted_origins=tuple(config.accepted_origins),
                   strict_ground_truth=config.strict_ground_truth)


def judge(project: Project, config: Config, rules: list[LoadedRule],
          opts: RunOptions) -> list[Finding]:
    """The active rules over an already linked Project (``policylint aws-audit``), selected and
    finalised like a run's findings, sorted."""
    from policylint.plugins import resolver

    findings = _select(_run_rules(project, _active(rules, config, opts), config),
                       resolver(rules), config, opts)
    return sorted((_finalise(f, config) for f in findings), key=Finding.sort_key)


def _run_rules(project: Project, rules: list[LoadedRule], config: Config) -> list[Finding]:
    options = rule_options(config)
    out: list[Finding] = []
    for r in rules:
        try:
            got = list(r.check(project, options))
        except (Exception, SystemExit) as exc:  # a crashing (or exiting) rule becomes PL000
            where = project.files[0] if project.files else "."
            culprit = _culprit(exc) or where
            out.append(_internal(f"rule {r.meta.code} ({r.meta.name}) crashed: "
                                 f"{_crash_text(exc)}", Location(culprit, 1, 1), r.meta.code))
            continue
        for f in got:
            out.append(replace(f, rule=r.meta.code, name=r.meta.name))
    return out


def _culprit(exc: BaseException) -> str | None:
    return getattr(exc, "policylint_path", None)


def _config_suppressions(config: Config, resolve: dict[str, str],
                         cwd: str) -> list[suppress.ConfigSuppression]:
    from policylint.errors import ConfigError

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


def _active(rules: list[LoadedRule], config: Config, opts: RunOptions) -> list[LoadedRule]:
    """The rules that can report: a deselected rule does not run (nor crash into PL000)."""
    from policylint.plugins import resolver

    resolve = resolver(rules)
    select = _codes(opts.select or config.select, resolve)
    ignore = _codes(list(config.ignore) + list(opts.ignore), resolve)
    return [r for r in rules
            if (not select or r.meta.code in select) and r.meta.code not in ignore]


def _codes(items: Iterable[str], resolve: dict[str, str]) -> set[str]:
    out: set[str] = set()
    for item in items:
        out |= _expand(item, resolve)
    return out


def _select(findings: list[Finding], resolve: dict[str, str], config: Config,
            opts: RunOptions) -> list[Finding]:
    select = _codes(opts.select or config.select, resolve)
    ignore = _codes(list(config.ignore) + list(opts.ignore), resolve)
    return [f for f in findings
            if (not select or f.rule in select) and f.rule not in ignore]


def _expand(item: str, resolve: dict[str, str]) -> set[str]:
    """A code, a name, or a code prefix (PL1 → PL100..PL199, ALL)."""
    from policylint.errors import UsageError

    key = item.strip()
    if key.upper() == "ALL":
        return set(resolve.values())
    if key.upper() in resolve:
        return {resolve[key.upper()]}
    if key.lower() in resolve:
        return {resolve[key.lower()]}
    if key.upper().startswith("PL"):
        got = {c for c in resolve.values() if c.startswith(key.upper())}
        if got:
            return got
    raise UsageError(f"unknown rule '{item}' (see policylint --list-rules)")


def validate_codes(items: Iterable[str], resolve: dict[str, str]) -> None:
    for item in items:
        _expand(item, resolve)


def _finalise(f: Finding, config: Config) -> Finding:
    sev = config.severity.get(f.rule)
    f = replace(f, severity=Severity.parse(sev)) if sev else f
    return replace(f, fingerprint=fingerprint(f.rule, f.location.path, f.subject, f.bucket))


def _focus(findings: list[Finding], focus: set[str], project: Project, cwd: str) -> list[Finding]:
    """Keep findings whose location or evidence lies in the units of the given files: for a
    Terraform file its whole module folder, for any other file the file itself."""
    terraform = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
    paths: set[str] = set()
    dirs: set[str] = set()
    for real in focus:
        paths.add(display_path(real, cwd))
        if real.endswith(terraform):
            dirs.add(display_path(os.path.dirname(real), cwd))

    def hit(path: str) -> bool:
        if path in paths:
            return True
        # the module unit is the folder's Terraform files, not every file in the folder
        parent = path.rsplit("/", 1)[0] if "/" in path else "."
        return parent in dirs and path.endswith(terraform)

    return [f for f in findings
            if hit(f.location.path) or any(hit(r.location.path) for r in f.related)]
