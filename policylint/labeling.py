"""Shared knowledge about labeling services, independent of file formats: S3 URIs and URLs,
task types → modality, and CreateLabelingJob / StartHumanLoop parameters → labeling uses."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from policylint.model import (
    BucketRef,
    Confidence,
    LabelingUse,
    Location,
    Modality,
    Role,
    Service,
    Text,
    Unknown,
)

# --- S3 URIs --------------------------------------------------------------------------------

_BUCKET = r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]"
_URI_PATTERNS = (
    re.compile(rf"^s3://(?P<b>{_BUCKET})(?:/(?P<k>.*))?$", re.DOTALL),
    re.compile(rf"^s3a?n?://(?P<b>{_BUCKET})(?:/(?P<k>.*))?$", re.DOTALL),
    re.compile(rf"^arn:aws[a-z-]*:s3:::(?P<b>{_BUCKET})(?:/(?P<k>.*))?$", re.DOTALL),
    # virtual-hosted style: b.s3.amazonaws.com, b.s3.region.amazonaws.com, b.s3-region.amazonaws.com
    re.compile(rf"^https?://(?P<b>{_BUCKET})\.s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?"
               rf"\.amazonaws\.com(?:\.cn)?(?:/(?P<k>.*))?$", re.DOTALL),
    # path style: s3.amazonaws.com/b, s3.region.amazonaws.com/b, s3-region.amazonaws.com/b
    re.compile(rf"^https?://s3(?:[.-](?:dualstack\.)?[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?/"
               rf"(?P<b>{_BUCKET})(?:/(?P<k>.*))?$", re.DOTALL),
)
# finds URIs inside free text (templates, JSON strings, scripts)
URI_IN_TEXT = re.compile(
    r"(?:s3://|arn:aws[a-z-]*:s3:::|https?://)[A-Za-z0-9.\-]+(?:\.amazonaws\.com(?:\.cn)?)?"
    r"(?:/[^\s\"'<>()\\{}|`]*)?")


def parse_s3_uri(text: str) -> tuple[str, str] | None:
    """(bucket, key) for an S3 URI, an S3 object ARN or an S3 HTTPS URL; None otherwise."""
    t = text.strip()
    for pat in _URI_PATTERNS:
        m = pat.match(t)
        if m:
            bucket = m.group("b")
            if ".." in bucket or bucket.endswith("."):
                return None
            return bucket, m.group("k") or ""
    return None


def find_s3_uris(text: str) -> list[tuple[int, str, str]]:
    """(offset, bucket, key) of every S3 URI or URL inside ``text``."""
    out: list[tuple[int, str, str]] = []
    for m in URI_IN_TEXT.finditer(text):
        got = parse_s3_uri(m.group().rstrip(".,;:"))
        if got is not None:
            out.append((m.start(), got[0], got[1]))
    return out


def bucket_of(value: Any, dynamic_why: str = "") -> Text | None:
    """The bucket name of a URI value: a string, Unknown (dynamic), or None (not an S3 URI)."""
    if isinstance(value, Unknown):
        return value
    if not isinstance(value, str):
        return None
    got = parse_s3_uri(value)
    if got is not None:
        return got[0]
    # an S3 URI whose bucket part is a placeholder: s3://${BucketName}/x, s3://$BUCKET/x,
    # s3://{{ bucket }}/x, s3://<your-bucket>/x, s3://%(bucket)s/x
    if value.startswith("s3://") and _PLACEHOLDER.search(value[5:].split("/", 1)[0]):
        return Unknown(dynamic_why or f"the bucket part of '{value}' is a placeholder")
    return None


_PLACEHOLDER = re.compile(r"[${}<>%]")


# --- task types ---------------------------------------------------------------------------------

_TASK_MODALITY: tuple[tuple[str, Modality], ...] = (
    ("3dpointcloud", Modality.POINT_CLOUD),
    ("videoobjectdetection", Modality.VIDEO),
    ("videoobjecttracking", Modality.VIDEO),
    ("namedentityrecognition", Modality.TEXT),
    ("textmulticlass", Modality.TEXT),
    ("boundingbox", Modality.IMAGE),
    ("imagemulticlass", Modality.IMAGE),
    ("semanticsegmentation", Modality.IMAGE),
    ("labeldetection", Modality.IMAGE),
)


def modality_of(task_arn: Any) -> Modality:
    """Modality from a PreHumanTaskLambdaArn (``arn:...:function:PRE-BoundingBox``), a task type
    name, or UNKNOWN (judged as image)."""
    if not isinstance(task_arn, str):
        return Modality.UNKNOWN
    tail = task_arn.rsplit(":", 1)[-1].lower().replace("-", "").replace("_", "")
    for needle, modality in _TASK_MODALITY:
        if needle in tail:
            return modality
    return Modality.UNKNOWN


# Built-in worker UIs (``HumanTaskConfig.UiConfig.HumanTaskUiArn``), owned by an AWS account that
# differs by region: arn:aws:sagemaker:<region>:<aws-account>:human-task-ui/<Name>. The one table
# of them: every reader (IaC, Step Functions, request files, Python and JavaScript code) asks
# ``task_modality``.
HUMAN_TASK_UI_MODALITY: dict[str, Modality] = {
    "PointCloudObjectDetection": Modality.POINT_CLOUD,
    "PointCloudObjectTracking": Modality.POINT_CLOUD,
    "PointCloudSemanticSegmentation": Modality.POINT_CLOUD,
    "VideoObjectDetection": Modality.VIDEO,
    "VideoObjectTracking": Modality.VIDEO,
    "NamedEntityRecognition": Modality.TEXT,
}
_HUMAN_TASK_UI = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[^:]*:[^:]*:human-task-ui/(?P<name>[A-Za-z0-9-]+)")


def modality_of_ui(ui_arn: Any) -> Modality:
    """Modality of a built-in ``HumanTaskUiArn`` (``.../human-task-ui/PointCloudObjectDetection``),
    else UNKNOWN (a custom UI says nothing about the task). A partly dynamic ARN whose tail is a
    literal built-in name still counts (``arn:${AWS::Partition}:...:human-task-ui/X`` evaluates
    with an unknown region but a known name)."""
    if not isinstance(ui_arn, str):
        return Modality.UNKNOWN
    m = _HUMAN_TASK_UI.fullmatch(ui_arn.strip())
    name = m.group("name") if m else None
    if name is None and "human-task-ui/" in ui_arn:
        name = ui_arn.rsplit("human-task-ui/", 1)[1].strip()
    return HUMAN_TASK_UI_MODALITY.get(name or "", Modality.UNKNOWN)


def task_modality(pre_lambda_arn: Any, ui_arn: Any = None) -> Modality:
    """The task's modality: from the pre-annotation Lambda, else from a built-in worker UI."""
    modality = modality_of(pre_lambda_arn)
    return modality if modality is not Modality.UNKNOWN else modality_of_ui(ui_arn)


