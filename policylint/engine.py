"""discover → read → link → rules → suppressions/baseline: the whole run, without printing.

Each stage lives in its own module: ``scope`` (root, walk, focus), ``readphase`` (reading),
``link``, ``selection`` (which rules run), ``suppress``/``config`` (suppressions), ``paths``
(display and fingerprints). The engine only strings them together. It imports readers through
``policylint.readers`` (via the read phase) and rules through ``policylint.plugins`` only.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from policylint import config as _config
from policylint import discover, readphase, scope, suppress
from policylint.config import Config
from policylint.link import LinkOptions, link, owned
from policylint.model import (
    Facts,
    Finding,
    Fix,
    FixTarget,
    Location,
    ParseError,
    Project,
    Related,
    Severity,
)
from policylint.paths import display_path, fingerprint
from policylint.plugins import LoadedRule
from policylint.readers import ReadOptions
from policylint.readphase import build_units, crash_text, read_unit
from policylint.rule import Options
from policylint.selection import Selection, selection, validate_codes

__all__ = ["INTERNAL", "Result", "RunOptions", "build_units", "display_path", "fingerprint",
           "read_unit", "run", "validate_codes"]

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
    # with an overlay: an earlier run's reading (Result.reads); only the units that read an
    # overlaid file are read again, the walk and every other unit's facts are taken from it
    reuse: readphase.Reads | None = None
    # keep what each unit read in Result.reads (fixes verify with it); off, a plain run skips
    # gathering it (a set of paths per unit, every run)
    keep_reads: bool = True
    # --aws: where to read deployed CORS from (policylint.live.Settings); None = never
    live: Any = None
    live_session: Callable[..., Any] | None = None  # tests: a boto3.Session factory
    # report only what concerns ``paths`` (none: nothing), even when one of them is the root
    # (--staged-deletions: the pre-commit hook's files and the commit's deletions)
    named_only: bool = False


@dataclass
class Result:
    findings: list[Finding]
    suppressed: list[Finding]
    baselined: list[Finding]
    files: list[str]
    project: Project
    rules: list[LoadedRule]
    reads: readphase.Reads | None = None  # what was read, for --fix verification


def _internal(message: str, location: Location, subject: str) -> Finding:
    return Finding(INTERNAL, "internal-error", Severity.ERROR, message, location,
                   subject=subject,
                   why="this is a bug in policylint; the rest of the run went on")


def run(config: Config, rules: list[LoadedRule], opts: RunOptions) -> Result:
    cwd = opts.cwd
    where = scope.plan(opts.paths, cwd)
    if opts.named_only:
        where = replace(where, focus=frozenset(os.path.realpath(os.path.join(cwd, p))
                                               for p in opts.paths))
    prior = opts.reuse if opts.overlay is not None else None
    walk = prior.walk if prior is not None else _walk(where, config, opts)
    ropts = ReadOptions(tag_key=config.tag_key, tag_value=config.tag_value,
                        max_file_size=config.max_file_size)
    units = build_units(walk.files, cwd)
    facts = Facts()
    for p in walk.problems:
        facts.errors.append(ParseError(p.message, Location(display_path(p.path, cwd), 1, 1)))
    plan = readphase.Plan(where.root, cwd, ropts, readphase.default_jobs(opts.jobs),
                          opts.use_cache, opts.progress)
    read, by_unit = readphase.read_all(units, plan, opts.overlay, prior, keep=opts.keep_reads)
    facts.extend(owned([(key, got) for (_kind, key, _files), got in zip(units, read)]))

    crashes = [e for e in facts.errors if e.crashed]
    facts.errors = [e for e in facts.errors if not e.crashed]
    project = link(facts, _link_options(config, cwd))
    if opts.live is not None and opts.overlay is None:  # never while verifying a --fix
        from policylint.live.verify import verify

        verify(project, opts.live, rule_options(config), opts.live_session)
    chosen = _selection(rules, config, opts)
    findings = [_internal(e.message, e.location, e.location.path) for e in crashes]
    findings += _run_rules(project, [r for r in rules if chosen.wants(r.meta.code)], config)

    inline = project.suppressions if opts.inline_suppressions else []
    valid, problems = suppress.validate(inline, chosen.resolve, opts.today)
    cfg_sups = _config.suppressions(config, chosen.resolve, cwd)
    outcome = suppress.apply(findings, valid, cfg_sups, today=opts.today)
    findings = outcome.kept
    extra = problems + outcome.problems + (outcome.unused if opts.strict else [])
    findings += _suppression_findings(rules, extra)
    findings = [_finalise(f, config) for f in chosen.keep(findings)]
    if where.focus is not None:
        findings = scope.focus(findings, where.focus, cwd)
    baselined: list[Finding] = []
    if opts.baseline is not None:
        from policylint import baseline as _baseline

        findings, baselined = _baseline.split(findings, opts.baseline)
    findings.sort(key=Finding.sort_key)
    # a folder or file it could not list or read was tried: it counts among the files
    tried = sorted(set(project.files) | {display_path(p.path, cwd) for p in walk.problems})
    return Result(findings, outcome.suppressed, baselined, tried, project, rules,
                  readphase.Reads(walk, by_unit) if opts.keep_reads else None)


def _walk(where: scope.Scope, config: Config, opts: RunOptions) -> discover.Walk:
    """The whole analysis root, plus what was named on the command line although git-ignored
    (a config ``exclude`` still applies to it)."""
    walker = discover.Walker(where.root, scope.exclude_patterns(config, where.root))
    # named folders first: links inside one are followed only within it (a link in ``sub`` to
    # a sibling is the sibling's file, read there), and a git-ignored named folder is still read;
    # the root's walk then skips the folders already walked
    for p in opts.paths:
        top = os.path.abspath(os.path.join(opts.cwd, p))
        if os.path.isdir(top) and scope.inside(top, where.root):
            walker.walk(top)
    walker.walk(where.root)
    seen = walker.result.real_paths(frozenset(os.path.basename(p) for p in where.named_files))
    for real in sorted(where.named_files - seen):
        if not walker.excluded(real, False):
            walker.add_file(real, explicit=True)
    return walker.result


def _selection(rules: list[LoadedRule], config: Config, opts: RunOptions) -> Selection:
    from policylint.plugins import resolver

    return selection(resolver(rules), opts.select or config.select,
                     list(config.ignore) + list(opts.ignore))


def _suppression_findings(rules: list[LoadedRule],
                          problems: list[tuple[str, Location]]) -> list[Finding]:
    """PL002 for malformed, unknown, reasonless, expired (and, with --strict, unused)
    suppressions; nothing when PL002 is not loaded."""
    pl002 = next((r for r in rules if r.meta.code == "PL002"), None)
    if pl002 is None:
        return []
    return [Finding("PL002", pl002.meta.name, pl002.meta.severity, message, loc,
                    subject=loc.path,
                    why="a suppression must name known rules, give a reason and be current")
            for message, loc in problems]


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
    chosen = _selection(rules, config, opts)
    findings = _run_rules(project, [r for r in rules if chosen.wants(r.meta.code)], config)
    return sorted((_finalise(f, config) for f in chosen.keep(findings)), key=Finding.sort_key)


def _run_rules(project: Project, rules: list[LoadedRule], config: Config) -> list[Finding]:
    options = rule_options(config)
    out: list[Finding] = []
    for r in rules:
        where = project.files[0] if project.files else "."
        try:
            got = list(r.check(project, replace(options, settings=r.settings)))
        except (Exception, SystemExit) as exc:  # a crashing (or exiting) rule becomes PL000
            culprit = _culprit(exc) or where
            out.append(_rule_bug(r, f"crashed: {crash_text(exc)}", Location(culprit, 1, 1)))
            continue
        for f in got:
            problem = bad_finding(f)
            if problem is not None:  # one bad finding is reported; the rule's others stand
                out.append(_rule_bug(r, f"yielded {problem}", Location(where, 1, 1)))
                continue
            out.append(replace(f, rule=r.meta.code, name=r.meta.name))
    return out


def _rule_bug(r: LoadedRule, what: str, location: Location) -> Finding:
    """PL000 for a rule's bug, naming whose bug it is: a plugin's, or policylint's."""
    message = f"rule {r.meta.code} ({r.meta.name}) {what}"
    if r.origin == "built-in":
        return _internal(message, location, r.meta.code)
    plugin = (r.origin if r.origin.startswith("entry point ")
              else f"file {os.path.basename(r.origin)}")
    return replace(_internal(f"{message}: a bug in the plugin ({plugin}), not in policylint",
                             location, r.meta.code),
                   why=f"this is a bug in the plugin that defines {r.meta.code} ({r.origin}); "
                       "the rest of the run went on")


