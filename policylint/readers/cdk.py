"""CDK apps, whatever language they are written in: construct calls -> facts.

A language front end (readers/python/cdk.py for Python; a TypeScript/JavaScript one can feed
the same type) turns each CDK call it recognises into a ``Site`` whose values are plain data
(``V``: a value and its position; property names in camelCase, as CDK's TypeScript API names
them). This module knows what the constructs mean — ``s3.Bucket`` with ``cors``,
``addCorsRule``, ``s3.CfnBucket`` with ``corsConfiguration``, ``Bucket.fromBucketName``,
``Tags.of(b).add`` — once for every language.

A bucket's identity is ``file#Stack/Id`` (the enclosing class and the construct ID), its
address ``Stack/Id``, its name the ``bucketName`` when known; it is located at the statement
that creates (or assigns) it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from policylint import cors_check, labeling
from policylint.model import (
    Binding,
    Bucket,
    BucketRef,
    Confidence,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Evidence,
    Facts,
    Format,
    Function,
    LabelingUse,
    Location,
    Modality,
    Role,
    Service,
    Unknown,
)
from policylint.positioned import Pos
from policylint.readers import Context, ReadOptions, iam

_FALSE = frozenset({"false", "no", "0", "off"})

# CDK's CorsRule fields (camelCase) -> S3 API names (cors_check's "s3" scheme)
_RULE_FIELDS = {"allowedMethods": "AllowedMethods", "allowedOrigins": "AllowedOrigins",
                "allowedHeaders": "AllowedHeaders", "exposedHeaders": "ExposeHeaders",
                "maxAge": "MaxAgeSeconds", "id": "ID"}

BUCKET = "s3.Bucket"
CFN_BUCKET = "s3.CfnBucket"
IMPORTED = ("s3.Bucket.fromBucketName", "s3.Bucket.fromBucketArn",
            "s3.Bucket.fromBucketAttributes")
ADD_CORS_RULE = "addCorsRule"
TAGS_ADD = "Tags.add"


def kind_of(full: str, camel: Callable[[str], str] = lambda s: s) -> str:
    """The canonical kind of a resolved dotted name (``aws_cdk.aws_s3.Bucket.from_bucket_name``
    -> ``s3.Bucket.fromBucketName``; ``aws_cdk.core.Tags.of`` -> ``Tags.of``), "" when it is
    not CDK's. ``camel`` turns Python's member names into CDK's."""
    if not full.startswith("aws_cdk."):
        return ""
    full = full[len("aws_cdk."):]
    if full.startswith("core."):
        full = full[len("core."):]
    module, _, rest = full.partition(".")
    short = _MODULES.get(module)
    if short is not None and rest:
        return ".".join([short] + [camel(p) for p in rest.split(".")])
    return full


_MODULES = {"aws_s3": "s3", "aws_ssm": "ssm", "aws_s3_notifications": "s3n",
            "aws_sagemaker": "sagemaker", "aws_iam": "iam",
            "aws_lambda": "lambda", "aws_lambda_nodejs": "lambda",
            "aws_lambda_python_alpha": "lambda", "aws_lambda_python": "lambda"}
FUNCTIONS = ("lambda.Function", "lambda.NodejsFunction", "lambda.PythonFunction")
FROM_ASSET = "lambda.Code.fromAsset"
SSM_PARAMETER = "ssm.StringParameter"
ADD_EVENT_NOTIFICATION = "addEventNotification"
LAMBDA_DESTINATION = "s3n.LambdaDestination"
FLOW_DEFINITION = "sagemaker.CfnFlowDefinition"
IAM_ROLE = "iam.Role"
GRANT_READ = "grantRead"
ADD_TO_POLICY = "addToPolicy"
ADD_MANAGED_POLICY = "addManagedPolicy"
POLICY_STATEMENT = "iam.PolicyStatement"
MANAGED_POLICY = "iam.ManagedPolicy.fromAwsManagedPolicyName"
# the labeling signals of a role (DESIGN §5, as the Terraform and CloudFormation readers
# require one): Ground Truth / A2I managed policies, labeling actions in its statements
LABELING_POLICIES = {"amazonsagemakergroundtruthexecution": Service.GROUND_TRUTH,
                     "amazonaugmentedaifullaccess": Service.A2I,
                     "amazonaugmentedaihumanloopfullaccess": Service.A2I,
                     "amazonaugmentedaiintegratedapiaccess": Service.A2I}
