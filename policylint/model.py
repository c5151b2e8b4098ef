"""The format-neutral model: what readers produce, the linker binds and rules judge.

Everything here is plain, immutable data. Readers build it, rules read it; no module in this file
knows about a file format or a rule.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Union


@dataclass(frozen=True)
class Unknown:
    """A value that cannot be known statically. Never guessed, never a violation."""

    reason: str

    def __str__(self) -> str:
        return f"<unknown: {self.reason}>"


@dataclass(frozen=True)
class Bound(Unknown):
    """An Unknown with a name: where the value comes from at run time (``source``: "env",
    "event", "ssm", "sagemaker-default-bucket", "argv") and the key ``path`` within it, e.g.
    ``Bound(reason, "env", ("INPUT_BUCKET",))``. The linker may resolve it from the
    infrastructure that runs the code (policylint.bind); unresolved, it is an Unknown."""

    source: str = ""
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class SageMakerDefaultBucket(Bound):
    """``sagemaker.Session().default_bucket()``: the bucket ``sagemaker-<region>-<account-id>``,
    unknown statically, known once the account and region are (``--aws`` asks STS). The one
    representation of that bucket: the Python reader produces it, PL102 names it (its fix is
    the put-bucket-cors command for it) and ``--aws`` binds it to its real name."""

    reason: str = ("the SageMaker default bucket sagemaker-<region>-<account-id> "
                   "(Session().default_bucket())")
    source: str = "sagemaker-default-bucket"

    PLACEHOLDER = "sagemaker-<region>-<account-id>"

    @staticmethod
    def name_for(region: str, account: str) -> str:
        return f"sagemaker-{region}-{account}"


def is_known(value: object) -> bool:
    return not isinstance(value, Unknown)


class Severity(enum.IntEnum):
    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]

    def lowered(self) -> Severity:
        return Severity(max(self.value - 1, Severity.NOTE.value))


@dataclass(frozen=True, order=True)
class Location:
    """1-based line and column; path relative to the working directory when below it."""

    path: str
    line: int = 1
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)
            if self.end_column < self.column:
                object.__setattr__(self, "end_column", self.column)

    def __str__(self) -> str:
        return self.path if self.logical else f"{self.path}:{self.line}:{self.column}"

    @property
    def logical(self) -> bool:
        """An AWS resource (``aws-audit``: a labeling job's ARN), not a place in a file."""
        return self.path.startswith("arn:")

    def contains_line(self, line: int) -> bool:
        return self.line <= line <= self.end_line


# A value read from a file: a string, or Unknown when it depends on something not in the scan.
Text = Union[str, Unknown]


class Format(str, enum.Enum):
    TERRAFORM = "terraform"
    TERRAFORM_JSON = "terraform-json"
    PLAN = "terraform-plan"
    CLOUDFORMATION_YAML = "cloudformation-yaml"
    CLOUDFORMATION_JSON = "cloudformation-json"
    CORS_JSON = "cors-json"
    CORS_XML = "cors-xml"
    ASL = "asl"
    REQUEST = "request"
    MANIFEST = "manifest"
    TEMPLATE = "template"
    SCRIPT = "script"
    CONFIG = "config"
    CDK_PYTHON = "cdk-python"  # CDK apps in Python
    CDK_TYPESCRIPT = "cdk-typescript"  # CDK apps in TypeScript/JavaScript
    LIVE = "aws"  # read from an AWS account (--aws, aws-audit)


@dataclass(frozen=True)
class BucketRef:
    """How a CORS configuration or labeling use points at a bucket.

    ``identity`` is a bucket identity within the scan (``main.tf``-module address or template
    logical ID, as produced by the reader that defines the bucket); ``name`` the bucket's name,
    possibly Unknown. Either may be missing. ``text`` is how the reference reads in the source.
    """

    identity: str | None = None
    name: Text | None = None
    text: str = ""

    def describe(self) -> str:
        if self.text:
            return self.text
        if isinstance(self.name, str):
            return self.name
        return self.identity or str(self.name)


@dataclass(frozen=True)
class ModuleCall:
    """The Terraform ``module`` block through which a bucket or CORS configuration made inside a
    module policylint does not edit (downloaded, registry, built-in) is reported and fixed."""

    name: str  # the call's label: module "<name>" {...}
    cors_input: bool = False  # the module takes a cors_rule input (terraform-aws-modules/s3-bucket)


@dataclass(frozen=True)
class Provenance:
    """Where a Terraform fact was read: what the linker needs to decide which unit reports it
    (``policylint.link.owned``); a fact without one stands as its unit read it.

    ``module`` is the display folder of the module that declares the resource and ``local`` the
    resource instance's address inside it (``aws_s3_bucket.this["raw"]``). ``caller`` is the call
    whose inputs it was evaluated with: the module instance (``module.data["images"]``) or the
    ``terragrunt.hcl``; "" when the module was read on its own, as its own unit reads it.
    ``library``: the declaring module is a local library module (it cannot be applied on its
    own; readers.terraform.is_library). ``awaits``: the library folder, read on its own, whose
    unset inputs the fact depends on (names and rules only its callers can know); "" when the
    fact depends on no unset input.
    """

    module: str
    local: str
    caller: str = ""
    library: bool = False
    awaits: str = ""


@dataclass(frozen=True)
class Embedded:
    """Source of another unit that a unit read as part of itself, in its own context: a local
    Terraform module folder it instantiated with a caller's inputs (a module call, a
    terragrunt.hcl), or a file it read with its variables or substitutions (file() or
    templatefile() in Terraform, a SAM DefinitionUri). ``path`` is the folder's or file's
    display path, ``by`` what read it (the module instance, the resource), ``module`` whether
    it is a module folder (else a file)."""

    path: str
    by: str = ""
    module: bool = False


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket defined in the scanned files."""

    identity: str  # e.g. "infra/main.tf#aws_s3_bucket.images" or "template.yaml#ImagesBucket"
    address: str  # what a user calls it: aws_s3_bucket.images, ImagesBucket
    name: Text
    location: Location
    format: Format
    tags: tuple[tuple[str, Text], ...] = ()
    # Declared labeling input (tag, comment, metadata): the evidence location and text.
    declared: tuple[Evidence, ...] = ()
    generated: bool = False  # plan file or synthesized output (cdk.out): never auto-fixed
    # A synthesized template's aws:cdk:path without "/Resource" ("ReviewStack/Images"): link
    # reports such a bucket once, at the CDK source construct it was synthesized from.
    construct: str = ""
    # Set when the bucket is made inside a module policylint does not edit: the caller's call.
    module_call: ModuleCall | None = None
    # Code readers' hints for their fixers (where a new argument or list item goes).
    fix_hints: tuple[tuple[str, str], ...] = ()
    # Where the resource itself is, when the bucket is reported elsewhere (a downloaded or
    # built-in module's bucket is reported at the caller's module block).
    origin: Evidence | None = None
    # Where it was read (a Terraform module and the context it was evaluated in): the linker
    # decides with it which unit reports it (policylint.link.owned).
    provenance: Provenance | None = field(default=None, compare=False)

    def hint(self, key: str) -> str | None:
        return dict(self.fix_hints).get(key)


@dataclass(frozen=True)
class Evidence:
    message: str
    location: Location


@dataclass(frozen=True)
class CorsProblem:
    """A way a CORS document breaks S3's rules (reported by PL200)."""

    message: str
    location: Location


@dataclass(frozen=True)
class CorsRule:
    methods: tuple[Text, ...] | Unknown
    origins: tuple[Text, ...] | Unknown
    allowed_headers: tuple[Text, ...] | Unknown = ()
    expose_headers: tuple[Text, ...] | Unknown = ()
    max_age: int | Unknown | None = None
    id: Text | None = None
    location: Location | None = None


class CorsSource(str, enum.Enum):
    INLINE = "inline"  # aws_s3_bucket.cors_rule, AWS::S3::Bucket CorsConfiguration
    RESOURCE = "resource"  # aws_s3_bucket_cors_configuration
    FILE = "file"  # a CORS JSON/XML document bound by config or script
    SCRIPT = "script"  # inline JSON in `aws s3api put-bucket-cors`
    PLAN = "plan"
    LIVE = "live"  # read from AWS with --aws (GetBucketCors): the configuration in force


@dataclass(frozen=True)
class CorsConfig:
    """One CORS definition for one bucket."""

    target: BucketRef | None  # None: a CORS document not (yet) bound to any bucket
    rules: tuple[CorsRule, ...] | Unknown
    location: Location
    source: CorsSource
    format: Format
    problems: tuple[CorsProblem, ...] = ()
    # Alternatives of one definition under a condition (CloudFormation Fn::If): configs that
    # share a group are one definition; ``condition`` says when this alternative applies.
    group: str = ""
    condition: str | None = None
    # Name of the document file when the CORS rules live in their own document.
    document: str | None = None
    # Set when the configuration is made inside a module policylint does not edit.
    module_call: ModuleCall | None = None
    # A custom resource's property holding rules with S3 API field names (``CORSRules``).
    rules_key: str = ""
    # Where a document was applied to its bucket (a script command, a config entry), once linked.
    applied_at: Location | None = None
    # Code readers' hints for their fixers (where a new rule goes).
    fix_hints: tuple[tuple[str, str], ...] = ()
    # Set (to the document's display path) when a script applies a ``file://`` CORS document
    # that does not exist: the command fails at deploy time and the bucket keeps no CORS.
    missing: str | None = None
    # True for a definition written at deploy time after the bucket's own (a CloudFormation
    # custom resource calling PutBucketCors): its rules are the ones in force after deployment,
    # so the rules judge it in place of the definitions it overwrites (still PL201 beside them).
    supersedes: bool = False
    provenance: Provenance | None = field(default=None, compare=False)  # as on Bucket
    # True for a definition that may not apply to this bucket at all: its count/for_each is not
    # known, or its bucket is one of several chosen by a key that is not known (its rules then
    # say why, as an Unknown). It makes the bucket's CORS unverified; it is never counted as a
    # conflicting second definition (that conflict is not known either).
    may_not_apply: bool = False

    @property
    def key(self) -> str:
        return self.group or f"{self.location.path}:{self.location.line}:{self.location.column}"

    @property
    def identity(self) -> str:
        """Names this configuration (one alternative of a conditional definition) for a fix."""
        loc = self.location
        return f"{loc.path}:{loc.line}:{loc.column}:{self.condition or ''}"

    def hint(self, key: str) -> str | None:
        return dict(self.fix_hints).get(key)


class Service(str, enum.Enum):
    GROUND_TRUTH = "ground-truth"
    A2I = "a2i"
    MTURK = "mturk"
    UNKNOWN = "unknown"  # a bucket declared as labeling input without naming the service

    @property
    def title(self) -> str:  # type: ignore[override]  # shadows str.title on purpose
        return {
            "ground-truth": "Ground Truth",
            "a2i": "Amazon A2I",
            "mturk": "Mechanical Turk",
            "unknown": "human labeling",
        }[self.value]


class Role(str, enum.Enum):
    INPUT = "input"
    OUTPUT = "output"


class Modality(str, enum.Enum):
    IMAGE = "image"
    TEXT = "text"
    VIDEO = "video"
    POINT_CLOUD = "point-cloud"
    UNKNOWN = "unknown"

    @property
    def needs_media_cors(self) -> bool:
        return self in (Modality.VIDEO, Modality.POINT_CLOUD)


class Confidence(str, enum.Enum):
    DECLARED = "declared"
    DEFINED = "defined"
    INFERRED = "inferred"


@dataclass(frozen=True)
class LabelingUse:
    """A piece of evidence that a bucket feeds (or receives) human labeling."""

    service: Service
    role: Role
    modality: Modality
    evidence: str  # what the evidence is, e.g. "Ground Truth input manifest"
    location: Location
    confidence: Confidence
    target: BucketRef
    # How the target was bound (policylint.bind): the function that runs the code, the entry
    # that sets the value. Shown in findings' related locations after the evidence itself.
    via: tuple[Evidence, ...] = ()
    # A value that is a bucket only if its binding says so (a named unknown in a human loop's
    # input): policylint.bind keeps it when the bound value is an S3 location, else drops it.
    conditional: bool = False
    provenance: Provenance | None = field(default=None, compare=False)  # as on Bucket

    @property
    def needs_cors(self) -> bool:
        if self.modality is Modality.TEXT:
            return False
        return self.role is Role.INPUT or self.modality.needs_media_cors


@dataclass(frozen=True)
class Suppression:
    """An inline or metadata suppression, as written. ``scope`` is the region it covers."""

    rules: tuple[str, ...]
    reason: str | None
    expires: str | None
    location: Location
    scope: Location  # the lines it covers (the block it is in or above, or its own line)
    problem: str | None = None  # set when malformed: reported as PL002 and not applied


@dataclass(frozen=True)
class ParseError:
    message: str
    location: Location
    severity: Severity | None = None  # None: PL001's own (error); NOTE for a file skipped on purpose
    crashed: bool = False  # a reader crashed (a bug): reported as PL000, not PL001


@dataclass(frozen=True)
class Fix:
    description: str
    snippet: str
    language: str  # hcl, yaml, json, xml


class RuleNeed(enum.IntEnum):
    """The CORS rule a fix adds, weakest first: a target that several findings share gets the
    strongest any of them needs (each one includes what the weaker ones add)."""

    GET = 1  # a rule allowing GET from origin *
    GET_EXPOSING_ORIGIN = 2  # the same, exposing Access-Control-Allow-Origin (Ground Truth)
    MEDIA = 3  # GET, HEAD, PUT from *, AllowedHeaders *, exposing the origin (point cloud, video)


@dataclass(frozen=True)
class FixTarget:
    """What a finding's automatic fix does, as data (part of the public rule API).

    ``subject`` is the linked bucket (``LinkedBucket.subject``). Either ``bucket`` names the
    bucket (``Bucket.identity``) to give a CORS configuration holding the ``need``ed rule, or
    ``cors`` names the configuration (``CorsConfig.identity``) to add that rule to, before the
    rule at index
    ``before`` (S3 answers with the first rule that matches) or after the last one. A fix with
    ``on_request`` set is applied only when its rule is selected by name (``--select``).
    """

    subject: str
    need: RuleNeed
    bucket: str | None = None
    cors: str | None = None
    before: int | None = None
    on_request: bool = False


@dataclass(frozen=True)
class Related:
    message: str
    location: Location


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    location: Location
    subject: str = ""
    bucket: str | None = None
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    why: str = ""
    fingerprint: str = ""
    target: FixTarget | None = None  # what --fix does about it; None: no automatic fix

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.location.path, self.location.line, self.location.column, self.rule)


