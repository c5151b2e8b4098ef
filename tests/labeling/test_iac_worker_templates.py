"""Issue 15 item 15: worker templates inside IaC are read like template files: CloudFormation
``AWS::SageMaker::HumanTaskUi`` ``UiTemplate.Content`` and Terraform
``aws_sagemaker_human_task_ui`` ``ui_template { content = ... }`` (heredoc, ``file()``,
``templatefile()``), at the URI's own position where the content is literal."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import json_findings, write_tree

# no CORS anywhere for acme-media: its use by a worker template is PL102 (unverified bucket)
URI = "s3://acme-media/cat.jpg"
HTML = f'''<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-image-classifier src="{URI}" categories="['cat']" name="c"></crowd-image-classifier>
</crowd-form>
'''


def _line_col(text: str, needle: str) -> tuple[int, int]:
    before = text[:text.index(needle)]
    return before.count("\n") + 1, len(before) - before.rfind("\n")


CFN_YAML = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Ui:
    Type: AWS::SageMaker::HumanTaskUi
    Properties:
      UiTemplate:
        Content: |
""" + "".join(f"          {line}\n" for line in HTML.splitlines())


def test_cloudformation_yaml_block(repo: Path) -> None:
    write_tree(repo, {"stack.yaml": CFN_YAML})
    assert json_findings(["."], repo) == [("PL102", "stack.yaml", *_line_col(CFN_YAML, URI))]


def test_cloudformation_json_content_is_at_the_value(repo: Path) -> None:
    text = json.dumps({"Resources": {"Ui": {"Type": "AWS::SageMaker::HumanTaskUi",
                                            "Properties": {"UiTemplate": {"Content": HTML}}}}},
                      indent=2) + "\n"
    write_tree(repo, {"stack.json": text})
    assert json_findings(["."], repo) == [("PL102", "stack.json",
                                           *_line_col(text, '"<script'))]


def test_cloudformation_content_without_labeling_markup_is_nothing(repo: Path) -> None:
    text = CFN_YAML.replace("crowd-", "my-").replace("crowd-html-elements", "x")
    write_tree(repo, {"stack.yaml": text})
    assert json_findings(["."], repo) == []


TF_HEREDOC = """resource "aws_sagemaker_human_task_ui" "ui" {
  human_task_ui_name = "ui"
  ui_template {
    content = <<EOF
""" + HTML + """EOF
  }
}
"""


def test_terraform_heredoc(repo: Path) -> None:
    write_tree(repo, {"main.tf": TF_HEREDOC})
    assert json_findings(["."], repo) == [("PL102", "main.tf", *_line_col(TF_HEREDOC, URI))]


def test_terraform_indented_heredoc(repo: Path) -> None:
    body = "".join(f"      {line}\n" for line in HTML.splitlines())
    text = TF_HEREDOC.replace("<<EOF\n" + HTML + "EOF", "<<-EOF\n" + body + "    EOF")
    write_tree(repo, {"main.tf": text})
    assert json_findings(["."], repo) == [("PL102", "main.tf", *_line_col(text, URI))]


def test_terraform_file(repo: Path) -> None:
    text = TF_HEREDOC.replace("<<EOF\n" + HTML + "EOF",
                              'file("${path.module}/ui/worker.liquid.txt")')
    write_tree(repo, {"main.tf": text, "ui/worker.liquid.txt": HTML})
    assert json_findings(["."], repo) == [("PL102", "ui/worker.liquid.txt",
                                           *_line_col(HTML, URI))]


def test_terraform_templatefile_with_variables(repo: Path) -> None:
    tpl = HTML.replace("s3://acme-media/", "s3://${bucket}/")
    text = TF_HEREDOC.replace(
        "<<EOF\n" + HTML + "EOF",
        'templatefile("${path.module}/ui.tftpl", { bucket = "acme-media" })')
    write_tree(repo, {"main.tf": text, "ui.tftpl": tpl})
    assert json_findings(["."], repo) == [("PL102", "ui.tftpl", *_line_col(tpl, "s3://"))]


def test_terraform_quoted_string_is_at_the_value(repo: Path) -> None:
    text = TF_HEREDOC.replace("<<EOF\n" + HTML + "EOF", json.dumps(HTML))
    write_tree(repo, {"main.tf": text})
    assert json_findings(["."], repo) == [("PL102", "main.tf", *_line_col(text, '"<script'))]
