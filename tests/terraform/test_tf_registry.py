"""Modules that are not local folders: the built-in model of terraform-aws-modules/s3-bucket/aws
and modules initialised by ``terraform init`` (``.terraform/modules/modules.json``)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, json_findings, run_cli, write_tree

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
REAL_MODULE = CORPUS / "terraform-aws-modules__terraform-aws-s3-bucket"
MINI_MODULE = FIXTURES / "terraform" / "registry" / "s3-bucket-mini"
TAG = '{ "policylint:labeling-input" = "true", team = "ml" }'
GET_RULE = '[{ allowed_methods = ["GET"], allowed_origins = ["*"] }]'

IMAGES = """\
module "images" {{
  source = "{source}"
  bucket = "acme-images"
  tags   = {tags}
{extra}}}
"""


def _call(source: str, extra: str = "", tags: str = TAG) -> str:
    return IMAGES.format(source=source, tags=tags, extra=extra)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    return write_tree(tmp_path, {".git/HEAD": "", **files})


def _json(root: Path, *args: str) -> dict[str, Any]:
    code, out, err = run_cli(["--no-cache", "--format", "json", *args], root)
    assert code in (0, 1), err
    return json.loads(out)  # type: ignore[no-any-return]


# --- the done-when case, in every spelling of the source --------------------------------------

SPELLINGS = [
    "terraform-aws-modules/s3-bucket/aws",
    "registry.terraform.io/terraform-aws-modules/s3-bucket/aws",
    "git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git?ref=v4.1.2",
    "github.com/terraform-aws-modules/terraform-aws-s3-bucket",
    "git@github.com:terraform-aws-modules/terraform-aws-s3-bucket.git",
]


@pytest.mark.parametrize("source", SPELLINGS)
def test_tagged_module_without_cors_fails_at_the_module_block(tmp_path: Path,
                                                               source: str) -> None:
    root = _tree(tmp_path, {"main.tf": 'provider "aws" {}\n\n' + _call(source)})
    doc = _json(root)
    (f,) = doc["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"]) == ("PL100", "main.tf", 3, 1)
    assert (f["subject"], f["bucket"]) == ("module.images.aws_s3_bucket.this[0]", "acme-images")
    assert [(r["path"], r["line"], r["column"]) for r in f["related"]] == [
        ("main.tf", 3, 1), ("main.tf", 4, 3), ("main.tf", 6, 3)]
    assert "built-in model" in f["related"][1]["message"]
    assert f["fix"]["snippet"].startswith("cors_rule = [\n  {\n    allowed_methods")


@pytest.mark.parametrize("source", SPELLINGS[:3])
def test_get_from_any_origin_passes(tmp_path: Path, source: str) -> None:
    root = _tree(tmp_path, {"main.tf": _call(source, f"\n  cors_rule = {GET_RULE}\n")})
    assert json_findings(["--no-cache"], root) == []


def test_cors_rule_as_json_string_and_as_variable(tmp_path: Path) -> None:
    """The module accepts the rules as their JSON; a caller passes them through a variable."""
    rules = 'jsonencode([{ allowed_methods = ["PUT"], allowed_origins = ["*"] }])'
    root = _tree(tmp_path, {
        "a.tf": _call("terraform-aws-modules/s3-bucket/aws", f"  cors_rule = {rules}\n"),
        "b.tf": _call("terraform-aws-modules/s3-bucket/aws", "  cors_rule = var.rules\n")
        .replace('"images"', '"frames"').replace("acme-images", "acme-frames"),
        "variables.tf": f'variable "rules" {{\n  default = {GET_RULE}\n}}\n'})
    assert json_findings(["--no-cache"], root) == [("PL101", "a.tf", 5, 3)]


def test_wrong_rule_is_pl101_at_the_cors_rule_input_and_fix_appends_one(tmp_path: Path) -> None:
    rule = '[{ allowed_methods = ["PUT"], allowed_origins = ["*"] }]'
    text = _call("terraform-aws-modules/s3-bucket/aws", f"\n  cors_rule = {rule}\n")
    root = _tree(tmp_path, {"main.tf": text})
    assert json_findings(["--no-cache"], root) == [("PL101", "main.tf", 6, 3)]
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    assert (root / "main.tf").read_text() == text.replace(
        '["*"] }]', '["*"] }, { allowed_methods = ["GET"], allowed_origins = ["*"] }]')
    assert json_findings(["--no-cache"], root) == []


MULTI = """\
module "images" {
  source = "terraform-aws-modules/s3-bucket/aws"
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true" }

