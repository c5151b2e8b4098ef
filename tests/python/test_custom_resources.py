"""Custom resources that write CORS or start jobs, whether or not their code is readable
(issue 13 item 5). Fixture tests/fixtures/python/custom-cors/template.yaml: bucket Images with
inline CORS (GET from *), Custom::PutCors writing CORSRules (PUT only, S3 API field names) to
it, and Custom::StartLabelingJob with S3ManifestURI in it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import copy_fixture, run_cli


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    return copy_fixture("python/custom-cors", tmp_path)


def _keys(root: Path) -> list[tuple[str, str, int, int]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(out)["findings"]]


def test_custom_resource_cors_is_a_second_definition_and_is_judged(tree: Path) -> None:
    assert _keys(tree) == [
        ("PL104", "template.yaml", 9, 13),  # the inline GET rule exposes no origin header
        ("PL101", "template.yaml", 16, 7),  # the rules the custom resource writes: no GET
        ("PL201", "template.yaml", 16, 7),  # two CORS definitions
    ]


@pytest.mark.parametrize("spelling", ["CorsRules", "corsRules"])
def test_spellings_of_the_rules_key(tree: Path, spelling: str) -> None:
    tpl = tree / "template.yaml"
    tpl.write_text(tpl.read_text().replace("      CORSRules:", f"      {spelling}:"))
    assert [k[0] for k in _keys(tree)] == ["PL104", "PL101", "PL201"]


def test_cors_configuration_wrapper(tree: Path) -> None:
    tpl = tree / "template.yaml"
    text = tpl.read_text().replace(
        "      CORSRules:\n        - AllowedMethods: [PUT]\n          AllowedOrigins: [\"*\"]\n"
        "          ExposeHeaders: [ETag]\n",
        "      CORSConfiguration:\n        CORSRules:\n          - AllowedMethods: [GET]\n"
        "            AllowedOrigins: [\"*\"]\n"
        "            ExposeHeaders: [Access-Control-Allow-Origin]\n")
    tpl.write_text(text)
    # the custom resource's GET rule passes; still two definitions
    assert _keys(tree) == [("PL104", "template.yaml", 9, 13), ("PL201", "template.yaml", 17, 9)]


def test_without_inline_cors_the_manifest_property_alone_makes_it_labeling(tree: Path) -> None:
    tpl = tree / "template.yaml"
    lines = tpl.read_text().splitlines(keepends=True)
    del lines[6:10]  # the inline CorsConfiguration
    del lines[6:15]  # the custom CORS resource (shifted)
    tpl.write_text("".join(lines))
    assert _keys(tree) == [("PL100", "template.yaml", 3, 3)]
