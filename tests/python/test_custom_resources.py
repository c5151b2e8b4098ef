"""Custom resources that write CORS or start jobs, whether or not their code is readable
(issue 13 item 5). Fixture tests/fixtures/python/custom-cors/template.yaml: bucket Images with
inline CORS (GET from *), Custom::PutCors writing CORSRules (PUT only, S3 API field names) to
it, and Custom::StartLabelingJob with S3ManifestURI in it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import copy_fixture, run_cli


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    return copy_fixture("python/custom-cors", tmp_path)


def _keys(root: Path) -> list[tuple[str, str, int, int]]:
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code in (0, 1), err
    return [(f["rule"], f["path"], f["line"], f["column"]) for f in json.loads(out)["findings"]]


def test_custom_resource_cors_is_a_second_definition_and_is_judged(tree: Path) -> None:
    # the inline GET rule (which exposes no origin header: PL104 if it were judged) is
    # overwritten at deploy time: only the custom resource's rules are judged
    assert _keys(tree) == [
        ("PL101", "template.yaml", 16, 7),  # the rules the custom resource writes: no GET
        ("PL201", "template.yaml", 16, 7),  # two CORS definitions
    ]


@pytest.mark.parametrize("spelling", ["CorsRules", "corsRules"])
def test_spellings_of_the_rules_key(tree: Path, spelling: str) -> None:
    tpl = tree / "template.yaml"
    tpl.write_text(tpl.read_text().replace("      CORSRules:", f"      {spelling}:"))
    assert [k[0] for k in _keys(tree)] == ["PL101", "PL201"]


def test_cors_configuration_wrapper(tree: Path) -> None:
    tpl = tree / "template.yaml"
    text = tpl.read_text().replace(
        "      CORSRules:\n        - AllowedMethods: [PUT]\n          AllowedOrigins: [\"*\"]\n"
        "          ExposeHeaders: [ETag]\n",
        "      CORSConfiguration:\n        CORSRules:\n          - AllowedMethods: [GET]\n"
        "            AllowedOrigins: [\"*\"]\n"
        "            ExposeHeaders: [Access-Control-Allow-Origin]\n")
    tpl.write_text(text)
    # the custom resource's GET rule passes (and exposes the origin header: the inline rule,
    # which does not, is overwritten); still two definitions
    assert _keys(tree) == [("PL201", "template.yaml", 17, 9)]


def test_without_inline_cors_the_manifest_property_alone_makes_it_labeling(tree: Path) -> None:
    tpl = tree / "template.yaml"
    lines = tpl.read_text().splitlines(keepends=True)
    del lines[6:10]  # the inline CorsConfiguration
    del lines[6:15]  # the custom CORS resource (shifted)
    tpl.write_text("".join(lines))
    assert _keys(tree) == [("PL100", "template.yaml", 3, 3)]



# --- the custom resource's rules are the ones in force (both directions, both formats) --------

GET_STAR = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"],
            "ExposeHeaders": ["Access-Control-Allow-Origin"]}
PUT_ONLY = {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}
GET_OWN_ORIGIN = {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://app.example.com"]}
MEDIA = {"AllowedHeaders": ["*"], "AllowedMethods": ["GET", "HEAD", "PUT"],
         "AllowedOrigins": ["*"], "ExposeHeaders": ["Access-Control-Allow-Origin"]}
POINT_CLOUD_UI = ("arn:aws:sagemaker:us-east-1:394669845002:human-task-ui/"
                  "PointCloudObjectDetection")


def _template(inline: list[dict], written: list[dict], kind: str, rules_key: str,
              wrapped: bool = False, ui: str | None = None) -> dict:
    rules: dict = {rules_key: written}
    custom = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:put-cors",
              "BucketName": {"Ref": "Images"},
              **({"CORSConfiguration": rules} if wrapped else rules)}
    job = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:start",
           "S3ManifestURI": {"Fn::Sub": "s3://${Images}/in.manifest"},
           **({"HumanTaskUiArn": ui} if ui else {})}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Images": {"Type": "AWS::S3::Bucket", "Properties": {
            "BucketName": "cr-images", "CorsConfiguration": {"CorsRules": [
                _cfn_rule(r) for r in inline]}}},
        "SetCors": {"Type": kind, "Properties": custom},
        "StartJob": {"Type": "Custom::StartLabelingJob", "Properties": job}}}


def _cfn_rule(rule: dict) -> dict:
    """An S3 API rule as AWS::S3::Bucket spells it (``ExposedHeaders``)."""
    return {("ExposedHeaders" if k == "ExposeHeaders" else k): v for k, v in rule.items()}


def _write(root: Path, template: dict, fmt: str) -> str:
    """The template as JSON (indent 2) or as block YAML (flow lists of scalars)."""
    if fmt == "json":
        (root / "template.json").write_text(json.dumps(template, indent=2) + "\n")
        return "template.json"
    (root / "template.yaml").write_text("".join(_yaml(template, 0)))
    return "template.yaml"


def _yaml(node: object, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list)) and not _flat(v):
                out.append(f"{pad}{k}:\n")
                out += _yaml(v, indent + 2)
            else:
                out.append(f"{pad}{k}: {json.dumps(v)}\n")
    else:
        assert isinstance(node, list)
        for item in node:
            lines = _yaml(item, indent + 2)
            out.append(pad + "- " + lines[0][indent + 2:])
            out += lines[1:]
    return out


def _flat(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based line and column of the nth occurrence of ``needle`` in the fixture text."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


KINDS = ["Custom::PutBucketCors", "AWS::CloudFormation::CustomResource"]
SPELLINGS = ["CORSRules", "CorsRules", "corsRules", "corsrules"]


def _written_at(text: str, fmt: str, key: str) -> tuple[int, int]:
    """Where the custom resource's rules key is: the inline ``CorsRules`` comes first (nth=1
    when the spellings coincide)."""
    needle = f'"{key}"' if fmt == "json" else f"{key}:"
    nth = 1 if key == "CorsRules" else 0
    return _at(text, needle, nth)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", SPELLINGS)
def test_inline_without_get_overwritten_by_get_from_star_passes(
        tmp_path: Path, fmt: str, kind: str, key: str) -> None:
    name = _write(tmp_path, _template([PUT_ONLY], [GET_STAR], kind, key), fmt)
    line, col = _written_at((tmp_path / name).read_text(), fmt, key)
    assert _keys(tmp_path) == [("PL201", name, line, col)]  # no PL101 on the inline rules


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("key", SPELLINGS)
def test_inline_get_from_star_overwritten_by_rules_without_get_fails(
        tmp_path: Path, fmt: str, kind: str, key: str) -> None:
    name = _write(tmp_path, _template([GET_STAR], [PUT_ONLY, GET_OWN_ORIGIN], kind, key), fmt)
    line, col = _written_at((tmp_path / name).read_text(), fmt, key)
    assert _keys(tmp_path) == [("PL101", name, line, col), ("PL201", name, line, col)]


def test_exact_positions_in_a_yaml_template(tmp_path: Path) -> None:
    # the layout _yaml writes: SetCors' CORSRules key is line 18, column 7
    name = _write(tmp_path, _template([GET_STAR], [PUT_ONLY], KINDS[1], "CORSRules"), "yaml")
    text = (tmp_path / name).read_text()
    assert text.splitlines()[17] == "      CORSRules:"
    assert _keys(tmp_path) == [("PL101", name, 18, 7), ("PL201", name, 18, 7)]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_cors_configuration_wrapper_is_judged_in_place_of_inline(tmp_path: Path,
                                                                 fmt: str) -> None:
    name = _write(tmp_path, _template([GET_STAR], [PUT_ONLY], KINDS[0], "CORSRules",
                                      wrapped=True), fmt)
    line, col = _written_at((tmp_path / name).read_text(), fmt, "CORSRules")
    assert _keys(tmp_path) == [("PL101", name, line, col), ("PL201", name, line, col)]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_media_rules_judged_on_what_the_custom_resource_writes(tmp_path: Path,
                                                               fmt: str) -> None:
    # point-cloud labeling: inline complete, custom resource writes GET only -> PL103 on it
    name = _write(tmp_path, _template([MEDIA], [GET_STAR], KINDS[0], "CORSRules",
                                      ui=POINT_CLOUD_UI), fmt)
    line, col = _written_at((tmp_path / name).read_text(), fmt, "CORSRules")
    assert _keys(tmp_path) == [("PL103", name, line, col), ("PL201", name, line, col)]
    # and the other way: inline GET only, custom resource writes the complete rule -> PL201 only
    name = _write(tmp_path, _template([GET_STAR], [MEDIA], KINDS[0], "CORSRules",
                                      ui=POINT_CLOUD_UI), fmt)
    assert [k[0] for k in _keys(tmp_path)] == ["PL201"]


@pytest.mark.parametrize(("fmt", "definition", "rule"), [
    ("yaml", (18, 7), (19, 11)),  # the rule: its first key in YAML
    ("json", (32, 9), (33, 11)),  # the rule: its object in JSON
])
def test_expose_header_judged_on_what_the_custom_resource_writes(
        tmp_path: Path, fmt: str, definition: tuple[int, int], rule: tuple[int, int]) -> None:
    # inline GET rule exposes the origin header; the custom resource's GET rule does not
    bare_get = {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}
    name = _write(tmp_path, _template([GET_STAR], [bare_get], KINDS[1], "CORSRules"), fmt)
    assert _keys(tmp_path) == [("PL201", name, *definition), ("PL104", name, *rule)]
    # the other way round: PL104 would be on the inline rule, which is overwritten
    name = _write(tmp_path, _template([bare_get], [GET_STAR], KINDS[1], "CORSRules"), fmt)
    line, col = _written_at((tmp_path / name).read_text(), fmt, "CORSRules")
    assert _keys(tmp_path) == [("PL201", name, line, col)]


@pytest.mark.parametrize(("fmt", "key"), [("yaml", "corsRules"), ("json", "CORSRules")])
def test_fix_and_related_name_the_rules_in_force(tmp_path: Path, fmt: str, key: str) -> None:
    name = _write(tmp_path, _template([GET_STAR], [PUT_ONLY], KINDS[0], key), fmt)
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], tmp_path)
    assert code == 1, err
    pl101 = next(f for f in json.loads(out)["findings"] if f["rule"] == "PL101")
    # the custom resource's rules use the S3 API's field names: so does the fix
    assert pl101["fix"]["description"] == f"add this rule to {key}"
    snippet = pl101["fix"]["snippet"]
    rule = (json.loads(snippet) if fmt == "json" else None)
    if rule is not None:
        assert rule["ExposeHeaders"] == ["Access-Control-Allow-Origin"]
        assert rule["AllowedMethods"] == ["GET"] and rule["AllowedOrigins"] == ["*"]
    else:
        assert "  ExposeHeaders: [Access-Control-Allow-Origin]\n" in snippet
        assert "ExposedHeaders" not in snippet
    messages = [(r["message"], r["line"]) for r in pl101["related"]]
    inline_line = _at((tmp_path / name).read_text(), '"CorsConfiguration"' if fmt == "json"
                      else "CorsConfiguration:")[0]
    assert ("CORS (inline) is overwritten at deploy time", inline_line) in messages