  cors_rule = [
    {
      allowed_methods = ["PUT"]
      allowed_origins = ["https://upload.example"]
    }%s
  ]
}
"""


@pytest.mark.parametrize("comma", ["", ","])
def test_fix_appends_to_a_multi_line_cors_rule_list(tmp_path: Path, comma: str) -> None:
    root = _tree(tmp_path, {"main.tf": MULTI % comma})
    assert json_findings(["--no-cache"], root) == [("PL101", "main.tf", 6, 3)]
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    fixed = (root / "main.tf").read_text()
    assert fixed == MULTI % (",\n    {\n      allowed_methods = [\"GET\"]\n"
                             "      allowed_origins = [\"*\"]\n    }" + comma)
    if shutil.which("terraform") is not None:
        fmt = subprocess.run(["terraform", "fmt", "-check", "-"], input=fixed, text=True,
                             capture_output=True, check=False)
        assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_ground_truth_rule_goes_before_the_first_get_rule(tmp_path: Path) -> None:
    """S3 answers with the first matching rule: the rule exposing the origin must come first."""
    rules = ('[{ allowed_methods = ["PUT"], allowed_origins = ["*"] }, '
             '{ allowed_methods = ["GET"], allowed_origins = ["*"] }]')
    job = ('\nresource "aws_sagemaker_labeling_job" "boxes" {\n  input_config {\n'
           '    data_source {\n      s3_data_source {\n        manifest_s3_uri = '
           '"s3://${module.images.s3_bucket_id}/in.manifest"\n      }\n    }\n  }\n}\n')
    root = _tree(tmp_path, {"main.tf": _call("terraform-aws-modules/s3-bucket/aws",
                                             f"  cors_rule = {rules}\n", tags="{}") + job})
    assert json_findings(["--no-cache", "--fail-on", "note"], root) == [
        ("PL104", "main.tf", 5, 3)]
    code, out, err = run_cli(["--no-cache", "--fix", "--select", "PL104"], root)
    assert code == 0, out + err
    assert ('cors_rule = [{ allowed_methods = ["PUT"], allowed_origins = ["*"] }, '
            '{ allowed_methods = ["GET"], allowed_origins = ["*"], expose_headers = '
            '["Access-Control-Allow-Origin"] }, { allowed_methods = ["GET"]') in (
        root / "main.tf").read_text()


def test_fix_refuses_a_cors_rule_that_is_not_a_literal_list(tmp_path: Path) -> None:
    rules = 'jsonencode([{ allowed_methods = ["PUT"], allowed_origins = ["*"] }])'
    text = _call("terraform-aws-modules/s3-bucket/aws", f"  cors_rule = {rules}\n")
    root = _tree(tmp_path, {"main.tf": text})
    code, out, _ = run_cli(["--no-cache", "--fix"], root)
    assert code == 1 and "is not a literal list" in out
    assert (root / "main.tf").read_text() == text


def test_create_bucket_false_creates_nothing(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"main.tf": _call("terraform-aws-modules/s3-bucket/aws",
                                             "  create_bucket = false\n")})
    assert json_findings(["--no-cache"], root) == []


def test_labeling_job_binds_to_the_module_output(tmp_path: Path) -> None:
    """A job reading ``module.images.s3_bucket_id``: the model's output names the bucket."""
    job = """
resource "aws_sagemaker_labeling_job" "boxes" {
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://${module.images.s3_bucket_id}/in.manifest"
      }
    }
  }
}
"""
    root = _tree(tmp_path, {"main.tf": _call("terraform-aws-modules/s3-bucket/aws",
                                             tags="{}") + job})
    doc = _json(root)
    (f,) = doc["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"], f["bucket"]) == (
        "PL100", "main.tf", 1, 1, "acme-images")
    assert ("main.tf", 11) in [(r["path"], r["line"]) for r in f["related"]]


