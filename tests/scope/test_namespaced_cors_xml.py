"""Issue 15 item 20: a namespace-prefixed CORS XML document is a CORS document."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import json_findings, write_tree

from policylint import discover

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def _doc(prefix: str, method: str) -> str:
    p = f"{prefix}:" if prefix else ""
    decl = f' xmlns:{prefix}="{NS}"' if prefix else f' xmlns="{NS}"'
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}CORSConfiguration{decl}>\n'
            f"  <{p}CORSRule>\n    <{p}AllowedMethod>{method}</{p}AllowedMethod>\n"
            f"    <{p}AllowedOrigin>*</{p}AllowedOrigin>\n  </{p}CORSRule>\n"
            f"</{p}CORSConfiguration>\n")


@pytest.mark.parametrize("prefix", ["s3", "ns0", "a.b-c", ""])
def test_prefixed_document_is_classified_and_judged(repo: Path, prefix: str) -> None:
    assert discover.classify("cors.xml", _doc(prefix, "PUT").encode()) == discover.CORS
    write_tree(repo, {"cors.xml": _doc(prefix, "PUT"),
                      ".policylint.yaml": "cors-files:\n  cors.xml: acme-x\n"
                                          "labeling:\n  buckets: [acme-x]\n"})
    assert json_findings(["."], repo) == [("PL101", "cors.xml", 2, 1)]
    write_tree(repo, {"cors.xml": _doc(prefix, "GET")})
    assert json_findings(["."], repo) == []


def test_a_prefixed_element_that_is_not_cors_is_not(repo: Path) -> None:
    assert discover.classify("x.xml", b'<s3:CORSConfigurationX xmlns:s3="x"/>') is None
