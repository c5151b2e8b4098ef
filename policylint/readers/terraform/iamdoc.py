"""IAM in Terraform: policy documents and the roles of labeling jobs and flow definitions."""
from __future__ import annotations

from typing import Any

from policylint.model import LabelingUse, Unknown


def policy_document(m: Any, block: Any) -> Any:
    return Unknown("data.aws_iam_policy_document is not evaluated yet")


def flow_definition_uses(m: Any, block: Any, local: str, scope: Any) -> list[LabelingUse]:
    return []