@pytest.mark.parametrize(("version", "modelled"), [
    ("~> 4.0", True), ("5.1.0", True), (">= 3.0, < 5.0", True), ("~> 1.0", False),
    (">= 1.0, < 9.0", False)])
def test_versions(tmp_path: Path, version: str, modelled: bool) -> None:
    job = """
resource "aws_sagemaker_labeling_job" "boxes" {
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://${module.images.s3_bucket_id}/in.manifest"
      }
    }
  }
}
"""
    call = _call("terraform-aws-modules/s3-bucket/aws", tags="{}").replace(
        "  bucket", f'  version = "{version}"\n  bucket', 1)
    root = _tree(tmp_path, {"main.tf": call + job})
    doc = _json(root)
    got = [(f["rule"], f["path"], f["line"]) for f in doc["findings"]]
    if modelled:
        assert got == [("PL100", "main.tf", 1)]
    else:  # unknown: unverified, with a reason naming the version
        assert got == [("PL102", "main.tf", 12)]
        assert "s3-bucket/aws" in doc["findings"][0]["message"]


@pytest.mark.parametrize("source", [
    "terraform-aws-modules/s3-bucket/aws//modules/object",
    "git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git//modules/object",
    "cloudposse/s3-bucket/aws",
])
def test_other_modules_are_not_modelled(tmp_path: Path, source: str) -> None:
    root = _tree(tmp_path, {"main.tf": _call(source)})
    assert json_findings(["--no-cache"], root) == []


def test_fix_adds_the_cors_rule_input(tmp_path: Path) -> None:
    text = 'provider "aws" {}\n\n' + _call("terraform-aws-modules/s3-bucket/aws")
    root = _tree(tmp_path, {"main.tf": text})
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    fixed = (root / "main.tf").read_text()
    assert fixed == text.replace("ml\" }\n}", "ml\" }\n\n  cors_rule = [\n    {\n"
                                 "      allowed_methods = [\"GET\"]\n"
                                 "      allowed_origins = [\"*\"]\n    }\n  ]\n}")
    assert json_findings(["--no-cache"], root) == []
    if shutil.which("terraform") is None:
        pytest.skip("terraform binary not installed: fmt check not run")
    fmt = subprocess.run(["terraform", "fmt", "-check", "-"], input=fixed, text=True,
                         capture_output=True, check=False)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_fix_for_a_ground_truth_bucket_exposes_the_origin(tmp_path: Path) -> None:
    job = """
resource "aws_sagemaker_labeling_job" "boxes" {
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://${module.images.s3_bucket_id}/in.manifest"
      }
    }
  }
}
"""
    root = _tree(tmp_path, {"main.tf": _call("terraform-aws-modules/s3-bucket/aws",
                                             tags="{}") + job})
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    assert 'expose_headers  = ["Access-Control-Allow-Origin"]' in (root / "main.tf").read_text()


# --- the model agrees with the real module ----------------------------------------------------

AGREEMENT_CALLS = f"""\
module "tagged" {{
  source = "SOURCE"
  bucket = "acme-tagged"
  tags   = {TAG}
}}

module "get" {{
  source = "SOURCE"
  bucket = "acme-get"
  tags   = {TAG}
  cors_rule = [{{
    allowed_methods = ["GET", "HEAD"]
    allowed_origins = ["*"]
    expose_headers  = ["Access-Control-Allow-Origin"]
    max_age_seconds = 3000
  }}]
}}

module "second" {{
  source = "SOURCE"
  bucket = "acme-second"
  tags   = {TAG}
  cors_rule = jsonencode([
    {{ allowed_methods = ["PUT"], allowed_origins = ["https://a.example"] }},
    {{ allowed_methods = ["GET"], allowed_origins = ["*"], id = "labeling" }},
  ])
}}

module "prefixed" {{
  source        = "SOURCE"
  bucket_prefix = "acme-"
  tags          = {TAG}
}}

module "off" {{
  source        = "SOURCE"
  create_bucket = false
  bucket        = "acme-off"
  tags          = {TAG}
}}

module "job_input" {{
  source = "SOURCE"
  bucket = "acme-job"
  cors_rule = [{{ allowed_methods = ["PUT"], allowed_origins = ["*"] }}]
}}

resource "aws_sagemaker_labeling_job" "boxes" {{
  input_config {{
    data_source {{
      s3_data_source {{
        manifest_s3_uri = "s3://${{module.job_input.s3_bucket_id}}/in.manifest"
      }}
    }}
  }}
}}

output "arn" {{
  value = module.get.s3_bucket_arn
}}
"""

