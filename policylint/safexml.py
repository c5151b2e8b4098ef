"""A small, safe XML element tree with positions, on the stdlib expat parser.

Any DOCTYPE is refused (so no entity can be declared: no XXE, no entity bomb), external entities
are never resolved, and nesting is bounded. Comments are kept with the element they belong to
(the one they are in, or for a comment outside the root, the root after it), so readers can
honour ``<!-- policylint: disable=... -->`` suppressions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

MAX_DEPTH = 256


class XMLError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


@dataclass
class Element:
    tag: str  # local name, namespace stripped
    namespace: str
    attrs: dict[str, str]
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find_all(self, tag: str) -> list[Element]:
        return [c for c in self.children if c.tag == tag]


@dataclass
class Comment:
    """A comment and the lines it governs: the element it is in; for a comment outside the root,
    the element directly after it (or only its own line when none follows)."""

    text: str
    line: int
    column: int
    parent: Element | None = None
    following: Element | None = None

    @property
    def scope(self) -> tuple[int, int, int, int]:
        """(line, column, end_line, end_column) of the governed region."""
        el = self.parent or self.following
        if el is None:
            return (self.line, self.column, self.line, self.column)
        start = min(self.line, el.line)
        return (start, 1 if start < el.line else el.column, max(el.end_line, self.line),
                el.end_column)


@dataclass
class Document:
    root: Element
    comments: list[Comment]


class _Refused(Exception):
    pass


def _declaration_position(data: bytes) -> tuple[int, int]:
    """(line, column) of the ``encoding=`` in the XML declaration, else (1, 1)."""
    at = data.find(b"encoding", 0, 512)
    if at < 0:
        return 1, 1
    line_start = data.rfind(b"\n", 0, at) + 1
    return data.count(b"\n", 0, at) + 1, at - line_start + 1


def parse(data: bytes) -> Element:
    return parse_document(data).root


def parse_document(data: bytes) -> Document:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []
    refusal: list[str] = []
    where: list[tuple[int, int]] = []  # (line, column) of a refused construct, when better known
    comments: list[Comment] = []
    pending: list[Comment] = []  # top-level comments waiting for the element after them

    def refuse(what: str) -> None:
        refusal.append(what)
        raise _Refused(what)

    def start(name: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            refuse(f"elements nested deeper than {MAX_DEPTH} levels")
        ns, _, local = name.rpartition("}")
        el = Element(local, ns, dict(attrs), parser.CurrentLineNumber,
                     parser.CurrentColumnNumber + 1)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
            for c in pending:
                c.following = el
            pending.clear()
        stack.append(el)

    def end(name: str) -> None:
        el = stack.pop()
        el.end_line = parser.CurrentLineNumber
        # expat points at the start of an end tag (the element ends after its '>'), and just
        # after a self-closing element
        at = parser.CurrentByteIndex
        gt = data.find(b">", at) if at >= 0 and data[at:at + 2] == b"</" else -1
        el.end_column = parser.CurrentColumnNumber + 1 + (gt - at + 1 if gt >= 0 else 0)

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    def comment(text: str) -> None:
        c = Comment(text, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1,
                    parent=stack[-1] if stack else None)
        comments.append(c)
        if not stack:
            pending.append(c)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.CommentHandler = comment

    def doctype(*_: object) -> None:
        # expat reports the position after the DOCTYPE's name: point at "<!DOCTYPE" instead
        at = data.rfind(b"<!DOCTYPE", 0, parser.CurrentByteIndex + 1)
        if at >= 0:
            line_start = data.rfind(b"\n", 0, at) + 1
            where.append((data.count(b"\n", 0, at) + 1, at - line_start + 1))
        refuse("DOCTYPE declarations are refused (they can declare entities: XXE, entity "
               "expansion)")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = lambda *a: refuse("entity declarations are refused")
    parser.ExternalEntityRefHandler = lambda *a: refuse("external entities are refused")  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except _Refused:
        line, column = where[0] if where else (parser.CurrentLineNumber,
                                               parser.CurrentColumnNumber + 1)
        raise XMLError(refusal[0], line, column) from None
    except expat.ExpatError as exc:
        raise XMLError(expat.ErrorString(exc.code), exc.lineno, exc.offset + 1) from None
    except (LookupError, UnicodeError) as exc:
        # expat asks Python for an encoding it does not know (``encoding="x-bogus"``) or the
        # bytes do not decode in the declared one: the document cannot be read
        line, column = _declaration_position(data)
        raise XMLError(f"cannot decode the document: {exc}", line, column) from None
    if not root:
        raise XMLError("no root element", 1, 1)
    return Document(root[0], comments)