LABELING_ACTIONS = {"sagemaker:createlabelingjob": Service.GROUND_TRUTH,
                    "sagemaker:starthumanloop": Service.A2I}


@dataclass(frozen=True)
class Asset:
    """``Code.fromAsset(path)``: ``path`` a str (relative to the app's cdk.json folder, as CDK
    resolves it), a ``SourceRel`` or an Unknown."""

    path: Any


@dataclass(frozen=True)
class SourceRel:
    """A path relative to the source file's folder (``path.join(__dirname, ...)``,
    ``os.path.join(os.path.dirname(__file__), ...)``)."""

    rel: str


@dataclass(frozen=True)
class Managed:
    """``iam.ManagedPolicy.fromAwsManagedPolicyName(name)``: ``name`` a str or Unknown."""

    name: Any


@dataclass(frozen=True)
class Destination:
    """``s3n.LambdaDestination(fn)``: ``var`` is the variable holding the function."""

    var: str


# the display path of an asset's folder (or file), or None when it is not known
Resolver = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class V:
    """A value as written, with its position. ``value`` is a str, int, float, bool, None, a
    list of V, a dict of str -> V, a ``Ref`` or an ``Unknown``."""

    value: Any
    pos: Pos


@dataclass(frozen=True)
class Ref:
    """A construct held in a variable (``attr`` empty) or one of its attributes
    (``bucket.bucketName``)."""

    var: str
    attr: str = ""


@dataclass(frozen=True)
class Site:
    """One CDK call: ``kind`` (``s3.Bucket``, ``addCorsRule``, ``Tags.add``, ...), its
    positional ``args``, its ``props`` (keyword arguments or the props object, camelCase),
    the statement's position (statement start to call end), the variable it is assigned to,
    the variable its method is called on, and the enclosing class (the stack)."""

    kind: str
    args: tuple[V, ...]
    props: dict[str, V]
    stmt: Pos
    var: str | None = None
    receiver: str | None = None
    stack: str = ""
    fix_hints: tuple[tuple[str, str], ...] = ()


@dataclass
class _Built:
    bucket: Bucket
    cors: list[tuple[V, CorsRule | None]] = field(default_factory=list)
    cors_at: Pos | None = None
    cors_hints: tuple[tuple[str, str], ...] = ()
    problems: list[CorsProblem] = field(default_factory=list)
    unknown: str | None = None


def _loc(path: str, p: Pos) -> Location:
    return Location(path, p.line, p.column, p.end_line, p.end_column)


def text_of(v: V | None) -> str | Unknown | None:
    if v is None:
        return None
    if isinstance(v.value, (str, Unknown)):
        return v.value
    if isinstance(v.value, Ref):
        return Unknown(f"'{v.value.var}' is a construct's attribute, resolved at deploy time")
    return Unknown("not a string")


def plain(v: V) -> Any:
    """The value without positions (lists and dicts of plain values)."""
    if isinstance(v.value, list):
        return [plain(x) for x in v.value]
    if isinstance(v.value, dict):
        return {k: plain(x) for k, x in v.value.items()}
    if isinstance(v.value, Ref):
        return Unknown(f"'{v.value.var}' is resolved at deploy time")
    return v.value


