"""Labeling files, one kind at a time, end to end: requests (JSON, YAML, StartHumanLoop, point
cloud), manifests (image, text, broken lines), worker templates (Ground Truth, A2I, MTurk XML,
a plain web page), standalone ASL (dynamic ``ManifestS3Uri.$``, YAML).

Fixture: tests/fixtures/labeling/kinds/. No file there defines a bucket, so every literal bucket
is a PL102 warning at its use, and a dynamic one a PL102 that says which part is unknown.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = copy_fixture("labeling/kinds", tmp_path_factory.mktemp("kinds"))
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 1, err
    return json.loads(out)


def _of(scan: dict[str, Any], prefix: str) -> list[tuple[str, str, str, int, int, str | None]]:
    return [(f["rule"], f["severity"], f["path"], f["line"], f["column"], f["bucket"])
            for f in scan["findings"] if f["path"].startswith(prefix)]


def test_create_labeling_job_requests_json_and_yaml(scan: dict[str, Any]) -> None:
    assert _of(scan, "requests/label-") == [
        # the input manifest's bucket; never S3OutputPath or UiTemplateS3Uri for an image job
        ("PL102", "warning", "requests/label-cats.json", 7, 26, "kinds-request-json"),
        ("PL102", "warning", "requests/label-dogs.yaml", 7, 22, "kinds-request-yaml"),
    ]


def test_point_cloud_request_needs_cors_on_input_and_output(scan: dict[str, Any]) -> None:
    assert _of(scan, "requests/lidar.json") == [
        ("PL102", "warning", "requests/lidar.json", 3, 68, "kinds-lidar-in"),
        ("PL102", "warning", "requests/lidar.json", 4, 36, "kinds-lidar-out"),
    ]


def test_human_loop_input_content_is_read_as_json(scan: dict[str, Any]) -> None:
    # InputContent is a JSON string with escaped slashes and an HTTPS URL with a region
    assert _of(scan, "requests/human-loop.json") == [
        ("PL102", "warning", "requests/human-loop.json", 5, 21, "kinds-a2i-input"),
        ("PL102", "warning", "requests/human-loop.json", 5, 21, "kinds-a2i-ref"),
    ]
    messages = [f["message"] for f in scan["findings"] if f["path"] == "requests/human-loop.json"]
    assert all(m.startswith("Amazon A2I input bucket") for m in messages)


def test_manifest_one_use_per_bucket_and_a_bad_line_does_not_stop_reading(
        scan: dict[str, Any]) -> None:
    assert _of(scan, "manifests/") == [
        ("PL102", "warning", "manifests/images.manifest", 1, 16, "kinds-manifest-a"),
        ("PL001", "error", "manifests/images.manifest", 2, 61, None),
        ("PL102", "warning", "manifests/images.manifest", 3, 15, "kinds-manifest-b"),
    ]
    related = next(f["related"] for f in scan["findings"] if f["bucket"] == "kinds-manifest-a")
    assert related[0]["message"] == (
        "Ground Truth input manifest manifests/images.manifest: source-ref "
        "s3://kinds-manifest-a/img/1.jpg (and 1 more lines) (defined)")


def test_text_manifest_yields_nothing(scan: dict[str, Any]) -> None:
    assert _of(scan, "manifests/text.manifest") == []


def test_templates_service_by_context(scan: dict[str, Any]) -> None:
    assert _of(scan, "templates/") == [
        # a literal URL in an <img src> and a Liquid argument; the dynamic task object is not
        ("PL102", "warning", "templates/bbox.html", 10, 17, "kinds-template-examples"),
        ("PL102", "warning", "templates/bbox.html", 11, 21, "kinds-template-liquid"),
        ("PL102", "warning", "templates/question.xml", 9, 14, "kinds-mturk-images"),
        ("PL102", "warning", "templates/review.html", 9, 17, "kinds-a2i-template"),
        # website.html: an S3 link in a page that is no worker template → nothing
    ]
    services = {f["path"]: f["message"].split(" input bucket")[0] for f in scan["findings"]
                if f["path"].startswith("templates/")}
    assert services == {"templates/bbox.html": "Ground Truth",
                        "templates/question.xml": "Mechanical Turk",
                        "templates/review.html": "Amazon A2I"}


def test_dynamic_manifest_uri_is_a_warning_that_names_the_unknown_part(
        scan: dict[str, Any]) -> None:
    assert _of(scan, "sfn/dynamic") == [
        ("PL102", "warning", "sfn/dynamic.asl.json", 10, 62, None)]
    message = next(f["message"] for f in scan["findings"] if f["path"] == "sfn/dynamic.asl.json")
    assert message == ("Ground Truth input 'ManifestS3Uri.$ $.manifest' cannot be verified: the "
                       "bucket name is not known statically: ManifestS3Uri.$ is set at run time "
                       "($.manifest)")


def test_yaml_state_machine_definition(scan: dict[str, Any]) -> None:
    assert _of(scan, "sfn/labeling") == [
        ("PL102", "warning", "sfn/labeling.asl.yaml", 11, 28, "kinds-asl-yaml")]


def test_no_error_but_the_broken_manifest_line(scan: dict[str, Any]) -> None:
    errors = [(f["rule"], f["path"], f["line"]) for f in scan["findings"]
              if f["severity"] == "error"]
    assert errors == [("PL001", "manifests/images.manifest", 2)]
    assert scan["summary"]["files"] == len(list(
        p for p in (Path(__file__).parent.parent / "fixtures/labeling/kinds").rglob("*")
        if p.is_file()))
