"""IAM in a template → inferred labeling inputs (DESIGN §5), through the shared IAM helper.

A role is a labeling *execution role* when the template passes it to a labeling job: it is the
``RoleArn`` of a CreateLabelingJob-shaped request (a state machine task or a custom resource), or
the resource of an ``iam:PassRole`` statement of a principal (role or SAM function) that is also
allowed ``sagemaker:CreateLabelingJob`` by name. The buckets its policies (inline ``Policies``,
``AWS::IAM::Policy`` and ``AWS::IAM::ManagedPolicy`` attached through ``Roles`` or
``ManagedPolicyArns``) let it ``s3:GetObject`` from, other than the job's outputs, are inferred
inputs.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Any, Callable, Iterator

from policylint.model import BucketRef, LabelingUse, Location, Unknown
from policylint.readers import iam
from policylint.readers.asl import positioned_locate
from policylint.readers.cloudformation.evaluate import Template, intrinsic, walk
from policylint.positioned import PDict, PList

POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
_SUB_VAR = re.compile(r"\$\{([^}.!]+)(?:\.([^}]+))?\}")

# (principal logical ID, owner logical ID, document node, key path of the document in Resources)
Doc = tuple[str, str, PDict, tuple[Any, ...]]


def referenced_ids(node: Any) -> set[str]:
    """Logical IDs referenced by Ref, Fn::GetAtt or ${...} in Fn::Sub inside ``node``."""
    found: set[str] = set()
    for cur in walk(node, limit=2_000):
        fn = intrinsic(cur)
        if fn is None:
            continue
        name, arg = fn
        if name == "Ref" and isinstance(arg, str):
            found.add(arg)
        elif name == "Fn::GetAtt":
            first = arg.split(".", 1)[0] if isinstance(arg, str) else (
                arg[0] if isinstance(arg, list) and arg else None)
            if isinstance(first, str):
                found.add(first)
        elif name == "Fn::Sub":
            text = arg[0] if isinstance(arg, list) and arg else arg
            if isinstance(text, str):
                found.update(m.group(1).strip() for m in _SUB_VAR.finditer(text))
    return found


def _actions(statement: Any) -> list[str]:
    action = statement.get("Action") if isinstance(statement, dict) else None
    items = action if isinstance(action, list) else [action]
    return [a.lower() for a in items if isinstance(a, str)]


def _allows(statement: Any, wanted: str, *, by_name: bool) -> bool:
    if not isinstance(statement, dict) or statement.get("Effect", "Allow") != "Allow":
        return False
    for a in _actions(statement):
        if fnmatch.fnmatchcase(wanted, a) and (not by_name or "labeling" in a):
            return True
    return False


class IamReader:
    """Finds execution roles and their inferred inputs in one template."""

    def __init__(self, tpl: Template, resources: PDict, path: str) -> None:
        self.tpl = tpl
        self.resources = resources
        self.path = path
        self.roles = {k for k, r in resources.items()
                      if isinstance(r, dict) and r.get("Type") == "AWS::IAM::Role"}

    def documents(self) -> Iterator[Doc]:
        """Every policy document, with the principal it applies to."""
        for lid, res in self.resources.items():
            if not isinstance(res, PDict) or not isinstance(lid, str):
                continue
            props = res.get("Properties")
            if not isinstance(props, PDict):
                continue
            rtype = res.get("Type")
            if rtype in ("AWS::IAM::Role", "AWS::Serverless::Function"):
                yield from self._inline(lid, props)
            elif rtype in POLICY_TYPES and isinstance(props.get("PolicyDocument"), PDict):
                for role in self.attached_roles(lid, props):
                    yield role, lid, props["PolicyDocument"], (lid, "Properties",
                                                               "PolicyDocument")

    def _inline(self, lid: str, props: PDict) -> Iterator[Doc]:
        policies = props.get("Policies")
        if not isinstance(policies, PList):
            return
        for i, p in enumerate(policies):
            if isinstance(p, PDict) and isinstance(p.get("PolicyDocument"), PDict):
                yield lid, lid, p["PolicyDocument"], (lid, "Properties", "Policies", i,
                                                      "PolicyDocument")
            elif isinstance(p, PDict) and "Statement" in p:  # SAM: a document in Policies
                yield lid, lid, p, (lid, "Properties", "Policies", i)

    def attached_roles(self, lid: str, props: PDict) -> set[str]:
        roles = referenced_ids(props.get("Roles")) & self.roles
        for role in self.roles:
            res = self.resources.get(role)
            rprops = res.get("Properties") if isinstance(res, dict) else None
            if isinstance(rprops, dict) and lid in referenced_ids(rprops.get("ManagedPolicyArns")):
                roles.add(role)
        return roles

    def passed_roles(self, docs: list[Doc]) -> set[str]:
        """Roles passed with iam:PassRole by a principal allowed to create labeling jobs."""
        creators: set[str] = set()
        passes: dict[str, set[str]] = {}
        for principal, _owner, doc, _keys in docs:
            for _i, st in iam.statements(self.tpl.value(doc)):
                if _allows(st, "sagemaker:createlabelingjob", by_name=True):
                    creators.add(principal)
            for _i, st in iam.statements(doc):
                if _allows(self.tpl.value(st), "iam:passrole", by_name=False):
                    passes.setdefault(principal, set()).update(
                        referenced_ids(st.get("Resource")) & self.roles)
        out: set[str] = set()
        for principal in creators:
            out |= passes.get(principal, set())
        return out

    def inferred(self, roles: dict[str, set[str]], identity_of: Callable[[str], str]
                 ) -> list[LabelingUse]:
        """Inferred inputs of the execution ``roles`` (logical ID → bucket names, placeholders
        included, of the jobs' outputs: not inputs)."""
        docs = list(self.documents())
        roles = {k: set(v) for k, v in roles.items()}
        for role in self.passed_roles(docs):
            roles.setdefault(role, set())
        uses: list[LabelingUse] = []
        root = positioned_locate(self.resources, self.path, Location(self.path, 1, 1))
        for principal, owner, doc, keys in docs:
            if principal not in roles:
                continue
            what = (f"IAM role {principal}" if owner == principal
                    else f"IAM policy {owner} attached to role {principal}")

            def locate(sub: tuple[Any, ...], _k: tuple[Any, ...] = keys) -> Location:
                return root(_k + tuple(s for s in sub if s is not None))

            uses += iam.inferred_inputs(
                self.tpl.value(doc), outputs=(), locate=locate, evidence=what,
                ref_of=self.ref_of(roles[principal], identity_of))
        return uses

    def ref_of(self, outputs: set[str], identity_of: Callable[[str], str]
               ) -> Callable[[Any], BucketRef | None]:
        """``ref_of`` for the IAM helper: an S3 ARN built from a bucket resource keeps its
        identity; the jobs' output buckets are left out."""
        tpl = self.tpl

        def ref_of(value: Any) -> BucketRef | None:
            name = iam.bucket_of_arn(value)
            if name is None or isinstance(name, Unknown) or name in outputs:
                return None
            lid = tpl.bucket_of_placeholder(name)
            text = tpl.readable(str(value))
            if lid is not None:
                return BucketRef(identity=identity_of(lid), name=tpl.bucket_name(lid), text=text)
            return BucketRef(name=name, text=text)

        return ref_of
