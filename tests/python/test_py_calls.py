"""The calls of issue 13 item 2 beyond create_labeling_job/put_bucket_cors.

Fixture tests/fixtures/python/calls/:
- a2i.py: Textract analyze_document and Rekognition detect_moderation_labels with a
  HumanLoopConfig (A2I input; without HumanLoopConfig nothing), generate_presigned_url in a
  start_human_loop input, an S3 URI in an environment-variable bucket (PL102 naming it), a
  text-only human loop (nothing), create_flow_definition (output only), MTurk create_hit with
  Question XML, create_bucket(**args);
- resources.py: create_labeling_job(**job) with a built-in point-cloud HumanTaskUiArn (so its
  output needs the media rule), Bucket(name).Cors() assigned to a name then put, and
  BucketCors(name).delete();
- states.asl.json: the same A2I built-ins as Step Functions aws-sdk tasks.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import copy_fixture, run_cli


def _scan(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache", *args], root)
    assert code in (0, 1), err
    return code, json.loads(out)


def _keys(scan: dict[str, Any]) -> list[tuple[str, str, int, int, str | None]]:
    return [(f["rule"], f["path"], f["line"], f["column"], f["bucket"])
            for f in scan["findings"]]


@pytest.fixture()
def calls(tmp_path: Path) -> Path:
    return copy_fixture("python/calls", tmp_path)


def test_every_call_gives_its_finding_at_its_argument(calls: Path) -> None:
    code, scan = _scan(calls)
    assert code == 1
    assert _keys(scan) == [
        ("PL102", "a2i.py", 14, 38, "py-docs-bucket"),  # analyze_document Document.S3Object
        ("PL102", "a2i.py", 16, 60, "py-mod-bucket"),  # detect_moderation_labels Image
        ("PL102", "a2i.py", 21, 54, "py-presigned"),  # presigned get_object URL in the loop input
        ("PL102", "a2i.py", 23, 54, None),  # s3://{REVIEW_BUCKET}/x.jpg
        ("PL102", "a2i.py", 31, 38, "py-turk"),  # create_hit Question XML
        ("PL100", "a2i.py", 33, 1, "py-made-bucket"),  # create_bucket(**args), used as input
        ("PL103", "resources.py", 13, 1, "py-lidar-out"),  # point-cloud output lacks media rule
        ("PL102", "states.asl.json", 8, 45, "sfn-docs"),
        ("PL102", "states.asl.json", 18, 44, None),  # Bucket.$: set at run time
    ]
    messages = {(f["path"], f["line"]): f["message"] for f in scan["findings"]}
    assert "the environment variable REVIEW_BUCKET" in messages[("a2i.py", 23)]
    assert "Bucket.$ is set at run time ($.bucket)" in messages[("states.asl.json", 18)]


def test_inventory_shows_output_only_and_deleted_cors(calls: Path) -> None:
    code, out, err = run_cli([".", "--no-cache", "--show-inventory"], calls)
    assert code in (0, 1), err
    assert ("use: a2i output (defined) at a2i.py:28:81: Python create_flow_definition f: "
            "output path") in out
    assert "CORS script at resources.py:14:1: no rule allows GET from *" in out
    assert ("use: ground-truth input point-cloud (defined) at resources.py:6:70: Python "
            "create_labeling_job clouds: input manifest") in out
    # no use from the calls without HumanLoopConfig, nor from the text-only human loop
    assert "no-loop" not in out and "sfn-no-loop" not in out
    assert "a2i.py:25" not in out


@pytest.mark.parametrize("ui,rules", [
    # media: GET from * missing, and the media rule too
    ("human-task-ui/PointCloudSemanticSegmentation", ["PL101", "PL103"]),
    ("human-task-ui/VideoObjectTracking", ["PL101", "PL103"]),
    ("human-task-ui/NamedEntityRecognition", []),  # text: no CORS needed
    ("human-task-ui/BoundingBox", ["PL101"]),  # image (or any custom UI): GET from *
])
def test_task_type_from_built_in_ui(tmp_path: Path, ui: str, rules: list[str]) -> None:
    (tmp_path / "job.py").write_text(
        "import boto3\n"
        "region = 'us-east-1'\n"
        "boto3.client('sagemaker').create_labeling_job(\n"
        "    LabelingJobName='j',\n"
        "    InputConfig={'DataSource': {'S3DataSource': {\n"
        "        'ManifestS3Uri': 's3://ui-bucket/in.manifest'}}},\n"
        f"    HumanTaskConfig={{'UiConfig': {{'HumanTaskUiArn': f'arn:aws:sagemaker:{{region}}"
        f":394669845002:{ui}'}}}})\n"
        "boto3.client('s3').put_bucket_cors(Bucket='ui-bucket', CORSConfiguration={\n"
        "    'CORSRules': [{'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']}]})\n")
    _code, scan = _scan(tmp_path)
    assert [f["rule"] for f in scan["findings"]] == rules


def test_the_same_call_in_a_notebook_points_inside_the_ipynb(tmp_path: Path) -> None:
    src = ["import boto3\n",
           "boto3.client('textract').analyze_document(\n",
           "    Document={'S3Object': {'Bucket': 'nb-docs', 'Name': 'x.png'}},\n",
           "    HumanLoopConfig={'HumanLoopName': 'h', 'FlowDefinitionArn': 'f'})\n"]
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# docs\n"]},
                    {"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": src}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(nb, indent=1)
    (tmp_path / "review.ipynb").write_text(text)
    _code, scan = _scan(tmp_path)
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "nb-docs" in t)
    column = lines[line - 1].index("'nb-docs'") + 1
    assert _keys(scan) == [("PL102", "review.ipynb", line, column, "nb-docs")]


@pytest.mark.parametrize("call", [
    "s3.put_bucket_cors(Bucket='dyn-bucket', CORSConfiguration=cfg)",
    "s3.put_bucket_cors(**{'Bucket': 'dyn-bucket', 'CORSConfiguration': cfg})",
    "boto3.resource('s3').BucketCors('dyn-bucket').put(CORSConfiguration=cfg)",
    "boto3.resource('s3').Bucket('dyn-bucket').Cors().put(CORSConfiguration=cfg)",
])
def test_cors_spellings_are_one_source(tmp_path: Path, call: str) -> None:
    (tmp_path / "cors.py").write_text(
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "cfg = {'CORSRules': [{'AllowedMethods': ['PUT'], 'AllowedOrigins': ['*']}]}\n"
        f"{call}\n"
        "s3.start_human_loop(HumanLoopName='h', FlowDefinitionArn='f', HumanLoopInput={\n"
        "    'InputContent': '{\"taskObject\": \"s3://dyn-bucket/a.jpg\"}'})\n")
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL101", "cors.py", 4, 1, "dyn-bucket")]


@pytest.mark.parametrize("importer", [
    "from .settings import MANIFEST, BUCKET\nbucket = BUCKET\n",
    "from settings import MANIFEST\nimport settings\nbucket = settings.BUCKET\n",
])
def test_constants_imported_from_a_sibling_module(tmp_path: Path, importer: str) -> None:
    pkg = tmp_path / "jobs"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(
        'BUCKET = "sib-bucket"\nPREFIX = "gt"\nMANIFEST = f"s3://{BUCKET}/{PREFIX}/in.manifest"\n')
    (pkg / "start.py").write_text(
        "import boto3\n" + importer +
        "boto3.client('sagemaker').create_labeling_job(LabelingJobName='a', InputConfig={\n"
        "    'DataSource': {'S3DataSource': {'ManifestS3Uri': MANIFEST}}})\n"
        "boto3.client('s3').put_bucket_cors(Bucket=bucket, CORSConfiguration={'CORSRules': []})\n")
    _code, scan = _scan(tmp_path)
    line = importer.count("\n") + 4
    assert _keys(scan) == [("PL101", "jobs/start.py", line, 1, "sib-bucket")]


def test_a_missing_sibling_leaves_the_name_unknown(tmp_path: Path) -> None:
    (tmp_path / "start.py").write_text(
        "import boto3\nfrom settings import MANIFEST\n"
        "boto3.client('sagemaker').create_labeling_job(LabelingJobName='a', InputConfig={\n"
        "    'DataSource': {'S3DataSource': {'ManifestS3Uri': MANIFEST}}})\n")
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL102", "start.py", 4, 54, None)]
    assert "'settings.MANIFEST' is imported" in scan["findings"][0]["message"]


def test_a_placeholder_bucket_is_unknown_not_a_name(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import boto3\nboto3.client('rekognition').detect_moderation_labels(\n"
        "    Image={'S3Object': {'Bucket': '<YOUR_BUCKET>', 'Name': 'a.jpg'}},\n"
        "    HumanLoopConfig={'HumanLoopName': 'h', 'FlowDefinitionArn': 'f'})\n")
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL102", "mod.py", 3, 35, None)]
    assert "the bucket '<YOUR_BUCKET>' is a placeholder" in scan["findings"][0]["message"]


MARKED = '''import boto3

IMAGES = "mk-images"  # policylint: labeling-input
s3 = boto3.client("s3")
# policylint: labeling-input
s3.create_bucket(Bucket="mk-made")
s3.put_bucket_cors(Bucket=IMAGES, CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]})
# policylint: disable=PL101 reason="checked by hand"
s3.put_bucket_cors(Bucket="mk-made",
                   CORSConfiguration={"CORSRules": [{"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]})
'''


def test_markers_and_suppressions_in_python_comments(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(MARKED)
    _code, scan = _scan(tmp_path)
    # mk-images: trailing marker on the assignment; mk-made: marker alone above create_bucket,
    # its PL101 suppressed by the comment above the (multi-line) call
    assert _keys(scan) == [("PL101", "a.py", 7, 1, "mk-images")]
    assert scan["summary"]["suppressed"] == 1
    (tmp_path / "a.py").write_text(MARKED.replace("# policylint: disable=PL101", "# note"))
    _code, scan = _scan(tmp_path)
    assert _keys(scan) == [("PL101", "a.py", 7, 1, "mk-images"),
                           ("PL101", "a.py", 9, 1, "mk-made")]


def test_suppression_in_a_notebook_cell(tmp_path: Path) -> None:
    src = ["import boto3\n",
           "# policylint: disable=PL102 reason=\"bucket checked in the console\"\n",
           "boto3.client('sagemaker').create_labeling_job(LabelingJobName='j',\n",
           "    InputConfig={'DataSource': {'S3DataSource': {'ManifestS3Uri': 's3://nb-x/m'}}})\n"]
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                     "outputs": [], "source": src}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "n.ipynb").write_text(json.dumps(nb, indent=1))
    _code, scan = _scan(tmp_path)
    assert scan["findings"] == [] and scan["summary"]["suppressed"] == 1
    nb["cells"][0]["source"][1] = "# policylint: disable=PL102\n"  # no reason: PL002
    (tmp_path / "n.ipynb").write_text(json.dumps(nb, indent=1))
    _code, scan = _scan(tmp_path)
    assert [f["rule"] for f in scan["findings"]][:1] == ["PL002"]