_WHERE = {"path", "line", "column", "end_line", "end_column", "defined_at", "related", "fix",
          "fingerprint", "applied_at"}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in _WHERE}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _module_copy(src: Path, dest: Path) -> None:
    dest.mkdir(parents=True)
    for tf in sorted(src.glob("*.tf")):
        shutil.copyfile(tf, dest / tf.name)


def _views(root: Path) -> tuple[Any, Any]:
    inv = _json(root, "--show-inventory")
    # the module copy, also scanned as its own folder, makes a bucket of its own: not a call's
    buckets = sorted((b for b in _strip(inv["buckets"]) if not b["identity"].startswith("mod#")),
                     key=lambda b: str(b["address"]))
    findings = sorted(_strip(_json(root)["findings"]),
                      key=lambda f: (str(f["subject"]), str(f["rule"])))
    return buckets, findings


MODULE_COPIES = [
    pytest.param(MINI_MODULE, id="fixture"),
    pytest.param(REAL_MODULE, id="corpus", marks=pytest.mark.skipif(
        not REAL_MODULE.is_dir(), reason="public corpus copy of terraform-aws-s3-bucket absent")),
]


@pytest.mark.parametrize("module_dir", MODULE_COPIES)
def test_model_agrees_with_the_module_as_a_local_source(tmp_path: Path,
                                                        module_dir: Path) -> None:
    model = _tree(tmp_path / "model", {"main.tf": AGREEMENT_CALLS.replace(
        "SOURCE", "terraform-aws-modules/s3-bucket/aws")})
    local = _tree(tmp_path / "local", {"main.tf": AGREEMENT_CALLS.replace("SOURCE", "./mod")})
    _module_copy(module_dir, local / "mod")
    model_buckets, model_findings = _views(model)
    local_buckets, local_findings = _views(local)
    assert model_buckets == local_buckets
    assert model_findings == local_findings
    assert [b["address"] for b in model_buckets] == [
        "module.get.aws_s3_bucket.this[0]", "module.job_input.aws_s3_bucket.this[0]",
        "module.prefixed.aws_s3_bucket.this[0]", "module.second.aws_s3_bucket.this[0]",
        "module.tagged.aws_s3_bucket.this[0]"]
    assert [(f["rule"], f["subject"]) for f in model_findings] == [
        ("PL101", "module.job_input.aws_s3_bucket.this[0]"),
        ("PL100", "module.prefixed.aws_s3_bucket.this[0]"),
        ("PL100", "module.tagged.aws_s3_bucket.this[0]")]


@pytest.mark.parametrize("module_dir", MODULE_COPIES)
def test_initialised_copy_agrees_with_the_model(tmp_path: Path, module_dir: Path) -> None:
    """Initialised, the real module is read; its facts land where the model's do."""
    calls = AGREEMENT_CALLS.replace("SOURCE", "terraform-aws-modules/s3-bucket/aws")
    model = _tree(tmp_path / "model", {"main.tf": calls})
    init = _tree(tmp_path / "init", {"main.tf": calls})
    names = ["tagged", "get", "second", "prefixed", "off", "job_input"]
    for name in names:
        _module_copy(module_dir, init / ".terraform" / "modules" / name)
    _modules_json(init, {n: "registry.terraform.io/terraform-aws-modules/s3-bucket/aws"
                         for n in names})
    model_doc, init_doc = _json(model), _json(init)
    assert [_key(f) for f in init_doc["findings"]] == [_key(f) for f in model_doc["findings"]]
    assert [("main.tf", 1, 1), (".terraform/modules/tagged/main.tf")] == [
        (r["path"], r["line"], r["column"]) if i == 0 else r["path"]
        for i, r in enumerate(init_doc["findings"][0]["related"][:2])]