def build(sites: list[Site], path: str, fmt: Format, options: ReadOptions,
          markers: list[tuple[int, int]], facts: Facts, resolve: Resolver | None = None) -> None:
    """Facts from the CDK calls of one file. ``markers`` are the (line, column) of
    ``policylint: labeling-input`` comments."""
    by_var: dict[str, _Built] = {}
    built: list[_Built] = []
    for s in sites:
        if s.kind in (BUCKET, CFN_BUCKET):
            b = _bucket(s, path, fmt, markers)
            built.append(b)
            if s.var:
                by_var[s.var] = b
            if s.kind == BUCKET and "cors" in s.props:
                _add_rules(b, s.props["cors"], path, s, "cors")
            cfg = s.props.get("corsConfiguration")
            if s.kind == CFN_BUCKET and cfg is not None:
                listed = cfg.value.get("corsRules") if isinstance(cfg.value, dict) else None
                if listed is None:
                    why = cfg.value.reason if isinstance(cfg.value, Unknown) else "not a literal"
                    b.unknown = f"corsConfiguration is not known statically: {why}"
                    b.cors_at = cfg.pos
                else:
                    _add_rules(b, listed, path, s, "corsConfiguration")
    imported = imported_refs(sites)
    for s in sites:
        target = by_var.get(s.receiver or "")
        if s.kind == TAGS_ADD and s.receiver in imported and len(s.args) >= 2:
            _imported_tag(imported[s.receiver or ""], s, path, options, facts)
        if s.kind == ADD_CORS_RULE and target is not None:
            rule = V(dict(s.props), s.stmt)
            if s.args and isinstance(s.args[0].value, dict):
                rule = s.args[0]
            _add_rule(target, rule, path)
            if target.cors_at is None:
                target.cors_at = s.stmt
        elif s.kind == TAGS_ADD and target is not None and len(s.args) >= 2:
            _tag(target, s, path, options)
    for s in sites:
        if s.kind == SSM_PARAMETER:
            _parameter(s, path, by_var, facts)
    for s in sites:
        if s.kind == FLOW_DEFINITION:
            _flow_output(s, path, facts)
    _role_inputs(sites, path, by_var, facts)
    events = _event_bindings(sites, path, by_var)
    if resolve is not None:
        for s in sites:
            if s.kind in FUNCTIONS:
                _function(s, path, by_var, resolve, facts, events.get(s.var or "", []))
    for b in built:
        facts.buckets.append(b.bucket)
        if b.cors_at is None:
            continue
        rules: tuple[CorsRule, ...] | Unknown
        if b.unknown is not None:
            rules = Unknown(b.unknown)
        else:
            rules = tuple(r for _v, r in b.cors if r is not None)
        facts.cors.append(CorsConfig(
            target=BucketRef(identity=b.bucket.identity, name=b.bucket.name,
                             text=b.bucket.address),
            rules=rules, location=_loc(path, b.cors_at), source=CorsSource.INLINE, format=fmt,
            problems=tuple(b.problems), fix_hints=b.cors_hints))


def _bucket(s: Site, path: str, fmt: Format, markers: list[tuple[int, int]]) -> _Built:
    cid = text_of(s.args[1]) if len(s.args) > 1 else None
    ident = cid if isinstance(cid, str) else f"{s.var or 'bucket'}@{s.stmt.line}"
    address = f"{s.stack}/{ident}" if s.stack else ident
    name_v = s.props.get("bucketName")
    name: str | Unknown
    if name_v is None:
        name = Unknown(f"{address} has no bucketName: CDK generates its name at deploy time")
    else:
        got = text_of(name_v)
        name = got if got is not None else Unknown("bucketName is not a string")
    declared = tuple(
        Evidence(f"comment 'policylint: labeling-input' on {address}", Location(path, line, col))
        for line, col in markers if s.stmt.line - 1 <= line <= s.stmt.end_line)
    bucket = Bucket(identity=f"{path}#{address}", address=address, name=name,
                    location=_loc(path, s.stmt), format=fmt, declared=declared,
                    fix_hints=s.fix_hints + (("kind", s.kind),))
    return _Built(bucket)


def _add_rules(b: _Built, rules: V, path: str, s: Site, prop: str) -> None:
    b.cors_at = rules.pos
    if not isinstance(rules.value, list):
        why = rules.value.reason if isinstance(rules.value, Unknown) else "not a literal list"
        b.unknown = f"{prop} is not known statically: {why}"
        return
    b.cors_hints = tuple((k[len(prop) + 1:], v) for k, v in s.fix_hints
                         if k.startswith(prop + ":")) + tuple(
        (k, v) for k, v in s.fix_hints if k in ("lang", "s3", "refuse")) + (("kind", s.kind),)
    for rule in rules.value:
        _add_rule(b, rule, path)


def _add_rule(b: _Built, rule: V, path: str) -> None:
    if not isinstance(rule.value, dict):
        b.cors.append((rule, CorsRule(methods=Unknown("the rule is not known statically"),
                                      origins=Unknown("the rule is not known statically"),
                                      location=_loc(path, rule.pos))))
        return
    fields: dict[str, tuple[Any, Pos]] = {}
    for key, v in rule.value.items():
        fields[_RULE_FIELDS.get(str(key), str(key))] = (plain(v), v.pos)
    built, problems = cors_check.build_rule(fields, "s3", path, rule.pos, text_numbers=False)
    b.cors.append((rule, built))
    b.problems += problems


