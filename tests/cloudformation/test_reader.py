"""CloudFormation and SAM templates end to end, through the CLI's JSON output.

Fixtures: tests/fixtures/cloudformation/ (``Fail*`` resources have the findings listed here,
``Pass*`` resources none).
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import copy_fixture, run_cli

Key = tuple[str, str, int, int]

EXPECTED: list[Key] = [
    ("PL001", "broken/template.json", 4, 42),
    ("PL001", "broken/template.yaml", 5, 3),
    ("PL100", "cdk.out/LabelingStack.template.json", 3, 3),
    ("PL101", "conditions/template.yaml", 20, 7),
    ("PL101", "conditions/template.yaml", 35, 7),
    ("PL100", "custom/template.yaml", 5, 3),
    ("PL102", "custom/template.yaml", 39, 13),
    ("PL100", "iam/template.yaml", 5, 3),
    ("PL100", "long/template.json", 10, 5),
    ("PL101", "long/template.json", 20, 9),
    ("PL103", "media/template.yaml", 9, 7),
    ("PL104", "media/template.yaml", 11, 13),
    ("PL100", "media/template.yaml", 14, 3),
    # sam/statemachine/labeling.json alone would not know ${ImagesBucket}: the template reads
    # it with its DefinitionSubstitutions, so no PL102 from the file on its own
    ("PL100", "sam/template.yaml", 6, 3),
    ("PL100", "short/template.yaml", 10, 3),
    ("PL101", "short/template.yaml", 25, 7),
    ("PL200", "short/template.yaml", 49, 13),
    ("PL100", "short/template.yaml", 51, 3),
    ("PL100", "sub/template.yaml", 5, 3),
    ("PL100", "sub/template.yaml", 10, 3),
    ("PL100", "sub/template.yaml", 60, 3),  # arn:${AWS::Partition}:states:::... still a task
    ("PL002", "suppress/template.yaml", 17, 13),
    ("PL100", "suppress/template.yaml", 24, 3),
    ("PL002", "suppress/template.yaml", 25, 27),
]


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = copy_fixture("cloudformation", tmp_path_factory.mktemp("cfn"))
    code, out, err = run_cli([".", "--format", "json"], root)
    assert code == 1, err
    return json.loads(out)  # type: ignore[no-any-return]


def _finding(scan: dict[str, Any], rule: str, path: str, line: int) -> dict[str, Any]:
    got = [f for f in scan["findings"]
           if (f["rule"], f["path"], f["line"]) == (rule, path, line)]
    assert len(got) == 1, got
    return got[0]


def test_exact_findings(scan: dict[str, Any]) -> None:
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in scan["findings"]] == EXPECTED
    assert scan["summary"]["suppressed"] == 2


def test_no_placeholder_reaches_the_output(scan: dict[str, Any]) -> None:
    assert "policylint-cfn" not in json.dumps(scan)


def test_short_form_intrinsics_name_the_bucket(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "short/template.yaml", 10)
    assert f["bucket"] == "acme-dev-images"  # !Sub with the parameter's Default
    assert f["end_line"] == 16  # the logical ID through the end of the resource
    assert f["fix"]["snippet"] == ('CorsConfiguration:\n  CorsRules:\n    - AllowedMethods: [GET]\n'
                                   '      AllowedOrigins: ["*"]\n')
    f = _finding(scan, "PL101", "short/template.yaml", 25)
    assert f["bucket"] == "acme-dev-review"  # !Join of !Ref


def test_bucket_without_name_binds_by_identity(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "short/template.yaml", 51)
    assert f["bucket"] is None and f["subject"] == "FailUsedByJob"
    assert [(r["line"], r["message"]) for r in f["related"]] == [
        (51, "bucket FailUsedByJob is defined here"),
        (74, "Step Functions LabelingStateMachine, state 'Label' (createLabelingJob): input "
             "manifest (defined)"),
    ]


def test_s3_api_names_are_pl200(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL200", "short/template.yaml", 49)
    assert f["message"] == ("'ExposeHeaders' is not a field of CloudFormation: use "
                            "'ExposedHeaders' ('ExposeHeaders' is the S3 API name)")


def test_json_template_long_forms_and_join_definition(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "long/template.json", 10)
    assert f["bucket"] == "acme-dev-json-images"  # Fn::FindInMap with Ref to a Default
    assert f["related"][1]["message"].startswith("Step Functions Job, state 'L'")
    assert f["fix"]["snippet"] == (  # Ground Truth input: the documented exposed header too
        '"CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": '
        '["*"], "ExposedHeaders": ["Access-Control-Allow-Origin"]}]}')
    f = _finding(scan, "PL101", "long/template.json", 20)
    assert f["fix"]["snippet"] == '{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}'


def test_unknown_condition_checks_both_branches_and_names_it(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL101", "conditions/template.yaml", 20)
    assert f["message"] == ("CORS of S3 bucket FailProdOnly when condition IsProd is false has "
                            "no rule allowing GET from *; it holds human labeling input data")
    f = _finding(scan, "PL101", "conditions/template.yaml", 35)
    assert "when condition IsShared is false" in f["message"]


def test_sub_with_variable_map_maps_lines_into_the_block(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "sub/template.yaml", 5)
    assert [(r["line"], r["column"]) for r in f["related"]] == [(5, 3), (27, 38)]
    f = _finding(scan, "PL100", "sub/template.yaml", 10)
    assert f["related"][1]["line"] == 50  # DefinitionSubstitutions into a Definition object


def test_sam_definition_uri_is_read_relative_to_the_template(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "sam/template.yaml", 6)
    assert (f["related"][1]["path"], f["related"][1]["line"]) == (
        "sam/statemachine/labeling.json", 9)


def test_custom_resources_with_api_names(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "custom/template.yaml", 5)
    assert f["related"][1]["message"] == ("Custom::CreateLabelingJob NestedJob: input manifest "
                                          "(defined)")
    f = _finding(scan, "PL102", "custom/template.yaml", 39)
    assert f["message"].endswith("Fn::ImportValue is known only at deploy time")


def test_iam_execution_role_gives_an_inferred_warning(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "iam/template.yaml", 5)
    assert f["severity"] == "warning"
    assert f["related"][1]["message"] == (
        "IAM role LabelingJobRole: the execution role may s3:GetObject from "
        "arn:aws:s3:::acme-inferred-images/* (inferred)")


def test_point_cloud_job_needs_media_cors_on_input_and_output(scan: dict[str, Any]) -> None:
    assert _finding(scan, "PL100", "media/template.yaml", 14)["bucket"] == "acme-lidar-output"


def test_synthesized_cdk_template_is_never_auto_fixed(scan: dict[str, Any]) -> None:
    f = _finding(scan, "PL100", "cdk.out/LabelingStack.template.json", 3)
    assert f["fix"]["description"].startswith("this bucket comes from generated output")


def test_suppressions_and_their_problems(scan: dict[str, Any]) -> None:
    assert _finding(scan, "PL002", "suppress/template.yaml", 17)["message"] == (
        'suppression has no reason: add reason="why this is safe"')
    assert _finding(scan, "PL002", "suppress/template.yaml", 25)["message"] == (
        'suppression has no reason: add reason="why this is safe"')


def test_parse_errors_point_at_the_error(scan: dict[str, Any]) -> None:
    assert _finding(scan, "PL001", "broken/template.yaml", 5)["message"] == (
        "duplicate key 'Images' (first at line 3, again at line 5): CloudFormation uses the last "
        "value")
    assert _finding(scan, "PL001", "broken/template.yaml", 5)["severity"] == "warning"
    assert _finding(scan, "PL001", "broken/template.json", 4)["message"] == (
        "invalid JSON: expected a string key")
