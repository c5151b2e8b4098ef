"""Fixes in Terraform (HCL native syntax), laid out the way ``terraform fmt`` writes them.

PL100: a new ``aws_s3_bucket_cors_configuration`` right after the bucket's resource block (in the
module that defines the bucket, so a bucket made by a local module is fixed in the module).
PL101/PL103/PL104: a new ``cors_rule`` block in the existing configuration resource or legacy
inline ``aws_s3_bucket`` block.

Blocks are found with tree-sitter on the file's own bytes, so positions never depend on what the
reader chose to record.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from policylint import snippets
from policylint.fix.source import Edit, SourceFile
from policylint.model import Bucket, CorsConfig

CONFIG_TYPE = "aws_s3_bucket_cors_configuration"


@dataclass
class HBlock:
    type: str
    labels: list[str]
    start: int  # character offsets in the file's text
    end: int
    close: int  # offset of the closing brace
    line: int
    attrs: set[str] = field(default_factory=set)
    children: list[HBlock] = field(default_factory=list)


_PARSER: list[Any] = []


def _parser() -> Any:
    """tree-sitter's HCL parser, built on first use (never at import: fast one-file runs)."""
    if not _PARSER:
        import tree_sitter
        import tree_sitter_hcl

        _PARSER.append(tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language())))
    return _PARSER[0]


def _parse(src: SourceFile) -> list[HBlock] | str:
    data = src.text.encode("utf-8")
    root = _parser().parse(data).root_node
    if root.has_error:
        return f"{src.path} has HCL syntax errors: --fix leaves it alone"
    chars = _CharMap(data)
    out: list[HBlock] = []
    for node in root.children:
        if node.type == "body":
            out += _blocks(node, chars)
    return out


class _CharMap:
    """Byte offsets in UTF-8 → character offsets."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.ascii = data.isascii()

    def __call__(self, offset: int) -> int:
        return offset if self.ascii else len(self.data[:offset].decode("utf-8", "replace"))


def _blocks(body: Any, chars: _CharMap) -> list[HBlock]:
    out = []
    for node in body.children:
        if node.type != "block":
            continue
        type_ = None
        labels: list[str] = []
        close = node.end_byte - 1
        attrs: set[str] = set()
        children: list[HBlock] = []
        for c in node.children:
            text = c.text.decode("utf-8", "replace")
            if c.type == "identifier" and type_ is None:
                type_ = text
            elif c.type in ("string_lit", "identifier"):
                labels.append(text.strip('"'))
            elif c.type == "body":
                children = _blocks(c, chars)
                attrs = {a.children[0].text.decode() for a in c.children
                         if a.type == "attribute" and a.children}
            elif c.type == "block_end":
                close = c.start_byte
        if type_ is not None:
            out.append(HBlock(type_, labels, chars(node.start_byte), chars(node.end_byte),
                              chars(close), node.start_point[0] + 1, attrs, children))
    return out


def _find_at_line(blocks: list[HBlock], line: int, kinds: tuple[str, ...]) -> HBlock | None:
    for b in blocks:
        if b.type == "resource" and b.labels[:1] and b.labels[0] in kinds and b.line == line:
            return b
    return None


def _containing(src: SourceFile, blocks: list[HBlock], line: int) -> HBlock | None:
    starts = src.line_starts
    off = starts[min(line, len(starts)) - 1]
    for b in blocks:
        if b.start <= off + len(src.text[off:src.line_end(off)]) and off < b.end:
            return b
    return None


def add_configuration(src: SourceFile, bucket: Bucket, n: snippets.Needed) -> list[Edit] | str:
    blocks = _parse(src)
    if isinstance(blocks, str):
        return blocks
    block = _find_at_line(blocks, bucket.location.line, ("aws_s3_bucket",))
    if block is None:
        return f"no aws_s3_bucket block at {bucket.location}"
    addr = snippets.address_in_module(bucket.address)
    keyed = "[" in addr
    if not keyed and ({"count", "for_each"} & block.attrs):
        return ("the bucket has count or for_each: add an aws_s3_bucket_cors_configuration with "
                "the same count/for_each by hand")
    ref = f"{addr}.id"
    index = re.search(r"\[\s*(.*?)\s*\]$", addr) if keyed else None
    existing = _existing_configuration(src, blocks, block, index.group(1) if index else None)
    if existing:
        return existing
    name = _unique_name(src, blocks, _config_name(block, addr))
    text = snippets.hcl_configuration(ref, name, n)
    at = src.line_end(block.end - 1) if block.end > 0 else 0
    lead = "\n" if src.text[:at].endswith("\n") else "\n\n"
    return [Edit(at, at, lead + text)]


def add_module_input(src: SourceFile, bucket: Bucket, n: snippets.Needed) -> list[Edit] | str:
    """PL100 for a bucket made by terraform-aws-modules/s3-bucket: a ``cors_rule`` input in the
    caller's ``module`` block (its own group of lines, so ``terraform fmt`` keeps it as is)."""
    blocks = _parse(src)
    if isinstance(blocks, str):
        return blocks
    block = next((b for b in blocks if b.type == "module" and b.line == bucket.location.line),
                 None)
    if block is None:
        return _add_terragrunt_input(src, bucket, n)
    if "cors_rule" in block.attrs:
        return ("the module block already sets cors_rule, in a way policylint cannot read: "
                "complete it by hand")
    at = src.line_start(block.close)
    if src.text[at:block.close].strip():
        return f"the module block at {bucket.location} closes on a line with other content"
    indent = src.indent_at(block.start) + "  "
    lead = "" if src.text[:at].endswith("{\n") or src.text[:at].endswith("\n\n") else "\n"
    return [Edit(at, at, lead + snippets.hcl_module_cors_input(n, indent))]


