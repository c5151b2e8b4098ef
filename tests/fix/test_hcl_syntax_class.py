"""--fix edits what the reader accepts: the fixer works on the reader's own parse and block spans
(issue 12 item 3), so valid HCL that a naive parser would refuse or misread is fixed, exactly,
and re-linting the result finds nothing left. ``terraform fmt -check`` agrees where installed."""
from __future__ import annotations

import inspect
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import write_tree
from fix_support import findings, run

from policylint.fix import terraform as fix_terraform
from policylint.readers.terraform import parse as tf_parse

TERRAFORM = shutil.which("terraform")
TAGS = '  tags   = { "policylint:labeling-input" = "true" }\n'
BUCKET = 'resource "aws_s3_bucket" "images" {\n  bucket = "acme-images"\n' + TAGS + "}\n"
CONFIG = """
resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id

  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
}
"""
GET_BLOCK = """
  cors_rule {
    allowed_methods = ["GET"]
    allowed_origins = ["*"]
  }
"""

# PL100 cases: the bucket block is the file's last, so the fix appends CONFIG after it
APPEND = {
    "exponent numbers": "locals {\n  sizes = [1e3, 105e+2, 2E-1]\n}\n\n" + BUCKET,
    "heredocs": """\
locals {
  note = <<-EOT
    resource "aws_s3_bucket_cors_configuration" "images" {
      }
  EOT
  raw  = <<EOT
}}} ${"interpolated"} $${escaped}
EOT
}

""" + BUCKET,
    "template directives": """\
variable "names" {
  default = ["a", "b"]
}

locals {
  greeting = "%{if length(var.names) > 1}many%{else}one%{endif}"
  list     = <<-EOT
    %{~for n in var.names~}
    ${n}}
    %{~endfor~}
  EOT
}

""" + BUCKET,
    "unicode identifiers and text": """\
locals {
  café  = "données"
  Ωmega = "ünïcödé — ✓"
}

resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true", équipe = local.café }
}
""",
    # comments that look like a configuration of this bucket, or hold braces, are no code
    "comments of every kind": """\
# resource "aws_s3_bucket_cors_configuration" "images" {
// a line comment with a brace }
/* a block comment
   resource "aws_s3_bucket_cors_configuration" "images" {
   bucket = aws_s3_bucket.images.id
}
*/
resource "aws_s3_bucket" "images" { # trailing } comment
  bucket = "acme-images" /* inline */
  tags   = { "policylint:labeling-input" = "true" } // end
  # bucket = aws_s3_bucket.images.id
} # after the block
""",
}
APPEND_LINE = {"exponent numbers": 5, "heredocs": 11, "template directives": 14,
               "unicode identifiers and text": 6, "comments of every kind": 8}

EXTEND_RULES = """\
resource "aws_s3_bucket" "images" {
  bucket = "acme-images"
  tags   = { "policylint:labeling-input" = "true", note = "données ✓" }
}

resource "aws_s3_bucket_cors_configuration" "images" {
  bucket = aws_s3_bucket.images.id
  cors_rule {                 # règle ✓
    allowed_methods = ["PUT"] # ✓✓✓
    allowed_origins = ["*"]
  }

  dynamic "cors_rule" {
    for_each = []
    content {
      allowed_methods = ["POST"]
      allowed_origins = ["https://example.com"]
    }
  }
}
"""
MODULE_RULES = """\
module "images" {
  source    = "terraform-aws-modules/s3-bucket/aws"
  bucket    = "acme-images"
  tags      = { "policylint:labeling-input" = "true", size = 1e3 }
  cors_rule = [{ id = "règle-✓", allowed_methods = ["PUT"], allowed_origins = ["*"], max_age_seconds = 3e3 }]
}
"""
TF_JSON = """\
{
  "locals": {"sizes": [1e3, 105e+2]},
  "resource": {
    "aws_s3_bucket": {
      "images": {
        "bucket": "acme-images",
        "tags": {"policylint:labeling-input": "true"}
      }
    }
  }
}
"""
TF_JSON_FIXED = """\
{
  "locals": {"sizes": [1e3, 105e+2]},
  "resource": {
    "aws_s3_bucket": {
      "images": {
        "bucket": "acme-images",
        "tags": {"policylint:labeling-input": "true"}
      }
    },
    "aws_s3_bucket_cors_configuration": {
      "images": {
        "bucket": "${aws_s3_bucket.images.id}",
        "cors_rule": [
          {
            "allowed_methods": ["GET"],
            "allowed_origins": ["*"]
          }
        ]
      }
    }
  }
}
"""

