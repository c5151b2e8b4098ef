"""The linker and the declared-bucket rules: config ``labeling.buckets`` globs, ``cors-files``,
``labeling.accepted-origins``; PL101 needs GET and an accepted origin in one rule; a configured
labeling bucket without known CORS is PL102, never PL100."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import json_findings, run_cli, write_tree

from policylint.link import LinkOptions, link
from policylint.model import (
    Bucket,
    BucketRef,
    Confidence,
    CorsConfig,
    Facts,
    Format,
    LabelingUse,
    Location,
    Modality,
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
