"""Command line: argparse → options → engine → reporters → exit code. Nothing else."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from policylint import __version__
from policylint.args import FORMATS, _check_inventory_formats, _outputs, _Parser, _use_color
from policylint.errors import PolicylintError, UsageError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
def build_parser() -> argparse.ArgumentParser:
    from policylint import readphase

    p = _Parser(
        prog="policylint",
        description="Find S3 buckets that feed human labeling (SageMaker Ground Truth, Amazon "
                    "A2I, Mechanical Turk) without the CORS rule AWS requires.",
        epilog="Also: 'policylint aws-audit --help' (the labeling jobs of an AWS account), "
               "'policylint init --help' (write a .policylint.yaml for a repository). "
               "Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 usage or "
               "configuration error, 3 internal error.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: .)")
    p.add_argument("--format", action="append", metavar="FORMAT[:FILE]",
                   help=f"output format, one of {', '.join(FORMATS)}; repeatable, each to the "
                        "console or to FILE (default: text)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the format that has no :FILE of its own to FILE")
    p.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest "
                   ".policylint.yaml or pyproject.toml [tool.policylint])")
    p.add_argument("--select", metavar="CODES", action="append", default=[],
                   help="only these rules (codes, names or prefixes, comma-separated)")
    p.add_argument("--ignore", metavar="CODES", action="append", default=[],
                   help="skip these rules")
    p.add_argument("--fail-on", choices=("error", "warning", "note"),
                   help="lowest severity that fails the run (default: error)")
    p.add_argument("--baseline", metavar="FILE", help="ignore findings recorded in FILE")
    p.add_argument("--write-baseline", metavar="FILE", help="record current findings in FILE")
    p.add_argument("--strict", action="store_true",
                   help="also report suppressions that matched nothing")
    p.add_argument("--no-inline-suppressions", action="store_true",
                   help="ignore inline suppressions (audit)")
    p.add_argument("--fix", action="store_true", help="write fixes in place")
    p.add_argument("--diff", action="store_true", help="print fixes as a diff, write nothing")
    p.add_argument("--github-summary", metavar="FILE",
                   help="append a Markdown job summary to FILE (the action gives "
                        "$GITHUB_STEP_SUMMARY): counts by rule, the labeling buckets, the "
                        "first findings linked to the commit")
    p.add_argument("--explain", metavar="CODE", help="print a rule's documentation")
    p.add_argument("--list-rules", action="store_true", help="list the rules")
    p.add_argument("--show-inventory", action="store_true",
                   help="list every bucket with its CORS and labeling evidence (formats: "
                        "text, json; --format and -o work as for findings)")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help=f"parallel readers (default: the usable CPU cores, here "
                        f"{readphase.usable_cores()}; a pool starts only for at least "
                        f"{readphase.POOL_MIN_BYTES // 1024} KB to read)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--staged-deletions", action="store_true",
                   help="pre-commit: also report what concerns the files the commit deletes "
                        "(git diff --cached); without PATH, only those")
    p.add_argument("--aws", action="store_true",
                   help="also read the deployed CORS of labeling buckets from AWS (read-only; "
                        "needs policylint[aws] and credentials; see docs/live.md)")
    p.add_argument("--no-color", action="store_true", help="no colour (NO_COLOR works too)")
    p.add_argument("--quiet", "-q", action="store_true",
                   help="one line a finding: path:line:col: CODE [severity] message")
    p.add_argument("--version", action="version", version=f"policylint {__version__}")
    return p


def _split_codes(values: list[str]) -> list[str]:
    return [c.strip() for v in values for c in v.split(",") if c.strip()]


def _check_summary(args: argparse.Namespace) -> None:
    if not args.github_summary:
        raise UsageError("--github-summary: the file name is empty")
    other = [o for o, on in (("--fix", args.fix), ("--diff", args.diff),
                             ("--show-inventory", args.show_inventory)) if on]
    if other:
        raise UsageError(f"--github-summary summarises a check, not {other[0]}")


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a run ended by Ctrl-C


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except PolicylintError as exc:
        print(f"policylint: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("policylint: interrupted", file=sys.stderr)
        if argv is None:  # the process itself: skip the interpreter's teardown (freeing a large
            _exit_now(EXIT_INTERRUPTED)  # heap takes over a second), as Ctrl-C promises to end
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_FINDINGS
    except Exception as exc:  # never a traceback, never exit 0 on a crash
        import traceback

        tb = traceback.extract_tb(exc.__traceback__)
        where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
        print(f"policylint: internal error: {type(exc).__name__}: {exc}{where} "
              "(please report this bug)", file=sys.stderr)
        if os.environ.get("POLICYLINT_DEBUG"):
            traceback.print_exc()
        return EXIT_INTERNAL


def _main(argv: list[str]) -> int:
    if argv[:1] == ["aws-audit"]:
        from policylint.live.cli import audit_main

        return audit_main(argv[1:])
    if argv[:1] == ["init"]:
        from policylint.initcmd import init_main

        return init_main(argv[1:])
    args = build_parser().parse_args(argv)
    from policylint import plugins
    from policylint.config import Config, find_config, load_config
    from policylint.scope import analysis_root

    cwd = os.getcwd()
    if args.config:
        if not os.path.isfile(args.config):
            raise UsageError(f"--config: no such file: {args.config}")
        config = load_config(args.config)
    else:
        first = os.path.abspath(args.paths[0]) if args.paths else cwd
        root = analysis_root(first, cwd)
        found = find_config(first if os.path.isdir(first) else os.path.dirname(first), root)
        config = load_config(found) if found else Config()
    rules = plugins.for_config(config)

    if args.list_rules:
        from policylint import docs

        print(docs.rule_table(rules), end="")
        return EXIT_OK
    if args.explain:
        from policylint import docs

        text = docs.explain(rules, args.explain)
        if text is None:
            raise UsageError(f"unknown rule '{args.explain}' (see policylint --list-rules)")
        print(text, end="")
        return EXIT_OK

    from policylint import engine

    resolve = plugins.resolver(rules)
    select = _split_codes(args.select)
    ignore = _split_codes(args.ignore)
    engine.validate_codes(select + ignore + config.select + config.ignore, resolve)
    for code in config.severity:
        engine.validate_codes([code], resolve)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs must be 1 or more, not {args.jobs}")
    paths = args.paths or ["."]
    for p in paths:
        if not os.path.exists(p):
            raise UsageError(f"no such file or folder: {p}")
    if args.staged_deletions:
        from policylint.scope import staged_deletions

        paths = list(args.paths) + staged_deletions(args.paths[0] if args.paths else cwd)
    outputs = _outputs(args)
    if args.show_inventory:
        _check_inventory_formats(outputs)
    if args.github_summary is not None:
        _check_summary(args)
    baseline = None
    if args.baseline:
        from policylint import baseline as bl

        baseline = bl.load(args.baseline)
    progress = None
    if sys.stderr.isatty() and not os.environ.get("CI") and not args.quiet:
        from policylint.progress import Progress

        progress = Progress(sys.stderr)
    live = None
    if args.aws:
        from policylint.live.cli import settings_from

        live = settings_from(config)
    opts = engine.RunOptions(paths=paths, select=select, ignore=ignore, strict=args.strict,
                             inline_suppressions=not args.no_inline_suppressions,
                             baseline=baseline, jobs=args.jobs, use_cache=not args.no_cache,
                             cwd=cwd, progress=progress, live=live,
                             named_only=args.staged_deletions,
                             keep_reads=bool(args.fix or args.diff
                                             or any(fmt == "sarif" for fmt, _ in outputs)))
    try:
        result = engine.run(config, rules, opts)
    finally:  # cleared before anything else is printed, Ctrl-C included
        if progress is not None:
            progress.done()
    if not result.files:
        from policylint.reporters import neutralise_commands

        print(neutralise_commands("policylint: no Terraform, CloudFormation, CORS or labeling "
                                  f"files under {' '.join(paths)}"), file=sys.stderr)

    if args.write_baseline:
        from policylint import baseline as bl
        from policylint.output import write_atomic

        everything = result.findings + result.baselined
        write_atomic(args.write_baseline, bl.dump(everything))
        # everything found is now accepted, except policylint's own errors: report the rest as
        # baselined, and fail on those
        result.baselined = sorted((f for f in everything if bl.acceptable(f)),
                                  key=lambda f: f.sort_key())
        result.findings = sorted((f for f in everything if not bl.acceptable(f)),
                                 key=lambda f: f.sort_key())
        if result.findings:
            print(f"policylint: {len(result.findings)} internal or parse error(s) "
                  f"({', '.join(sorted(bl.NEVER_ACCEPTED))}) left out of {args.write_baseline}: "
                  "a baseline never accepts them; fix them, or exclude the files",
                  file=sys.stderr)

    if args.fix or args.diff:
        from policylint.fix import apply_fixes

        return apply_fixes(result, config, rules, opts, write=args.fix, outputs=outputs,
                           color=_use_color(args, sys.stdout), fail_on=args.fail_on,
                           quiet=args.quiet)

    if args.show_inventory:
        from policylint import inventory
        from policylint.output import write_atomic, write_console
        from policylint.reporters import escape_surrogates

        for fmt, target in outputs:
            text = inventory.render(result.project, fmt)
            text = escape_surrogates(text) if fmt == "json" else text  # a non-UTF-8 name
            if target is None:
                write_console(text)
            else:
                write_atomic(target, text)
        return EXIT_OK

    from policylint import output

    rc = output.exit_code(result.findings, args.fail_on or config.fail_on)
    fixes = None
    if any(fmt == "sarif" for fmt, _ in outputs) and any(f.target for f in result.findings):
        from policylint.fix.preview import fix_changes  # SARIF fixes: what --fix would write

        fixes = fix_changes(result, config, rules, opts)
    output.emit(result, outputs, color=_use_color(args, sys.stdout), quiet=args.quiet, root=cwd,
                fixes=fixes, exit_code=rc)
    if args.github_summary:
        from policylint import summary

        output.append_text(args.github_summary, summary.render(result, os.environ))
    return rc
