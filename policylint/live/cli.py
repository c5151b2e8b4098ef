"""The command line of live verification: settings for ``--aws`` and ``policylint aws-audit``."""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from policylint.config import Config
from policylint.errors import UsageError
from policylint.live import Settings


def settings_from(config: Config, profile: str | None = None, region: str | None = None,
                  role_arn: str | None = None) -> Settings:
    """Settings from the command line, else the configuration's ``aws:``, else the standard
    chain. Exit 2 when boto3 (the ``aws`` extra) is missing, before anything is read."""
    if importlib.util.find_spec("boto3") is None:
        from policylint.live.aws import EXTRA_HINT

        raise UsageError(f"--aws needs boto3, which is not installed: {EXTRA_HINT}")
    aws = config.aws
    return Settings(profile=profile or aws.get("profile"), region=region or aws.get("region"),
                    role_arn=role_arn or aws.get("role-arn"))


def _parser() -> argparse.ArgumentParser:
    from policylint.args import FORMATS, _Parser

    p = _Parser(prog="policylint aws-audit",
                description="Judge the CORS of every bucket that the labeling jobs of an AWS "
                            "account read (in progress or recent), read-only.")
    p.add_argument("--format", action="append", metavar="FORMAT[:FILE]",
                   help=f"output format, one of {', '.join(FORMATS)}; repeatable")
    p.add_argument("--output", "-o", metavar="FILE", help="write the (first) format to FILE")
    p.add_argument("--config", metavar="FILE", help="configuration file (its aws: section)")
    p.add_argument("--profile", help="AWS profile (default: aws.profile, else the standard "
                                     "credential chain)")
    p.add_argument("--region", help="AWS region (default: aws.region, else the profile's)")
    p.add_argument("--role-arn", help="role to assume first (default: aws.role-arn)")
    p.add_argument("--days", type=int, default=30,
                   help="jobs created in the last N days, besides those in progress (default 30)")
    p.add_argument("--read-manifests", type=int, default=0, metavar="N",
                   help="also read the first N lines of each input manifest (s3:GetObject)")
    p.add_argument("--fail-on", choices=("error", "warning", "note"))
    p.add_argument("--no-color", action="store_true")
    p.add_argument("--quiet", "-q", action="store_true")
    return p


def audit_main(argv: list[str]) -> int:
    from policylint import engine, output, plugins
    from policylint.args import _outputs, _use_color
    from policylint.config import find_config, load_config
    from policylint.discover import find_root
    from policylint.link import LinkOptions, link
    from policylint.live import audit, aws
    from policylint.live.verify import verify

    args = _parser().parse_args(argv)
    if args.days < 1 or args.read_manifests < 0:
        raise UsageError("--days must be 1 or more and --read-manifests 0 or more")
    cwd = os.getcwd()
    if args.config:
        config = load_config(args.config)
    else:
        found = find_config(cwd, find_root(cwd))
        config = load_config(found) if found else Config()
    settings = settings_from(config, args.profile, args.region, args.role_arn)
    outputs = _outputs(args)
    rules = plugins.for_config(config)
    try:
        account = aws.connect(settings)
    except aws.LiveError as exc:
        raise UsageError(f"aws-audit: cannot reach AWS: {exc}") from None
    got = audit.run(account, days=args.days, read_manifests=args.read_manifests)
    project = link(got.facts, LinkOptions())
    verify(project, settings, engine.rule_options(config), account=account)
    opts = engine.RunOptions(paths=[], cwd=cwd)
    findings = engine.judge(project, config, rules, opts)
    print(f"policylint aws-audit: account {account.account}, {account.region}: {got.jobs} "
          f"labeling job(s), {got.flows} flow definition(s), {got.loops} recent human loop(s), "
          f"{sum(1 for b in project.buckets if b.live is not None)} bucket(s) read",
          file=sys.stderr)
    if not args.quiet:
        for note in got.notes:
            print(f"  {note}", file=sys.stderr)
    result = engine.Result(findings, [], [], [], project, rules)
    output.emit(result, outputs, color=_use_color(args, sys.stdout), quiet=args.quiet, root=cwd)
    return output.exit_code(findings, args.fail_on or config.fail_on)
