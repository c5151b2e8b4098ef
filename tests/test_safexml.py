"""safexml: positioned elements; any DOCTYPE refused, so no XXE and no entity expansion."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest

from policylint.safexml import MAX_DEPTH, XMLError, parse

MARKER = "POLICYLINT_SAFEXML_MARKER_4e1d"


def test_elements_with_namespace_positions_and_text() -> None:
    root = parse(b'<?xml version="1.0"?>\n'
                 b'<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\n'
                 b"  <CORSRule>\n    <AllowedMethod> GET </AllowedMethod>\n  </CORSRule>\n"
                 b"</CORSConfiguration>\n")
    assert (root.tag, root.namespace) == ("CORSConfiguration",
                                          "http://s3.amazonaws.com/doc/2006-03-01/")
    assert (root.line, root.column, root.end_line) == (2, 1, 6)
    (rule,) = root.find_all("CORSRule")
    assert (rule.line, rule.column, rule.end_line) == (3, 3, 5)
    (method,) = rule.children
    assert (method.tag, method.namespace, method.text) == ("AllowedMethod",
                                                           "http://s3.amazonaws.com/doc/2006-03-01/",
                                                           " GET ")
    assert (method.line, method.column) == (4, 5)


def test_no_namespace() -> None:
    root = parse(b"<CORSConfiguration><CORSRule/></CORSConfiguration>")
    assert (root.tag, root.namespace, [c.tag for c in root.children]) == (
        "CORSConfiguration", "", ["CORSRule"])


@pytest.mark.parametrize("data, line, column, message", [
    (b"<a><b></a>", 1, 9, "mismatched tag"),
    (b"<a>", 1, 4, "no element found"),
    (b"", 1, 1, "no element found"),
    (b"<a/><b/>", 1, 5, "junk after document element"),
    (b"<a>&undefined;</a>", 1, 4, "undefined entity"),
    (b"<a>\n<!DOCTYPE x>\n</a>", 2, 3, "not well-formed (invalid token)"),
    (b'<?xml version="1.0"?>\n\n  <!DOCTYPE a SYSTEM "http://example.com/a.dtd"><a/>', 3, 3,
     "DOCTYPE declarations are refused (they can declare entities: XXE, entity expansion)"),
    (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', 1, 1,
     "DOCTYPE declarations are refused (they can declare entities: XXE, entity expansion)"),
])
def test_errors_and_refusals_carry_positions(data: bytes, line: int, column: int,
                                             message: str) -> None:
    with pytest.raises(XMLError) as info:
        parse(data)
    assert (info.value.line, info.value.column, info.value.message) == (line, column, message)


def test_nesting_is_bounded() -> None:
    ok = b"<a>" * (MAX_DEPTH - 1) + b"</a>" * (MAX_DEPTH - 1)
    assert parse(ok).tag == "a"
    with pytest.raises(XMLError) as info:
        parse(b"<a>" * (MAX_DEPTH + 5) + b"</a>" * (MAX_DEPTH + 5))
    assert info.value.message == f"elements nested deeper than {MAX_DEPTH} levels"


def test_billion_laughs_is_refused_before_expansion() -> None:
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10)]
    data = ("<!DOCTYPE a [" + "".join(levels) + "]><a>&l9;</a>").encode()
    start = time.perf_counter()
    with pytest.raises(XMLError) as info:
        parse(data)
    assert time.perf_counter() - start < 1
    assert (info.value.line, info.value.column) == (1, 1)


_opened: list[str] = []
_watching = [False]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _watching[0] and event == "open":
        _opened.append(str(args[0]))


sys.addaudithook(_audit)  # audit hooks cannot be removed: this one only records while watching


@pytest.mark.parametrize("template", [
    '<!DOCTYPE a [<!ENTITY s SYSTEM "file://{path}">]><a>&s;</a>',
    '<!DOCTYPE a SYSTEM "file://{path}"><a/>',
    '<!DOCTYPE a [<!ENTITY % p SYSTEM "file://{path}"> %p;]><a/>',
    '<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file://{path}" '
    'parse="text"/></a>',
])
def test_nothing_outside_the_document_is_opened(tmp_path: Path, template: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(MARKER)
    data = template.format(path=secret).encode()
    _opened.clear()
    _watching[0] = True
    try:
        try:
            root = parse(data)
        except XMLError as exc:
            assert MARKER not in exc.message
        else:
            assert MARKER not in root.text and all(MARKER not in c.text for c in root.children)
    finally:
        _watching[0] = False
    assert [p for p in _opened if "secret" in p] == []
