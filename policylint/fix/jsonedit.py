"""Text edits in JSON documents that keep the document's own layout.

A new value is written the way its neighbours are: on its own line with their indentation when
they are on their own lines, inline otherwise; keys in the order the previous sibling uses.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from policylint.fix.source import Edit, SourceFile
from policylint.positioned import PDict, PList, Pos


@dataclass(frozen=True)
class Style:
    step: str | None  # indentation unit for multi-line output; None: compact on one line
    sep: str  # ": " or ":"

    @property
    def comma(self) -> str:
        return ", " if self.sep == ": " else ","


def style_of(src: SourceFile) -> Style:
    """The document's indentation unit and key separator."""
    step: str | None = None
    for line in src.text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and line != stripped:
            step = line[:len(line) - len(stripped)]
            break
    sep = ":" if ('":' in src.text and '": ' not in src.text) else ": "
    return Style(step, sep)


def dump(value: Any, indent: str, style: Style) -> str:
    """``value`` as JSON; objects and lists of objects on several lines when the style has a
    step, everything else inline."""
    inline = Style(None, style.sep)
    if isinstance(value, dict):
        pairs = [f"{json.dumps(k)}{style.sep}" for k in value]
        if style.step is None or not value:
            return "{" + style.comma.join(k + dump(v, indent, inline)
                                          for k, v in zip(pairs, value.values())) + "}"
        inner = indent + style.step
        items = [inner + k + dump(v, inner, style) for k, v in zip(pairs, value.values())]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if style.step is None or not any(isinstance(v, (dict, list)) for v in value):
            return "[" + style.comma.join(dump(v, indent, inline) for v in value) + "]"
        inner = indent + style.step
        items = [inner + dump(v, inner, style) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value)


def ordered_like(fields: dict[str, Any], model: Any) -> dict[str, Any]:
    """``fields`` in their own order, except that the keys the model object also has follow the
    model's order among themselves (the file's habit wins where it has one)."""
    if not isinstance(model, dict):
        return fields
    keys = list(fields)
    shared = [k for k in model if k in fields]
    slots = iter(shared)
    ordered = [next(slots) if k in model else k for k in keys]
    return {k: fields[k] for k in ordered}


def span(src: SourceFile, pos: Pos) -> tuple[int, int]:
    return src.offset(pos.line, pos.column), src.offset(pos.end_line, pos.end_column)


def insert_item(src: SourceFile, lst: PList, value: Any, index: int | None = None) -> Edit:
    """Insert ``value`` into the list (at ``index``, or at the end), laid out like its items."""
    start, end = span(src, lst.pos)
    style = style_of(src)
    if not lst:
        inner_indent = src.indent_at(start)
        if style.step is not None and isinstance(value, dict) and src.text.count("\n", start, end):
            inner = inner_indent + style.step
            return Edit(start + 1, end - 1,
                        f"\n{inner}{dump(value, inner, style)}\n{inner_indent}")
        return Edit(start + 1, end - 1, dump(value, src.indent_at(start), Style(None, style.sep)))
    model_i = (index if index is not None and index < len(lst) else len(lst) - 1)
    ipos = lst.item_pos(model_i)
    i_start, i_end = span(src, ipos)
    own_line = src.text[src.line_start(i_start):i_start].strip() == ""
    multi = src.text.count("\n", i_start, i_end) > 0
    indent = src.indent_at(i_start)
    value = ordered_like(value, lst[model_i]) if isinstance(value, dict) else value
    item_style = style if multi else Style(None, style.sep)
    rendered = dump(value, indent, item_style)
    gap = ",\n" + indent if own_line else style.comma
    if index is not None and index < len(lst):
        return Edit(i_start, i_start, rendered + gap)
    return Edit(i_end, i_end, gap + rendered)


def insert_key(src: SourceFile, obj: PDict, key: str, value: Any) -> Edit:
    """Add ``key: value`` after the object's last member (or into an empty object)."""
    start, end = span(src, obj.pos)
    style = style_of(src)
    if not obj:
        indent = src.indent_at(start)
        inner = indent + (style.step or "")
        rendered = dump(value, inner, style)
        if style.step is None:
            return Edit(start + 1, end - 1, f"{json.dumps(key)}{style.sep}{rendered}")
        return Edit(start + 1, end - 1,
                    f"\n{inner}{json.dumps(key)}{style.sep}{rendered}\n{indent}")
    last = list(obj)[-1]
    k_start, _ = span(src, obj.key_pos(last))
    _, v_end = span(src, obj.value_pos(last))
    own_line = src.text[src.line_start(k_start):k_start].strip() == ""
    indent = src.indent_at(k_start)
    multi = own_line and style.step is not None
    rendered = dump(value, indent, style if multi else Style(None, style.sep))
    gap = ",\n" + indent if own_line else style.comma
    return Edit(v_end, v_end, f"{gap}{json.dumps(key)}{style.sep}{rendered}")
