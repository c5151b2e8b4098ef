"""The linker and the declared-bucket rules: config ``labeling.buckets`` globs, ``cors-files``,
``labeling.accepted-origins``; PL101 needs GET and an accepted origin in one rule; a configured
labeling bucket without known CORS is PL102, never PL100."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import copy_fixture, json_findings, run_cli, write_tree

from policylint.link import LinkOptions, link, owned
from policylint.model import (
    Bucket,
    BucketRef,
    Confidence,
    CorsConfig,
    CorsSource,
    Embedded,
    Facts,
    Format,
    LabelingUse,
    Location,
    Modality,
    Provenance,
    Role,
    Service,
    Unknown,
)
from policylint.readers.cors import read_document

CFG = Location(".policylint.yaml", 3, 1)


def _doc(path: str, text: str) -> CorsConfig:
    config, error = read_document(path, text.encode())
    assert error is None and config is not None
    return config


GET_ALL = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]'
SPLIT = ('{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://a.example"]},'
         ' {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]}')


def _use(name: str | Unknown, line: int = 9) -> LabelingUse:
    return LabelingUse(Service.GROUND_TRUTH, Role.INPUT, Modality.IMAGE, "input manifest",
                       Location("job.json", line, 5), Confidence.DEFINED, BucketRef(name=name))


# --- link ------------------------------------------------------------------------------------------

def test_cors_file_binds_to_the_configured_bucket_name() -> None:
    facts = Facts(cors=[_doc("cors/a.json", GET_ALL), _doc("cors/free.json", GET_ALL)])
    project = link(facts, LinkOptions(cors_files=(("cors/a.json", "acme-a", CFG),)))
    (lb,) = project.buckets
    assert (lb.name, lb.bucket, [c.document for c in lb.cors]) == ("acme-a", None,
                                                                   ["cors/a.json"])
    assert lb.cors[0].target == BucketRef(name="acme-a", text="acme-a")
    assert [c.document for c in project.unbound_cors] == ["cors/free.json"]


def test_one_document_bound_to_two_buckets_is_two_configurations() -> None:
    facts = Facts(cors=[_doc("cors/a.json", GET_ALL)])
    project = link(facts, LinkOptions(cors_files=(("cors/a.json", "b1", CFG),
                                                  ("cors/a.json", "b2", CFG))))
    assert [(lb.name, len(lb.cors)) for lb in project.buckets] == [("b1", 1), ("b2", 1)]
    assert project.buckets[0].cors[0].key != project.buckets[1].cors[0].key


def test_globs_mark_matching_buckets_only() -> None:
    facts = Facts(cors=[_doc("a.json", GET_ALL), _doc("b.json", GET_ALL)])
    options = LinkOptions(labeling_buckets=(("acme-lab-*", CFG), ("zzz-*", CFG)),
                          cors_files=(("a.json", "acme-lab-1", CFG), ("b.json", "acme-app", CFG)))
    project = link(facts, options)
    assert {lb.name: [u.evidence for u in lb.uses] for lb in project.buckets} == {
        "acme-lab-1": ["listed in config labeling.buckets ('acme-lab-*')"], "acme-app": []}
    assert project.labeling_buckets()[0].uses[0].location == CFG
    assert project.labeling_buckets()[0].uses[0].confidence is Confidence.DECLARED


def test_a_plain_name_creates_a_bucket_known_only_by_name() -> None:
    project = link(Facts(), LinkOptions(labeling_buckets=(("acme-archive", CFG),)))
    (lb,) = project.buckets
    assert (lb.name, lb.bucket, lb.cors, lb.subject) == ("acme-archive", None, [], "acme-archive")


def test_identity_binds_before_name_and_a_name_defined_twice_binds_both() -> None:
    def bucket(identity: str, name: str) -> Bucket:
        return Bucket(identity, identity.split("#")[1], name, Location(identity.split("#")[0]),
                      Format.TERRAFORM)

    dev, prod, other = (bucket("dev/main.tf#aws_s3_bucket.x", "acme-x"),
                        bucket("prod/main.tf#aws_s3_bucket.x", "acme-x"),
                        bucket("o/main.tf#aws_s3_bucket.y", "acme-y"))
    by_identity = LabelingUse(Service.A2I, Role.INPUT, Modality.IMAGE, "flow", Location("f", 1),
                              Confidence.DEFINED,
                              BucketRef(identity=other.identity, name="acme-x"))
    project = link(Facts(buckets=[dev, prod, other], uses=[_use("acme-x"), by_identity]),
                   LinkOptions())
    assert [(lb.bucket.identity, len(lb.uses)) for lb in project.buckets if lb.bucket] == [
        (dev.identity, 1), (prod.identity, 1), (other.identity, 1)]


def test_unknown_names_stay_unbound_with_the_reason() -> None:
    project = link(Facts(uses=[_use(Unknown("var.bucket"))]), LinkOptions())
    assert project.buckets == []
    assert [(u.location.line, why) for u, why in project.unbound_uses] == [
        (9, "the bucket name is not known statically: var.bucket")]


# --- the rules end to end ---------------------------------------------------------------------------

def _project(repo: Path, config: str, docs: dict[str, str]) -> Path:
    return write_tree(repo, {".policylint.yaml": config, **docs})


def test_get_for_one_origin_plus_star_for_put_in_another_rule_is_pl101(repo: Path) -> None:
    _project(repo, "labeling:\n  buckets: [acme-images]\ncors-files:\n"
                   "  cors/images.json: acme-images\n", {"cors/images.json": SPLIT + "\n"})
    code, out, _ = run_cli(["--format", "json"], repo)
    (f,) = json.loads(out)["findings"]
    assert code == 1
    assert (f["rule"], f["path"], f["line"], f["column"], f["bucket"], f["subject"]) == (
        "PL101", "cors/images.json", 1, 2, "acme-images", "acme-images")
    assert f["message"] == ("CORS of S3 bucket acme-images has no rule allowing GET from *; it "
                            "holds human labeling input data")
    assert [(r["path"], r["line"]) for r in f["related"]] == [(".policylint.yaml", 2),
                                                              ("cors/images.json", 1)]
    assert f["fix"]["snippet"] == ('{"AllowedHeaders": [], "AllowedMethods": ["GET"], '
                                   '"AllowedOrigins": ["*"], "ExposeHeaders": []}')


@pytest.mark.parametrize("doc", [
    GET_ALL,
    '[{"AllowedMethods": ["PUT", "GET"], "AllowedOrigins": ["https://a.example", "*"]}]',
    '<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod>'
    "<AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
])
def test_one_rule_with_get_and_star_passes(repo: Path, doc: str) -> None:
    name = "cors/doc.xml" if doc.startswith("<") else "cors/doc.json"
    _project(repo, f"labeling:\n  buckets: [acme-*]\ncors-files:\n  {name}: acme-images\n",
             {name: doc + "\n"})
    assert run_cli(["--format", "json"], repo)[:1] == (0,)
    assert json_findings([], repo) == []


def test_configured_labeling_bucket_without_known_cors_is_pl102_not_pl100(repo: Path) -> None:
    _project(repo, "labeling:\n  buckets:\n    - acme-*\n    - acme-scans\n", {})
    code, out, _ = run_cli(["--format", "json"], repo)
    (f,) = json.loads(out)["findings"]
    assert code == 0  # a warning does not fail the run by default
    assert (f["rule"], f["path"], f["line"], f["column"], f["severity"], f["bucket"]) == (
        "PL102", ".policylint.yaml", 4, 1, "warning", "acme-scans")
    assert "not defined in the scanned files" in f["message"]


def test_cors_bound_to_a_bucket_that_is_not_for_labeling_is_not_judged(repo: Path) -> None:
    _project(repo, "labeling:\n  buckets: [acme-lab-*]\ncors-files:\n  app.json: acme-app\n",
             {"app.json": SPLIT + "\n"})
    assert json_findings([], repo) == []


def test_accepted_origins(repo: Path) -> None:
    own = '[{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://label.acme.example"]}]\n'
    config = ("labeling:\n  buckets: [acme-*]\n  accepted-origins: ['https://label.acme.example']"
              "\ncors-files:\n  own.json: acme-own\n  star.json: acme-star\n")
    _project(repo, config, {"own.json": own, "star.json": GET_ALL + "\n"})
    code, out, _ = run_cli(["--format", "json"], repo)
    (f,) = json.loads(out)["findings"]
    assert (f["rule"], f["path"], f["line"], f["column"], f["bucket"]) == (
        "PL101", "star.json", 1, 1, "acme-star")
    assert f["message"].startswith("CORS of S3 bucket acme-star has no rule allowing GET from "
                                   "https://label.acme.example;")
    # by default only * counts
    _project(repo, "labeling:\n  buckets: [acme-*]\ncors-files:\n  own.json: acme-own\n"
                   "  star.json: acme-star\n", {})
    assert json_findings([], repo) == [("PL101", "own.json", 1, 1)]


def test_two_documents_for_one_bucket_are_pl201(repo: Path) -> None:
    _project(repo, "labeling:\n  buckets: [lab]\ncors-files:\n  a.json: lab\n  b.json: lab\n",
             {"a.json": GET_ALL + "\n", "b.json": GET_ALL + "\n"})
    assert json_findings([], repo) == [("PL201", "b.json", 1, 1)]


def test_missing_cors_file_in_config_is_exit_2(repo: Path) -> None:
    _project(repo, "cors-files:\n  cors/typo.json: lab\n", {})
    code, out, err = run_cli([], repo)
    assert (code, out) == (2, "")
    assert err.endswith("'cors-files.cors/typo.json': no such file (paths are relative to the "
                        "configuration's folder)\n")


# --- ownership: which unit reports each fact (link.owned) ----------------------------------------
#
# Units are (key, facts) as the readers give them; a Terraform fact's Provenance says which module
# folder declares it (``module``, ``local``), with whose inputs it was evaluated (``caller``),
# whether the folder is a library and which library folder's unset inputs it awaits.

LIB = "modules/store"
OUTER = "modules/data"
TG = "live/a/terragrunt.hcl"


def _tf(unit: str, prefix: str, local: str, *, caller: str = "", library: bool = True,
        awaits: str = "", module: str = LIB) -> Bucket:
    address = f"{prefix}.{local}" if prefix else local
    return Bucket(f"{unit}#{address}", address, "acme-b", Location(f"{module}/main.tf", 3, 1),
                  Format.TERRAFORM, provenance=Provenance(module, local, caller, library, awaits))


def _call(path: str, by: str) -> Embedded:
    return Embedded(path, by, module=True)


THIS, FIXED = "aws_s3_bucket.this", "aws_s3_bucket.fixed"
CASES = [
    ("an uncalled library keeps what awaits its inputs",
     [(LIB, Facts(buckets=[_tf(LIB, "", THIS, awaits=LIB)]))],
     [f"{LIB}#{THIS}"]),
    ("a called library gives what awaits its inputs to its caller",
     [("app", Facts(buckets=[_tf("app", "module.store", THIS, caller="module.store")],
                    embedded=[_call(LIB, "module.store")])),
      (LIB, Facts(buckets=[_tf(LIB, "", THIS, awaits=LIB)]))],
     [f"app#module.store.{THIS}"]),
    ("what needs no input is the library's own, not the caller's",
     [("app", Facts(buckets=[_tf("app", "module.store", FIXED, caller="module.store")],
                    embedded=[_call(LIB, "module.store")])),
      (LIB, Facts(buckets=[_tf(LIB, "", FIXED)]))],
     [f"{LIB}#{FIXED}"]),
    ("every instance of a call gives way to the library's one",
     [("app", Facts(buckets=[_tf("app", f"module.store[{i}]", FIXED, caller=f"module.store[{i}]")
                             for i in (0, 1)],
                    embedded=[_call(LIB, "module.store[0]"), _call(LIB, "module.store[1]")])),
      (LIB, Facts(buckets=[_tf(LIB, "", FIXED)]))],
     [f"{LIB}#{FIXED}"]),
    ("a library not read on its own (excluded, outside the scan) is reported by its caller",
     [("app", Facts(buckets=[_tf("app", "module.store", FIXED, caller="module.store")],
                    embedded=[_call(LIB, "module.store")]))],
     [f"app#module.store.{FIXED}"]),
    ("a library whose own read of the instance awaits inputs leaves it to the caller",
     [("app", Facts(buckets=[_tf("app", "module.store", THIS, caller="module.store")],
                    embedded=[_call(LIB, "module.store")])),
      (LIB, Facts(buckets=[_tf(LIB, "", THIS, awaits=LIB), _tf(LIB, "", FIXED)]))],
     [f"app#module.store.{THIS}", f"{LIB}#{FIXED}"]),
    ("a module that is not a library is reported by its caller and by itself",
     [("app", Facts(buckets=[_tf("app", "module.store", FIXED, caller="module.store",
                                 library=False)],
                    embedded=[_call(LIB, "module.store")])),
      (LIB, Facts(buckets=[_tf(LIB, "", FIXED, library=False)]))],
     [f"app#module.store.{FIXED}", f"{LIB}#{FIXED}"]),
    ("nested: the outer caller reports what the inner library awaits",
     [("app", Facts(buckets=[_tf("app", "module.data.module.store", THIS,
                                 caller="module.data.module.store")],
                    embedded=[_call(OUTER, "module.data"),
                              _call(LIB, "module.data.module.store")])),
      (OUTER, Facts(buckets=[_tf(OUTER, "module.store", THIS, caller="module.store",
                                 awaits=OUTER)],
                    embedded=[_call(LIB, "module.store")])),
      (LIB, Facts(buckets=[_tf(LIB, "", THIS, awaits=LIB)]))],
     [f"app#module.data.module.store.{THIS}"]),
    ("nested, nothing calls the outer library: it reports its child with what it passes",
     [(OUTER, Facts(buckets=[_tf(OUTER, "module.store", THIS, caller="module.store",
                                 awaits=OUTER)],
                    embedded=[_call(LIB, "module.store")])),
      (LIB, Facts(buckets=[_tf(LIB, "", THIS, awaits=LIB)]))],
     [f"{OUTER}#module.store.{THIS}"]),
    ("terragrunt: the folder it evaluates with its inputs is called, by the terragrunt.hcl",
     [(TG, Facts(buckets=[_tf(TG, "", THIS, caller=TG), _tf(TG, "", FIXED, caller=TG)],
                 embedded=[_call(LIB, TG)])),
      (LIB, Facts(buckets=[_tf(LIB, "", THIS, awaits=LIB), _tf(LIB, "", FIXED)]))],
     [f"{TG}#{THIS}", f"{LIB}#{FIXED}"]),
    ("a fact without provenance stands, whatever embeds its unit",
     [("template.yaml", Facts(buckets=[Bucket("template.yaml#B", "B", "acme-b",
                                              Location("template.yaml", 3, 3),
                                              Format.CLOUDFORMATION_YAML)])),
      ("other.yaml", Facts(embedded=[Embedded("template.yaml", "Nested")]))],
     ["template.yaml#B"]),
]


@pytest.mark.parametrize(("units", "kept"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ownership_decision_table(units: list[tuple[str, Facts]], kept: list[str]) -> None:
    assert [b.identity for b in owned(units).buckets] == kept
    # the decision is the scan's, not the order in which units were read
    assert sorted(b.identity for b in owned(units[::-1]).buckets) == sorted(kept)


def test_references_to_a_bucket_that_gave_way_point_at_the_one_that_stands() -> None:
    """The caller's CORS that depends on its inputs stands, and so do its own labeling uses:
    both bind to the library's bucket that the caller's instance gave way to."""
    ref = BucketRef(identity=f"app#module.store.{FIXED}", name="acme-b", text="x")
    cors = CorsConfig(ref, (), Location(f"{LIB}/main.tf", 9, 1), CorsSource.RESOURCE,
                      Format.TERRAFORM, provenance=Provenance(
                          LIB, "aws_s3_bucket_cors_configuration.this", "module.store", True))
    use = replace(_use("acme-b"), target=ref,
                  provenance=Provenance("app", "aws_sagemaker_labeling_job.j", "", False))
    app = Facts(buckets=[_tf("app", "module.store", FIXED, caller="module.store")], cors=[cors],
                uses=[use], embedded=[_call(LIB, "module.store")])
    got = owned([("app", app), (LIB, Facts(buckets=[_tf(LIB, "", FIXED)]))])
    assert [b.identity for b in got.buckets] == [f"{LIB}#{FIXED}"]
    assert [c.target for c in got.cors] == [replace(ref, identity=f"{LIB}#{FIXED}")]
    assert [u.target for u in got.uses] == [replace(ref, identity=f"{LIB}#{FIXED}")]


def _asl_use(path: str) -> LabelingUse:
    return replace(_use(Unknown("${bucket} is a template variable")), location=Location(path, 4, 22))


FILE_CASES = [
    ("templatefile(): the template gives its uses to the unit that renders it",
     [(".", Facts(uses=[_use("acme-b")],
                  embedded=[Embedded("sm.asl.json", "aws_sfn_state_machine.sm")])),
      ("sm.asl.json", Facts(uses=[_asl_use("sm.asl.json")]))],
     [("job.json", 9)]),
    ("SAM DefinitionUri: the definition gives its uses to the template that substitutes it",
     [("template.yaml", Facts(uses=[_use("acme-b", line=14)], embedded=[Embedded(
         "statemachine/labeling.json", "AWS::Serverless::StateMachine LabelingMachine")])),
      ("statemachine/labeling.json", Facts(uses=[_asl_use("statemachine/labeling.json")]))],
     [("job.json", 14)]),
    ("a file nobody reads in context keeps its uses",
     [("sm.asl.json", Facts(uses=[_asl_use("sm.asl.json")]))],
     [("sm.asl.json", 4)]),
    ("a module folder that is called is not a file read in context: it keeps its uses",
     [("app", Facts(embedded=[_call("lib", "module.lib")])),
      ("lib", Facts(uses=[_asl_use("lib/main.tf")]))],
     [("lib/main.tf", 4)]),
]


@pytest.mark.parametrize(("units", "kept"), [c[1:] for c in FILE_CASES],
                         ids=[c[0] for c in FILE_CASES])
def test_files_read_in_context_decision_table(units: list[tuple[str, Facts]],
                                              kept: list[tuple[str, int]]) -> None:
    assert [(u.location.path, u.location.line) for u in owned(units).uses] == kept
    assert sorted((u.location.path, u.location.line) for u in owned(units[::-1]).uses) == sorted(
        kept)


# --- ownership through the CLI, per format --------------------------------------------------------

FLOW_LIBRARY = """variable "bucket" {}

