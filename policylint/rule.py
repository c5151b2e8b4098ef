"""The rule API: what a rule module is given, what it yields, and helpers over the model.

Rules import this module and ``policylint.model`` only. The names in ``__all__`` are the public,
stable API a plugin may rely on (docs/plugins.md); the other helpers here serve the built-in
rules and may change between releases.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from policylint import snippets
from policylint.model import (
    Bucket,
    Confidence,
    CorsConfig,
    CorsRule,
    CorsSource,
    Finding,
    Fix,
    FixTarget,
    Format,
    LabelingUse,
    LinkedBucket,
    Location,
    Modality,
    ParseError,
    Project,
    Related,
    Role,
    RuleNeed,
    Service,
    Severity,
    Unknown,
)

# The stable API (docs/plugins.md lists the same names; tests/rules/test_rule_api.py compares).
__all__ = [
    # what a rule module defines and receives
    "RuleMeta", "Options", "Check", "finding",
    # what it yields
    "Finding", "Severity", "Location", "Related", "Fix",
    # what it reads: the linked project
    "Project", "LinkedBucket", "Bucket", "CorsConfig", "CorsRule", "CorsSource", "LabelingUse",
    "Service", "Role", "Modality", "Confidence", "Format", "Unknown", "ParseError",
    # helpers
    "where_reported", "bucket_name", "rule_allows_get", "judged_cors", "severity_for",
]


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    severity: Severity
    summary: str


@dataclass(frozen=True)
class Options:
    """What configures a run's rules: the shared ``labeling`` keys, and ``settings``, the options
    of the rule being run (``rule-options.<CODE>`` in the configuration, validated against the
    rule module's ``OPTIONS`` and completed with their defaults; empty for a rule without)."""

    accepted_origins: tuple[str, ...] = ("*",)
    strict_ground_truth: bool = False
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False)


Check = Callable[[Project, Options], Iterator[Finding]]


def finding(severity: Severity, message: str, location: Location, *, subject: str = "",
            bucket: str | None = None, related: tuple[Related, ...] = (), fix: Fix | None = None,
            why: str = "", target: FixTarget | None = None) -> Finding:
    """A finding of the rule being run. Its ``rule`` and ``name`` are left empty: the engine
    fills them in from the module's ``META`` (whatever a rule puts there is replaced)."""
    return Finding("", "", severity, message, location, subject=subject, bucket=bucket,
                   related=related, fix=fix, why=why, target=target)


# --- judging CORS rules -------------------------------------------------------------------------

def _has(values: tuple[object, ...] | Unknown, wanted: str, *, case: bool = True) -> bool:
    if isinstance(values, Unknown):
        return False
    for v in values:
        if isinstance(v, str) and (v == wanted if case else v.lower() == wanted.lower()):
            return True
    return False


def rule_allows_get(rule: CorsRule, options: Options) -> bool:
    return _has(rule.methods, "GET") and any(_has(rule.origins, o) for o in options.accepted_origins)


def rule_is_media_complete(rule: CorsRule, options: Options) -> bool:
    return (all(_has(rule.methods, m) for m in ("GET", "HEAD", "PUT"))
            and any(_has(rule.origins, o) for o in options.accepted_origins)
            and _has(rule.allowed_headers, "*"))


def rule_exposes_origin(rule: CorsRule) -> bool:
    return _has(rule.expose_headers, "Access-Control-Allow-Origin", case=False)


def rule_is_uncertain(rule: CorsRule) -> bool:
    """A rule whose methods or origins are not known statically."""
    if isinstance(rule.methods, Unknown) or isinstance(rule.origins, Unknown):
        return True
    return any(isinstance(v, Unknown) for v in (*rule.methods, *rule.origins))


def _has3(values: tuple[object, ...] | Unknown, wanted: str, *, case: bool = True) -> bool | None:
    """Whether ``values`` holds ``wanted``: None when that is not known (the list, or one of
    its items, is unknown and ``wanted`` is not among the known ones)."""
    if _has(values, wanted, case=case):
        return True
    if isinstance(values, Unknown) or any(isinstance(v, Unknown) for v in values):
        return None
    return False


