"""Loading a standalone JSON or YAML document with positions, shared by the request and ASL
readers (so both report broken input the same way, as PL001 at the error's position)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

from policylint import jsonpos
from policylint.model import Facts, Location, ParseError
from policylint.decoding import DecodeError, decode


if TYPE_CHECKING:
    from policylint.readers import Source, Unit


class Unavailable(Exception):
    """YAML was needed but the positioned YAML loader is not part of this build."""


def load(path: str, data: bytes) -> tuple[Any, ParseError | None]:
    """(positioned tree, None) or (None, ParseError). JSON when the text starts with ``{`` or
    ``[`` (or the name ends with ``.json``), YAML otherwise. Raises Unavailable when the text is
    YAML and ``policylint.yamlpos`` is missing: the caller skips the file rather than guess."""
    try:
        text = decode(data)
    except DecodeError as exc:
        return None, ParseError(exc.message, Location(path, exc.line, exc.column))
    if text.lstrip().startswith(("{", "[")) or path.lower().endswith(".json"):
        try:
            return jsonpos.loads(text), None
        except jsonpos.JSONPosError as exc:
            return None, ParseError(f"invalid JSON: {exc.message}",
                                    Location(path, exc.line, exc.column))
    return _load_yaml(path, text)


def _load_yaml(path: str, text: str) -> tuple[Any, ParseError | None]:
    try:
        from policylint import yamlpos  # provided with the CloudFormation reader
    except ModuleNotFoundError as exc:
        raise Unavailable("policylint.yamlpos is not available") from exc
    try:
        return yamlpos.load(text), None
    except yamlpos.YAMLPosError as exc:
        return None, ParseError(f"invalid YAML: {exc.message}",
                                Location(path, exc.line, exc.column))


def texts(unit: Unit, facts: Facts) -> Iterator[tuple[Source, str]]:
    """(source, decoded text) of every file of a unit; a file that is not text becomes PL001
    in ``facts`` (and every file is recorded as read)."""
    for src in unit.sources:
        facts.files.append(src.path)
        try:
            yield src, decode(src.data)
        except DecodeError as exc:
            facts.errors.append(ParseError(exc.message, Location(src.path, exc.line, exc.column)))


def trees(unit: Unit, facts: Facts) -> Iterator[tuple[Source, Any]]:
    """(source, positioned tree) of every JSON/YAML file of a unit. A broken file becomes PL001
    in ``facts``; YAML without the YAML loader is skipped (never guessed)."""
    for src in unit.sources:
        facts.files.append(src.path)
        try:
            doc, error = load(src.path, src.data)
        except Unavailable:
            continue
        if error is not None:
            facts.errors.append(error)
            continue
        yield src, doc
