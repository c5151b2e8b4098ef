"""Which findings can be fixed, where, and with what rule: findings → targets → edits.

A finding's ``FixTarget`` (set by its rule) names the bucket or CORS configuration to edit and
the rule it needs; this module dispatches on that data only. Findings that share a target are
fixed together with the strongest rule any of them needs (media > Ground Truth > basic).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from policylint import snippets
from policylint.fix import cdk, cloudformation, cors_doc, python, terraform
from policylint.fix.source import Edit, SourceFile, load
from policylint.model import (
    Bucket,
    CorsConfig,
    CorsSource,
    Finding,
    FixTarget,
    Format,
    LinkedBucket,
    Project,
    RuleNeed,
    Unknown,
)


_CDK = (Format.CDK_PYTHON, Format.CDK_TYPESCRIPT)


@dataclass
class Target:
    """One place to add one rule, and the findings that adding it should remove."""

    key: str
    path: str  # display path of the file to edit
    lb: LinkedBucket
    bucket: Bucket | None = None  # the bucket to give a configuration
    config: CorsConfig | None = None  # the configuration to extend
    need: RuleNeed = RuleNeed.GET
    before: int | None = None  # insert before this rule (S3 uses the first match)
    findings: list[Finding] = field(default_factory=list)

    @property
    def needed(self) -> snippets.Needed:
        return snippets.NEEDED[self.need]


@dataclass(frozen=True)
class Planned:
    target: Target
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Refused:
    finding: Finding
    reason: str


def targets_for(findings: list[Finding],
                project: Project) -> tuple[list[Target], list[Refused]]:
    """Group the findings' fix targets by the place they edit."""
    targets: dict[str, Target] = {}
    refused: list[Refused] = []
    for f in findings:
        got = _target(f.target, project) if f.target is not None else "it has no automatic fix"
        if isinstance(got, str):
            refused.append(Refused(f, got))
            continue
        t = targets.setdefault(got.key, got)
        if t is not got:
            t.need = max(t.need, got.need)
            if got.before is not None:
                t.before = got.before if t.before is None else min(t.before, got.before)
        t.findings.append(f)
    return list(targets.values()), refused


def _target(ft: FixTarget, project: Project) -> Target | str:
    mine = [lb for lb in project.buckets if lb.subject == ft.subject]
    if ft.bucket is not None:
        lb = next((lb for lb in mine if lb.bucket and lb.bucket.identity == ft.bucket), None)
        return _bucket_target(ft, lb) if lb is not None else (
            "the bucket is not defined in the scanned files: apply the rule where it is managed")
    found = next(((lb, c) for lb in mine for c in lb.cors if c.identity == ft.cors), None)
    if found is None:
        return "the CORS configuration of this finding was not found"
    return _config_target(ft, *found)


def _bucket_target(ft: FixTarget, lb: LinkedBucket) -> Target | str:
    b = lb.bucket
    assert b is not None
    if b.generated or b.format is Format.PLAN:
        return ("the bucket comes from generated output (a plan or synthesized template): "
                "add the rule in its source")
    if b.format not in (Format.TERRAFORM, Format.TERRAFORM_JSON, Format.CLOUDFORMATION_YAML,
                        Format.CLOUDFORMATION_JSON, *_CDK):
        return f"--fix cannot add a CORS configuration in {b.format.value} files yet"
    if b.module_call is not None:  # every instance of a module call shares its one input
        key = f"module-input:{b.location.path}:{b.location.line}:{b.location.column}"
        return Target(key, b.location.path, lb, bucket=b, need=ft.need)
    return Target(f"bucket:{b.identity}", b.location.path, lb, bucket=b, need=ft.need)