def _all3(parts: Iterable[bool | None]) -> bool | None:
    got = list(parts)
    if False in got:
        return False
    return None if None in got else True


def first_get_rule(config: CorsConfig, options: Options) -> tuple[int, CorsRule] | Unknown | None:
    """The rule S3 answers a GET from the labeling UI with: the first, in order, that allows
    GET from an accepted origin, with its index. Unknown when a rule before it (or the list)
    cannot be known (it might be the one that matches first); None when no rule allows it."""
    if isinstance(config.rules, Unknown):
        return config.rules
    for i, r in enumerate(config.rules):
        if rule_allows_get(r, options):
            return i, r
        if rule_is_uncertain(r):
            values = _unknowns(r)
            return values[0] if values else Unknown("a rule's methods or origins are not known")
    return None


def media_complete(rule: CorsRule, options: Options) -> bool | None:
    """Whether a rule allows GET, HEAD, PUT from an accepted origin with AllowedHeaders *: None
    when an unknown method or header list leaves it open."""
    methods = _all3(_has3(rule.methods, m) for m in ("GET", "HEAD", "PUT"))
    origins = (True if any(_has(rule.origins, o) for o in options.accepted_origins)
               else None if isinstance(rule.origins, Unknown) else False)
    return _all3((methods, origins, _has3(rule.allowed_headers, "*")))


def exposes_origin(rule: CorsRule) -> bool | None:
    """Whether a rule exposes Access-Control-Allow-Origin: None when its list is unknown."""
    return _has3(rule.expose_headers, "Access-Control-Allow-Origin", case=False)


def unknown_reason(config: CorsConfig, options: Options | None = None) -> str | None:
    """Why a configuration's rules can't be judged, or None when they can: the whole rule list
    is unknown, or no known rule passes while some rule's methods or origins are unknown (that
    rule might be the one that allows GET from *)."""
    if isinstance(config.rules, Unknown):
        return config.rules.reason
    opts = options or Options()
    if any(rule_allows_get(r, opts) for r in config.rules):
        return None
    uncertain = [r for r in config.rules if rule_is_uncertain(r)]
    if uncertain:
        values = [v for r in uncertain for v in _unknowns(r)]
        why = f": {values[0].reason}" if values else ""
        return f"a rule's methods or origins are not known statically{why}"
    return None


def rule_unknown_reason(config: CorsConfig, uses: Iterable[LabelingUse],
                        options: Options | None = None) -> str | None:
    """Why the configuration cannot be judged for these uses: ``unknown_reason``, or, for
    point-cloud/video uses (PL103) and Ground Truth inputs (PL104), an unknown method, header
    or exposed-header list in the rule S3 answers a GET with (``first_get_rule``)."""
    reason = unknown_reason(config, options)
    if reason is not None:
        return reason
    opts = options or Options()
    uses = list(uses)
    media = any(u.modality.needs_media_cors for u in uses)
    ground_truth = any(u.service is Service.GROUND_TRUTH and u.role.value == "input" for u in uses)
    if not (media or ground_truth):
        return None
    first = first_get_rule(config, opts)
    if isinstance(first, Unknown):
        return f"a rule before the GET rule is not known statically: {first.reason}"
    if first is None:
        return None
    rule = first[1]
    if media and media_complete(rule, opts) is None:
        return ("whether its GET rule also allows HEAD and PUT with AllowedHeaders * is not "
                f"known statically{_field_reason(rule.methods, rule.allowed_headers)}")
    if ground_truth and exposes_origin(rule) is None:
        return ("whether its GET rule exposes Access-Control-Allow-Origin is not known "
                f"statically{_field_reason(rule.expose_headers)}")
    return None


def _field_reason(*seqs: tuple[object, ...] | Unknown) -> str:
    for seq in seqs:
        items = [seq] if isinstance(seq, Unknown) else [v for v in seq if isinstance(v, Unknown)]
        if items:
            return f": {items[0].reason}"
    return ""


