"""What the CLI and ``policylint aws-audit`` parse alike: the argument parser that fails as a
usage error, ``--format FORMAT[:FILE]`` and the colour decision. Its own module so that the two
command lines share it without importing each other."""
from __future__ import annotations

import argparse
import os

from policylint.errors import UsageError

FORMATS = ("text", "json", "sarif", "junit", "github")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    specs = args.format or ["text"]
    out: list[tuple[str, str | None]] = []
    for i, spec in enumerate(specs):
        fmt, sep, path = spec.partition(":")
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
        target = path if sep else (args.output if i == 0 else None)
        out.append((fmt, target or None))
    consoles = [f for f, t in out if t is None]
    if len(consoles) > 1:
        raise UsageError("only one --format can write to the console; give the others a FILE")
    return out


def _use_color(args: argparse.Namespace, stream: object) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