def add_module_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
                    before: int | None) -> list[Edit] | str:
    """PL101/PL103/PL104 on a terraform-aws-modules/s3-bucket call: one more object in the
    literal list of its ``cors_rule`` input (before rule ``before``: S3 uses the first match)."""
    data = src.text.encode("utf-8")
    root = _parser().parse(data).root_node
    if root.has_error:
        return f"{src.path} has HCL syntax errors: --fix leaves it alone"
    chars = _CharMap(data)
    items = _cors_input_items(root, config.location.line)
    if isinstance(items, str):
        return items
    tuple_node, elems = items
    one_line = tuple_node.start_point[0] == tuple_node.end_point[0]
    obj = snippets.hcl_rule_object(n, None if one_line else src.indent_at(chars(tuple_node.start_byte)) + "  ")
    if before is not None and before < len(elems):
        at = chars(elems[before].start_byte)
        if one_line:
            return [Edit(at, at, obj + ", ")]
        indent = src.indent_at(at)
        return [Edit(at, at, obj.lstrip(" ") + ",\n" + indent)]
    if not elems:
        close = chars(tuple_node.end_byte) - 1
        return [Edit(close, close, obj if one_line else "\n" + obj + "\n")]
    end = chars(elems[-1].end_byte)
    rest = src.text[end:]
    comma = rest[:len(rest) - len(rest.lstrip())].count("\n") == 0 and rest.lstrip().startswith(",")
    if comma:
        end = src.text.index(",", end) + 1
    lead = "" if comma else ","
    if one_line:
        return [Edit(end, end, lead + " " + obj)]
    return [Edit(end, end, lead + "\n" + obj + ("," if comma else ""))]