def _unknowns(rule: CorsRule) -> list[Unknown]:
    out: list[Unknown] = []
    for seq in (rule.methods, rule.origins):
        if isinstance(seq, Unknown):
            out.append(seq)
        else:
            out += [v for v in seq if isinstance(v, Unknown)]
    return out


# --- severity and evidence ---------------------------------------------------------------------

def severity_for(uses: Iterable[LabelingUse], default: Severity) -> Severity:
    """One level lower when every piece of evidence is inferred."""
    uses = list(uses)
    if uses and all(u.confidence is Confidence.INFERRED for u in uses):
        return default.lowered()
    return default


def services(uses: Iterable[LabelingUse]) -> str:
    names = sorted({u.service.title for u in uses if u.service is not Service.UNKNOWN})
    return " and ".join(names) if names else "human labeling"


def evidence_related(uses: Iterable[LabelingUse], limit: int = 20) -> list[Related]:
    out: list[Related] = []
    seen: set[tuple[str, int, int]] = set()
    for u in sorted(uses, key=lambda u: (u.location.path, u.location.line, u.location.column)):
        k = (u.location.path, u.location.line, u.location.column)
        if k in seen:
            continue
        seen.add(k)
        out.append(Related(f"{u.evidence} ({u.confidence.value})", u.location))
        out += [Related(v.message, v.location) for v in u.via]  # how it was bound
        if len(out) >= limit:
            break
    return out


def chain(lb: LinkedBucket, uses: Iterable[LabelingUse]) -> tuple[Related, ...]:
    """The whole chain a user needs to see: the bucket, the evidence, the CORS sources."""
    rel: list[Related] = []
    if lb.bucket is not None:
        rel.append(Related(f"bucket {lb.bucket.address} is defined here", lb.bucket.location))
        if lb.bucket.origin is not None:
            rel.append(Related(lb.bucket.origin.message, lb.bucket.origin.location))
    rel += evidence_related(uses)
    overwritten = any(c.supersedes for c in lb.cors)
    for c in lb.cors:
        if c.source is CorsSource.LIVE and lb.live is not None:
            rel.append(Related(f"{lb.live.describe()}: the CORS rules in force", c.location))
            continue
        what = f"CORS document {c.document}" if c.document else f"CORS ({c.source.value})"
        cond = f" when {c.condition}" if c.condition else ""
        if overwritten and not c.supersedes:
            rel.append(Related(f"{what} is overwritten at deploy time{cond}", c.location))
            continue
        verb = "may apply" if c.may_not_apply else "applies"
        rel.append(Related(f"{what} {verb} to this bucket{cond}", c.location))
    if lb.live is not None and lb.live.ok and lb.live.rules is None:
        rel.append(Related(f"{lb.live.describe()}: no CORS configuration", where_reported(lb)))
    return tuple(rel)


def judged_cors(lb: LinkedBucket) -> list[CorsConfig]:
    """The CORS definitions whose rules decide PL101-PL105: all of them, unless one is written at
    deploy time over the others (``CorsConfig.supersedes``, a custom resource calling
    PutBucketCors); then only those, and the live configuration ``--aws`` read, are in force."""
    if not any(c.supersedes for c in lb.cors):
        return list(lb.cors)
    return [c for c in lb.cors if c.supersedes or c.source is CorsSource.LIVE]


def where_reported(lb: LinkedBucket) -> Location:
    """Where a finding about the bucket itself goes: its definition, or, for a bucket known only
    by name, the first labeling use that needs its CORS."""
    if lb.bucket is not None:
        return lb.bucket.location
    uses = [u for u in lb.uses if u.needs_cors] or lb.uses
    return min(uses, key=lambda u: (u.location.path, u.location.line, u.location.column)).location


def live_verified(lb: LinkedBucket) -> bool:
    """True when ``--aws`` read this bucket's deployed CORS (rules or none)."""
    return lb.live is not None and lb.live.ok


def live_failure(lb: LinkedBucket) -> str:
    """`` (--aws could not read it: ERROR)`` when a live read failed, else ``""``."""
    if lb.live is None or lb.live.ok:
        return ""
    return f" (--aws could not read its live CORS: {lb.live.error})"


