"""Which findings can be fixed, where, and with what rule: findings → targets → edits.

A target is one place that receives one CORS rule: a bucket without CORS (PL100) or an existing
CORS configuration (PL101, PL103, PL104). Findings that share a target are fixed together with
the strongest rule any of them needs (media > Ground Truth > basic).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from policylint import snippets
from policylint.fix import cloudformation, cors_doc, terraform
from policylint.fix.source import Edit, SourceFile, load
from policylint.model import (
    Bucket,
    CorsConfig,
    CorsSource,
    Finding,
    Format,
    LinkedBucket,
    Project,
    Unknown,
)
from policylint.rule import (
    Options,
    needed_rule,
    rule_allows_get,
    rule_exposes_origin,
    rule_is_media_complete,
)

FIXABLE = ("PL100", "PL101", "PL103")
ON_REQUEST = ("PL104",)


@dataclass
class Target:
    """One place to add one rule, and the findings that adding it should remove."""

    key: str
    path: str  # display path of the file to edit
    lb: LinkedBucket
    bucket: Bucket | None = None  # PL100: the bucket to give a configuration
    config: CorsConfig | None = None  # PL101/103/104: the configuration to extend
    needed: snippets.Needed = snippets.BASIC
    before: int | None = None  # insert before this rule (PL104: S3 uses the first match)
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    target: Target
    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class Refused:
    finding: Finding
    reason: str


def strongest(a: snippets.Needed, b: snippets.Needed) -> snippets.Needed:
    """The rule that satisfies both needs (media > Ground Truth > basic)."""
    return max(a, b, key=lambda n: (len(n.methods), len(n.allowed_headers),
                                    len(n.expose_headers)))


def wanted(findings: list[Finding], codes: tuple[str, ...]) -> list[Finding]:
    return [f for f in findings if f.rule in codes]


def targets_for(findings: list[Finding], project: Project,
                options: Options) -> tuple[list[Target], list[Refused]]:
    targets: dict[str, Target] = {}
    refused: list[Refused] = []
    for f in findings:
        got = _target(f, project, options)
        if isinstance(got, str):
            refused.append(Refused(f, got))
            continue
        t = targets.setdefault(got.key, got)
        if t is not got:
            t.needed = strongest(t.needed, got.needed)
            if got.before is not None:
                t.before = got.before if t.before is None else min(t.before, got.before)
        t.findings.append(f)
    return list(targets.values()), refused


def _target(f: Finding, project: Project, options: Options) -> Target | str:
    if f.rule == "PL100":
        return _bucket_target(f, project)
    return _config_target(f, project, options)


def _bucket_target(f: Finding, project: Project) -> Target | str:
    lb = next((lb for lb in project.buckets if lb.bucket is not None
               and lb.bucket.location == f.location and lb.subject == f.subject), None)
    if lb is None or lb.bucket is None:
        return "the bucket is not defined in the scanned files: apply the rule where it is managed"
    b = lb.bucket
    if b.generated or b.format is Format.PLAN:
        return ("the bucket comes from generated output (a plan or synthesized template): "
                "add the rule in its source")
    if b.format not in (Format.TERRAFORM, Format.TERRAFORM_JSON, Format.CLOUDFORMATION_YAML,
                        Format.CLOUDFORMATION_JSON):
        return f"--fix cannot add a CORS configuration in {b.format.value} files yet"
    uses = [u for u in lb.uses if u.needs_cors]
    media = any(u.modality.needs_media_cors for u in uses)
    return Target(f"bucket:{b.identity}", b.location.path, lb, bucket=b,
                  needed=needed_rule(uses, media))


def _config_target(f: Finding, project: Project, options: Options) -> Target | str:
    found = _find_config(f, project, options)
    if found is None:
        return "the CORS configuration of this finding was not found"
    lb, c = found
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
                        Format.CLOUDFORMATION_JSON, Format.CORS_JSON, Format.CORS_XML):
        return f"--fix cannot edit CORS rules in {c.format.value} files yet"
    uses = [u for u in lb.uses if u.needs_cors]
    media = f.rule == "PL103"
    before = None
    if f.rule == "PL104":
        before = next((i for i, r in enumerate(c.rules) if rule_allows_get(r, options)), None)
    key = f"cors:{c.location.path}:{c.location.line}:{c.location.column}:{c.condition}"
    return Target(key, c.location.path, lb, config=c, needed=needed_rule(uses, media),
                  before=before)


def _find_config(f: Finding, project: Project,
                 options: Options) -> tuple[LinkedBucket, CorsConfig] | None:
    """The configuration a finding is about. Alternatives under a CloudFormation condition share
    one location: the one the rule finds lacking is meant."""
    found: list[tuple[LinkedBucket, CorsConfig]] = []
    for lb in project.buckets:
        if lb.subject != f.subject:
            continue
        for c in lb.cors:
            rules = () if isinstance(c.rules, Unknown) else c.rules
            if c.location == f.location or any(r.location == f.location for r in rules):
                found.append((lb, c))
    lacking = [(lb, c) for lb, c in found if _lacks(f.rule, c, options)]
    return (lacking or found or [None])[0]


def _lacks(code: str, c: CorsConfig, options: Options) -> bool:
    if isinstance(c.rules, Unknown):
        return False
    if code == "PL103":
        return not any(rule_is_media_complete(r, options) for r in c.rules)
    if code == "PL104":
        return not any(rule_exposes_origin(r) for r in c.rules if rule_allows_get(r, options))
    return not any(rule_allows_get(r, options) for r in c.rules)


def edits_for(t: Target, src: SourceFile) -> list[Edit] | str:
    """The text edits that give the target its rule, or why there are none."""
    if t.bucket is not None:
        if t.bucket.format is Format.TERRAFORM:
            return terraform.add_configuration(src, t.bucket, t.needed)
        if t.bucket.format is Format.TERRAFORM_JSON:
            return terraform.add_configuration_json(src, t.bucket, t.needed)
        return cloudformation.add_configuration(src, t.bucket, t.needed)
    c = t.config
    assert c is not None
    if c.format is Format.CORS_JSON:
        return cors_doc.json_edits(src, t.needed, t.before)
    if c.format is Format.CORS_XML:
        return cors_doc.xml_edits(src, t.needed, t.before)
    if c.format is Format.TERRAFORM:
        return terraform.add_rule(src, c, t.needed, t.before)
    if c.format is Format.TERRAFORM_JSON:
        return terraform.add_rule_json(src, c, t.needed, t.before)
    return cloudformation.add_rule(src, c, t.needed, t.before)


def plan(targets: list[Target], cwd: str) -> tuple[dict[str, SourceFile], list[Planned],
                                                    list[Refused]]:
    """Load each file once and build every target's edits."""
    files: dict[str, SourceFile] = {}
    planned: list[Planned] = []
    refused: list[Refused] = []
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
        else:
            planned.append(Planned(t, tuple(edits)))
    return files, planned, refused