resource "aws_sfn_state_machine" "sm" {
  name       = "sm"
  role_arn   = "arn:aws:iam::123456789012:role/x"
  definition = templatefile("${path.module}/sm.asl.json", { bucket = var.bucket })
}
"""
FLOW_ASL = """{"StartAt": "L", "States": {"L": {"Type": "Task",
  "Resource": "arn:aws:states:::sagemaker:createLabelingJob.sync",
  "Parameters": {"InputConfig": {"DataSource": {"S3DataSource": {
    "ManifestS3Uri": "s3://${bucket}/m"}}}},
  "End": true}}}
"""
FLOW_CALLER = """provider "aws" {}

resource "aws_s3_bucket" "b" {
  bucket = "acme-b"
}

module "flow" {
  source = "../modules/flow"
  bucket = aws_s3_bucket.b.id
}
"""


def test_templatefile_in_a_called_library_is_judged_with_the_callers_inputs(repo: Path) -> None:
    """Nothing in the library's own read of the state machine is known (its definition needs
    the caller's bucket): the caller's instance reports it, and the template file alone does
    not. Before ownership moved to the linker the caller's instance gave way to the empty
    standalone read and the bucket went unjudged."""
    write_tree(repo, {"modules/flow/main.tf": FLOW_LIBRARY, "modules/flow/sm.asl.json": FLOW_ASL,
                      "app/main.tf": FLOW_CALLER})
    assert json_findings(["--no-cache"], repo) == [("PL100", "app/main.tf", 3, 1)]
    (repo / "app/main.tf").unlink()  # nothing calls it: the template alone cannot know the bucket
    assert json_findings(["--no-cache"], repo) == [("PL102", "modules/flow/sm.asl.json", 4, 22)]


def test_definition_passed_as_an_input_is_judged_by_the_caller(repo: Path) -> None:
    lib = FLOW_LIBRARY.replace('variable "bucket" {}', 'variable "definition" {}').replace(
        'templatefile("${path.module}/sm.asl.json", { bucket = var.bucket })', "var.definition")
    caller = FLOW_CALLER.replace("  bucket = aws_s3_bucket.b.id\n", (
        "  definition = jsonencode({ StartAt = \"L\", States = { L = { Type = \"Task\",\n"
        "    Resource = \"arn:aws:states:::sagemaker:createLabelingJob.sync\",\n"
        "    Parameters = { InputConfig = { DataSource = { S3DataSource = {\n"
        "      ManifestS3Uri = \"s3://${aws_s3_bucket.b.id}/m\" } } } },\n"
        "    End = true } } })\n"))
    write_tree(repo, {"modules/flow/main.tf": lib, "app/main.tf": caller})
    assert json_findings(["--no-cache"], repo) == [("PL100", "app/main.tf", 3, 1)]


STORE = """variable "env" {}