def _config_target(ft: FixTarget, lb: LinkedBucket, c: CorsConfig) -> Target | str:
    if c.source is CorsSource.SCRIPT and python.fixable(c) and not isinstance(c.rules, Unknown):
        return Target(f"cors:{c.identity}", c.location.path, lb, config=c, need=ft.need,
                      before=ft.before)
    if c.source is CorsSource.SCRIPT and c.location.path.endswith((".py", ".ipynb")):
        return ("--fix edits only a literal CORSRules list in a .py file: edit this call by hand "
                "(the finding shows the rule)")
    if c.source is CorsSource.SCRIPT:
        return "the CORS rules are inline in a script command: edit the command by hand"
    if c.source is CorsSource.PLAN or c.format is Format.PLAN:
        return "the CORS configuration comes from a plan file: add the rule in its source"
    if lb.bucket is not None and lb.bucket.generated and c.source is not CorsSource.FILE:
        return ("the bucket comes from generated output (a plan or synthesized template): "
                "add the rule in its source")
    if isinstance(c.rules, Unknown):
        return f"the CORS rules are not known statically ({c.rules.reason})"
    if c.format not in (Format.TERRAFORM, Format.TERRAFORM_JSON, Format.CLOUDFORMATION_YAML,
                        Format.CLOUDFORMATION_JSON, Format.CORS_JSON, Format.CORS_XML, *_CDK):
        return f"--fix cannot edit CORS rules in {c.format.value} files yet"
    return Target(f"cors:{c.identity}", c.location.path, lb, config=c, need=ft.need,
                  before=ft.before)


def edits_for(t: Target, src: SourceFile) -> list[Edit] | str:
    """The text edits that give the target its rule, or why there are none."""
    if t.bucket is not None:
        if t.bucket.module_call is not None:
            if not t.bucket.module_call.cors_input:
                # one target per module call: name no single instance's address
                return ("the bucket is created inside a module that policylint does not edit "
                        "(a shared module): fix it in the caller, through the module call's "
                        "inputs")
            if t.bucket.format is Format.TERRAFORM_JSON:
                return terraform.add_module_input_json(src, t.bucket, t.needed)
            return terraform.add_module_input(src, t.bucket, t.needed)
        if t.bucket.format is Format.TERRAFORM:
            return terraform.add_configuration(src, t.bucket, t.needed)
        if t.bucket.format is Format.TERRAFORM_JSON:
            return terraform.add_configuration_json(src, t.bucket, t.needed)
        if t.bucket.format in _CDK:
            return cdk.add_configuration(src, t.bucket, t.needed)
        return cloudformation.add_configuration(src, t.bucket, t.needed)
    c = t.config
    assert c is not None
    if c.source is CorsSource.SCRIPT:
        return python.add_rule(src, c, t.needed, t.before)
    if c.format is Format.CORS_JSON:
        return cors_doc.json_edits(src, t.needed, t.before)
    if c.format is Format.CORS_XML:
        return cors_doc.xml_edits(src, t.needed, t.before)
    if c.module_call is not None and c.module_call.cors_input:
        if c.format is not Format.TERRAFORM:
            return ("the rules come from the module's cors_rule input: add a rule allowing GET "
                    "from * to that list by hand")
        return terraform.add_module_rule(src, c, t.needed, t.before)
    if c.format is Format.TERRAFORM:
        return terraform.add_rule(src, c, t.needed, t.before)
    if c.format is Format.TERRAFORM_JSON:
        return terraform.add_rule_json(src, c, t.needed, t.before)
    if c.format in _CDK:
        return cdk.add_rule(src, c, t.needed, t.before)
    return cloudformation.add_rule(src, c, t.needed, t.before)


def plan(targets: list[Target], cwd: str) -> tuple[dict[str, SourceFile], list[Planned],
                                                    list[Refused]]:
    """Load each file once and build every target's edits."""
    files: dict[str, SourceFile] = {}
    planned: list[Planned] = []
    refused: list[Refused] = []
    same: dict[tuple[str, tuple[Edit, ...]], Planned] = {}
    for t in targets:
        src = files.get(t.path)
        if src is None:
            got = load(t.path, os.path.normpath(os.path.join(cwd, t.path)))
            if isinstance(got, str):
                refused += [Refused(f, got) for f in t.findings]
                continue
            src = files[t.path] = got
        try:
            edits = edits_for(t, src)
        except Exception as exc:  # a fixer bug must not stop the run or the other fixes
            edits = f"--fix could not compute this edit ({type(exc).__name__}: {exc})"
        if isinstance(edits, str):
            refused += [Refused(f, edits) for f in t.findings]
        elif (t.path, tuple(edits)) in same:
            # the same edit for another instance of one block (a module called twice, a
            # module's count): made once, it fixes them all; twice it would declare the new
            # resource twice
            same[(t.path, tuple(edits))].target.findings.extend(t.findings)
        else:
            planned.append(Planned(t, tuple(edits)))
            same[(t.path, tuple(edits))] = planned[-1]
    return files, planned, refused
