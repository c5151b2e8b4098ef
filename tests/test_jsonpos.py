"""jsonpos: JSON with 1-based positions on every container, key, value and item."""
from __future__ import annotations

import json

import pytest

from policylint.jsonpos import JSONPosError, line_col, loads
from policylint.positioned import PDict, PList, Pos, plain

DOC = """{
  "CORSRules": [
    {"AllowedMethods": ["GET", "PUT"],
     "MaxAgeSeconds": 3000}
  ],
  "n": -1.5e3, "t": true, "f": false, "z": null, "s": "caf\\u00e9 \\"q\\""
}"""


def test_values_equal_the_stdlib() -> None:
    assert plain(loads(DOC)) == json.loads(DOC)


def test_positions_of_containers_keys_values_and_items() -> None:
    doc = loads(DOC)
    assert isinstance(doc, PDict)
    assert doc.pos == Pos(1, 1, 7, 2)
    assert doc.key_pos("CORSRules") == Pos(2, 3, 2, 14)
    rules = doc["CORSRules"]
    assert isinstance(rules, PList)
    assert rules.pos == doc.value_pos("CORSRules") == Pos(2, 16, 5, 4)
    assert rules.item_pos(0) == Pos(3, 5, 4, 28)  # ends are exclusive
    rule = rules[0]
    assert rule.key_pos("MaxAgeSeconds") == Pos(4, 6, 4, 21)
    assert rule.value_pos("MaxAgeSeconds") == Pos(4, 23, 4, 27)
    assert rule["AllowedMethods"].ipos == [Pos(3, 25, 3, 30), Pos(3, 32, 3, 37)]
    assert doc.value_pos("n") == Pos(6, 8, 6, 14)


def test_missing_positions_fall_back_to_the_container() -> None:
    doc = loads('{"a": [1]}')
    assert doc.key_pos("nope") == doc.pos
    assert doc["a"].item_pos(5) == doc["a"].pos


@pytest.mark.parametrize("text, line, column, message", [
    ('{"a": 1,}', 1, 9, "expected a string key"),
    ('{"a" 1}', 1, 6, "expected ':'"),
    ("[1 2]", 1, 4, "expected ',' or ']'"),
    ('{"a": [1, 2}', 1, 12, "expected ',' or ']'"),
    ("[1]\n[2]", 2, 1, "extra data after the document"),
    ("", 1, 1, "unexpected end of document"),
    ('{"a":\n', 2, 1, "unexpected end of document"),
    ("[01]", 1, 3, "expected ',' or ']'"),
    ("[nan]", 1, 2, "unexpected character 'n'"),
    ('["a\tb"]', 1, 2, "invalid string: Invalid control character at"),
    ("{'a': 1}", 1, 2, "expected a string key"),
    ("[1,]", 1, 4, "unexpected character ']'"),
])
def test_errors_carry_line_and_column(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(JSONPosError) as info:
        loads(text)
    assert (info.value.line, info.value.column, info.value.message) == (line, column, message)


def test_duplicate_keys() -> None:
    text = '{"a": 1,\n "a": 2}'
    assert loads(text) == {"a": 2}  # last wins, as in json
    with pytest.raises(JSONPosError) as info:
        loads(text, reject_duplicates=True)
    assert (info.value.line, info.value.column, info.value.message) == (
        2, 2, "duplicate key 'a' (first at line 1)")


def test_depth_is_bounded_without_recursion() -> None:
    assert plain(loads("[" * 50 + "]" * 50, max_depth=50)) == json.loads("[" * 50 + "]" * 50)
    with pytest.raises(JSONPosError) as info:
        loads("[" * 100_000 + "]" * 100_000)
    assert (info.value.line, info.value.column) == (1, 513)
    assert "nesting deeper than 512" in info.value.message


def test_byte_order_mark_and_whitespace() -> None:
    doc = loads("\ufeff \n [1]")
    assert doc == [1]
    assert doc.pos == Pos(2, 2, 2, 5)


def test_line_col() -> None:
    assert line_col("ab\ncd", 0) == (1, 1)
    assert line_col("ab\ncd", 4) == (2, 2)
