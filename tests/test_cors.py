"""S3 CORS documents end to end: every format, every PL200 case, broken and hostile XML.

Fixtures: tests/fixtures/cors/ (pass_* have no finding, fail_* the findings listed here).
Documents that would be large to commit (over 100 rules, over 64 KB) are generated.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, findings_of, json_findings, run_cli, write_tree

from policylint.model import CorsSource, Format
from policylint.readers.cors import read_document

FIXTURE = Path(__file__).parent / "fixtures" / "cors"
XXE_MARKER = "POLICYLINT_XXE_MARKER_7f3a91"


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One JSON run over a copy of the fixture folder."""
    root = copy_fixture("cors", tmp_path_factory.mktemp("cors"))
    code, out, err = run_cli([".", "--format", "json"], root)
    assert code == 1, err
    return {"code": code, "doc": json.loads(out), "out": out, "err": err}


def _of(scan: dict[str, Any], path: str) -> list[tuple[str, int, int, str]]:
    return [(f["rule"], f["line"], f["column"], f["message"])
            for f in scan["doc"]["findings"] if f["path"] == path]


@pytest.mark.parametrize("name", ["pass_s3_api.json", "pass_console_array.json",
                                  "pass_console_rule.json", "pass_namespaced.xml",
                                  "pass_plain.xml"])
def test_valid_documents_of_every_format_have_no_finding(scan: dict[str, Any], name: str) -> None:
    assert _of(scan, name) == []


def test_every_fixture_is_read(scan: dict[str, Any]) -> None:
    cors_files = sorted(p.name for p in FIXTURE.iterdir() if p.suffix in (".json", ".xml"))
    assert scan["doc"]["summary"]["files"] == len(cors_files)
    assert {f["path"] for f in scan["doc"]["findings"]} == {
        n for n in cors_files if n.startswith("fail_")}


PL200_CASES: dict[str, list[tuple[str, int, int, str]]] = {
    "fail_missing_fields.json": [
        ("PL200", 2, 3, "CORS rule has no AllowedMethods (required)"),
        ("PL200", 3, 3, "CORS rule has no AllowedOrigins (required)"),
    ],
    "fail_unknown_method.json": [
        ("PL200", 2, 30, "AllowedMethods has 'get', which S3 does not accept: only GET, PUT, "
                         "POST, DELETE, HEAD (did you mean 'GET'?)"),
        ("PL200", 2, 37, "AllowedMethods has 'PATCH', which S3 does not accept: only GET, PUT, "
                         "POST, DELETE, HEAD"),
    ],
    "fail_wildcards.json": [
        ("PL200", 3, 22, "AllowedOrigins entry 'https://*.example.*' has more than one '*' "
                         "wildcard (S3 allows one)"),
        ("PL200", 4, 33, "AllowedHeaders entry '*-*' has more than one '*' wildcard (S3 allows "
                         "one)"),
    ],
    "fail_max_age.json": [
        ("PL200", 2, 73, "MaxAgeSeconds is -1: it must not be negative"),
        ("PL200", 3, 73, "MaxAgeSeconds must be a whole number of seconds, not 1.5"),
        ("PL200", 4, 73, 'MaxAgeSeconds must be a whole number of seconds, not "3000"'),
        ("PL200", 5, 73, "MaxAgeSeconds must be a whole number of seconds, not true"),
    ],
    "fail_cloudformation_names.json": [
        ("PL200", 5, 5, "'ExposedHeaders' is not a field of an S3 CORS document: use "
                        "'ExposeHeaders' ('ExposedHeaders' is the CloudFormation name)"),
        ("PL200", 6, 5, "'MaxAge' is not a field of an S3 CORS document: use 'MaxAgeSeconds' "
                        "('MaxAge' is the CloudFormation name)"),
    ],
    "fail_cloudformation_names.xml": [
        ("PL200", 5, 5, "<ExposedHeader> is not an element of an S3 CORS rule: use "
                        "<ExposeHeader>"),
        ("PL200", 6, 5, "<MaxAge> is not an element of an S3 CORS rule: use <MaxAgeSeconds>"),
    ],
    "fail_rules.xml": [
        ("PL200", 2, 3, "CORS rule has no <AllowedMethod> (required)"),
        ("PL200", 7, 5, "<AllowedMethod> has 'OPTIONS', which S3 does not accept: only GET, "
                        "PUT, POST, DELETE, HEAD"),
        ("PL200", 8, 5, "<AllowedOrigin> entry 'http://**' has more than one '*' wildcard "
                        "(S3 allows one)"),
        ("PL200", 9, 5, "<AllowedHeader> entry '**' has more than one '*' wildcard (S3 allows "
                        "one)"),
        ("PL200", 10, 5, "MaxAgeSeconds is -5: it must not be negative"),
        ("PL200", 15, 5, 'MaxAgeSeconds must be a whole number of seconds, not "1.5"'),
    ],
}