_DATA_SOURCE = re.compile(r"(?:^|\.)(data\.aws_s3_bucket\.[A-Za-z0-9_-]+)")


def data_source(lb: LinkedBucket) -> str | None:
    """The Terraform ``data "aws_s3_bucket"`` a bucket not defined here is read through
    (``data.aws_s3_bucket.images``, as a CORS source or use refers to it), else None: such a
    bucket is defined outside this configuration, not missing from the scan."""
    if lb.bucket is not None:
        return None
    for ref in [c.target for c in lb.cors + lb.missing_cors] + [u.target for u in lb.uses]:
        m = _DATA_SOURCE.search(ref.text) if ref is not None else None
        if m:
            return m.group(1)
    return None


def where_defined(lb: LinkedBucket) -> str:
    """Why a bucket has no definition in the scan, in words (it has none: ``lb.bucket`` is
    None)."""
    source = data_source(lb)
    if source is not None:
        return f"is read through a data source ({source}), defined outside this configuration"
    return "is not defined in the scanned files"


_MEDIA_WORDS = {Modality.IMAGE: "images", Modality.VIDEO: "video",
                Modality.POINT_CLOUD: "point clouds"}
# words in the evidence that name a medium its modality does not (A2I Textract reads documents)
_EVIDENCE_MEDIA = (("textract", "documents"), ("audio", "audio"))


def media(uses: Iterable[LabelingUse]) -> str:
    """What the labeling UI reads from the bucket, from the uses' evidence: "images",
    "video and point clouds", "documents"; "its images, video, audio or documents" when no
    evidence says which."""
    found: list[str] = []
    for u in uses:
        text = u.evidence.lower()
        word = next((w for key, w in _EVIDENCE_MEDIA if key in text), None)
        word = word or _MEDIA_WORDS.get(u.modality)
        if word is not None and word not in found:
            found.append(word)
    if not found:
        return "its images, video, audio or documents"
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def bucket_name(lb: LinkedBucket) -> str | None:
    return lb.name if isinstance(lb.name, str) else None


# --- fixes ---------------------------------------------------------------------------------

def need_for(uses: Iterable[LabelingUse], media: bool = False) -> RuleNeed:
    """The rule these uses need: the media rule, else GET from * (exposing the origin for
    Ground Truth)."""
    if media:
        return RuleNeed.MEDIA
    if any(u.service is Service.GROUND_TRUTH for u in uses):
        return RuleNeed.GET_EXPOSING_ORIGIN
    return RuleNeed.GET


def needed_rule(uses: Iterable[LabelingUse], media: bool = False) -> snippets.Needed:
    return snippets.NEEDED[need_for(uses, media)]


def bucket_target(lb: LinkedBucket, need: RuleNeed) -> FixTarget:
    """--fix gives this bucket a CORS configuration with the rule it needs."""
    return FixTarget(lb.subject, need, bucket=lb.bucket.identity if lb.bucket else None)


def config_target(lb: LinkedBucket, config: CorsConfig, need: RuleNeed, *,
                  before: int | None = None, on_request: bool = False) -> FixTarget:
    """--fix adds the rule to this configuration (before rule index ``before``, else last)."""
    return FixTarget(lb.subject, need, cors=config.identity, before=before,
                     on_request=on_request)


def command_fix(description: str, bucket: str, needed: snippets.Needed) -> Fix:
    """A fix given as the ``aws s3api put-bucket-cors`` command that applies ``needed``."""
    return Fix(description, snippets.cli_command(bucket, needed), "shell")