@dataclass
class Facts:
    """What one reader learnt from one unit (a file, or a Terraform module directory)."""

    files: list[str] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    cors: list[CorsConfig] = field(default_factory=list)
    uses: list[LabelingUse] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    # CORS bindings learnt from scripts: (document path, bucket ref, evidence location)
    cors_bindings: list[tuple[str, BucketRef, Location]] = field(default_factory=list)
    # Functions that run scanned code, and SSM parameters defined in the scan (policylint.bind)
    functions: list[Function] = field(default_factory=list)
    parameters: list[Binding] = field(default_factory=list)
    # Other units' sources this unit read as part of itself (module folders, files read in
    # its context): with the facts' provenance, the linker decides who reports what.
    embedded: list[Embedded] = field(default_factory=list)

    def extend(self, other: Facts) -> None:
        self.files.extend(other.files)
        self.buckets.extend(other.buckets)
        self.cors.extend(other.cors)
        self.uses.extend(other.uses)
        self.suppressions.extend(other.suppressions)
        self.errors.extend(other.errors)
        self.cors_bindings.extend(other.cors_bindings)
        self.functions.extend(other.functions)
        self.parameters.extend(other.parameters)
        self.embedded.extend(other.embedded)


@dataclass(frozen=True)
class Binding:
    """A value the infrastructure gives code at run time, as written in the scanned IaC.

    ``kind`` is what the code reads (policylint.readers.python.evaluate.kind_of): "env" (an
    environment variable, ``key`` its name), "resource-property" (a custom resource property
    passed in ``event["ResourceProperties"]``), "s3-event-bucket" (the bucket whose event
    notifications invoke the function; ``key`` is ""), "ssm" (an SSM parameter, ``key`` its
    name). ``value`` is the evaluated value (Unknown when it is not known statically); ``ref``
    the bucket defined in the same file that the value names or whose S3 URI it is, when
    there is one. ``location`` is where the entry is written."""

    kind: str
    key: str
    value: Text
    location: Location
    ref: BucketRef | None = None
    provenance: Provenance | None = field(default=None, compare=False)  # as on Bucket


