"""Expression evaluation: every listed function, references, instances, unknowns, cycles and
the evaluation budget."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from policylint.link import owned
from policylint.model import Facts, Provenance, Unknown
from policylint.readers import LocalContext
from policylint.readers.terraform.evaluate import Budget
from policylint.readers.terraform.module import ModuleEval, ModuleFiles, Reader, parse_source
from policylint.readers.terraform.values import JsonText, Sourced, Tracked, UnknownRef


def module(tmp_path: Path, files: dict[str, str], tfvars: dict[str, str] | None = None
           ) -> ModuleEval:
    for name, text in {**files, **(tfvars or {})}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    mf = ModuleFiles(str(tmp_path), ".")
    for name, text in files.items():
        if name.endswith((".tf", ".tf.json")) and "/" not in name:
            mf.files.append(parse_source(name, text.encode("utf-8")))
    for name, text in (tfvars or {}).items():
        mf.tfvars.append(parse_source(name, text.encode("utf-8")))
    reader = Reader(LocalContext(root=str(tmp_path)), ".", str(tmp_path))
    return ModuleEval(reader, mf, "", None, (str(tmp_path),))


def local(tmp_path: Path, expr: str, extra: str = "", **files: str) -> Any:
    m = module(tmp_path, {"main.tf": f"locals {{\n  x = {expr}\n}}\n{extra}", **files})
    return m.local("x")


FUNCTIONS = [
    ('jsonencode({a = [1, "b"], c = true})', '{"a":[1,"b"],"c":true}'),
    ('jsondecode("{\\"a\\": [1, 2]}")', {"a": [1, 2]}),
    ('jsondecode(jsonencode({k = "v"}))', {"k": "v"}),
    ('format("%s-%d-%03d", "a", 7, 5)', "a-7-005"),
    ('format("%q %v %%", "x", 2)', '"x" 2 %'),
    ('lower("AbC")', "abc"),
    ('upper("AbC")', "ABC"),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('replace("abc123", "/[0-9]+/", "N")', "abcN"),
    ('join(",", ["a", "b"], ["c"])', "a,b,c"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('concat(["a"], ["b", "c"], [])', ["a", "b", "c"]),
    ('merge({a = 1, b = 2}, {b = 3}, null)', {"a": 1, "b": 3}),
    ('lookup({a = "x"}, "a", "d")', "x"),
    ('lookup({a = "x"}, "z", "d")', "d"),
    ('try(local.missing_map.nope, "fallback")', "fallback"),
    ('try({a = 1}.b, {a = 1}.a)', 1),
    ('coalesce("", null, "first", "second")', "first"),
    ('toset(["b", "a", "b"])', ["a", "b"]),
    ('tolist(toset(["x"]))', ["x"]),
    ('tomap({a = "b"})', {"a": "b"}),
    ('element(["a", "b", "c"], 4)', "b"),
    ('trimprefix("s3://bucket/key", "s3://")', "bucket/key"),
    ('trimsuffix("file.json", ".json")', "file"),
    ('length([1, 2, 3])', 3),
    ('can(local.nothing.here)', False),
    ('keys({b = 1, a = 2})', ["a", "b"]),
    ('flatten([["a"], [["b"]], "c"])', ["a", "b", "c"]),
    ('"${upper("a")}-%{if true}yes%{else}no%{endif}"', "A-yes"),
    ('"%{for s in ["a", "b"]}${s};%{endfor}"', "a;b;"),
    ('[for s in ["a", "b"] : upper(s) if s != "b"]', ["A"]),
    ('{for k, v in {a = 1, b = 2} : v => k}', {"1": "a", "2": "b"}),
    ('{for s in ["a", "ab", "b"] : substr(s, 0, 1) => s...}', {"a": ["a", "ab"], "b": ["b"]}),
    ('[{id = "a"}, {id = "b"}][*].id', ["a", "b"]),
    ('1 + 2 * 3 == 7 && !false', True),
    ('-5 % 3 == 1 ? "mod" : "other"', "mod"),
    ('"\\"quoted\\"\\n\\u00e9$${literal}"', '"quoted"\né${literal}'),
]


@pytest.mark.parametrize(("expr", "expected"), FUNCTIONS)
def test_functions_and_expressions(tmp_path: Path, expr: str, expected: Any) -> None:
    assert local(tmp_path, expr) == expected


def test_jsonencode_keeps_structure(tmp_path: Path) -> None:
    value = local(tmp_path, 'jsonencode({a = "b"})')
    assert isinstance(value, JsonText) and value.structure == {"a": "b"}


def test_file_and_templatefile(tmp_path: Path) -> None:
    files = {"doc.json": '{"k": "v"}\n', "t.tpl": "hello ${name}\n%{ for x in xs }${x},%{ endfor }"}
    value = local(tmp_path, 'file("${path.module}/doc.json")', **files)
    assert value == '{"k": "v"}\n' and isinstance(value, Sourced) and value.path.endswith("doc.json")
    assert local(tmp_path, 'jsondecode(file("doc.json")).k', **files) == "v"
    assert local(tmp_path, 'templatefile("t.tpl", {name = "w", xs = [1, 2]})',
                 **files) == "hello w\n1,2,"
    missing = local(tmp_path, 'file("../outside.json")')
    assert isinstance(missing, Unknown) and "outside the scanned tree" in missing.reason


def test_heredoc_strips_indentation(tmp_path: Path) -> None:
    value = local(tmp_path, '<<-EOT\n    a\n      b ${"c"}\n  EOT\n')
    assert value == "a\n  b c\n"


def test_variables_tfvars_precedence(tmp_path: Path) -> None:
    m = module(tmp_path, {"v.tf": 'variable "a" {}\nvariable "b" {\n  default = "d"\n}\n'
                                  'variable "c" {}\n'},
               {"terraform.tfvars": 'a = "tfvars"\nb = "tfvars"\n',
                "z.auto.tfvars": 'b = "auto"\n'})
    assert m.var("a") == "tfvars"
    assert m.var("b") == "auto"
    c = m.var("c")
    assert isinstance(c, Unknown) and "var.c has no default" in c.reason


def test_resource_references_and_instances(tmp_path: Path) -> None:
    m = module(tmp_path, {"main.tf": '''
resource "aws_s3_bucket" "z" {
  for_each = { raw = "r", clean = "c" }
  bucket   = "acme-${each.value}"
}
resource "aws_s3_bucket" "n" {
  count  = 2
  bucket = "acme-n${count.index}"
}
resource "aws_s3_bucket" "p" {
  bucket_prefix = "acme-"
}
locals {
  raw   = aws_s3_bucket.z["raw"].id
  arn   = aws_s3_bucket.n[1].arn
  all   = [for b in aws_s3_bucket.n : b.bucket]
  names = aws_s3_bucket.n[*].bucket
  pref  = "s3://${aws_s3_bucket.p.bucket}/m"
  dom   = aws_s3_bucket.z["clean"].bucket_domain_name
}
'''})
    raw = m.local("raw")
    assert raw == "acme-r" and isinstance(raw, Tracked)
    assert raw.identity == '.#aws_s3_bucket.z["raw"]'
    assert m.local("arn") == "arn:aws:s3:::acme-n1"
    assert m.local("all") == ["acme-n0", "acme-n1"]
    assert m.local("names") == ["acme-n0", "acme-n1"]
    pref = m.local("pref")
    assert isinstance(pref, UnknownRef) and pref.identity == ".#aws_s3_bucket.p"
    assert m.local("dom") == "acme-c.s3.amazonaws.com"


def test_reference_cycles_terminate(tmp_path: Path) -> None:
    m = module(tmp_path, {"main.tf": "locals {\n  a = local.b\n  b = local.a\n  c = local.c\n}\n"})
    a, c = m.local("a"), m.local("c")
    assert isinstance(a, Unknown) and "reference cycle" in a.reason
    assert isinstance(c, Unknown) and "reference cycle" in c.reason


def test_budget_ends_pathological_expressions(tmp_path: Path) -> None:
    m = module(tmp_path, {"main.tf": (
        "locals {\n  r = range(10000)\n"
        "  x = [for a in local.r : [for b in local.r : a + b]]\n}\n")})
    m.reader.budget = Budget(50_000)
    m.ev.budget = m.reader.budget
    x = m.local("x")
    assert isinstance(x, Unknown) and "budget" in x.reason


_LOOPS = "%{ for a in local.r }%{ for b in local.r }x%{ endfor }%{ endfor }"


@pytest.mark.parametrize("expr", [
    f'"{_LOOPS}"',
    f"<<-EOT\n    {_LOOPS}\n    EOT",
    '"%{ for a in local.r }%{ if a >= 0 }%{ for b in local.r }%{ if true }x%{ endif }'
    '%{ endfor }%{ endif }%{ endfor }"',
    '"${join("", [for a in local.r : "%{ for b in local.r }x%{ endfor }"])}"',
    '"%{ for a in local.r }${join("", [for b in local.r : "x"])}%{ endfor }"',
], ids=["string", "heredoc", "nested-if", "for-expr-around", "for-expr-inside"])
def test_template_directives_count_against_the_budget(tmp_path: Path, expr: str) -> None:
    """Loops of plain text in templates cost a step per iteration, as for expressions do."""
    m = module(tmp_path, {"main.tf": f"locals {{\n  r = range(10000)\n  x = {expr}\n}}\n"})
    m.reader.budget = Budget(50_000)
    m.ev.budget = m.reader.budget
    x = m.local("x")
    assert isinstance(x, Unknown) and "budget" in x.reason, x
    assert m.reader.budget.left < 0


def test_template_loop_output_is_bounded_in_size(tmp_path: Path) -> None:
    body = "y" * 2000
    m = module(tmp_path, {"main.tf": 'locals {\n  x = "%{ for a in range(5000) }'
                                     + body + '%{ endfor }"\n}\n'})
    x = m.local("x")
    assert isinstance(x, Unknown) and x.reason == "value too large to analyse"


def test_small_template_loops_still_evaluate(tmp_path: Path) -> None:
    m = module(tmp_path, {"main.tf": 'locals {\n  x = "%{ for a in range(3) }%{ for b in '
                                     '["p", "q"] }${a}${b},%{ endfor }%{ endfor }"\n}\n'})
    assert m.local("x") == "0p,0q,1p,1q,2p,2q,"


def test_unknowns_are_never_guessed(tmp_path: Path) -> None:
    m = module(tmp_path, {"main.tf": '''
variable "env" {}
data "aws_caller_identity" "me" {}
locals {
  a = "acme-${var.env}"
  b = data.aws_caller_identity.me.account_id
  c = var.env == "prod" ? "x" : "y"
  d = var.env == "prod" ? "same" : "same"
  e = upper(var.env)
}
'''})
    for name in ("a", "b", "c", "e"):
        assert isinstance(m.local(name), Unknown), name
    assert m.local("d") == "same"


def test_var_files_override_when_they_agree(tmp_path: Path) -> None:
    m = module(tmp_path, {"v.tf": 'variable "a" {}\nvariable "b" {}\nvariable "c" {\n'
                                  '  default = "d"\n}\n'},
               {"terraform.tfvars": 'a = "auto"\nc = "auto"\n', "prod.tfvars": 'a = "p"\nb = "x"\n',
                "dev.tfvars": 'a = "d"\nb = "x"\n'})
    a = m.var("a")
    assert isinstance(a, Unknown) and "differs between the -var-file files" in a.reason
    assert m.var("b") == "x"
    assert m.var("c") == "auto"


def test_data_bucket_and_workspace(tmp_path: Path) -> None:
    m = module(tmp_path, {"main.tf": '''
data "aws_s3_bucket" "existing" {
  bucket = "acme-existing"
}
locals {
  id  = data.aws_s3_bucket.existing.id
  arn = data.aws_s3_bucket.existing.arn
  reg = data.aws_s3_bucket.existing.region
  ws  = "acme-${terraform.workspace}"
}
'''})
    assert m.local("id") == "acme-existing"
    assert m.local("arn") == "arn:aws:s3:::acme-existing"
    assert isinstance(m.local("reg"), Unknown)
    ws = m.local("ws")
    assert isinstance(ws, Unknown) and "workspace" in ws.reason


def _unit_facts(root: Path, folder: str) -> Facts:
    from policylint.readers import Source, Unit
    from policylint.readers.terraform import read

    d = root / folder
    sources = tuple(Source(f"{folder}/{p.name}", str(p), p.read_bytes(), "terraform")
                    for p in sorted(d.glob("*.tf")))
    ctx = LocalContext(root=str(root), display_fn=lambda p: os.path.relpath(p, root))
    return read(Unit("terraform", folder, sources), ctx)


def _buckets(facts: Facts) -> list[tuple[str, str, object]]:
    return [(b.identity, b.address, b.name) for b in facts.buckets]


def test_each_unit_emits_every_instance_with_its_provenance() -> None:
    """The reader decides nothing: a caller emits what its module instances hold, a library
    read on its own emits what it can know and what awaits its inputs, each tagged."""
    root = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "modules"
    live = _unit_facts(root, "live")
    tags = {(b.address, b.provenance) for b in live.buckets}
    store = "modules/store"
    assert tags == {
        (f'module.data["{k}"].module.store.aws_s3_bucket.{name}',
         Provenance(store, f"aws_s3_bucket.{name}", f'module.data["{k}"].module.store', True))
        for k in ("images", "video") for name in ("this", "fixed", "prefixed")}
    assert [(e.path, e.by, e.module) for e in live.embedded] == [
        ("modules/data", 'module.data["images"]', True),
        (store, 'module.data["images"].module.store', True),
        ("modules/data", 'module.data["video"]', True),
        (store, 'module.data["video"].module.store', True)]
    own = _unit_facts(root, store)
    assert [(b.address, b.provenance) for b in own.buckets] == [
        ("aws_s3_bucket.this", Provenance(store, "aws_s3_bucket.this", "", True, store)),
        ("aws_s3_bucket.fixed", Provenance(store, "aws_s3_bucket.fixed", "", True, "")),
        ("aws_s3_bucket.prefixed", Provenance(store, "aws_s3_bucket.prefixed", "", True, ""))]


def test_each_bucket_is_reported_by_one_unit() -> None:
    """A library folder read on its own keeps only what does not depend on its inputs (also
    through its own children); its callers report the rest, as Terraform addresses it."""
    root = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "modules"
    units = ["live", "modules/data", "modules/store"]
    kept = owned([(u, _unit_facts(root, u)) for u in units])
    assert _buckets(kept)[:2] == [
        ('live#module.data["images"].module.store.aws_s3_bucket.this',
         'module.data["images"].module.store.aws_s3_bucket.this', "acme-images-store"),
        ('live#module.data["video"].module.store.aws_s3_bucket.this',
         'module.data["video"].module.store.aws_s3_bucket.this', "acme-video-store"),
    ]
    store = _buckets(kept)[2:]
    assert store[0] == ("modules/store#aws_s3_bucket.fixed", "aws_s3_bucket.fixed",
                        "acme-fixed-in-module")
    assert store[1][:2] == ("modules/store#aws_s3_bucket.prefixed", "aws_s3_bucket.prefixed")
    assert isinstance(store[1][2], Unknown) and "bucket_prefix" in store[1][2].reason
    assert len(store) == 2


def test_integer_mantissa_exponents_parse(tmp_path: Path) -> None:
    """tree-sitter-hcl 1.2 rejects ``1e3``; HCL accepts it (worked around, columns kept)."""
    from policylint.readers.terraform.parse import parse_hcl

    fs = parse_hcl("m.tf", 'x = [1e3, "é", 105e-1] // policylint\ny = 2E+1\n'.encode())
    assert fs.errors == []
    assert (fs.attrs["x"].loc.end_line, fs.attrs["x"].loc.end_column) == (1, 23)
    assert [c.loc.column for c in fs.comments] == [24]
    assert local(tmp_path, "[1e3, 105e-1, 2E+1]") == [1000.0, 10.5, 20.0]
