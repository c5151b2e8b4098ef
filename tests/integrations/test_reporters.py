"""Reporters: full-output snapshots of a hand-made report, SARIF schema validity, GitHub escaping."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from integ_support import FINDINGS, RULES, check_snapshot, sample_report, validate_sarif

from policylint.reporters import render
from policylint.reporters.github import escape_data, escape_property


def test_sarif_snapshot_and_schema() -> None:
    text = render("sarif", sample_report())
    check_snapshot("sample.sarif", text)
    validate_sarif(json.loads(text))


def test_sarif_results() -> None:
    doc = json.loads(render("sarif", sample_report()))
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["PL101", "PL102", "PL104"]
    assert run["originalUriBaseIds"] == {"SRCROOT": {"uri": "file:///work/repo/"}}
    got = [(r["ruleId"], r["ruleIndex"], r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"],
            r["locations"][0]["physicalLocation"]["region"]) for r in run["results"]]
    assert got == [
        ("PL101", 0, "error", {"uri": "infra/cors%2Cimages.json", "uriBaseId": "SRCROOT"},
         {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 20}),
        ("PL102", 1, "warning", {"uri": "file:///elsewhere/sfn.asl.json"},
         {"startLine": 5, "startColumn": 3, "endLine": 9, "endColumn": 4}),
        ("PL104", 2, "note", {"uri": "cors/a%20b.xml", "uriBaseId": "SRCROOT"},
         {"startLine": 2, "startColumn": 3, "endLine": 2}),
    ]
    first = run["results"][0]
    assert [(r["id"], r["physicalLocation"]["artifactLocation"]["uri"],
             r["physicalLocation"]["region"]["startLine"], r["message"]["text"])
            for r in first["relatedLocations"]] == [
        (1, "jobs/job.json", 7, "used as Ground Truth input manifest here"),
        (2, "infra/main.tf", 1, "bucket defined here")]
    assert first["partialFingerprints"] == {"policylint/v1": "0123456789abcdef0123456789abcdef"}


def test_sarif_rule_help_comes_from_the_docstring() -> None:
    doc = json.loads(render("sarif", sample_report()))
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["shortDescription"] == {"text": RULES[0].summary + "."}
    assert rule["fullDescription"] == {"text": "Checks that a labeling bucket allows GET from *."}
    assert rule["help"]["markdown"] == RULES[0].doc.strip()
    assert rule["help"]["text"].startswith("What it does\nChecks that a labeling bucket")
    assert "```" not in rule["help"]["text"]
    assert rule["defaultConfiguration"] == {"level": "error"}


def test_sarif_without_findings_is_valid() -> None:
    text = render("sarif", sample_report(findings=[], root=""))
    doc = json.loads(text)
    validate_sarif(doc)
    assert doc["runs"][0]["results"] == []
    assert "originalUriBaseIds" not in doc["runs"][0]


def test_junit_snapshot() -> None:
    text = render("junit", sample_report())
    check_snapshot("sample.junit.xml", text)
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "3")
    cases = [(c.get("classname"), c.get("name"), c.get("file"), c.get("line"),
              c.find("failure").get("type"))  # type: ignore[union-attr]
             for c in suite.iter("testcase")]
    assert cases == [
        ("policylint.PL101", "PL101 infra/cors,images.json:3:5", "infra/cors,images.json", "3",
         "PL101"),
        ("policylint.PL102", "PL102 /elsewhere/sfn.asl.json:5:3", "/elsewhere/sfn.asl.json",
         "5", "PL102"),
        ("policylint.PL104", "PL104 cors/a b.xml:2:3", "cors/a b.xml", "2", "PL104"),
    ]
    failure = suite.find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == f"PL101 {FINDINGS[0].message}"
    assert (failure.text or "").splitlines()[:3] == [
        "rule: PL101 labeling-bucket-cors-without-get (error)",
        "location: infra/cors,images.json:3:5",
        f"message: {FINDINGS[0].message}"]


def test_junit_clean_run_is_one_passing_testcase() -> None:
    text = render("junit", sample_report(findings=[], files=1))
    check_snapshot("clean.junit.xml", text)
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    cases = list(suite.iter("testcase"))
    assert [(c.get("name"), list(c)) for c in cases] == [("no findings in 1 file", [])]
    assert (suite.get("tests"), suite.get("failures")) == ("1", "0")


def test_junit_strips_characters_xml_cannot_carry() -> None:
    from dataclasses import replace

    bad = replace(FINDINGS[0], message="bell \x07 and nul \x00 here")
    text = render("junit", sample_report(findings=[bad]))
    failure = ET.fromstring(text).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "PL101 bell \ufffd and nul \ufffd here"


def test_github_snapshot() -> None:
    text = render("github", sample_report())
    check_snapshot("sample.github.txt", text)
    assert text.splitlines()[0].startswith(
        "::error file=infra/cors%2Cimages.json,line=3,col=5,endLine=3,endColumn=20,"
        "title=PL101::CORS of S3 bucket acme-images has no rule allowing GET from *: 100%25 of "
        "tasks fail [labeling-bucket-cors-without-get]%0Afix: add this rule")
    assert text.splitlines()[1] == (
        "::warning file=/elsewhere/sfn.asl.json,line=5,col=3,endLine=9,title=PL102::"
        "labeling input bucket <unknown: var.bucket> cannot be resolved%0Astatically "
        "[labeling-bucket-unverified]")
    assert text.splitlines()[2].startswith("::notice file=cors/a b.xml,line=2,col=3,endLine=2,")


def test_github_escaping() -> None:
    assert escape_data("50% a\r\nb:c,d") == "50%25 a%0D%0Ab:c,d"
    assert escape_property("50% a\r\nb:c,d") == "50%25 a%0D%0Ab%3Ac%2Cd"


def test_text_with_annotations_snapshot() -> None:
    text = render("text", sample_report(annotations=True))
    check_snapshot("sample.text-annotations.txt", text)
    head, _, tail = text.partition("Found 1 error, 1 warning and 1 note in 4 files "
                                   "(2 suppressed, 1 in baseline).\n")
    assert head.startswith("infra/cors,images.json:3:5: PL101 [error]")
    assert tail == render("github", sample_report())
