"""Fixes in CloudFormation/SAM templates, YAML or JSON, in the template's own style.

YAML is composed (not constructed) with PyYAML, which keeps every node's exact character span
and style, so a new ``CorsConfiguration`` or rule is written with the file's indentation, sequence
indentation, quoting, flow/block style and key order. JSON goes through ``jsonedit``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from policylint import jsonpos, snippets
from policylint.fix import jsonedit
from policylint.fix.source import Edit, SourceFile
from policylint.model import Bucket, CorsConfig, Format
from policylint.positioned import PDict, PList

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")


def logical_id(bucket_address: str) -> str:
    return bucket_address.rsplit("#", 1)[-1]


def rule_fields(n: snippets.Needed) -> dict[str, Any]:
    return dict(snippets.cfn_rule_fields(n))


# --- dispatch ---------------------------------------------------------------------------------

def add_configuration(src: SourceFile, bucket: Bucket, n: snippets.Needed) -> list[Edit] | str:
    if bucket.format is Format.CLOUDFORMATION_JSON:
        return _json_add_configuration(src, logical_id(bucket.address), n)
    return _yaml_add_configuration(src, logical_id(bucket.address), n)


def add_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
             before: int | None) -> list[Edit] | str:
    if config.format is Format.CLOUDFORMATION_JSON:
        return _json_add_rule(src, config, n, before)
    return _yaml_add_rule(src, config, n, before)


# --- JSON -------------------------------------------------------------------------------------

def _json_resource(src: SourceFile, lid: str) -> PDict | str:
    try:
        doc = jsonpos.loads(src.text)
    except jsonpos.JSONPosError as exc:
        return f"{src.path} does not parse as JSON ({exc.message})"
    res = doc.get("Resources") if isinstance(doc, PDict) else None
    node = res.get(lid) if isinstance(res, PDict) else None
    if not isinstance(node, PDict):
        return f"resource {lid} not found in {src.path}"
    return node


def _json_add_configuration(src: SourceFile, lid: str, n: snippets.Needed) -> list[Edit] | str:
    res = _json_resource(src, lid)
    if isinstance(res, str):
        return res
    config = {"CorsRules": [rule_fields(n)]}
    props = res.get("Properties")
    if props is None:
        return [jsonedit.insert_key(src, res, "Properties", {"CorsConfiguration": config})]
    if not isinstance(props, PDict):
        return f"Properties of {lid} is not an object"
    return [jsonedit.insert_key(src, props, "CorsConfiguration", config)]


def _json_add_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
                   before: int | None) -> list[Edit] | str:
    try:
        doc = jsonpos.loads(src.text)
    except jsonpos.JSONPosError as exc:
        return f"{src.path} does not parse as JSON ({exc.message})"
    lists = list(_json_rule_lists(doc))
    best = _closest([(lst.pos.line, lst.pos.end_line, lst) for lst in lists], config)
    if best is None:
        return f"no CorsRules list found for the configuration at {config.location}"
    return [jsonedit.insert_item(src, best, rule_fields(n), before)]


def _json_rule_lists(node: Any) -> Any:
    if isinstance(node, PDict):
        for k, v in node.items():
            if k == "CorsRules" and isinstance(v, PList):
                yield v
            else:
                yield from _json_rule_lists(v)
    elif isinstance(node, PList):
        for v in node:
            yield from _json_rule_lists(v)


def _closest(spans: list[tuple[int, int, Any]], config: CorsConfig) -> Any:
    """The rule list holding the configuration's first rule (under Fn::If the alternatives share
    one location, their rules do not); else the one inside its span, else the nearest one."""
    first = config.rules[0].location if isinstance(config.rules, tuple) and config.rules \
        else None
    if first is not None:
        holding = [s for s in spans if s[0] <= first.line <= s[1]]
        if holding:
            return min(holding, key=lambda s: s[1] - s[0])[2]
    loc = config.location
    inside = [s for s in spans if s[0] <= loc.end_line and s[1] >= loc.line]
    pool = inside or spans
    if not pool:
        return None
    return min(pool, key=lambda s: (abs(s[0] - loc.line), s[1] - s[0]))[2]


# --- YAML -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class YStyle:
    step: int  # mapping indentation
    seq_offset: int  # dash column minus parent key column (0: "key:\n- item")
    flow_lists: bool  # scalar lists written [a, b]
    quote: str  # '"' or "'"
    quote_all: bool  # quote every string (as the existing rules do)


def _compose(src: SourceFile) -> Any:
    import yaml

    try:
        return yaml.compose(src.text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return f"{src.path} does not parse as YAML ({str(exc).splitlines()[0]})"


def _get(node: Any, key: str) -> tuple[Any, Any] | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _yaml_resource(src: SourceFile, lid: str) -> tuple[Any, Any] | str:
    root = _compose(src)
    if isinstance(root, str):
        return root
    res = _get(root, "Resources")
    got = _get(res[1], lid) if res else None
    if got is None:
        return f"resource {lid} not found in {src.path}"
    return root, got[1]


def _style(src: SourceFile, root: Any, model: Any = None) -> YStyle:
    """The file's habits: indentation step, sequence indentation, list style, quoting."""
    import yaml

    steps: list[int] = []
    seq_offsets: list[int] = []
    flow: list[bool] = []
    quotes: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode) and not node.flow_style:
            for k, v in node.value:
                if isinstance(v, yaml.MappingNode) and not v.flow_style and v.value:
                    steps.append(v.value[0][0].start_mark.column - k.start_mark.column)
                if isinstance(v, yaml.SequenceNode) and not v.flow_style and v.value:
                    seq_offsets.append(_dash_col(src, v.value[0]) - k.start_mark.column)
            stack += [x for kv in node.value for x in kv]
        elif isinstance(node, yaml.MappingNode):
            stack += [x for kv in node.value for x in kv]
        elif isinstance(node, yaml.SequenceNode):
            if node.value and all(isinstance(x, yaml.ScalarNode) for x in node.value):
                flow.append(bool(node.flow_style))
            stack += node.value
        elif isinstance(node, yaml.ScalarNode) and node.style in ('"', "'"):
            quotes.append(node.style)
    step = _most(steps, 2) if _most(steps, 2) > 0 else 2
    quote = '"' if quotes.count('"') >= quotes.count("'") else "'"
    quote_all = False
    flow_lists = _most(flow, True)
    if model is not None:
        methods = _get(model, "AllowedMethods")
        if methods and isinstance(methods[1], yaml.SequenceNode) and methods[1].value:
            first = methods[1].value[0]
            quote_all = getattr(first, "style", None) in ('"', "'")
            quote = first.style if quote_all else quote
            flow_lists = bool(methods[1].flow_style)
    return YStyle(step, _most(seq_offsets, step), flow_lists, quote, quote_all)