@pytest.mark.parametrize("name", sorted(PL200_CASES))
def test_pl200_findings_name_the_field_and_point_at_it(scan: dict[str, Any], name: str) -> None:
    assert _of(scan, name) == PL200_CASES[name]


PARSE_ERRORS: dict[str, list[tuple[str, int, int, str]]] = {
    "fail_broken.json": [("PL001", 2, 55, "invalid JSON: expected a string key")],
    "fail_broken.xml": [("PL001", 4, 5, "invalid XML: mismatched tag")],
    "fail_xxe.xml": [("PL001", 2, 1, "invalid XML: DOCTYPE declarations are refused (they can "
                                     "declare entities: XXE, entity expansion)")],
    "fail_entity_bomb.xml": [("PL001", 2, 1, "invalid XML: DOCTYPE declarations are refused "
                                             "(they can declare entities: XXE, entity "
                                             "expansion)")],
}


@pytest.mark.parametrize("name", sorted(PARSE_ERRORS))
def test_broken_and_hostile_documents_are_pl001(scan: dict[str, Any], name: str) -> None:
    assert _of(scan, name) == PARSE_ERRORS[name]


def test_xxe_never_reads_the_referenced_file(scan: dict[str, Any]) -> None:
    assert (FIXTURE / "xxe-secret.txt").read_text().strip() == XXE_MARKER
    assert XXE_MARKER not in scan["out"] + scan["err"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_xxe_with_an_absolute_file_url_reads_nothing(repo: Path, tmp_path: Path,
                                                     fmt: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(XXE_MARKER + "\n")
    doc = (f'<?xml version="1.0"?>\n<!DOCTYPE CORSConfiguration [<!ENTITY s SYSTEM '
           f'"file://{secret}">]>\n<CORSConfiguration><CORSRule><AllowedMethod>GET'
           '</AllowedMethod><AllowedOrigin>&s;</AllowedOrigin></CORSRule></CORSConfiguration>\n')
    external = (f'<?xml version="1.0"?>\n<!DOCTYPE CORSConfiguration SYSTEM "file://{secret}">\n'
                '<CORSConfiguration/>\n')
    write_tree(repo, {"xxe.xml": doc, "dtd.xml": external})
    code, out, err = run_cli([".", "--format", fmt], repo)
    assert code == 1
    assert XXE_MARKER not in out + err
    if fmt == "json":
        assert findings_of(out) == [("PL001", "dtd.xml", 2, 1), ("PL001", "xxe.xml", 2, 1)]


def test_entity_bomb_is_refused_fast(repo: Path) -> None:
    """A billion-laughs document is refused before any expansion (the run stays instant)."""
    import time

    write_tree(repo, {"bomb.xml": (FIXTURE / "fail_entity_bomb.xml").read_text()})
    start = time.perf_counter()
    assert json_findings(["."], repo) == [("PL001", "bomb.xml", 2, 1)]
    assert time.perf_counter() - start < 5


# --- generated documents: limits ----------------------------------------------------------------

def _rule_json(i: int) -> str:
    return f'{{"ID": "r{i}", "AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}}'


def test_more_than_100_rules_json(repo: Path) -> None:
    ok = '{"CORSRules": [\n' + ",\n".join(_rule_json(i) for i in range(100)) + "\n]}\n"
    bad = '{"CORSRules": [\n' + ",\n".join(_rule_json(i) for i in range(101)) + "\n]}\n"
    write_tree(repo, {"ok.json": ok, "bad.json": bad})
    code, out, _ = run_cli([".", "--format", "json"], repo)
    doc = json.loads(out)
    assert [(f["rule"], f["path"], f["line"], f["column"], f["message"])
            for f in doc["findings"]] == [
        ("PL200", "bad.json", 1, 15, "101 CORS rules; S3 allows at most 100")]
    assert code == 1


def test_more_than_100_rules_xml(repo: Path) -> None:
    rule = ("  <CORSRule><AllowedMethod>GET</AllowedMethod>"
            "<AllowedOrigin>*</AllowedOrigin></CORSRule>\n")
    write_tree(repo, {"bad.xml": "<CORSConfiguration>\n" + rule * 101 + "</CORSConfiguration>\n"})
    assert json_findings(["."], repo) == [("PL200", "bad.xml", 1, 1)]


def test_rule_id_over_255_characters(repo: Path) -> None:
    write_tree(repo, {
        "ok.json": '[{"ID": "' + "a" * 255 + '", "AllowedMethods": ["GET"], '
                   '"AllowedOrigins": ["*"]}]\n',
        "long.json": '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"],\n  "ID": "'
                     + "a" * 256 + '"}]\n',
        "long.xml": "<CORSConfiguration><CORSRule>\n<ID>" + "b" * 300 + "</ID>\n<AllowedMethod>"
                    "GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>\n"
                    "</CORSRule></CORSConfiguration>\n",
    })
    code, out, _ = run_cli([".", "--format", "json"], repo)
    assert [(f["path"], f["line"], f["column"], f["message"])
            for f in json.loads(out)["findings"]] == [
        ("long.json", 2, 9, "ID is 256 characters long; S3 allows at most 255"),
        ("long.xml", 2, 1, "ID is 300 characters long; S3 allows at most 255"),
    ]


def test_document_over_64_kb(repo: Path) -> None:
    rule = '{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "AllowedHeaders": ["%s"]}'
    small = "[" + rule % ("x" * 100) + "]\n"
    big = "[" + rule % ("x" * (64 * 1024)) + "]\n"
    write_tree(repo, {"small.json": small, "big.json": big})
    code, out, _ = run_cli([".", "--format", "json"], repo)
    size = len(big.encode())
    assert [(f["rule"], f["path"], f["line"], f["column"], f["message"])
            for f in json.loads(out)["findings"]] == [
        ("PL200", "big.json", 1, 1,
         f"CORS document is {size} bytes; S3 allows at most 65536 (64 KB)")]


# --- the model each format yields ----------------------------------------------------------------

def _read(name: str) -> Any:
    config, error = read_document(name, (FIXTURE / name).read_bytes())
    assert error is None
    assert config is not None
    return config


def test_s3_api_json_model() -> None:
    c = _read("pass_s3_api.json")
    assert (c.format, c.source, c.document, c.target) == (Format.CORS_JSON, CorsSource.FILE,
                                                          "pass_s3_api.json", None)
    assert (c.location.line, c.location.column) == (2, 3)
    (r,) = c.rules
    assert (r.methods, r.origins, r.allowed_headers, r.expose_headers, r.max_age, r.id) == (
        ("GET",), ("*",), (), ("Access-Control-Allow-Origin",), 3000, "labeling")
    assert (r.location.line, r.location.column) == (3, 5)
    assert c.problems == ()


def test_console_array_model() -> None:
    c = _read("pass_console_array.json")
    (r,) = c.rules
    assert (c.location.line, c.location.column) == (1, 1)
    assert (r.methods, r.origins, r.location.line, r.location.column) == (("GET",), ("*",), 2, 3)


def test_console_single_rule_model() -> None:
    c = _read("pass_console_rule.json")
    (r,) = c.rules
    assert (r.methods, r.allowed_headers, r.max_age) == (("GET", "HEAD", "PUT"), ("*",), 3000)
    assert (r.location.line, r.location.column) == (1, 1)


@pytest.mark.parametrize("name, rule_line", [("pass_namespaced.xml", 3), ("pass_plain.xml", 2)])
def test_xml_model_with_and_without_namespace(name: str, rule_line: int) -> None:
    c = _read(name)
    (r,) = c.rules
    assert c.format is Format.CORS_XML
    assert (r.location.line, r.location.column) == (rule_line, 3)
    assert r.origins == ("*",)
    assert "GET" in r.methods  # type: ignore[operator]


def test_xml_in_another_namespace_is_pl200(repo: Path) -> None:
    write_tree(repo, {"other.xml": '<CORSConfiguration xmlns="urn:example">\n  <CORSRule>'
                                   "<AllowedMethod>GET</AllowedMethod><AllowedOrigin>*"
                                   "</AllowedOrigin></CORSRule>\n</CORSConfiguration>\n"})
    assert json_findings(["."], repo) == [("PL200", "other.xml", 1, 1)]


def test_not_utf8_is_pl001_at_the_bad_byte(repo: Path) -> None:
    write_tree(repo, {"latin1.json": b'{"CORSRules": [\n {"ID": "caf\xe9"}]}\n'})
    code, out, _ = run_cli([".", "--format", "json"], repo)
    (f,) = json.loads(out)["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"]) == ("PL001", "latin1.json", 2, 13)
    assert "0xe9" in f["message"]


def test_put_bucket_cors_cli_input_json_names_its_bucket(repo: Path) -> None:
    """``aws s3api put-bucket-cors --cli-input-json`` files: the wrapper is not a rule (no false
    PL200) and the bucket it names is the document's target."""
    write_tree(repo, {
        ".policylint.yaml": "labeling:\n  buckets: [acme-lab-*]\n",
        "put-cors.json": '{\n  "Bucket": "acme-lab-images",\n  "CORSConfiguration": {\n'
                         '    "CORSRules": [\n      {"AllowedMethods": ["PUT"], '
                         '"AllowedOrigins": ["*"]}\n    ]\n  },\n'
                         '  "ExpectedBucketOwner": "111122223333"\n}\n',
        "ok-cors.json": '{"Bucket": "acme-lab-ok", "CORSConfiguration": {"CORSRules": '
                        '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "ID": 5}]}}\n',
    })
    code, out, _ = run_cli(["--format", "json"], repo)
    assert [(f["rule"], f["path"], f["line"], f["column"], f["bucket"])
            for f in json.loads(out)["findings"]] == [
        ("PL200", "ok-cors.json", 1, 122, "acme-lab-ok"),
        ("PL101", "put-cors.json", 4, 5, "acme-lab-images"),
    ]
