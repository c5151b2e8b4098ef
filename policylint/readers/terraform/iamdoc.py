"""IAM in Terraform: ``data "aws_iam_policy_document"`` values, and the *inferred* inputs of a
labeling job's or A2I flow definition's execution role (``policylint.readers.iam``).

A role is followed through its ``inline_policy`` blocks and ``managed_policy_arns``,
``aws_iam_role_policy``, ``aws_iam_role_policy_attachment`` and ``aws_iam_policy_attachment``
(``roles = [...]``) → ``aws_iam_policy`` resources, in every module instance of the unit (a role
made in a module, a policy passed into one through a variable). ``aws_iam_policy_document``
merges ``source_policy_documents`` and ``override_policy_documents`` as Terraform does.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from policylint import labeling
from policylint.model import BucketRef, LabelingUse, Location, Modality, Service, Unknown
from policylint.readers import iam
from policylint.readers.terraform.parse import Attr, Block, hcl_locator
from policylint.readers.terraform.values import JsonText, Tracked, UnknownJson, UnknownRef

ROLE = "aws_iam_role"
_STATEMENT_KEYS = {"sid": "Sid", "effect": "Effect", "actions": "Action",
                   "not_actions": "NotAction", "resources": "Resource",
                   "not_resources": "NotResource"}
_INDEX = re.compile(r"\[[^\]]*\]$")


def policy_document(m: Any, block: Block) -> Any:
    """The ``json`` attribute of ``data "aws_iam_policy_document"``: a JsonText whose
    structure keeps bucket identities of ARNs built from references."""
    own: list[dict[str, Any]] = []
    for st in block.children("statement"):
        d: dict[str, Any] = {}
        for key, api in _STATEMENT_KEYS.items():
            if key in st.attrs:
                d[api] = m.ev.value(st.attrs[key].expr)
        d.setdefault("Effect", "Allow")
        own.append(d)
    statements: list[dict[str, Any]] = []
    for src in _documents(m, block, "source_json") + _documents(m, block,
                                                                 "source_policy_documents"):
        if src is not None:  # an unknown source only adds statements: the known ones stand
            merge_statements(statements, src)
    merge_statements(statements, own)
    for over in _documents(m, block, "override_json") + _documents(m, block,
                                                                    "override_policy_documents"):
        if over is None:  # an unknown override may replace any statement that has a Sid
            statements[:] = [st for st in statements if not _sid(st)]
        else:
            merge_statements(statements, over)
    doc = {"Version": "2012-10-17", "Statement": statements}
    text = JsonText(json.dumps(_plainish(doc)))
    text.structure = doc
    return {"json": text, "minified_json": text}


def merge_statements(into: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Terraform's merge: a statement replaces the one with the same non-empty Sid, in place;
    the others are appended."""
    for st in new:
        sid = _sid(st)
        at = next((i for i, old in enumerate(into) if sid and _sid(old) == sid), None)
        if at is None:
            into.append(st)
        else:
            into[at] = st


def _sid(st: dict[str, Any]) -> str:
    sid = st.get("Sid")
    return sid if isinstance(sid, str) else ""


def _documents(m: Any, block: Block, attr: str) -> list[list[dict[str, Any]] | None]:
    """The statements of each policy document an argument gives (None: an unknown one)."""
    a = block.attrs.get(attr)
    if a is None:
        return []
    value = m.ev.value(a.expr)
    items = value if isinstance(value, list) else [value]
    out: list[list[dict[str, Any]] | None] = []
    for item in items:
        if item is None:
            continue
        doc = _structure(item)
        out.append(None if doc is None else [st for _i, st in iam.statements(doc)])
    return out


def _structure(value: Any) -> Any:
    """A policy document's structure from a jsonencode result, JSON text or object."""
    if isinstance(value, (JsonText, UnknownJson)):
        return value.structure if isinstance(value.structure, dict) else None
    if isinstance(value, Unknown):
        return None
    if isinstance(value, str):
        try:
            doc = json.loads(value)
        except (ValueError, RecursionError):
            return None
        return doc if isinstance(doc, dict) else None
    return value if isinstance(value, dict) else None


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
    for doc, locate, name in _role_policies(m, role):
        uses += iam.inferred_inputs(doc, outputs=outputs, locate=locate,
                                    evidence=f"{what}: role {_display(m, role)} ({name})",
                                    service=service, modality=modality, ref_of=_ref_of)
    return uses