def _most(values: list[Any], default: Any) -> Any:
    return max(set(values), key=values.count) if values else default


def _dash_offset(src: SourceFile, item: Any) -> int | None:
    """Offset of the ``-`` that introduces a block sequence item (it may stand alone on the
    line above the item's content)."""
    i = item.start_mark.index - 1
    while i >= 0 and src.text[i] in " \t\r\n":
        i -= 1
    return i if i >= 0 and src.text[i] == "-" else None


def _dash_col(src: SourceFile, item: Any) -> int:
    """Column of the ``-`` that introduces a block sequence item."""
    i = _dash_offset(src, item)
    if i is not None:
        return i - src.line_start(i)
    return max(item.start_mark.column - 2, 0)


def _scalar(v: Any, st: YStyle) -> str:
    if not isinstance(v, str):
        return str(v)
    if st.quote_all or not _PLAIN.match(v):
        return f"{st.quote}{v}{st.quote}" if st.quote == '"' else "'" + v.replace("'", "''") + "'"
    return v


def _flow(v: Any, st: YStyle) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x, st) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_flow(x, st)}" for k, x in v.items()) + "}"
    return _scalar(v, st)


def _block(value: dict[str, Any], col: int, st: YStyle) -> list[str]:
    """``value`` as block mapping lines at column ``col`` (without line breaks)."""
    out: list[str] = []
    pad = " " * col
    for k, v in value.items():
        if isinstance(v, dict):
            out.append(f"{pad}{k}:")
            out += _block(v, col + st.step, st)
        elif isinstance(v, list) and v and (isinstance(v[0], dict) or not st.flow_lists):
            out.append(f"{pad}{k}:")
            out += _seq(v, col + st.seq_offset, st)
        else:
            out.append(f"{pad}{k}: {_flow(v, st)}")
    return out


def _seq(items: list[Any], dash: int, st: YStyle, content: int | None = None) -> list[str]:
    content = dash + 2 if content is None else content
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            lines = _block(item, content, st)
            first = " " * dash + "-" + " " * (content - dash - 1) + lines[0][content:]
            out += [first] + lines[1:]
        else:
            out.append(" " * dash + "- " + _scalar(item, st))
    return out


