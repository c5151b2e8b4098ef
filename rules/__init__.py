"""The built-in rules: an explicit, static registry (no registration by side effect).

Each entry is a module name in this package exposing ``META`` and ``check(project, options)``.
"""
from __future__ import annotations

BUILTIN: tuple[str, ...] = (
    "pl000_internal_error",
    "pl001_parse_error",
    "pl002_invalid_suppression",
    "pl100_labeling_bucket_without_cors",
    "pl101_labeling_bucket_cors_without_get",
    "pl102_labeling_bucket_unverified",
    "pl103_media_labeling_bucket_cors_incomplete",
    "pl104_ground_truth_cors_expose_header",
    "pl105_live_cors_differs",
    "pl200_invalid_cors_configuration",
    "pl201_conflicting_cors_configuration",
)