def _display(m: Any, role: UnknownRef) -> str:
    """The role's full address (``module.x.aws_iam_role.this``)."""
    head = m.reader.unit_key + "#"
    return role.identity[len(head):] if role.identity.startswith(head) else role.address


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


def _owner(m: Any, ref: UnknownRef) -> Any:
    """The module instance that declares the resource ``ref`` stands for."""
    head = m.reader.unit_key + "#"
    if not ref.identity.startswith(head):
        return m
    address = ref.identity[len(head):]
    prefix = address[:-len(ref.address)].rstrip(".") if address.endswith(ref.address) else ""
    return m.reader.instances.get(prefix, m)


def _same(value: Any, role: UnknownRef) -> bool:
    return isinstance(value, UnknownRef) and value.identity == role.identity


def _role_policies(m: Any, role: UnknownRef) -> list[tuple[Any, Locate, str]]:
    """(policy document, locate, description) for each policy attached to the role."""
    out: list[tuple[Any, Locate, str]] = []
    owner = _owner(m, role)
    type_name = _INDEX.sub("", role.address).split(".", 1)
    role_block = owner.resources.get((type_name[0], type_name[1])) if len(type_name) == 2 \
        else None
    if role_block is not None:
        for ip in role_block.children("inline_policy"):
            got = _document(owner, ip.attrs.get("policy"))
            if got is not None:
                out.append((got[0], got[1], "inline policy"))
        managed = _value(owner, role_block, "managed_policy_arns")
        for arn in managed if isinstance(managed, list) else []:
            out += _managed(owner, arn, "managed_policy_arns")
    for inst in _instances(m):
        out += _attached(inst, role)
    return out


MAX_WALK = 500  # module instances searched for attachments


def _instances(m: Any) -> list[Any]:
    """Every module instance of the unit (children made on the way), up to MAX_WALK."""
    root = m.reader.instances.get("", m)
    seen: list[Any] = []
    todo = [root]
    while todo and len(seen) < MAX_WALK:
        inst = todo.pop(0)
        if any(inst is s for s in seen):
            continue
        seen.append(inst)
        for name, block in inst.modules.items():
            exp = inst.expansion(block, "module", name)
            for key, _scope in [] if isinstance(exp, Unknown) else exp:
                child = inst.child(name, key)
                if not isinstance(child, Unknown):
                    todo.append(child)
    return seen


def _attached(m: Any, role: UnknownRef) -> list[tuple[Any, Locate, str]]:
    """Policies that the resources of module instance ``m`` attach to ``role``."""
    out: list[tuple[Any, Locate, str]] = []
    for (type_, name), block in m.resources.items():
        if type_ == "aws_iam_role_policy":
            if _same(_value(m, block, "role"), role):
                got = _document(m, block.attrs.get("policy"))
                if got is not None:
                    out.append((got[0], got[1], f"{m.address(type_)}.{name}"))
        elif type_ == "aws_iam_role_policy_attachment":
            if _same(_value(m, block, "role"), role):
                out += _managed(m, _value(m, block, "policy_arn"), f"{type_}.{name}")
        elif type_ == "aws_iam_policy_attachment":
            roles = _value(m, block, "roles")
            if isinstance(roles, list) and any(_same(r, role) for r in roles):
                out += _managed(m, _value(m, block, "policy_arn"), f"{type_}.{name}")
    return out


def _managed(m: Any, policy: Any, via: str) -> list[tuple[Any, Locate, str]]:
    """The document of the ``aws_iam_policy`` a policy ARN value stands for."""
    if not (isinstance(policy, UnknownRef) and policy.address.startswith("aws_iam_policy.")):
        return []
    owner = _owner(m, policy)
    pn = _INDEX.sub("", policy.address).split(".", 1)[1]
    pblock = owner.resources.get(("aws_iam_policy", pn))
    got = _document(owner, pblock.attrs.get("policy")) if pblock is not None else None
    if got is None:
        return []
    return [(got[0], got[1], f"{owner.address('aws_iam_policy.' + pn)} via {via}")]


def _value(m: Any, block: Block, attr: str) -> Any:
    a = block.attrs.get(attr)
    return m.ev.value(a.expr) if a is not None else None


def _document(m: Any, attr: Attr | None) -> tuple[Any, Locate] | None:
    if attr is None:
        return None

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