def _after(src: SourceFile, node: Any) -> int:
    """Where text goes after a node: the start of the line after its last character."""
    i = node.end_mark.index
    while True:
        while i > 0 and src.text[i - 1] in " \t\r\n":
            i -= 1
        start = src.line_start(i)
        if i > node.start_mark.index and src.text[start:i].lstrip().startswith("#"):
            i = start  # a comment line after the node belongs to what follows
            continue
        break
    return src.line_end(i - 1) if i > 0 else 0


def _lines(src: SourceFile, at: int, lines: list[str]) -> Edit:
    text = "\n".join(lines) + "\n"
    if at > 0 and not src.text[:at].endswith("\n"):
        text = "\n" + text
    return Edit(at, at, text)


def _yaml_add_configuration(src: SourceFile, lid: str, n: snippets.Needed) -> list[Edit] | str:
    import yaml

    got = _yaml_resource(src, lid)
    if isinstance(got, str):
        return got
    root, res = got
    if not isinstance(res, yaml.MappingNode) or not res.value:
        return f"resource {lid} is not a mapping"
    st = _style(src, root)
    config = {"CorsRules": [rule_fields(n)]}
    props = _get(res, "Properties")
    if props is None:
        if res.flow_style:
            return f"resource {lid} is a flow mapping: add Properties by hand"
        col = res.value[0][0].start_mark.column
        lines = _block({"Properties": {"CorsConfiguration": config}}, col, st)
        return [_lines(src, _after(src, res.value[-1][1]), lines)]
    pv = props[1]
    if not isinstance(pv, yaml.MappingNode):
        return f"Properties of {lid} is not a mapping"
    if pv.flow_style or not pv.value:
        close = pv.end_mark.index - 1
        if src.text[close:close + 1] != "}":
            return f"Properties of {lid} has an unexpected layout"
        sep = ", " if pv.value else ""
        return [Edit(close, close, f"{sep}CorsConfiguration: {_flow(config, st)}")]
    col = pv.value[0][0].start_mark.column
    lines = _block({"CorsConfiguration": config}, col, st)
    return [_lines(src, _after(src, pv.value[-1][1]), lines)]


def _yaml_rule_lists(node: Any) -> Any:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == "CorsRules" and \
                    isinstance(v, yaml.SequenceNode):
                yield v
            else:
                yield from _yaml_rule_lists(v)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _yaml_rule_lists(v)


def _yaml_add_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
                   before: int | None) -> list[Edit] | str:
    import yaml

    root = _compose(src)
    if isinstance(root, str):
        return root
    spans = [(s.start_mark.line + 1, s.end_mark.line + 1, s) for s in _yaml_rule_lists(root)]
    seq = _closest(spans, config)
    if seq is None:
        return f"no CorsRules list found for the configuration at {config.location}"
    model = seq.value[min(before, len(seq.value) - 1) if before is not None else -1] \
        if seq.value else None
    st = _style(src, root, model)
    fields = rule_fields(n)
    if isinstance(model, yaml.MappingNode):
        order = [k.value for k, _ in model.value if isinstance(k, yaml.ScalarNode)]
        fields = jsonedit.ordered_like(fields, {k: None for k in order})
    if seq.flow_style or not seq.value:
        return [_flow_insert(src, seq, fields, st, before)]
    if not isinstance(model, yaml.MappingNode) or model.flow_style:
        dash = _dash_col(src, seq.value[-1])
        lines = [" " * dash + "- " + _flow(fields, st)]
    else:
        dash = _dash_col(src, model)
        lines = _seq([fields], dash, st, model.start_mark.column)
    if before is not None and before < len(seq.value):
        item = seq.value[before]
        offset = _dash_offset(src, item)
        return [_lines(src, src.line_start(item.start_mark.index if offset is None else offset),
                       lines)]
    return [_lines(src, _after(src, seq.value[-1]), lines)]


def _flow_insert(src: SourceFile, seq: Any, fields: dict[str, Any], st: YStyle,
                 before: int | None) -> Edit:
    rendered = _flow(fields, st)
    if before is not None and before < len(seq.value):
        at = seq.value[before].start_mark.index
        return Edit(at, at, rendered + ", ")
    close = seq.end_mark.index - 1
    while close > 0 and src.text[close] != "]":
        close -= 1
    sep = ", " if seq.value else ""
    return Edit(close, close, sep + rendered)
