"""Issue 15 item 10: in a plan (AWS provider v4+), aws_s3_bucket.cors_rule is a computed echo of
the bucket's CORS; beside an aws_s3_bucket_cors_configuration for the same bucket it is not a
second definition (no PL201), and the separate resource is the one judged."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import json_findings, write_tree

GET = {"allowed_methods": ["GET"], "allowed_origins": ["*"], "allowed_headers": [],
       "expose_headers": [], "id": "", "max_age_seconds": 0}
PUT = {**GET, "allowed_methods": ["PUT"]}


def _plan(inline: list[dict[str, Any]], separate: list[dict[str, Any]] | None,
          by_reference: bool) -> str:
    resources: list[dict[str, Any]] = [{
        "address": "aws_s3_bucket.images", "mode": "managed", "type": "aws_s3_bucket",
        "name": "images",
        "values": {"bucket": "acme-images", "cors_rule": inline,
                   "tags": {"policylint:labeling-input": "true"}}}]
    config: list[dict[str, Any]] = []
    if separate is not None:
        resources.append({
            "address": "aws_s3_bucket_cors_configuration.images", "mode": "managed",
            "type": "aws_s3_bucket_cors_configuration", "name": "images",
            "values": {"bucket": None if by_reference else "acme-images",
                       "cors_rule": separate}})
        if by_reference:
            config.append({"address": "aws_s3_bucket_cors_configuration.images",
                           "expressions": {"bucket": {"references": [
                               "aws_s3_bucket.images.id", "aws_s3_bucket.images"]}}})
    doc = {"format_version": "1.2", "terraform_version": "1.7.0",
           "planned_values": {"root_module": {"resources": resources}},
           "configuration": {"root_module": {"resources": config}}}
    return json.dumps(doc, indent=2) + "\n"


@pytest.mark.parametrize("by_reference", [True, False])
@pytest.mark.parametrize(("inline", "separate", "expected"), [
    ([GET], [GET], []),  # the echo of the separate resource: one definition
    ([PUT], [GET], []),  # a stale echo does not decide either
    ([GET], [PUT], [("PL101", "plan.json", 34, 11)]),  # the separate one is judged
    ([], [GET], []),
])
def test_inline_echo_beside_a_cors_resource(repo: Path, by_reference: bool,
                                            inline: list[dict[str, Any]],
                                            separate: list[dict[str, Any]],
                                            expected: list[tuple[str, str, int, int]]) -> None:
    write_tree(repo, {"plan.json": _plan(inline, separate, by_reference)})
    assert json_findings(["."], repo) == expected


def test_inline_cors_alone_is_still_judged(repo: Path) -> None:
    write_tree(repo, {"plan.json": _plan([PUT], None, False)})
    assert json_findings(["."], repo) == [("PL101", "plan.json", 8, 11)]