def _key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (f["rule"], f["path"], f["line"], f["column"], f["subject"], f["bucket"])


def _modules_json(root: Path, sources: dict[str, str], dirs: dict[str, str] | None = None
                  ) -> None:
    mods = [{"Key": "", "Source": "", "Dir": "."}]
    for key, source in sources.items():
        folder = (dirs or {}).get(key, f".terraform/modules/{key}")
        mods.append({"Key": key, "Source": source, "Version": "5.0.0", "Dir": folder})
    write_tree(root, {".terraform/modules/modules.json": json.dumps({"Modules": mods})})


# --- initialised modules in general -----------------------------------------------------------

STORE = """\
variable "name" {}
variable "labeling" {
  default = false
}

resource "aws_s3_bucket" "store" {
  bucket = var.name
  tags   = var.labeling ? { "policylint:labeling-input" = "true" } : {}
}

module "inner" {
  source = "./inner"
  name   = "${var.name}-inner"
}

output "name" {
  value = aws_s3_bucket.store.bucket
}
"""

INNER = """\
variable "name" {}

resource "aws_s3_bucket" "inner" {
  bucket = var.name
}
"""

CALLER = """\
provider "aws" {}

module "stores" {
  source   = "app.terraform.io/acme/store/aws"
  version  = "1.2.0"
  for_each = toset(["raw", "clean"])
  name     = "acme-${each.key}"
  labeling = each.key == "raw"
}

resource "aws_sagemaker_labeling_job" "boxes" {
  input_config {
    data_source {
      s3_data_source {
        manifest_s3_uri = "s3://acme-clean-inner/in.manifest"
      }
    }
  }
}
"""


def _initialised(tmp_path: Path, source: str = "app.terraform.io/acme/store/aws") -> Path:
    root = _tree(tmp_path, {"main.tf": CALLER,
                            ".terraform/modules/stores/main.tf": STORE,
                            ".terraform/modules/stores/inner/main.tf": INNER})
    _modules_json(root, {"stores": source, "stores.inner": "./inner"},
                  {"stores.inner": ".terraform/modules/stores/inner"})
    return root


def test_initialised_module_is_read_and_reported_at_the_call(tmp_path: Path) -> None:
    root = _initialised(tmp_path)
    doc = _json(root)
    got = [(f["rule"], f["path"], f["line"], f["column"], f["subject"], f["bucket"])
           for f in doc["findings"]]
    assert got == [
        ("PL100", "main.tf", 3, 1, 'module.stores["clean"].module.inner.aws_s3_bucket.inner',
         "acme-clean-inner"),
        ("PL100", "main.tf", 3, 1, 'module.stores["raw"].aws_s3_bucket.store', "acme-raw"),
    ]
    related = [(r["path"], r["line"]) for r in doc["findings"][1]["related"]]
    assert related == [("main.tf", 3), (".terraform/modules/stores/main.tf", 6),
                       ("main.tf", 3)]
    assert [(r["path"], r["line"]) for r in doc["findings"][0]["related"]][:2] == [
        ("main.tf", 3), (".terraform/modules/stores/inner/main.tf", 3)]
    # a module that is not terraform-aws-modules/s3-bucket: no automatic edit of the call
    code, out, _ = run_cli(["--no-cache", "--fix"], root)
    assert code == 1 and "created inside a module that policylint does not edit" in out
    assert (root / "main.tf").read_text() == CALLER


def test_initialised_folder_is_not_a_scan_target(tmp_path: Path) -> None:
    """.terraform/ stays skipped: its module is read only through the call."""
    root = _initialised(tmp_path)
    (root / "main.tf").write_text('provider "aws" {}\n')
    assert json_findings(["--no-cache"], root) == []


