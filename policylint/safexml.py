"""A small, safe XML element tree with positions, on the stdlib expat parser.

Any DOCTYPE is refused (so no entity can be declared: no XXE, no entity bomb), external entities
are never resolved, and nesting is bounded.
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


class _Refused(Exception):
    pass


def parse(data: bytes) -> Element:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Element] = []
    root: list[Element] = []
    refusal: list[str] = []

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
        stack.append(el)

    def end(name: str) -> None:
        el = stack.pop()
        el.end_line = parser.CurrentLineNumber
        el.end_column = parser.CurrentColumnNumber + 1

    def chars(data: str) -> None:
        if stack:
            stack[-1].text += data

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = lambda *a: refuse(
        "DOCTYPE declarations are refused (they can declare entities: XXE, entity expansion)")
    parser.EntityDeclHandler = lambda *a: refuse("entity declarations are refused")
    parser.ExternalEntityRefHandler = lambda *a: refuse("external entities are refused")
    try:
        parser.Parse(data, True)
    except _Refused:
        raise XMLError(refusal[0], parser.CurrentLineNumber,
                       parser.CurrentColumnNumber + 1) from None
    except expat.ExpatError as exc:
        raise XMLError(expat.ErrorString(exc.code), exc.lineno, exc.offset + 1) from None
    if not root:
        raise XMLError("no root element", 1, 1)
    return root[0]