# name: (file, its text, the finding (rule, line), the fixed text)
CASES: dict[str, tuple[str, str, tuple[str, int], str]] = {
    **{name: ("main.tf", text, ("PL100", APPEND_LINE[name]), text + CONFIG)
       for name, text in APPEND.items()},
    "CRLF line breaks": ("main.tf", BUCKET.replace("\n", "\r\n"), ("PL100", 1),
                         (BUCKET + CONFIG).replace("\n", "\r\n")),
    "nested and dynamic blocks, unicode comments": (
        "main.tf", EXTEND_RULES, ("PL101", 6),
        EXTEND_RULES.replace("    allowed_origins = [\"*\"]\n  }\n",
                             "    allowed_origins = [\"*\"]\n  }\n" + GET_BLOCK, 1)),
    "module input after exponents and unicode on the line": (
        "main.tf", MODULE_RULES, ("PL101", 5),
        MODULE_RULES.replace("max_age_seconds = 3e3 }]",
                             "max_age_seconds = 3e3 }, "
                             '{ allowed_methods = ["GET"], allowed_origins = ["*"] }]')),
    "tf.json keeps its own JSON path": ("main.tf.json", TF_JSON, ("PL100", 5), TF_JSON_FIXED),
}


def _fmt_ok(folder: Path) -> bool:
    assert TERRAFORM is not None
    got = subprocess.run([TERRAFORM, "fmt", "-check", "-recursive", str(folder)],
                         capture_output=True, text=True, check=False)
    return got.returncode == 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_on_valid_hcl_is_exact_and_fixes_the_finding(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fname, text, (rule, line), fixed = CASES[name]
    work = write_tree(tmp_path / "w", {".git/HEAD": "", fname: text.encode()})
    assert findings(work, capsys, monkeypatch) == [(rule, fname, line)]
    checked = TERRAFORM is not None and not fname.endswith(".json")
    if checked:
        assert _fmt_ok(work), "the input itself is terraform fmt clean"
    rc, out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert "not fixed" not in out
    assert (work / fname).read_bytes() == fixed.encode()
    assert rc == 0
    assert findings(work, capsys, monkeypatch) == []
    if checked:
        assert _fmt_ok(work)


def test_the_fixer_uses_the_readers_parse_of_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The file's original bytes are parsed once in a --fix run: the fixer takes the reader's
    parse from the per-run memo instead of parsing again (and has no parser of its own)."""
    assert "tree_sitter" not in inspect.getsource(fix_terraform)
    text = f"# {tmp_path.name}\n" + APPEND["exponent numbers"]  # bytes no test parsed before
    work = write_tree(tmp_path / "w", {".git/HEAD": "", "main.tf": text})
    parsed: list[bytes] = []
    real = tf_parse.parse_hcl

    def counting(path: str, data: bytes, *args: Any) -> Any:
        parsed.append(data)
        return real(path, data, *args)

    monkeypatch.setattr("policylint.readers.terraform.module.parse_hcl", counting)
    rc, _out, _err = run(["--fix", "."], work, capsys, monkeypatch)
    assert rc == 0 and (work / "main.tf").read_text() == text + CONFIG
    assert parsed.count(text.encode()) == 1
