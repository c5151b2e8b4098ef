"""Loading a template: bytes → positioned tree (YAML or JSON) and its ``#`` comments.

JSON templates (first character ``{``) go through the strict positioned JSON loader; everything
else through the positioned YAML loader with CloudFormation's short-form tags. Both give the
same PDict/PList model, so nothing downstream knows the format.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from policylint import jsonpos, yamlpos
from policylint.model import Format, Location, ParseError, Severity
from policylint.decoding import DecodeError, decode
from policylint.positioned import PDict, Pos


@dataclass
class Loaded:
    path: str
    text: str
    doc: PDict
    format: Format
    comments: list[tuple[int, int, str]] = field(default_factory=list)  # (line, column, text)
    # duplicate mapping keys: PL001 warnings at the second key (CloudFormation keeps the last)
    warnings: list[ParseError] = field(default_factory=list)
    _lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def at(self, pos: Pos, length: int = 1) -> str:
        """The source text at a position (for telling flow ``{``/``[`` from block style)."""
        if not 1 <= pos.line <= len(self.lines):
            return ""
        line = self.lines[pos.line - 1]
        return line[pos.column - 1:pos.column - 1 + length]


def load(path: str, data: bytes) -> tuple[Loaded | None, ParseError | None]:
    """The template in ``data``, or the error that stops it from loading (PL001)."""
    try:
        text = decode(data)
    except DecodeError as exc:
        return None, ParseError(exc.message, Location(path, exc.line, exc.column))
    doc: Any
    dups: list[tuple[str, int, int]] = []
    if text.lstrip().startswith("{"):
        fmt = Format.CLOUDFORMATION_JSON
        try:
            doc = jsonpos.loads(text, duplicates=dups)
        except jsonpos.JSONPosError as exc:
            return None, ParseError(f"invalid JSON: {exc.message}",
                                    Location(path, exc.line, exc.column))
    else:
        fmt = Format.CLOUDFORMATION_YAML
        try:
            doc = yamlpos.load(text, intrinsics=True, duplicates=dups)
        except yamlpos.YAMLPosError as exc:
            return None, ParseError(f"invalid YAML: {exc.message}",
                                    Location(path, exc.line, exc.column))
    if not isinstance(doc, PDict):
        if "AWSTemplateFormatVersion" not in text:
            return None, None  # a list that merely mentions AWS:: types: not a template
        return None, ParseError("not a CloudFormation template: the document is not a mapping",
                                Location(path, 1, 1))
    loaded = Loaded(path, text, doc, fmt)
    loaded.warnings = [ParseError(f"{message}: CloudFormation uses the last value",
                                  Location(path, line, column), Severity.WARNING)
                       for message, line, column in dups]
    if fmt is Format.CLOUDFORMATION_YAML and "policylint" in text:
        loaded.comments = comments(text)
    return loaded, None


def comments(text: str) -> list[tuple[int, int, str]]:
    """(line, column, text after ``#``) of every YAML comment that mentions policylint.

    PyYAML drops comments, so the lines are scanned: a ``#`` starts a comment at the start of a
    line or after whitespace, outside quotes. Only lines mentioning policylint are looked at.
    """
    out: list[tuple[int, int, str]] = []
    for i, line in enumerate(text.split("\n"), start=1):
        if "policylint" not in line or "#" not in line:
            continue
        col = _comment_start(line)
        if col is not None and "policylint" in line[col:]:
            out.append((i, col + 1, line[col + 1:].strip()))
    return out


def _comment_start(line: str) -> int | None:
    quote: str | None = None
    i = 0
    n = len(line)
    while i < n:
        ch = line[i]
        if quote == "'":
            if ch == "'":
                if i + 1 < n and line[i + 1] == "'":
                    i += 1
                else:
                    quote = None
        elif quote == '"':
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = None
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,-"):
            quote = ch
        i += 1
    return None