def _add_terragrunt_input(src: SourceFile, bucket: Bucket,
                          n: snippets.Needed) -> list[Edit] | str:
    """The same input as a member of a Terragrunt file's ``inputs = {...}`` object."""
    data = src.text.encode("utf-8")
    root = _parser().parse(data).root_node
    if root.has_error:
        return f"{src.path} has HCL syntax errors: --fix leaves it alone"
    obj = None
    for node in root.children[0].children if root.children else []:
        if node.type == "attribute" and node.start_point[0] + 1 == bucket.location.line \
                and node.children and node.children[0].text == b"inputs":
            expr = next((c for c in node.children if c.type == "expression"), None)
            coll = next((c for c in expr.children if c.type == "collection_value"), None) \
                if expr is not None else None
            obj = next((c for c in coll.children if c.type == "object"), None) \
                if coll is not None else None
    if obj is None:
        return f"no module block or Terragrunt inputs object at {bucket.location}"
    if any(_elem_key(e) == "cors_rule" for e in obj.children if e.type == "object_elem"):
        return ("the inputs already set cors_rule, in a way policylint cannot read: complete "
                "it by hand")
    chars = _CharMap(data)
    close = chars(obj.end_byte) - 1
    at = src.line_start(close)
    if src.text[at:close].strip():
        return f"the inputs object at {bucket.location} closes on a line with other content"
    indent = src.indent_at(chars(obj.start_byte)) + "  "
    lead = "" if src.text[:at].endswith("{\n") or src.text[:at].endswith("\n\n") else "\n"
    return [Edit(at, at, lead + snippets.hcl_module_cors_input(n, indent))]


def _elem_key(elem: Any) -> str:
    exprs = [c for c in elem.children if c.type == "expression"]
    return exprs[0].text.decode("utf-8", "replace").strip().strip('"') if exprs else ""


def _cors_input_items(root: Any, line: int) -> tuple[Any, list[Any]] | str:
    """The tuple node of the ``cors_rule = [...]`` attribute on ``line`` and its elements."""
    stack = [root]
    while stack:
        node = stack.pop()
        named = (node.type == "attribute" and node.children
                 and node.children[0].text == b"cors_rule") or (
            node.type == "object_elem" and _elem_key(node) == "cors_rule")
        if named and node.start_point[0] + 1 == line:
            exprs = [c for c in node.children if c.type == "expression"]
            expr = exprs[-1] if exprs else None
            coll = next((c for c in expr.children if c.type == "collection_value"), None) \
                if expr is not None else None
            tup = next((c for c in coll.children if c.type == "tuple"), None) \
                if coll is not None else None
            if tup is None:
                return ("the module's cors_rule input is not a literal list (e.g. jsonencode or "
                        "a variable): add a rule allowing GET from * where its rules are written")
            return tup, [c for c in tup.children if c.type == "expression"]
        stack.extend(node.children)
    return f"no cors_rule input at line {line}"


def _module_texts(src: SourceFile) -> list[tuple[str, str]]:
    """(file name, text) of every .tf file in the module folder; the edited file from memory."""
    folder = os.path.dirname(src.abspath)
    out = [(os.path.basename(src.abspath), src.text)]
    try:
        names = sorted(f for f in os.listdir(folder) if f.endswith(".tf"))
    except OSError:
        names = []
    for fname in names:
        if fname == os.path.basename(src.abspath):
            continue
        try:
            with open(os.path.join(folder, fname), encoding="utf-8", errors="replace") as fh:
                out.append((fname, fh.read()))
        except OSError:
            continue
    return out


def _existing_configuration(src: SourceFile, blocks: list[HBlock], bucket: HBlock,
                            key: str | None = None) -> str | None:
    """A configuration resource in the module that points at this bucket (the reader may not
    have bound it, e.g. when its rules are all dynamic): adding a second one would conflict.
    Returns why --fix leaves the bucket alone, or None.
    For one instance (``key``: ``"b"`` or ``0``), a configuration of another literal instance
    (``aws_s3_bucket.img["a"]``) is no conflict; any other index (``[each.key]``) may be."""
    if len(bucket.labels) < 2:
        return None
    ref = re.compile(rf"^\s*bucket\s*=\s*aws_s3_bucket\.{re.escape(bucket.labels[1])}\b"
                     r"(?:\s*\[\s*(?P<index>[^\]\n]*?)\s*\])?", re.MULTILINE)
    header = re.compile(rf'resource\s+"{CONFIG_TYPE}"\s+"([^"]+)"\s*\{{')
    for fname, text in _module_texts(src):
        for m in header.finditer(text):
            body = text[m.end():_block_end(text, m.end())]
            for r in ref.finditer(body):
                if not _may_be_instance(r.group("index"), key):
                    continue
                where = f"{CONFIG_TYPE}.{m.group(1)} ({fname})"
                if key is not None and r.group("index") != key:
                    return (f"{where} may configure CORS for this bucket: its bucket "
                            f"(aws_s3_bucket.{bucket.labels[1]}[{r.group('index')}]) is not "
                            "known statically; give it a literal key or complete it by hand")
                return (f"{where} already configures CORS for this bucket, in a way policylint "
                        "cannot read (e.g. dynamic cors_rule): complete it by hand")
    return None


