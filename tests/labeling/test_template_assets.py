"""Issue 15 item 16: only data-bearing URLs in worker templates are labeling input; links,
stylesheets and scripts are assets that need no CORS."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import json_findings, write_tree

HEAD = '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>\n'


@pytest.mark.parametrize("asset", [
    '<a href="https://acme-docs.s3.amazonaws.com/guide.pdf">guide</a>',
    '<link rel="stylesheet" href="https://acme-css.s3.amazonaws.com/x.css">',
    "<script src='s3://acme-js/x.js'></script>",
    '<A HREF="s3://acme-docs/x">x</A>',
])
def test_assets_and_links_are_not_inputs(repo: Path, asset: str) -> None:
    write_tree(repo, {"task.html": HEAD + asset + "\n<crowd-form></crowd-form>\n"})
    assert json_findings(["."], repo) == []


@pytest.mark.parametrize(("data", "column"), [
    ('<img src="https://acme-img.s3.amazonaws.com/a.jpg">', 11),
    ('<video src="s3://acme-img/a.mp4"></video>', 13),
    ('<audio src="s3://acme-img/a.wav"></audio>', 13),
    ('<crowd-bounding-box src="s3://acme-img/a.jpg"></crowd-bounding-box>', 26),
])
def test_data_urls_are_inputs(repo: Path, data: str, column: int) -> None:
    write_tree(repo, {"task.html": HEAD + "<crowd-form>\n" + data + "\n</crowd-form>\n"})
    assert json_findings(["."], repo) == [("PL102", "task.html", 3, column)]