def _tag(b: _Built, s: Site, path: str, options: ReadOptions) -> None:
    key, value = text_of(s.args[0]), text_of(s.args[1])
    if not isinstance(key, str) or value is None:
        return
    old = b.bucket
    tags = old.tags + ((key, value),)
    declared = old.declared
    if key == options.tag_key and isinstance(value, str) and (
            value.lower() not in _FALSE if options.tag_value is None
            else value == options.tag_value):
        declared += (Evidence(f"tag {key}={value} on {old.address} (Tags.of().add)",
                              _loc(path, s.stmt)),)
    from dataclasses import replace

    b.bucket = replace(old, tags=tags, declared=declared)


def _bucket_binding(kind: str, key: str, v: V, path: str,
                    by_var: dict[str, _Built]) -> Binding | None:
    """The binding of ``key`` to ``v``: a bucket of this file (``bucket.bucketName``) or a
    plain (or unknown) value; None for anything else."""
    where = _loc(path, v.pos)
    if isinstance(v.value, Ref) and v.value.var in by_var and v.value.attr == "bucketName":
        b = by_var[v.value.var].bucket
        ref = BucketRef(identity=b.identity, name=b.name, text=f"{v.value.var}.bucketName")
        return Binding(kind, key, b.name, where, ref)
    if isinstance(v.value, (str, Unknown)):
        return Binding(kind, key, v.value, where)
    return None


def _parameter(s: Site, path: str, by_var: dict[str, _Built], facts: Facts) -> None:
    """``ssm.StringParameter`` with a known ``parameterName``: code reading it with
    get_parameter(Name=...) gets its ``stringValue``, as for an AWS::SSM::Parameter."""
    name = text_of(s.props.get("parameterName"))
    value = s.props.get("stringValue")
    if not isinstance(name, str) or value is None:
        return
    got = _bucket_binding("ssm", name, value, path, by_var)
    if got is not None:
        facts.parameters.append(got)


def address_of(s: Site, fallback: str) -> str:
    """``Stack/Id`` of a construct call (``fallback@line`` when its ID is not a literal)."""
    cid = text_of(s.args[1]) if len(s.args) > 1 else None
    ident = cid if isinstance(cid, str) else f"{fallback}@{s.stmt.line}"
    return f"{s.stack}/{ident}" if s.stack else ident


def flow_output(s: Site) -> tuple[str | Unknown | None, V | None]:
    """The bucket of a CfnFlowDefinition's ``outputConfig.s3OutputPath`` and its value."""
    out = s.props.get("outputConfig")
    got = out.value.get("s3OutputPath") if out is not None and isinstance(
        out.value, dict) else None
    if not isinstance(got, V):
        return None, None
    return labeling.bucket_of(text_of(got)), got


def _flow_output(s: Site, path: str, facts: Facts) -> None:
    """``sagemaker.CfnFlowDefinition``: where A2I writes its results (output evidence, as an
    AWS::SageMaker::FlowDefinition or create_flow_definition gives; output needs no CORS)."""
    name, v = flow_output(s)
    if name is None or v is None:
        return
    text = v.value if isinstance(v.value, str) else "s3OutputPath"
    facts.uses.append(LabelingUse(
        Service.A2I, Role.OUTPUT, Modality.UNKNOWN,
        f"CDK CfnFlowDefinition {address_of(s, 'flow')}: output path", _loc(path, v.pos),
        Confidence.DEFINED, BucketRef(name=name, text=text)))


@dataclass
class _RoleBuilt:
    site: Site
    signal: tuple[Service, str] | None = None
    outputs: set[str] = field(default_factory=set)
    statements: list[dict[str, Any]] = field(default_factory=list)
    where: list[tuple[Location, list[Location]]] = field(default_factory=list)


