"""Fixes in S3 CORS documents (JSON and XML): add a rule in the document's own shape."""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from policylint import jsonpos
from policylint.fix.jsonedit import (
    Style,
    dump,
    insert_item,
    ordered_like,
    span,
    style_of,
)
from policylint.fix.source import Edit, SourceFile
from policylint.snippets import Needed, s3_rule
from policylint.positioned import PDict, PList




def json_edits(src: SourceFile, n: Needed, before: int | None = None) -> list[Edit] | str:
    try:
        doc = jsonpos.loads(src.text)
    except jsonpos.JSONPosError as exc:
        return f"{src.path} does not parse as JSON ({exc.message})"
    if isinstance(doc, PDict) and isinstance(doc.get("CORSRules"), PList):
        return [insert_item(src, doc["CORSRules"], s3_rule(n), before)]
    if isinstance(doc, PList):
        return [insert_item(src, doc, s3_rule(n), before)]
    if isinstance(doc, PDict) and "CORSRules" not in doc:
        return _single_rule_to_list(src, doc, n, before)
    return f"{src.path} is not a CORS document --fix can edit"


def _single_rule_to_list(src: SourceFile, doc: PDict, n: Needed,
                         before: int | None) -> list[Edit]:
    """A console-style single rule object becomes a list of two rules."""
    start, end = span(src, doc.pos)
    style = style_of(src)
    indent = src.indent_at(start)
    multi = src.text.count("\n", start, end) > 0
    rule = ordered_like(s3_rule(n), doc)
    rendered = dump(rule, indent, style if multi else Style(None, style.sep))
    gap = ",\n" + indent if multi else ", "
    if before == 0:
        return [Edit(start, start, "[" + rendered + gap), Edit(end, end, "]")]
    return [Edit(start, start, "["), Edit(end, end, gap + rendered + "]")]


def xml_rule(n: Needed, prefix: str) -> list[str]:
    """The rule's child elements, one per line."""
    def el(tag: str, value: object) -> str:
        return f"<{prefix}{tag}>{escape(str(value))}</{prefix}{tag}>"

    out = [el("AllowedHeader", h) for h in n.allowed_headers]
    out += [el("AllowedMethod", m) for m in n.methods]
    out += [el("AllowedOrigin", o) for o in n.origins]
    out += [el("ExposeHeader", h) for h in n.expose_headers]
    if n.max_age is not None:
        out.append(el("MaxAgeSeconds", n.max_age))
    return out


def xml_edits(src: SourceFile, n: Needed, before: int | None = None) -> list[Edit] | str:
    text = src.text
    closes = list(re.finditer(r"</([A-Za-z_][\w.-]*:)?CORSConfiguration\s*>", text))
    if not closes:
        return f"{src.path} has no </CORSConfiguration> to add a rule to"
    close = closes[-1]
    prefix = close.group(1) or ""
    opens = list(re.finditer(rf"<{re.escape(prefix)}CORSRule(?=[\s>])", text))
    ends = list(re.finditer(rf"</{re.escape(prefix)}CORSRule\s*>", text))
    children = xml_rule(n, prefix)
    if not opens or not ends:
        return [_first_rule(src, close.start(), children, prefix)]
    model = min(before, len(opens) - 1) if before is not None else len(opens) - 1
    o_start = opens[model].start()
    o_end = next((e.end() for e in ends if e.start() > o_start), ends[-1].end())
    indent = src.indent_at(o_start)
    own_line = text[src.line_start(o_start):o_start].strip() == ""
    multi = text.count("\n", o_start, o_end) > 0
    step = _child_step(src, o_start, indent) if multi else ""
    rendered = _render_rule(children, prefix, indent, step, multi)
    gap = "\n" + indent if own_line else ""
    if before is not None and before < len(opens):
        return [Edit(o_start, o_start, rendered + gap)]
    last_end = ends[-1].end()
    return [Edit(last_end, last_end, gap + rendered)]


def _child_step(src: SourceFile, rule_start: int, indent: str) -> str:
    nxt = src.line_end(rule_start)
    child_indent = src.indent_at(nxt) if nxt < len(src.text) else indent + "  "
    return child_indent[len(indent):] if len(child_indent) > len(indent) else "  "


def _render_rule(children: list[str], prefix: str, indent: str, step: str, multi: bool) -> str:
    if not multi:
        return f"<{prefix}CORSRule>" + "".join(children) + f"</{prefix}CORSRule>"
    body = "".join(f"\n{indent}{step}{c}" for c in children)
    return f"<{prefix}CORSRule>{body}\n{indent}</{prefix}CORSRule>"


def _first_rule(src: SourceFile, close_start: int, children: list[str], prefix: str) -> Edit:
    """The document's first rule, just before </CORSConfiguration>."""
    own_line = src.text[src.line_start(close_start):close_start].strip() == ""
    if not own_line:
        return Edit(close_start, close_start, _render_rule(children, prefix, "", "", False))
    root_indent = src.indent_at(close_start)
    indent = root_indent + "  "
    rendered = _render_rule(children, prefix, indent, "  ", True)
    at = src.line_start(close_start)
    return Edit(at, at, indent + rendered + "\n")