_LITERAL_INDEX = re.compile(r'^(?:"[^"\\$]*"|\d+)$')


def _may_be_instance(index: str | None, key: str | None) -> bool:
    """Whether a reference with ``index`` (None: no index) may name instance ``key``."""
    if key is None or index is None or not _LITERAL_INDEX.match(index):
        return True
    return index == key


def _block_end(text: str, start: int) -> int:
    """Offset of the brace closing the block whose body starts at ``start`` (strings and
    comments are rare enough in these headers' bodies to count braces plainly)."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(text)


def _config_name(block: HBlock, addr: str) -> str:
    base = block.labels[1] if len(block.labels) > 1 else snippets.hcl_resource_name(addr)
    key = re.search(r"\[(.*)\]", addr)
    if key:
        base += "_" + re.sub(r"[^A-Za-z0-9_-]", "_", key.group(1).strip('"'))
    return base


def _unique_name(src: SourceFile, blocks: list[HBlock], base: str) -> str:
    """A configuration name not used in this module (every .tf file of the folder)."""
    taken = {b.labels[1] for b in blocks if b.type == "resource" and len(b.labels) > 1
             and b.labels[0] == CONFIG_TYPE}
    pattern = re.compile(rf'resource\s+"{CONFIG_TYPE}"\s+"([^"]+)"')
    for _fname, text in _module_texts(src):
        taken |= set(pattern.findall(text))
    if base not in taken:
        return base
    for suffix in ["_cors"] + [f"_cors{i}" for i in range(2, 100)]:
        if base + suffix not in taken:
            return base + suffix
    return base + "_cors_fix"


def add_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
             before: int | None) -> list[Edit] | str:
    blocks = _parse(src)
    if isinstance(blocks, str):
        return blocks
    block = _containing(src, blocks, config.location.line)
    if block is None or block.type != "resource" or not block.labels or \
            block.labels[0] not in (CONFIG_TYPE, "aws_s3_bucket"):
        return f"no CORS configuration block at {config.location}"
    rules = [c for c in block.children if c.type == "cors_rule"]
    if before is not None and before < len(rules):
        at = src.line_start(rules[before].start)
        indent = src.indent_at(rules[before].start)
        return [Edit(at, at, snippets.hcl_cors_rule(n, indent) + "\n")]
    if rules:
        last = rules[-1]
        at = src.line_end(last.end - 1)
        return [Edit(at, at, "\n" + snippets.hcl_cors_rule(n, src.indent_at(last.start)))]
    at = src.line_start(block.close)
    if src.text[at:block.close].strip():
        return f"the block at {config.location} closes on a line with other content"
    indent = src.indent_at(block.start) + "  "
    return [Edit(at, at, "\n" + snippets.hcl_cors_rule(n, indent))]


# --- JSON syntax (.tf.json) -------------------------------------------------------------------

def _hcl_rule_fields(n: snippets.Needed) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if n.allowed_headers:
        d["allowed_headers"] = list(n.allowed_headers)
    d["allowed_methods"] = list(n.methods)
    d["allowed_origins"] = list(n.origins)
    if n.expose_headers:
        d["expose_headers"] = list(n.expose_headers)
    if n.max_age is not None:
        d["max_age_seconds"] = n.max_age
    return d


def _json_resources(src: SourceFile) -> Any:
    from policylint import jsonpos
    from policylint.positioned import PDict

    try:
        doc = jsonpos.loads(src.text)
    except jsonpos.JSONPosError as exc:
        return f"{src.path} does not parse as JSON ({exc.message})"
    res = doc.get("resource") if isinstance(doc, PDict) else None
    if not isinstance(res, PDict):
        return f"{src.path} has no \"resource\" object --fix can extend"
    return res


def add_configuration_json(src: SourceFile, bucket: Bucket,
                           n: snippets.Needed) -> list[Edit] | str:
    """PL100 in Terraform JSON syntax: a configuration next to the bucket's resource type."""
    from policylint.fix import jsonedit
    from policylint.positioned import PDict

    res = _json_resources(src)
    if isinstance(res, str):
        return res
    addr = snippets.address_in_module(bucket.address)
    label = addr.split(".", 1)[1].split("[", 1)[0] if "." in addr else addr
    buckets = res.get("aws_s3_bucket")
    if not isinstance(buckets, PDict) or label not in buckets:
        return f"no aws_s3_bucket \"{label}\" in {src.path}"
    body = buckets[label]
    if "[" not in addr and isinstance(body, PDict) and ({"count", "for_each"} & set(body)):
        return ("the bucket has count or for_each: add an aws_s3_bucket_cors_configuration with "
                "the same count/for_each by hand")
    configs = res.get(CONFIG_TYPE)
    taken = set(configs) if isinstance(configs, PDict) else set()
    base = label + (("_" + re.sub(r"[^A-Za-z0-9_-]", "_", addr.split("[", 1)[1].strip('"]')))
                    if "[" in addr else "")
    name = base if base not in taken else next(
        base + s for s in ["_cors"] + [f"_cors{i}" for i in range(2, 100)] if base + s not in taken)
    value = {"bucket": "${" + f"{addr}.id" + "}",
             "cors_rule": [_hcl_rule_fields(n)]}
    if isinstance(configs, PDict):
        return [jsonedit.insert_key(src, configs, name, value)]
    return [jsonedit.insert_key(src, res, CONFIG_TYPE, {name: value})]