_OPTIONAL: tuple[tuple[str, type], ...] = (("bucket", str), ("fix", Fix), ("target", FixTarget))


def bad_finding(f: object) -> str | None:
    """What is wrong with something a rule yielded, or None for a well-formed Finding."""
    if not isinstance(f, Finding):
        return f"{type(f).__name__} instead of a Finding"
    required: tuple[tuple[str, type], ...] = (
        ("message", str), ("severity", Severity), ("location", Location),
        ("subject", str), ("why", str), ("related", tuple))
    for name, want in required:
        if not isinstance(getattr(f, name), want):
            return f"a Finding whose {name} is a {type(getattr(f, name)).__name__}"
    for name, want in _OPTIONAL:
        if getattr(f, name) is not None and not isinstance(getattr(f, name), want):
            return f"a Finding whose {name} is a {type(getattr(f, name)).__name__}"
    locations = [f.location] + [r.location if isinstance(r, Related) else None for r in f.related]
    for loc in locations:
        if not isinstance(loc, Location):
            return "a Finding whose related entries are not Related(message, Location)"
        if not isinstance(loc.path, str) or not all(
                isinstance(n, int) and not isinstance(n, bool)
                for n in (loc.line, loc.column, loc.end_line, loc.end_column)) \
                or loc.line < 1 or loc.column < 1:
            return f"a Finding with an invalid location {loc!r}"
    return None


def _culprit(exc: BaseException) -> str | None:
    return getattr(exc, "policylint_path", None)


def _finalise(f: Finding, config: Config) -> Finding:
    sev = config.severity.get(f.rule)
    f = replace(f, severity=Severity.parse(sev)) if sev else f
    return replace(f, fingerprint=fingerprint(f.rule, f.location.path, f.subject, f.bucket))
