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
    """(format, FILE or None for the console) for every ``--format``; never ambiguous: ``-o``
    goes to the one format without its own ``:FILE``, no two formats share a file, at most one
    writes to the console."""
    specs = args.format or ["text"]
    out: list[tuple[str, str | None]] = []
    for spec in specs:
        fmt, sep, path = spec.partition(":")
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
        if sep and not path:
            raise UsageError(f"--format {spec}: the file name after ':' is empty "
                             f"(write --format {fmt} for the console, or {fmt}:FILE)")
        out.append((fmt, path or None))
    if args.output is not None:
        out = _apply_output(out, args.output)
    consoles = [f for f, t in out if t is None]
    if len(consoles) > 1:
        raise UsageError("only one --format can write to the console; give the others a FILE")
    files = [t for _, t in out if t is not None]
    twice = sorted({t for t in files if files.count(t) > 1})
    if twice:
        raise UsageError(f"two formats would write to the same file: {twice[0]}")
    return out


def _apply_output(out: list[tuple[str, str | None]], output: str) -> list[tuple[str, str | None]]:
    """``-o FILE`` for the single format that has no ``:FILE`` of its own."""
    if not output:
        raise UsageError("--output: the file name is empty")
    bare = [i for i, (_, t) in enumerate(out) if t is None]
    if len(bare) != 1:
        named = ", ".join(f for f, _ in out)
        why = ("every --format has its own :FILE" if not bare else
               f"it could be any of {named}; give each format but one its own :FILE")
        raise UsageError(f"--output {output}: which format goes there is ambiguous ({why})")
    i = bare[0]
    return [*out[:i], (out[i][0], output), *out[i + 1:]]


INVENTORY_FORMATS = ("text", "json")


def _check_inventory_formats(outputs: list[tuple[str, str | None]]) -> None:
    for fmt, _ in outputs:
        if fmt not in INVENTORY_FORMATS:
            raise UsageError(f"--show-inventory writes {' or '.join(INVENTORY_FORMATS)}, "
                             f"not {fmt}")


def _use_color(args: argparse.Namespace, stream: object) -> bool:
    if args.no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