resource "aws_s3_bucket" "fixed" {
  bucket = "acme-fixed"
  tags   = { "policylint:labeling-input" = "true" }
}

resource "aws_s3_bucket" "scratch" {
  bucket = "acme-${var.env}-scratch"
  tags   = { "policylint:labeling-input" = "true" }
}
"""


def _subjects(repo: Path) -> list[tuple[str, str, int, str, str]]:
    code, out, err = run_cli(["--no-cache", "--format", "json"], repo)
    assert code in (0, 1), err
    return [(f["rule"], f["path"], f["line"], f["subject"], f["bucket"])
            for f in json.loads(out)["findings"]]


def test_library_called_twice_and_excluded(repo: Path) -> None:
    """Two instances: each reports what depends on its inputs; what does not is reported once,
    by the library's own unit, or, when the library folder is excluded from the scan (so not
    read on its own), by each instance (it used to be reported by nobody)."""
    caller = ('provider "aws" {}\n\nmodule "store" {\n  source   = "../modules/store"\n'
              '  for_each = toset(["dev", "prod"])\n  env      = each.key\n}\n')
    write_tree(repo, {"modules/store/main.tf": STORE, "app/main.tf": caller})
    dev, prod = 'module.store["dev"].', 'module.store["prod"].'
    assert _subjects(repo) == [
        ("PL100", "modules/store/main.tf", 3, "aws_s3_bucket.fixed", "acme-fixed"),
        ("PL100", "modules/store/main.tf", 8, dev + "aws_s3_bucket.scratch", "acme-dev-scratch"),
        ("PL100", "modules/store/main.tf", 8, prod + "aws_s3_bucket.scratch",
         "acme-prod-scratch")]
    write_tree(repo, {".policylint.yaml": "exclude:\n  - modules/\n"})
    assert _subjects(repo) == [
        ("PL100", "modules/store/main.tf", 3, dev + "aws_s3_bucket.fixed", "acme-fixed"),
        ("PL100", "modules/store/main.tf", 3, prod + "aws_s3_bucket.fixed", "acme-fixed"),
        ("PL100", "modules/store/main.tf", 8, dev + "aws_s3_bucket.scratch", "acme-dev-scratch"),
        ("PL100", "modules/store/main.tf", 8, prod + "aws_s3_bucket.scratch",
         "acme-prod-scratch")]


def test_terragrunt_reports_the_inputs_the_library_folder_reports_the_rest(repo: Path) -> None:
    write_tree(repo, {"modules/store/main.tf": STORE, **{
        f"live/{env}/terragrunt.hcl": ('terraform {\n  source = "../../modules/store"\n}\n\n'
                                       f'inputs = {{\n  env = "{env}"\n}}\n')
        for env in ("dev", "prod")}})
    assert _subjects(repo) == [
        ("PL100", "modules/store/main.tf", 3, "aws_s3_bucket.fixed", "acme-fixed"),
        ("PL100", "modules/store/main.tf", 8, "aws_s3_bucket.scratch", "acme-dev-scratch"),
        ("PL100", "modules/store/main.tf", 8, "aws_s3_bucket.scratch", "acme-prod-scratch")]
    (repo / "live/dev/terragrunt.hcl").unlink()
    (repo / "live/prod/terragrunt.hcl").unlink()  # uncalled: the folder reports what it can
    assert _subjects(repo) == [
        ("PL100", "modules/store/main.tf", 3, "aws_s3_bucket.fixed", "acme-fixed"),
        ("PL100", "modules/store/main.tf", 8, "aws_s3_bucket.scratch", None)]


def test_sam_definition_uri_is_judged_by_the_template(tmp_path: Path) -> None:
    """The definition file is read by the template with its DefinitionSubstitutions; alone, it
    is its own unit and cannot know the bucket."""
    root = copy_fixture("cloudformation/sam", tmp_path)
    assert json_findings(["--no-cache"], root) == [("PL100", "template.yaml", 6, 3)]
    (root / "template.yaml").unlink()
    assert json_findings(["--no-cache"], root) == [
        ("PL102", "statemachine/labeling.json", 9, 28)]
