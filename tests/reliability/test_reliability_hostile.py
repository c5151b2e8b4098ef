"""Hostile inputs, generated here in tmp_path: each run of the real CLI (in a subprocess, under a
timeout and an address-space limit) must end with exit 0 or 1, no traceback, at most a one-line
message, the exact findings listed, nothing in the tree modified and nothing outside it read.

Where the input is hostile only in part, a tagged bucket follows the hostile part: its PL100
proves that the rest of the file (or the other files) was still read.
"""
from __future__ import annotations

import codecs
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from plrel_support import TAGGED_TF, assert_sane, fingerprint_tree, run_cli

DEEP = 100_000

TAGGED_CFN = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  FailImages:
    Type: AWS::S3::Bucket
    Metadata:
      policylint:
        labeling-input: true
"""
CORS_OK = '{"CORSRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}]}\n'


def _billion_laughs() -> str:
    ents = ['<!ENTITY lol "lol">']
    ents += [f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
             for i in range(1, 10)]
    return ('<?xml version="1.0"?>\n<!DOCTYPE CORSConfiguration [\n' + "\n".join(ents)
            + '\n]>\n<CORSConfiguration><CORSRule><AllowedOrigin>&lol9;</AllowedOrigin>'
            "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>\n")


def _quadratic() -> str:
    return ('<?xml version="1.0"?>\n<!DOCTYPE CORSConfiguration [<!ENTITY a "'
            + "x" * 100_000 + '">]>\n<CORSConfiguration><CORSRule><AllowedOrigin>'
            + "&a;" * 20_000 + "</AllowedOrigin></CORSRule></CORSConfiguration>\n")


def _xxe(target: str) -> str:
    return ('<?xml version="1.0"?>\n<!DOCTYPE CORSConfiguration [<!ENTITY xxe SYSTEM "file://'
            + target + '">]>\n<CORSConfiguration><CORSRule><AllowedOrigin>&xxe;</AllowedOrigin>'
            "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>\n")


def _xxe_parameter(target: str) -> str:
    return ('<?xml version="1.0"?>\n<!DOCTYPE CORSConfiguration [<!ENTITY % p SYSTEM "file://'
            + target + '"> %p;]>\n<CORSConfiguration/>\n')


def _yaml_alias_bomb(head: str, key: str) -> str:
    lines = [head, "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + f"\n{key}: *a9\n"


def _cfn_alias_bomb() -> str:
    return _yaml_alias_bomb('AWSTemplateFormatVersion: "2010-09-09"\nMappings:', "Outputs")


def _random_bytes(seed: int, size: int = 4096) -> bytes:
    return random.Random(seed).randbytes(size)


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str | bytes]
    expected: list[tuple[str, str, int]]  # (rule, path, line), sorted as the CLI sorts them
    secret: dict[str, str] = field(default_factory=dict)  # files outside the tree
    usage_error: str = ""  # when set: exit 2 and this one-line message instead of findings


SECRET_CORS = "outside/cors.json"  # a broken CORS document outside the scanned tree

CASES = [
    Case("xml-billion-laughs", {"cors.xml": _billion_laughs()}, [("PL001", "cors.xml", 2)]),
    Case("xml-quadratic-blowup", {"cors.xml": _quadratic()}, [("PL001", "cors.xml", 2)]),
    Case("xml-xxe-file", {"cors.xml": _xxe("@SECRET@")}, [("PL001", "cors.xml", 2)],
         secret={"outside/secret.txt": "TOP SECRET\n"}),
    Case("xml-xxe-parameter-entity", {"cors.xml": _xxe_parameter("@SECRET@")},
         [("PL001", "cors.xml", 2)], secret={"outside/secret.txt": "TOP SECRET\n"}),
    Case("mturk-xml-billion-laughs",
         {"question.xml": _billion_laughs().replace("CORSConfiguration", "HTMLQuestion")},
         [("PL001", "question.xml", 2)]),
    Case("yaml-alias-bomb-cloudformation", {"template.yaml": _cfn_alias_bomb(),
                                           "tagged.yaml": TAGGED_CFN},
         [("PL100", "tagged.yaml", 3), ("PL001", "template.yaml", 8)]),
    Case("yaml-alias-bomb-asl", {"flow.asl.yaml": _yaml_alias_bomb("StartAt: A\nx:", "States")},
         [("PL001", "flow.asl.yaml", 8)]),
    Case("yaml-alias-bomb-request",
         {"job.yaml": _yaml_alias_bomb("LabelingJobName: j\nx:", "InputConfig")},
         [("PL001", "job.yaml", 8)]),
    Case("html-nested-100000",
         {"ui.html": "<crowd-form>" + "<div>" * DEEP + "</div>" * DEEP
                     + '\n<img src="s3://acme-images/a.jpg">', "main.tf": TAGGED_TF},
         [("PL100", "main.tf", 1)]),
    Case("manifest-line-of-two-megabytes",
         {"data.manifest": '{"source-ref": "s3://acme-images/' + "a" * 2_000_000 + '"}\n'
                           '{"source-ref": "s3://acme-images/b.jpg"}\n', "main.tf": TAGGED_TF},
         [("PL001", "data.manifest", 1), ("PL100", "main.tf", 1)]),
    Case("scripts-ending-in-a-backslash",  # found by fuzzing: the shell lexer looped forever
         {"run.sh": "aws s3api put-bucket-cors --bucket acme-images \\",
          "apply.ps1": 'aws s3api put-bucket-cors --bucket "acme-images\\',
          ".gitlab-ci.yml": "job:\n  script:\n    - aws s3api put-bucket-cors x\\",
          "main.tf": TAGGED_TF},
         [("PL100", "main.tf", 1)]),
    Case("cloudformation-condition-cycle-through-a-value",  # found by fuzzing: RecursionError
         {"template.yaml": 'AWSTemplateFormatVersion: "2010-09-09"\nConditions:\n'
                           "  C: !Equals [!If [C, a, b], a]\n"
                           + TAGGED_CFN.split("\n", 1)[1] + "    Properties:\n"
                           "      BucketName: !If [C, x, y]\n"},
         [("PL100", "template.yaml", 5)]),
    Case("gitignore-with-backtracking-and-broken-patterns",  # were a hang and an exit 3
         {".gitignore": "*a*a*a*a*a*a*a*a*a*a*a*a*b\n**/**/**/**/**/**/**/**/**/x\n[z-a]\n[]]\n"
                        "[[:alpha:]]\n",
          "/".join(["a" * 20] * 30) + "/main.tf": TAGGED_TF},
         [("PL100", "/".join(["a" * 20] * 30) + "/main.tf", 1)]),
    Case("yaml-alias-bomb-config", {".policylint.yaml": _yaml_alias_bomb("labeling:", "select")},
         [], usage_error="policylint: error: .policylint.yaml: invalid YAML: the document expands "
                         "to more than 250000 nodes (YAML aliases) (line 7, column 27)"),
    Case("toml-nested-100000-config",
         {"pyproject.toml": "[tool.policylint]\nselect = " + "[" * DEEP + "]" * DEEP + "\n"},
         [], usage_error="policylint: error: pyproject.toml: invalid TOML: nested too deeply"),
    Case("json-nested-100000-cors", {"cors.json": '{"CORSRules": ' + "[" * DEEP + "]" * DEEP + "}"},
         [("PL001", "cors.json", 1)]),
    Case("json-nested-100000-tf-json",
         {"main.tf.json": '{"locals": ' + "[" * DEEP + "]" * DEEP + "}", "main.tf": TAGGED_TF},
         [("PL100", "main.tf", 1), ("PL001", "main.tf.json", 1)]),
    Case("json-nested-100000-cloudformation",
         {"template.json": '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": '
                           + "[" * DEEP + "]" * DEEP + "}"},
         [("PL001", "template.json", 1)]),
    Case("json-nested-100000-plan",
         {"plan.json": '{"terraform_version": "1.11.0", "planned_values": '
                       + "[" * DEEP + "]" * DEEP + "}"},
         [("PL001", "plan.json", 1)]),
    Case("json-nested-100000-asl", {"sfn.asl.json": "[" * DEEP + "]" * DEEP},
         [("PL001", "sfn.asl.json", 1)]),
    Case("json-nested-100000-request",
         {"job.json": '{"LabelingJobName": "j", "InputConfig": ' + "[" * DEEP + "]" * DEEP + "}"},
         [("PL001", "job.json", 1)]),
    Case("yaml-quarter-million-values-without-aliases",
         {"template.yaml": TAGGED_CFN + "Outputs:\n  L:\n    Value:\n" + "      - x\n" * 260_000},
         [("PL001", "template.yaml", 250_010)]),
    Case("yaml-nested-100000-cloudformation",
         {"template.yaml": TAGGED_CFN + "Outputs: " + "[" * DEEP + "]" * DEEP + "\n"},
         [("PL001", "template.yaml", 8)]),
    Case("hcl-nested-100000-list",
         {"main.tf": "locals {\n  x = " + "[" * DEEP + "]" * DEEP + "\n}\n" + TAGGED_TF},
         [("PL100", "main.tf", 4)]),
    Case("hcl-nested-100000-parens",
         {"main.tf": "locals {\n  x = " + "(" * DEEP + "1" + ")" * DEEP + "\n}\n" + TAGGED_TF},
         [("PL100", "main.tf", 4)]),
    Case("hcl-nested-100000-objects",
         {"main.tf": "locals {\n  x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n}\n" + TAGGED_TF},
         [("PL100", "main.tf", 4)]),
    Case("hcl-nested-100000-calls",
         {"main.tf": "locals {\n  x = " + "max(" * DEEP + "1" + ")" * DEEP + "\n}\n" + TAGGED_TF},
         [("PL100", "main.tf", 4)]),
    Case("hcl-nested-100000-blocks",
         {"main.tf": "b {\n" * DEEP + "}\n" * DEEP + TAGGED_TF},
         # blocks below the 64th level are reported and skipped; the rest of the file is read
         [("PL001", "main.tf", 65), ("PL100", "main.tf", 2 * DEEP + 1)]),
    Case("random-binary-under-recognised-names",
         {"main.tf": _random_bytes(1), "x.tf.json": _random_bytes(2),
          "sfn.asl.json": _random_bytes(3), "data.manifest": _random_bytes(4),
          "cors.xml": b"<CORSConfiguration>" + _random_bytes(5),
          "cors.json": b'{"CORSRules": ' + _random_bytes(6),
          "template.yaml": b"AWSTemplateFormatVersion: " + _random_bytes(7),
          "ui.html": b"<crowd-form>" + _random_bytes(8),
          "run.sh": b"aws s3api put-bucket-cors " + _random_bytes(9),
          "tagged/main.tf": TAGGED_TF},
         [("PL001", "cors.json", 1), ("PL001", "cors.xml", 1)]
         + [("PL001", "data.manifest", line) for line in range(1, 14)]  # each bad line
         + [("PL001", "main.tf", 1), ("PL001", "run.sh", 1), ("PL001", "sfn.asl.json", 1),
            ("PL100", "tagged/main.tf", 1), ("PL001", "template.yaml", 1), ("PL001", "ui.html", 1),
            ("PL001", "x.tf.json", 1)]),
    Case("invalid-utf8",
         {"cors.json": b'{"CORSRules": [\n  {"AllowedMethods": ["G\xffET"]}]}',
          "bad/main.tf": b'locals {\n  a = "\xc3\x28"\n}\n', "main.tf": TAGGED_TF},
         [("PL001", "bad/main.tf", 2), ("PL001", "cors.json", 2), ("PL100", "main.tf", 1)]),
    Case("utf16-with-bom",
         {"cors.json": codecs.BOM_UTF16_LE + ('{"CORSRules": [\n  {"AllowedMethods": '
                                              '["GET"]}]}').encode("utf-16-le"),
          "main.tf": codecs.BOM_UTF16_BE + TAGGED_TF.encode("utf-16-be")},
         [("PL200", "cors.json", 2), ("PL100", "main.tf", 1)]),
    Case("crlf-line-ends",
         {"cors.json": CORS_OK.replace('"GET"', '"GETX"').replace(", ", ",\r\n"),
          "main.tf": TAGGED_TF.replace("\n", "\r\n"),
          "template.yaml": ("\r\n" * 3 + TAGGED_CFN).replace("\n", "\r\n").replace("\r\r", "\r")},
         [("PL200", "cors.json", 1), ("PL100", "main.tf", 1), ("PL100", "template.yaml", 6)]),
    Case("nul-bytes",
         {"cors.json": b'{"CORSRules": [\n\x00]}', "main.tf": b'locals {\n  a = "\x00"\n}\n',
          "x.asl.json": b'{"StartAt": "A",\n "States": {}}\x00', "t/main.tf": TAGGED_TF},
         [("PL001", "cors.json", 2), ("PL001", "main.tf", 2), ("PL100", "t/main.tf", 1),
          ("PL001", "x.asl.json", 2)]),
    Case("empty-files",
         {"main.tf": b"", "vars.tfvars": b"", "x.tf.json": b"", "sfn.asl.json": b"",
          "data.manifest": b"", "a/main.tf": TAGGED_TF},
         [("PL100", "a/main.tf", 1), ("PL001", "sfn.asl.json", 1), ("PL001", "x.tf.json", 1)]),
    # issue 16 items 1-3: each was a PL000 that lost the file's other findings
    Case("terraform-module-sources-with-control-characters",
         {"main.tf": "".join(f'module "m{i}" {{\n  source = "./x{c}y"\n}}\n'
                             for i, c in enumerate(["\\u0000", "\\u0001", "\\t", "\\u001f",
                                                    "\\u007f", "\\n"])) + TAGGED_TF},
         [("PL100", "main.tf", 19)]),
    Case("xml-declaring-an-unknown-encoding",
         {"cors.xml": '<?xml version="1.0" encoding="x-bogus"?>\n<CORSConfiguration/>\n',
          "q/question.xml": "<?xml version='1.0'\n    encoding='no-such-codec'?>\n<HTMLQuestion/>\n",
          "utf7/cors.xml": '<?xml version="1.0" encoding="UTF-7"?>\n<CORSConfiguration/>\n',
          "sjis/cors.xml": '\n<?xml version="1.0" encoding="Shift_JIS"?><CORSConfiguration/>',
          "big5/question.xml": "<?xml version='1.0' encoding='big5'?>\n<HTMLQuestion/>\n",
          "main.tf": TAGGED_TF},
         [("PL001", "big5/question.xml", 1), ("PL001", "cors.xml", 1), ("PL100", "main.tf", 1),
          ("PL001", "q/question.xml", 2), ("PL001", "sjis/cors.xml", 2),
          ("PL001", "utf7/cors.xml", 1)]),
    Case("terraform-plan-with-parts-of-the-wrong-type",
         {"plan.json": '{"format_version": "1.2", "terraform_version": "1.11.0",\n'
                       ' "planned_values": {"root_module": {"resources": [\n'
                       '  {"address": "aws_s3_bucket.t", "mode": "managed", "type": "aws_s3_bucket",'
                       ' "values": {"bucket": "acme-t", "tags": {"policylint:labeling-input": '
                       '"true"}, "cors_rule": {"x": 1}}},\n'
                       '  7,\n'
                       '  {"address": "aws_s3_bucket.v", "type": "aws_s3_bucket", "values": [1]}\n'
                       ' ], "child_modules": {"a": 1}}},\n'
                       ' "configuration": {"root_module": {"resources": [\n'
                       '  {"address": "aws_s3_bucket.t", "expressions": [1, 2]},\n'
                       '  "junk"], "module_calls": [1]}}}\n'},
         # each part of the wrong type is a PL001 at its own line; the tagged bucket is still read
         [("PL001", "plan.json", line) for line in (2, 3)] + [("PL100", "plan.json", 3)]
         + [("PL001", "plan.json", line) for line in (5, 6, 7, 8, 9)]),
    Case("manifest-with-broken-lines",
         {"data.manifest": b'{"source-ref": "s3://acme-images/a.jpg"}\n{"source-ref": \n'
                           b"not json\n\x00\xff\xfe\n" + b"[" * DEEP + b"\n\n"
                           + b'{"source-ref": "s3://acme-other/b.jpg"}\r\n' + b"{" * 10,
          "main.tf": TAGGED_TF},
         [("PL001", "data.manifest", 2), ("PL001", "data.manifest", 3),
          ("PL001", "data.manifest", 4), ("PL001", "data.manifest", 5),
          ("PL102", "data.manifest", 7), ("PL001", "data.manifest", 8),
          ("PL100", "main.tf", 1)]),
]


def _materialise(tmp_path: Path, case: Case) -> Path:
    tree = tmp_path / "tree"
    (tree / ".git").mkdir(parents=True)
    secret_file = ""
    for rel, content in case.secret.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        secret_file = str(p)
    for rel, content in case.files.items():
        p = tree / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.replace("@SECRET@", secret_file).encode("utf-8")
        p.write_bytes(content)
    return tree


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    tree = _materialise(tmp_path, case)
    before = fingerprint_tree(tree)
    run = run_cli(tree, ".", "--format", "json")
    if case.usage_error:
        assert_sane(run, tree, codes=(2,))
        stderr = run.stderr.replace(str(tree) + "/", "")
        assert (run.stdout, stderr) == ("", case.usage_error + "\n")
    else:
        assert_sane(run, tree)
        assert run.findings == case.expected, run.report["findings"]
        if "alias-bomb" in case.name or "without-aliases" in case.name:
            blame = "(too large to analyse)" if "without" in case.name else "(YAML aliases)"
            assert all(m.endswith(blame) for m in run.messages("PL001"))
    assert fingerprint_tree(tree) == before  # the cache folder is left out: see below
    assert [p for p in run.opened if p.startswith(str(tmp_path / "outside"))] == []


def _all_cases_in_one_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / ".git").mkdir(parents=True)
    for case in CASES:
        if case.usage_error or case.secret:
            continue
        for rel, content in case.files.items():
            p = tree / case.name / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return tree


def test_every_output_format_stays_valid_on_hostile_findings(tmp_path: Path) -> None:
    """Messages quote hostile bytes (control characters, lone surrogates, NUL): each format
    must still be well-formed — JSON and SARIF parse, JUnit XML parses."""
    import json
    import xml.etree.ElementTree as ET

    tree = _all_cases_in_one_tree(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    run = run_cli(tree, ".", "--format", "json", "--format", f"sarif:{out}/r.sarif",
                  "--format", f"junit:{out}/r.xml", "--format", f"text:{out}/r.txt",
                  "--format", f"github:{out}/r.github")
    assert_sane(run, tree)
    findings = run.report["findings"]
    assert {f["rule"] for f in findings} >= {"PL001", "PL100"}
    sarif = json.loads((out / "r.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == len(findings)
    ET.fromstring((out / "r.xml").read_bytes())
    assert len((out / "r.github").read_text(encoding="utf-8").splitlines()) >= len(findings)


def test_diff_on_hostile_input_changes_nothing(tmp_path: Path) -> None:
    tree = _all_cases_in_one_tree(tmp_path)
    before = fingerprint_tree(tree)
    run = run_cli(tree, ".", "--diff")
    assert_sane(run, tree, one_line=False)
    assert fingerprint_tree(tree) == before


def test_fix_on_hostile_input_edits_only_the_buckets_it_fixes(tmp_path: Path) -> None:
    """--fix over every hostile input: no crash, and the only files that change are the ones
    holding the tagged bucket it was asked to fix (each gains a CORS configuration)."""
    tree = _all_cases_in_one_tree(tmp_path)
    before = fingerprint_tree(tree)
    planned = run_cli(tree, ".", "--format", "json")
    broken = {f["path"] for f in planned.report["findings"] if f["rule"] == "PL001"}
    fixable = {f["path"] for f in planned.report["findings"] if f["fix"] is not None
               and f["rule"] == "PL100" and "utf16" not in f["path"]  # --fix edits UTF-8 only
               and f["path"] not in broken}  # nor a file that does not parse
    run = run_cli(tree, ".", "--fix")
    assert_sane(run, tree, one_line=False)
    after = fingerprint_tree(tree)
    assert set(after) == set(before)
    assert {p for p in before if after[p] != before[p]} == fixable
    assert len(fixable) == 20  # every case with a tagged, parseable, UTF-8 bucket


class _Boom:
    """Pickles as a call of ``os.system``: what a planted cache file would try."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