def _role_inputs(sites: list[Site], path: str, by_var: dict[str, _Built], facts: Facts) -> None:
    """Inferred inputs (DESIGN §5): the buckets an ``iam.Role`` with a labeling signal may
    read (``bucket.grantRead(role)``, ``role.addToPolicy(new iam.PolicyStatement(...))``),
    other than its flow definitions' outputs. A role with no signal (one that only trusts
    sagemaker.amazonaws.com: notebooks, training) is no evidence."""
    roles = {s.var: _RoleBuilt(s) for s in sites if s.kind == IAM_ROLE and s.var}
    if not roles:
        return
    refs: dict[str, BucketRef] = {}
    for r in roles.values():
        managed = r.site.props.get("managedPolicies")
        for v in managed.value if managed is not None and isinstance(managed.value, list) else []:
            _managed_signal(r, v)
    for s in sites:
        role = roles.get(s.receiver or "")
        if s.kind == ADD_MANAGED_POLICY and role is not None and s.args:
            _managed_signal(role, s.args[0])
        elif s.kind == ADD_TO_POLICY and role is not None and s.args and \
                isinstance(s.args[0].value, dict):
            _statement(role, s.args[0].value, s, path, by_var, refs)
        elif s.kind == FLOW_DEFINITION:
            arn = s.props.get("roleArn")
            flow = roles.get(arn.value.var) if arn is not None and isinstance(
                arn.value, Ref) and arn.value.attr == "roleArn" else None
            if flow is not None:
                flow.signal = flow.signal or (
                    Service.A2I, f"execution role of the flow definition {address_of(s, 'flow')}")
                name, _v = flow_output(s)
                if isinstance(name, str):
                    flow.outputs.add(name)
        elif s.kind == GRANT_READ and s.receiver in by_var and s.args and isinstance(
                s.args[0].value, Ref) and s.args[0].value.var in roles:
            b = by_var[s.receiver or ""].bucket
            token = f"policylint-cdk-bucket:{len(refs)}"
            refs[token] = BucketRef(identity=b.identity, name=b.name, text=b.address)
            grantee = roles[s.args[0].value.var]
            grantee.statements.append({"Effect": "Allow", "Action": ["s3:GetObject*"],
                                       "Resource": [token]})
            grantee.where.append((_loc(path, s.stmt), [_loc(path, s.stmt)]))
    for r in roles.values():
        if r.signal is not None and r.statements:
            facts.uses += _inferred(r, refs)


def _inferred(r: _RoleBuilt, refs: dict[str, BucketRef]) -> list[LabelingUse]:
    def locate(keys: tuple[Any, ...]) -> Location:
        i, j = keys[1] or 0, keys[3] or 0
        stmt, resources = r.where[i]
        return resources[j] if j < len(resources) else stmt

    def ref_of(value: Any) -> BucketRef | None:
        if isinstance(value, str) and value in refs:
            return refs[value]
        name = iam.bucket_of_arn(value)
        return BucketRef(name=name, text=str(value)) if isinstance(name, str) else None

    assert r.signal is not None
    service, why = r.signal
    return iam.inferred_inputs({"Statement": r.statements}, outputs=r.outputs, locate=locate,
                               evidence=f"CDK role {address_of(r.site, 'role')} ({why})",
                               service=service, ref_of=ref_of)


def _managed_signal(role: _RoleBuilt, v: V) -> None:
    name = v.value.name if isinstance(v.value, Managed) else None
    service = LABELING_POLICIES.get(name.lower()) if isinstance(name, str) else None
    if service is not None and role.signal is None:
        role.signal = (service, f"holds the managed policy {name}")


def _statement(role: _RoleBuilt, props: dict[str, V], s: Site, path: str,
               by_var: dict[str, _Built], refs: dict[str, BucketRef]) -> None:
    """One ``iam.PolicyStatement``: its labeling actions are a signal; its resources (ARNs,
    ``bucket.bucketArn``, ``bucket.arnForObjects(...)``) what the role may read."""
    effect = text_of(props.get("effect"))
    if effect is not None and (not isinstance(effect, str) or effect.upper() != "ALLOW"):
        return
    actions = plain(props["actions"]) if "actions" in props else []
    actions = [a for a in actions if isinstance(a, str)] if isinstance(actions, list) else []
    for a in actions:
        service = LABELING_ACTIONS.get(a.lower())
        if service is not None and role.signal is None:
            role.signal = (service, f"may {a}")
    listed = props.get("resources")
    resources: list[Any] = []
    where: list[Location] = []
    for v in listed.value if listed is not None and isinstance(listed.value, list) else []:
        if isinstance(v.value, Ref) and v.value.var in by_var and v.value.attr == "bucketArn":
            b = by_var[v.value.var].bucket
            token = f"policylint-cdk-bucket:{len(refs)}"
            refs[token] = BucketRef(identity=b.identity, name=b.name, text=b.address)
            resources.append(token)
        else:
            resources.append(v.value if isinstance(v.value, str) else None)
        where.append(_loc(path, v.pos))
    role.statements.append({"Effect": "Allow", "Action": actions, "Resource": resources})
    role.where.append((_loc(path, s.stmt), where))