def fix_for_bucket(lb: LinkedBucket, needed: snippets.Needed) -> Fix:
    """How to give a bucket without CORS its rule, in the language of the file defining it."""
    b = lb.bucket
    name = bucket_name(lb) or "BUCKET"
    if b is None:
        return Fix(f"apply the CORS rule to the bucket (it {where_defined(lb)})",
                   snippets.cli_command(name, needed), "shell")
    if b.generated:
        return Fix("this bucket comes from generated output (a plan or synthesized template): "
                   "add the rule in its source", _bucket_snippet(b.format, b.address, needed), "text")
    lang = snippets.language_of(b.format)
    if b.format in (Format.CDK_PYTHON, Format.CDK_TYPESCRIPT):
        return Fix(f"add this cors property to {b.address}",
                   snippets.cdk_cors_prop(needed, lang, b.hint("s3") or ""), lang)
    if b.module_call is not None and b.module_call.cors_input:
        return Fix(f"add a cors_rule input allowing GET from * to the module call creating "
                   f"{b.address}", snippets.hcl_module_cors_input(needed, ""), lang)
    if b.module_call is not None:
        # not a resource naming the bucket inside the module (the caller cannot refer to it, and
        # --fix refuses to edit a module every caller shares): the rule, to pass in the caller
        return Fix(f"{b.address} is created inside a shared module, which --fix does not edit: "
                   "fix it in the caller, passing this CORS rule through the module call's "
                   "inputs (or add such an input to the module)",
                   snippets.hcl_cors_rule(needed, ""), lang)
    return Fix(f"add a CORS rule allowing GET from * to {b.address}",
               _bucket_snippet(b.format, b.address, needed), lang)


def _bucket_snippet(fmt: Format, address: str, needed: snippets.Needed) -> str:
    if fmt in (Format.TERRAFORM, Format.PLAN, Format.TERRAFORM_JSON):
        # the bucket as the module that defines it names it (a plan's address is the whole path)
        ref = address if fmt is Format.PLAN else snippets.address_in_module(address)
        return snippets.hcl_configuration(f"{ref}.id",
                                          snippets.hcl_resource_name(address), needed)
    if fmt is Format.CLOUDFORMATION_JSON:
        return snippets.cfn_json_configuration(needed)
    if fmt is Format.CLOUDFORMATION_YAML:
        return snippets.cfn_yaml_configuration(needed)
    return snippets.s3_json_rule(needed)


def fix_for_config(config: CorsConfig, needed: snippets.Needed, bucket: str | None) -> Fix:
    """How to add the missing rule to an existing CORS configuration, in its own language."""
    fmt = config.format
    if config.module_call is not None and config.module_call.cors_input:
        return Fix("add this rule object to the module's cors_rule list",
                   snippets.hcl_rule_object(needed) + "\n", "hcl")
    if fmt in (Format.TERRAFORM, Format.TERRAFORM_JSON):
        return Fix("add this cors_rule block", snippets.hcl_cors_rule(needed, ""), "hcl")
    rules_key = config.rules_key or None  # a custom resource's rules: S3 API field names
    if rules_key is not None and fmt is Format.CLOUDFORMATION_YAML:
        return Fix(f"add this rule to {rules_key}", snippets.s3_yaml_rule(needed), "yaml")
    if rules_key is not None and fmt is Format.CLOUDFORMATION_JSON:
        return Fix(f"add this rule to {rules_key}", snippets.s3_json_rule(needed), "json")
    if fmt is Format.CLOUDFORMATION_YAML:
        return Fix("add this rule to CorsRules", snippets.cfn_yaml_rule(needed), "yaml")
    if fmt is Format.CLOUDFORMATION_JSON:
        return Fix("add this rule to CorsRules", snippets.cfn_json_rule(needed), "json")
    if fmt is Format.CORS_XML:
        return Fix("add this <CORSRule> to <CORSConfiguration>", snippets.s3_xml_rule(needed),
                   "xml")
    if fmt is Format.CORS_JSON:
        return Fix("add this rule to the document's rules", snippets.s3_json_rule(needed), "json")
    if fmt in (Format.CDK_PYTHON, Format.CDK_TYPESCRIPT):
        lang = snippets.language_of(fmt)
        return Fix("add this rule to the bucket's cors", snippets.cdk_rule(
            needed, lang, config.hint("s3") or ""), lang)
    return Fix("apply a CORS configuration with this rule",
               snippets.cli_command(bucket or "BUCKET", needed), "shell")