def test_a_planted_cache_pack_cannot_run_code(tmp_path: Path) -> None:
    """A repository can commit ``.policylint_cache/facts.pickle``: loading it must never run
    code (the pack is read with an unpickler that builds only policylint data)."""
    import pickle

    from policylint.cache import CACHE_DIR, MAGIC, PACK_NAME, FactsCache

    tree = _materialise(tmp_path, Case("planted", {"main.tf": TAGGED_TF}, []))
    marker = tmp_path / "pwned"
    header = MAGIC + FactsCache.schema_line()
    (tree / CACHE_DIR).mkdir()
    for i, payload in enumerate([{"k": _Boom(f"touch {marker}")}, _Boom(f"touch {marker}"),
                                 {"k": (pickle.dumps(_Boom(f"touch {marker}")), (), 1.0)}]):
        (tree / CACHE_DIR / PACK_NAME).write_bytes(header + pickle.dumps(payload))
        run = run_cli(tree, ".", "--format", "json")
        assert_sane(run, tree)
        assert (i, run.findings) == (i, [("PL100", "main.tf", 1)])
        assert not marker.exists()
    from policylint.cache import load_facts  # an entry whose key matches is read the same way

    assert load_facts(pickle.dumps(_Boom(f"touch {marker}"))) is None
    assert not marker.exists()


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "github"])
def test_file_names_that_are_not_utf8_or_hold_a_newline(tmp_path: Path, fmt: str) -> None:
    """Names are bytes on Linux: a folder ``d\\xff`` and a file ``bad\\nname.tf`` (it was an
    internal error, exit 3, when a name could not be encoded). The real bytes are kept: JSON
    escapes them as ``\\udcXX``, github shows ``\\xXX``; in GitHub annotations a newline cannot
    start a new workflow command."""
    tree = _materialise(tmp_path, Case("names", {"bad\nname.tf": TAGGED_TF}, []))
    os.mkdir(os.fsencode(tree) + b"/d\xff")
    with open(os.fsencode(tree) + b"/d\xff/m\xfe.tf", "wb") as fh:
        fh.write(TAGGED_TF.encode())
    run = run_cli(tree, ".", "--format", fmt)
    assert_sane(run, tree)
    assert run.rc == 1
    if fmt == "json":
        assert run.findings == [("PL100", "bad\nname.tf", 1), ("PL100", "d\udcff/m\udcfe.tf", 1)]
    if fmt == "github":
        starts = [line.split(",line=")[0] for line in run.stdout.splitlines()
                  if line.startswith("::")]
        assert starts == ["::error file=bad%0Aname.tf", "::error file=d\\xff/m\\xfe.tf"]