# --- API-shaped parameters -------------------------------------------------------------------

Locate = Callable[[tuple[Any, ...]], Location]


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


get_path = _get

_MANIFEST = ("InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri")
_OUTPUT = ("OutputConfig", "S3OutputPath")


@dataclass(frozen=True)
class StatesApi:
    """A labeling API as Step Functions calls it: ``kind`` selects the parameter reader
    (labeling-job, human-loop, a2i-builtin), ``bucket_paths`` are the (role, key path) where the
    request names a bucket, so that a run-time value there is known to hide one."""

    service: Service
    action: str
    kind: str
    bucket_paths: tuple[tuple[Role, tuple[str, ...]], ...]
    document_key: str = ""


# (Step Functions service, action) → API. Optimized and AWS SDK integrations share the names.
STATES_LABELING_APIS: dict[tuple[str, str], StatesApi] = {
    ("sagemaker", "createLabelingJob"): StatesApi(
        Service.GROUND_TRUTH, "createLabelingJob", "labeling-job",
        ((Role.INPUT, _MANIFEST), (Role.OUTPUT, _OUTPUT))),
    ("sagemakera2iruntime", "startHumanLoop"): StatesApi(
        Service.A2I, "startHumanLoop", "human-loop",
        ((Role.INPUT, ("HumanLoopInput", "InputContent")),)),
    # A2I built-in integrations: with a HumanLoopConfig, the document or image goes to review
    ("textract", "analyzeDocument"): StatesApi(
        Service.A2I, "analyzeDocument", "a2i-builtin",
        ((Role.INPUT, ("Document", "S3Object", "Bucket")),), "Document"),
    ("rekognition", "detectModerationLabels"): StatesApi(
        Service.A2I, "detectModerationLabels", "a2i-builtin",
        ((Role.INPUT, ("Image", "S3Object", "Bucket")),), "Image"),
}


def _dynamic(d: Any, *keys: str) -> bool:
    """True when the last key is given as ``Key.$`` (a Step Functions path): a runtime value."""
    parent = _get(d, *keys[:-1]) if len(keys) > 1 else d
    return isinstance(parent, dict) and f"{keys[-1]}.$" in parent


def _ref(value: Any, text: str) -> BucketRef:
    return BucketRef(name=value if isinstance(value, (str, Unknown)) else None, text=text)