def _event_bindings(sites: list[Site], path: str, by_var: dict[str, _Built]
                    ) -> dict[str, list[Binding]]:
    """``bucket.addEventNotification(..., s3n.LambdaDestination(fn))``: the S3 event's bucket
    in ``fn``'s code is that bucket (by the function's variable)."""
    out: dict[str, list[Binding]] = {}
    for s in sites:
        target = by_var.get(s.receiver or "")
        if s.kind != ADD_EVENT_NOTIFICATION or target is None:
            continue
        b = target.bucket
        for arg in s.args:
            if isinstance(arg.value, Destination):
                ref = BucketRef(identity=b.identity, name=b.name, text=b.address)
                out.setdefault(arg.value.var, []).append(Binding(
                    "s3-event-bucket", "", b.name if isinstance(b.name, str) else b.address,
                    _loc(path, arg.pos), ref))
    return out


def _function(s: Site, path: str, by_var: dict[str, _Built], resolve: Resolver,
              facts: Facts, events: list[Binding]) -> None:
    """A Lambda function whose code is in the scan: its environment binds names in that code,
    and the buckets whose events invoke it bind the S3 event's bucket."""
    code_v = s.props.get("code") if s.kind == "lambda.Function" else s.props.get("entry")
    if code_v is None:
        return
    raw = code_v.value.path if isinstance(code_v.value, Asset) else code_v.value
    code = resolve(raw)
    env = s.props.get("environment")
    if code is None:
        return
    bindings: list[Binding] = list(events)
    items = env.value.items() if env is not None and isinstance(env.value, dict) else []
    for key, v in items:
        got = _bucket_binding("env", key, v, path, by_var)
        if got is not None:
            bindings.append(got)
    address = address_of(s, "function")
    facts.functions.append(Function(f"{path}#{address}", address, _loc(path, s.stmt), (code,),
                                    bindings=tuple(bindings)))


def _imported_tag(ref: BucketRef, s: Site, path: str, options: ReadOptions,
                  facts: Facts) -> None:
    key, value = text_of(s.args[0]), text_of(s.args[1])
    if key == options.tag_key and isinstance(value, str) and (
            value.lower() not in _FALSE if options.tag_value is None
            else value == options.tag_value):
        facts.uses.append(LabelingUse(
            Service.UNKNOWN, Role.INPUT, Modality.UNKNOWN,
            f"tag {key}={value} on the imported bucket {ref.text} (Tags.of().add)",
            _loc(path, s.stmt), Confidence.DECLARED, ref))


def imported_refs(sites: list[Site]) -> dict[str, BucketRef]:
    """Variables holding a bucket defined elsewhere (``Bucket.fromBucketName``): a reference by
    name, whose CORS this app does not know."""
    out: dict[str, BucketRef] = {}
    for s in sites:
        if s.kind in IMPORTED and s.var and len(s.args) > 2:
            raw = text_of(s.args[2])
            if s.kind.endswith("Arn") and isinstance(raw, str):
                raw = raw.rsplit(":", 1)[-1]
            if raw is not None:
                out[s.var] = BucketRef(name=raw, text=s.var)
    return out


def resolver(abspath: str, ctx: Context) -> Resolver:
    """Asset paths of the file at ``abspath``: ``SourceRel`` from its folder, a plain path
    from the folder of the app's ``cdk.json`` (the nearest one above it), as CDK resolves
    them. None when the path is not known or no cdk.json is found."""
    import os

    here = os.path.dirname(abspath)

    def app_root() -> str | None:
        d = here
        root = os.path.abspath(ctx.root)
        for _ in range(50):
            if ctx.load(os.path.join(d, "cdk.json")) is not None:
                return d
            if os.path.abspath(d) == root or os.path.dirname(d) == d:
                return None
            d = os.path.dirname(d)
        return None

    def resolve(raw: Any) -> str | None:
        if isinstance(raw, SourceRel):
            base: str | None = here
            rel = raw.rel
        elif isinstance(raw, str):
            base, rel = app_root(), raw
        else:
            return None
        if base is None:
            return None
        return ctx.display(os.path.normpath(os.path.join(base, rel)))

    return resolve