def add_module_input_json(src: SourceFile, bucket: Bucket,
                          n: snippets.Needed) -> list[Edit] | str:
    """PL100 for a terraform-aws-modules/s3-bucket call in JSON syntax: a ``cors_rule`` member
    of the module's object."""
    from policylint import jsonpos
    from policylint.fix import jsonedit
    from policylint.positioned import PDict

    try:
        doc = jsonpos.loads(src.text)
    except jsonpos.JSONPosError as exc:
        return f"{src.path} does not parse as JSON ({exc.message})"
    mods = doc.get("module") if isinstance(doc, PDict) else None
    name = bucket.module_call.name if bucket.module_call is not None else None
    body = mods.get(name) if isinstance(mods, PDict) and name else None
    if not isinstance(body, PDict):
        return f"no module \"{name}\" object in {src.path}"
    if "cors_rule" in body:
        return ("the module already sets cors_rule, in a way policylint cannot read: complete "
                "it by hand")
    return [jsonedit.insert_key(src, body, "cors_rule", [_hcl_rule_fields(n)])]


def add_rule_json(src: SourceFile, config: CorsConfig, n: snippets.Needed,
                  before: int | None) -> list[Edit] | str:
    """PL101/PL103/PL104 in Terraform JSON syntax: one more element of ``cors_rule``."""
    from policylint.fix import jsonedit
    from policylint.positioned import PDict, PList

    res = _json_resources(src)
    if isinstance(res, str):
        return res
    line = config.location.line
    for type_ in (CONFIG_TYPE, "aws_s3_bucket"):
        group = res.get(type_)
        if not isinstance(group, PDict):
            continue
        for name, body in group.items():
            pos = group.value_pos(name)
            if not (isinstance(body, PDict) and pos.line <= line <= pos.end_line):
                continue
            rules = body.get("cors_rule")
            if isinstance(rules, PList):
                return [jsonedit.insert_item(src, rules, _hcl_rule_fields(n), before)]
            if rules is None:
                return [jsonedit.insert_key(src, body, "cors_rule", [_hcl_rule_fields(n)])]
            return f"cors_rule of {type_}.{name} is a single object: make it a list first"
    return f"no CORS configuration block at {config.location}"