def test_stale_modules_json_is_not_trusted(tmp_path: Path) -> None:
    """modules.json records another source than the block's (init not re-run): unknown."""
    root = _initialised(tmp_path, source="app.terraform.io/acme/other/aws")
    assert json_findings(["--no-cache"], root) == [("PL102", "main.tf", 15, 27)]


@pytest.mark.parametrize("content", ["{", '{"Modules": 3}', '{"Modules": [{"Key": "stores"}]}',
                                     '{"Modules": [{"Key": "stores", "Dir": "../../etc"}]}'])
def test_broken_modules_json_leaves_the_module_unknown(tmp_path: Path, content: str) -> None:
    root = _initialised(tmp_path)
    (root / ".terraform/modules/modules.json").write_text(content)
    assert json_findings(["--no-cache"], root) == [("PL102", "main.tf", 15, 27)]


def test_cache_sees_terraform_init(tmp_path: Path) -> None:
    """A cached read of the caller is invalidated when terraform init adds modules.json."""
    root = _tree(tmp_path, {"main.tf": CALLER})
    assert json_findings([], root) == [("PL102", "main.tf", 15, 27)]
    write_tree(root, {".terraform/modules/stores/main.tf": STORE,
                      ".terraform/modules/stores/inner/main.tf": INNER})
    _modules_json(root, {"stores": "app.terraform.io/acme/store/aws"})
    assert json_findings([], root) == [("PL100", "main.tf", 3, 1), ("PL100", "main.tf", 3, 1)]


def test_json_syntax_caller_and_its_fix(tmp_path: Path) -> None:
    text = ('{"module": {"images": {"source": "terraform-aws-modules/s3-bucket/aws",\n'
            '  "bucket": "acme-json", "tags": {"policylint:labeling-input": "true"}}}}\n')
    root = _tree(tmp_path, {"main.tf.json": text})
    assert json_findings(["--no-cache"], root) == [("PL100", "main.tf.json", 1, 13)]
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    doc = json.loads((root / "main.tf.json").read_text())
    assert doc["module"]["images"]["cors_rule"] == [
        {"allowed_methods": ["GET"], "allowed_origins": ["*"]}]
    # a list of rule objects in JSON syntax is a module input, not blocks
    assert json_findings(["--no-cache"], root) == []


def test_registry_module_called_from_a_local_module(tmp_path: Path) -> None:
    """The call inside a library module: reported (and fixed) at that module block, with the
    name its caller gives."""
    store = ('variable "name" {}\n\nmodule "bucket" {\n'
             '  source = "terraform-aws-modules/s3-bucket/aws"\n  bucket = var.name\n'
             f'  tags   = {TAG}\n}}\n')
    root = _tree(tmp_path, {"store/main.tf": store,
                            "main.tf": 'provider "aws" {}\n\nmodule "store" {\n'
                                       '  source = "./store"\n  name   = "acme-nested"\n}\n'})
    doc = _json(root)
    assert [(f["rule"], f["path"], f["line"], f["column"], f["subject"], f["bucket"])
            for f in doc["findings"]] == [
        ("PL100", "store/main.tf", 3, 1, "module.store.module.bucket.aws_s3_bucket.this[0]",
         "acme-nested")]
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    assert "  cors_rule = [\n" in (root / "store/main.tf").read_text()


def test_for_each_call_gets_one_input_for_all_its_instances(tmp_path: Path) -> None:
    text = ('module "b" {\n  for_each = toset(["x", "y"])\n'
            '  source   = "terraform-aws-modules/s3-bucket/aws"\n'
            '  bucket   = "acme-${each.key}"\n'
            f'  tags     = {TAG}\n}}\n')
    root = _tree(tmp_path, {"main.tf": text})
    doc = _json(root)
    assert [(f["rule"], f["line"], f["subject"]) for f in doc["findings"]] == [
        ("PL100", 1, 'module.b["x"].aws_s3_bucket.this[0]'),
        ("PL100", 1, 'module.b["y"].aws_s3_bucket.this[0]')]
    code, out, err = run_cli(["--no-cache", "--fix"], root)
    assert code == 0, out + err
    fixed = (root / "main.tf").read_text()
    assert fixed.count("cors_rule") == 1
    assert json_findings(["--no-cache"], root) == []
