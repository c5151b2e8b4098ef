"""IAM in Terraform: ``data "aws_iam_policy_document"`` values, and the *inferred* inputs of a
labeling job's or A2I flow definition's execution role (``policylint.readers.iam``).

A role is followed through its ``inline_policy`` blocks, ``aws_iam_role_policy`` and
``aws_iam_role_policy_attachment`` → ``aws_iam_policy`` resources of the same module.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from policylint import labeling
from policylint.model import BucketRef, LabelingUse, Location, Modality, Service, Unknown
from policylint.readers import iam
from policylint.readers.terraform.parse import Attr, Block
from policylint.readers.terraform.values import JsonText, Tracked, UnknownJson, UnknownRef

ROLE = "aws_iam_role"
_STATEMENT_KEYS = {"sid": "Sid", "effect": "Effect", "actions": "Action",
                   "not_actions": "NotAction", "resources": "Resource",
                   "not_resources": "NotResource"}
_INDEX = re.compile(r"\[[^\]]*\]$")


def policy_document(m: Any, block: Block) -> Any:
    """The ``json`` attribute of ``data "aws_iam_policy_document"``: a JsonText whose
    structure keeps bucket identities of ARNs built from references."""
    statements: list[dict[str, Any]] = []
    for st in block.children("statement"):
        d: dict[str, Any] = {}
        for key, api in _STATEMENT_KEYS.items():
            if key in st.attrs:
                d[api] = m.ev.value(st.attrs[key].expr)
        d.setdefault("Effect", "Allow")
        statements.append(d)
    doc = {"Version": "2012-10-17", "Statement": statements}
    text = JsonText(json.dumps(_plainish(doc)))
    text.structure = doc
    return {"json": text, "minified_json": text}


def _plainish(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plainish(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plainish(x) for x in v]
    if isinstance(v, Unknown):
        return None
    return str(v) if isinstance(v, str) else v


def role_ref(m: Any, local: str, block: Block, attr: str) -> Any:
    """``aws_iam_role.x.arn`` / ``.name`` / ``.id``: unknown text that keeps the role."""
    return UnknownRef(f"{m.address(local)}.{attr} is known only after apply",
                      m.identity(local), local)


def flow_definition_uses(m: Any, block: Block, local: str, scope: dict[str, Any]
                         ) -> list[LabelingUse]:
    outputs = _outputs(m, block, scope, ("output_config", "s3_output_path"))
    return role_uses(m, block, scope, outputs, Service.A2I, Modality.UNKNOWN,
                     f"A2I flow definition {m.address(local)}")


def role_uses(m: Any, block: Block, scope: dict[str, Any], outputs: set[str],
              service: Service, modality: Modality, what: str) -> list[LabelingUse]:
    """Inferred inputs from the policies of the role in ``block``'s ``role_arn``."""
    attr = block.attrs.get("role_arn")
    if attr is None:
        return []
    return policies_uses(m, m.ev.value(attr.expr, scope), outputs, service, modality, what)


def policies_uses(m: Any, role: Any, outputs: set[str], service: Service, modality: Modality,
                  what: str) -> list[LabelingUse]:
    """Inferred inputs from the policies of ``role`` (a role ARN value of this module)."""
    role_local = _role_local(role)
    if role_local is None:
        return []
    uses: list[LabelingUse] = []
    for doc, locate, name in _role_policies(m, role_local):
        uses += iam.inferred_inputs(doc, outputs=outputs, locate=locate,
                                    evidence=f"{what}: role {role_local} ({name})",
                                    service=service, modality=modality, ref_of=_ref_of)
    return uses


def _role_local(value: Any) -> str | None:
    if isinstance(value, UnknownRef) and value.address.startswith(ROLE + "."):
        return value.address
    return None


def _outputs(m: Any, block: Block, scope: dict[str, Any], path: tuple[str, ...]) -> set[str]:
    node: Block | None = block
    for part in path[:-1]:
        kids = node.children(part) if node is not None else []
        node = kids[0] if kids else None
    if node is None or path[-1] not in node.attrs:
        return set()
    name = labeling.bucket_of(m.ev.value(node.attrs[path[-1]].expr, scope))
    return {name} if isinstance(name, str) else set()


def _ref_of(value: Any) -> BucketRef | None:
    if isinstance(value, UnknownRef) and _is_bucket_address(value.address):
        return BucketRef(identity=value.identity, name=Unknown(value.reason),
                         text=value.address)
    if isinstance(value, Tracked):
        name = iam.bucket_of_arn(str(value))
        if name is None or isinstance(name, Unknown):
            return None
        return BucketRef(identity=value.identity or None, name=name, text=str(value))
    if isinstance(value, str):
        name = iam.bucket_of_arn(value)
        if isinstance(name, str):
            return BucketRef(name=name, text=value)
    return None


def _is_bucket_address(address: str) -> bool:
    last = address.rsplit("module.", 1)[-1]
    return last.startswith("aws_s3_bucket.") or ".aws_s3_bucket." in f".{last}"


Locate = Callable[[tuple[Any, ...]], Location]


def _role_policies(m: Any, role_local: str) -> list[tuple[Any, Locate, str]]:
    """(policy document, locate, description) for each policy attached to the role."""
    out: list[tuple[Any, Locate, str]] = []
    type_name = _INDEX.sub("", role_local).split(".", 1)
    role_block = m.resources.get((type_name[0], type_name[1])) if len(type_name) == 2 else None
    if role_block is not None:
        for ip in role_block.children("inline_policy"):
            got = _document(m, ip.attrs.get("policy"))
            if got is not None:
                out.append((got[0], got[1], "inline policy"))
    for (type_, name), block in m.resources.items():
        if type_ == "aws_iam_role_policy":
            if _role_local(_value(m, block, "role")) == role_local:
                got = _document(m, block.attrs.get("policy"))
                if got is not None:
                    out.append((got[0], got[1], f"aws_iam_role_policy.{name}"))
        elif type_ == "aws_iam_role_policy_attachment":
            if _role_local(_value(m, block, "role")) != role_local:
                continue
            policy = _value(m, block, "policy_arn")
            if isinstance(policy, UnknownRef) and policy.address.startswith("aws_iam_policy."):
                pn = _INDEX.sub("", policy.address).split(".", 1)[1]
                pblock = m.resources.get(("aws_iam_policy", pn))
                if pblock is not None:
                    got = _document(m, pblock.attrs.get("policy"))
                    if got is not None:
                        out.append((got[0], got[1], f"aws_iam_policy.{pn}"))
    return out


def _value(m: Any, block: Block, attr: str) -> Any:
    a = block.attrs.get(attr)
    return m.ev.value(a.expr) if a is not None else None


def _document(m: Any, attr: Attr | None) -> tuple[Any, Locate] | None:
    if attr is None:
        return None
    from policylint.readers.terraform.extract import hcl_locator

    value = m.ev.value(attr.expr)
    fallback = attr.value_loc
    if isinstance(value, (JsonText, UnknownJson)):
        base = hcl_locator(attr, fallback)
        return value.structure, lambda keys: base(tuple(k for k in keys if k is not None))
    if isinstance(value, str):
        try:
            return json.loads(value), lambda keys: fallback
        except ValueError:
            return None
    if isinstance(value, dict):
        return value, lambda keys: fallback
    return None
