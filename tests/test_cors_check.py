"""cors_check: CORS rules as written in S3, CloudFormation and Terraform naming → CorsRule, with
S3's rules as problems at exact positions."""
from __future__ import annotations

from typing import Any

import pytest

from policylint.cors_check import build_rule, check_document_size, check_rule_count
from policylint.model import CorsProblem, Unknown
from policylint.positioned import Pos


def P(line: int, column: int) -> Pos:
    return Pos(line, column, line, column + 1)


RULE_POS = P(1, 1)


def _build(fields: dict[str, Any], scheme: str = "s3", **kw: Any) -> tuple[Any, list[tuple[int, int, str]]]:
    positioned = {k: (v, P(i + 2, 5)) for i, (k, v) in enumerate(fields.items())}
    rule, problems = build_rule(positioned, scheme, "doc.json", RULE_POS, **kw)
    return rule, [(p.location.line, p.location.column, p.message) for p in problems]


def test_s3_rule_values() -> None:
    rule, problems = _build({"ID": "x", "AllowedMethods": ["GET", "HEAD"],
                             "AllowedOrigins": ["*"], "AllowedHeaders": ["*"],
                             "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 60})
    assert problems == []
    assert (rule.id, rule.methods, rule.origins, rule.allowed_headers, rule.expose_headers,
            rule.max_age) == ("x", ("GET", "HEAD"), ("*",), ("*",), ("ETag",), 60)
    assert (rule.location.path, rule.location.line, rule.location.column) == ("doc.json", 1, 1)


def test_cloudformation_and_terraform_names_map_to_the_same_model() -> None:
    cfn, p1 = _build({"Id": "x", "AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
                      "ExposedHeaders": ["ETag"], "MaxAge": 5}, "cloudformation")
    tf, p2 = _build({"id": "x", "allowed_methods": ["GET"], "allowed_origins": ["*"],
                     "expose_headers": ["ETag"], "max_age_seconds": 5}, "terraform")
    assert p1 == p2 == []
    assert (cfn.id, cfn.methods, cfn.origins, cfn.expose_headers, cfn.max_age) == (
        tf.id, tf.methods, tf.origins, tf.expose_headers, tf.max_age) == (
        "x", ("GET",), ("*",), ("ETag",), 5)


def test_s3_names_in_cloudformation_are_problems_at_the_key() -> None:
    fields = {"AllowedMethods": (["GET"], P(2, 20)), "AllowedOrigins": (["*"], P(3, 20)),
              "ExposeHeaders": ([], P(4, 20)), "MaxAgeSeconds": (1, P(5, 20))}
    keys = {"ExposeHeaders": P(4, 3), "MaxAgeSeconds": P(5, 3)}
    _, problems = build_rule(fields, "cloudformation", "t.yaml", RULE_POS, None, keys)
    assert [(p.location.line, p.location.column, p.message) for p in problems] == [
        (4, 3, "'ExposeHeaders' is not a field of CloudFormation: use 'ExposedHeaders' "
               "('ExposeHeaders' is the S3 API name)"),
        (5, 3, "'MaxAgeSeconds' is not a field of CloudFormation: use 'MaxAge' "
               "('MaxAgeSeconds' is the S3 API name)"),
    ]


def test_unknown_field_lists_the_known_ones() -> None:
    _, problems = _build({"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "Origin": "x"})
    assert problems == [(4, 5, "unknown field 'Origin' in a CORS rule (expected one of ID, "
                               "AllowedMethods, AllowedOrigins, AllowedHeaders, ExposeHeaders, "
                               "MaxAgeSeconds)")]


def test_required_fields_point_at_the_rule() -> None:
    _, problems = _build({"AllowedHeaders": ["*"]})
    assert problems == [(1, 1, "CORS rule has no AllowedMethods (required)"),
                        (1, 1, "CORS rule has no AllowedOrigins (required)")]


def test_empty_and_mistyped_lists() -> None:
    rule, problems = _build({"AllowedMethods": [], "AllowedOrigins": "*",
                             "AllowedHeaders": {"a": 1}, "ExposeHeaders": ["ETag", 3]})
    assert rule.origins == ("*",)  # one string counts as a list of one (XML, some consoles)
    assert isinstance(rule.allowed_headers, Unknown)
    assert rule.expose_headers == ("ETag",)
    assert sorted(problems) == [
        (2, 5, "AllowedMethods is empty: a rule needs at least one method"),
        (4, 5, "AllowedHeaders must be a list of strings, not an object"),
        (5, 5, "ExposeHeaders[1] must be a string, not a number"),
    ]


def test_unknown_values_are_never_checked() -> None:
    rule, problems = _build({"AllowedMethods": Unknown("var.methods"),
                             "AllowedOrigins": [Unknown("var.origin"), "**"],
                             "MaxAgeSeconds": Unknown("var.age"), "ID": Unknown("var.id")})
    assert rule.methods == Unknown("var.methods")
    assert rule.max_age == Unknown("var.age")
    assert problems == [(3, 5, "AllowedOrigins entry '**' has more than one '*' wildcard "
                               "(S3 allows one)")]


@pytest.mark.parametrize("value, text_numbers, expected, problem", [
    (0, False, 0, None),
    (3000, False, 3000, None),
    ("3000", True, 3000, None),
    (" 60 ", True, 60, None),
    (3000.0, True, 3000, None),
    ("3000", False, None, 'MaxAgeSeconds must be a whole number of seconds, not "3000"'),
    (3000.0, False, None, "MaxAgeSeconds must be a whole number of seconds, not 3000.0"),
    (1.5, True, None, "MaxAgeSeconds must be a whole number of seconds, not 1.5"),
    (True, True, None, "MaxAgeSeconds must be a whole number of seconds, not true"),
    (None, True, None, "MaxAgeSeconds must be a whole number of seconds, not null"),
    ("1h", True, None, 'MaxAgeSeconds must be a whole number of seconds, not "1h"'),
    (-1, False, -1, "MaxAgeSeconds is -1: it must not be negative"),
    ("-10", True, -10, "MaxAgeSeconds is -10: it must not be negative"),
])
def test_max_age(value: Any, text_numbers: bool, expected: Any, problem: str | None) -> None:
    rule, problems = _build({"AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
                             "MaxAgeSeconds": value}, text_numbers=text_numbers)
    assert rule.max_age == expected
    assert problems == ([] if problem is None else [(4, 5, problem)])


def test_id_length_limit() -> None:
    _, ok = _build({"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ID": "i" * 255})
    _, bad = _build({"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ID": "i" * 256})
    _, typed = _build({"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ID": 7})
    assert ok == []
    assert bad == [(4, 5, "ID is 256 characters long; S3 allows at most 255")]
    assert typed == [(4, 5, "ID must be a string, not a number")]


def test_wildcards_in_origins_and_allowed_headers_only() -> None:
    positioned = {"AllowedMethods": (["GET"], P(2, 5)),
                  "AllowedOrigins": (["*", "https://*.a.*"], P(3, 5)),
                  "AllowedHeaders": (["**"], P(4, 5)),
                  "ExposeHeaders": (["x-*-*"], P(5, 5))}
    items = {"AllowedOrigins": [P(3, 20), P(3, 25)], "AllowedHeaders": [P(4, 20)]}
    _, problems = build_rule(positioned, "s3", "d.json", RULE_POS, items)
    assert [(p.location.line, p.location.column) for p in problems] == [(3, 25), (4, 20)]


def test_rule_count_and_document_size_limits() -> None:
    assert check_rule_count(100, "d.json", P(1, 15)) == []
    assert check_rule_count(101, "d.json", P(1, 15)) == [
        CorsProblem("101 CORS rules; S3 allows at most 100",
                    check_rule_count(101, "d.json", P(1, 15))[0].location)]
    assert check_rule_count(101, "d.json", P(1, 15))[0].location.column == 15
    assert check_document_size(65536, "d.json") == []
    (p,) = check_document_size(65537, "d.json")
    assert (p.location.line, p.location.column, p.message) == (
        1, 1, "CORS document is 65537 bytes; S3 allows at most 65536 (64 KB)")