@dataclass(frozen=True)
class Function:
    """A function defined in the scanned IaC (SAM, CloudFormation, Terraform) and the code it
    runs: ``code`` holds display paths of files or folders (a SAM CodeUri, a Terraform
    archive_file source_dir/source_file, a local CloudFormation Code path); ``handler`` is
    its ``module.function`` (it picks the file inside a folder); ``inline`` the span of inline
    code (CloudFormation Code.ZipFile), read as a Python file at its place in the template."""

    identity: str
    address: str
    location: Location
    code: tuple[str, ...] = ()
    handler: str | None = None
    inline: Location | None = None
    bindings: tuple[Binding, ...] = ()
    provenance: Provenance | None = field(default=None, compare=False)  # as on Bucket


@dataclass(frozen=True)
class LiveCors:
    """A bucket's CORS as read from AWS with ``--aws``: ``rules`` is None when the bucket has
    no CORS configuration (NoSuchCORSConfiguration); ``error`` names the API error when it could
    not be read (then ``rules`` is None too). Never cached: it describes the account, not a file."""

    bucket: str
    account: str
    region: str
    read_at: str  # ISO 8601, UTC
    rules: tuple[CorsRule, ...] | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        return f"live: s3://{self.bucket} ({self.account}, {self.region}, read at {self.read_at})"