def labeling_job_uses(
    params: Any,
    locate: Locate,
    evidence: str,
    confidence: Confidence = Confidence.DEFINED,
    names: str = "api",
    modality: Modality | None = None,
) -> list[LabelingUse]:
    """Uses from CreateLabelingJob parameters (API names: ``InputConfig.DataSource.
    S3DataSource.ManifestS3Uri``, ``OutputConfig.S3OutputPath``, ``HumanTaskConfig.
    PreHumanTaskLambdaArn``). ``locate(path)`` gives the location of a key path in the source.
    A ``Key.$`` parameter is dynamic (Unknown). ``modality``, when given, is the task's modality
    as the caller read it (e.g. from a built-in ``HumanTaskUiArn``)."""
    if not isinstance(params, dict):
        return []
    uses: list[LabelingUse] = []
    task = _get(params, "HumanTaskConfig", "PreHumanTaskLambdaArn")
    if modality is None:
        modality = task_modality(task, _get(params, "HumanTaskConfig", "UiConfig",
                                            "HumanTaskUiArn"))
    manifest_path = _MANIFEST
    manifest = _get(params, *manifest_path)
    if manifest is None and _dynamic(params, *manifest_path):
        loc = locate(manifest_path[:-1] + ("ManifestS3Uri.$",))
        expr = _get(params, *manifest_path[:-1], "ManifestS3Uri.$")
        uses.append(LabelingUse(
            Service.GROUND_TRUTH, Role.INPUT, modality, f"{evidence}: input manifest", loc,
            confidence, BucketRef(name=Unknown(f"ManifestS3Uri.$ is set at run time ({expr})"),
                                  text=f"ManifestS3Uri.$ {expr}")))
    elif manifest is not None:
        name = bucket_of(manifest)
        if name is not None:
            uses.append(LabelingUse(
                Service.GROUND_TRUTH, Role.INPUT, modality, f"{evidence}: input manifest",
                locate(manifest_path), confidence,
                _ref(name, manifest if isinstance(manifest, str) else "ManifestS3Uri")))
    out_path = _OUTPUT
    output = _get(params, *out_path)
    if output is not None and modality.needs_media_cors:
        name = bucket_of(output)
        if name is not None:
            uses.append(LabelingUse(
                Service.GROUND_TRUTH, Role.OUTPUT, modality, f"{evidence}: output path",
                locate(out_path), confidence,
                _ref(name, output if isinstance(output, str) else "S3OutputPath")))
    return uses


def a2i_builtin_uses(
    params: Any, key: str, locate: Locate, evidence: str,
    confidence: Confidence = Confidence.DEFINED,
) -> list[LabelingUse]:
    """A2I's built-in integrations: Textract AnalyzeDocument (``key`` "Document") and
    Rekognition DetectModerationLabels (``key`` "Image") called with a ``HumanLoopConfig`` send
    ``<key>.S3Object`` to human review: its bucket is A2I input. Without HumanLoopConfig,
    nothing. A dynamic bucket (``Bucket.$``) is Unknown."""
    if not isinstance(params, dict) or not any(
            k in params for k in ("HumanLoopConfig", "HumanLoopConfig.$")):
        return []
    path = (key, "S3Object", "Bucket")
    bucket = _get(params, *path)
    obj = _get(params, key, "S3Object", "Name")
    if bucket is None and _dynamic(params, *path):
        expr = _get(params, key, "S3Object", "Bucket.$")
        bucket = Unknown(f"Bucket.$ is set at run time ({expr})")
        path = (key, "S3Object", "Bucket.$")
    if not isinstance(bucket, (str, Unknown)):
        return []
    if isinstance(bucket, str) and _PLACEHOLDER.search(bucket):
        text = bucket
        bucket = Unknown(f"the bucket '{bucket}' is a placeholder")
    else:
        text = bucket if isinstance(bucket, str) else f"{key}.S3Object.Bucket"
    shown = f"s3://{bucket}/{obj}" if isinstance(bucket, str) and isinstance(obj, str) else text
    return [LabelingUse(Service.A2I, Role.INPUT, Modality.IMAGE,
                        f"{evidence} with HumanLoopConfig: A2I reviews {shown}", locate(path),
                        confidence, BucketRef(name=bucket, text=text))]


def human_loop_uses(
    params: Any, locate: Locate, evidence: str, confidence: Confidence = Confidence.DEFINED
) -> list[LabelingUse]:
    """Uses from StartHumanLoop parameters: S3 URIs inside ``HumanLoopInput.InputContent`` (a
    JSON string, read as JSON so that escaped slashes do not hide a URI). A dynamic InputContent
    (``InputContent.$``) yields nothing: no bucket is named there."""
    content = _get(params, "HumanLoopInput", "InputContent")
    if not isinstance(content, (str, dict, list)):
        return []
    loc = locate(("HumanLoopInput", "InputContent"))
    uses = []
    seen: set[str] = set()
    for text in _strings_of_content(content):
        for _off, bucket, key in find_s3_uris(text):
            if bucket in seen:
                continue
            seen.add(bucket)
            uses.append(LabelingUse(Service.A2I, Role.INPUT, Modality.IMAGE,
                                    f"{evidence}: human loop input s3://{bucket}/{key}", loc,
                                    confidence, BucketRef(name=bucket, text=f"s3://{bucket}/{key}")))
    return uses


def _strings_of_content(content: Any) -> list[str]:
    """The strings inside an InputContent: its decoded JSON values, or the raw text when it is
    not JSON."""
    if isinstance(content, str):
        try:
            decoded = json.loads(content)
        except ValueError:
            return [content]
        if isinstance(decoded, str):
            return [decoded]
        content = decoded
    out: list[str] = []
    stack = [content]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return out