@dataclass
class LinkedBucket:
    """A bucket with everything bound to it. ``bucket`` is None for a bucket known only by name
    (a labeling use or CORS source naming a bucket that no scanned file defines)."""

    name: Text
    bucket: Bucket | None
    cors: list[CorsConfig] = field(default_factory=list)
    uses: list[LabelingUse] = field(default_factory=list)
    # with --aws: the deployed configuration (or why it could not be read)
    live: LiveCors | None = None
    # CORS sources that apply a document that does not exist (CorsConfig.missing): no CORS
    missing_cors: list[CorsConfig] = field(default_factory=list)

    @property
    def subject(self) -> str:
        if self.bucket is not None:
            return self.bucket.address
        return self.name if isinstance(self.name, str) else "?"

    @property
    def label(self) -> str:
        if isinstance(self.name, str):
            if self.bucket is not None and self.bucket.address != self.name:
                return f"{self.bucket.address} ({self.name})"
            return self.name
        return self.subject


@dataclass
class Project:
    """The linked view of the whole scan: the only thing rules see."""

    buckets: list[LinkedBucket] = field(default_factory=list)
    unbound_uses: list[tuple[LabelingUse, str]] = field(default_factory=list)  # (use, why)
    cors: list[CorsConfig] = field(default_factory=list)
    unbound_cors: list[CorsConfig] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def labeling_buckets(self) -> list[LinkedBucket]:
        return [b for b in self.buckets if any(u.needs_cors for u in b.uses)]
