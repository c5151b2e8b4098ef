"""Fixes in Terraform (HCL native syntax), laid out the way ``terraform fmt`` writes them.

PL100: a new ``aws_s3_bucket_cors_configuration`` right after the bucket's resource block (in the
module that defines the bucket, so a bucket made by a local module is fixed in the module).
PL101/PL103/PL104: a new ``cors_rule`` block in the existing configuration resource or legacy
inline ``aws_s3_bucket`` block.

Blocks and their spans come from the reader's own parse of the file's bytes
(``readers.terraform.module.parse_source``, memoised per run): whatever the reader accepts, the
fixer edits, with the same positions (1-based lines, character columns of the original text).
"""
from __future__ import annotations

import os
import re
from typing import Any

from policylint import snippets
from policylint.decoding import Positions
from policylint.fix.source import Edit, SourceFile
from policylint.model import Bucket, CorsConfig
from policylint.readers.terraform.module import parse_source
from policylint.readers.terraform.parse import Attr, Block, FileSyntax, JsonExpr

CONFIG_TYPE = "aws_s3_bucket_cors_configuration"


def _syntax(src: SourceFile) -> FileSyntax | str:
    """The file as the reader parsed it, or why --fix leaves it alone."""
    fs = parse_source(src.path, src.data)
    if fs.errors:
        return f"{src.path} has HCL syntax errors: --fix leaves it alone"
    return fs


def _start(src: SourceFile, b: Block) -> int:
    return src.offset(b.loc.line, b.loc.column)


def _end(src: SourceFile, b: Block) -> int:
    """Offset just after the block's closing brace."""
    return src.offset(b.loc.end_line, b.loc.end_column)


def _close(src: SourceFile, b: Block) -> int:
    """Offset of the block's closing brace."""
    return src.offset(*b.close)


def _node_start(src: SourceFile, pos: Positions, node: Any) -> int:
    """Character offset in ``src`` where a node of an argument's expression starts: located
    by the argument's own positions, as the reader locates parts of expressions (its points
    are those of the parsed bytes; the positions map them to the original text)."""
    return src.offset(*pos.point(node.start_point))


def _node_end(src: SourceFile, pos: Positions, node: Any) -> int:
    return src.offset(*pos.point(node.end_point))


def _find_at_line(blocks: list[Block], line: int, kinds: tuple[str, ...]) -> Block | None:
    for b in blocks:
        if b.type == "resource" and b.labels[:1] and b.labels[0] in kinds and b.loc.line == line:
            return b
    return None


def _containing(blocks: list[Block], line: int) -> Block | None:
    return next((b for b in blocks if b.loc.line <= line <= b.loc.end_line), None)


def add_configuration(src: SourceFile, bucket: Bucket, n: snippets.Needed) -> list[Edit] | str:
    fs = _syntax(src)
    if isinstance(fs, str):
        return fs
    block = _find_at_line(fs.blocks, bucket.location.line, ("aws_s3_bucket",))
    if block is None:
        return f"no aws_s3_bucket block at {bucket.location}"
    addr = snippets.address_in_module(bucket.address)
    keyed = "[" in addr
    if not keyed and ({"count", "for_each"} & set(block.attrs)):
        return ("the bucket has count or for_each: add an aws_s3_bucket_cors_configuration with "
                "the same count/for_each by hand")
    ref = f"{addr}.id"
    index = re.search(r"\[\s*(.*?)\s*\]$", addr) if keyed else None
    existing = _existing_configuration(src, block, index.group(1) if index else None)
    if existing:
        return existing
    name = _unique_name(src, _config_name(block, addr))
    text = snippets.hcl_configuration(ref, name, n)
    end = _end(src, block)
    at = src.line_end(end - 1) if end > 0 else 0
    lead = "\n" if src.text[:at].endswith("\n") else "\n\n"
    return [Edit(at, at, lead + text)]


def add_module_input(src: SourceFile, bucket: Bucket, n: snippets.Needed) -> list[Edit] | str:
    """PL100 for a bucket made by terraform-aws-modules/s3-bucket: a ``cors_rule`` input in the
    caller's ``module`` block (its own group of lines, so ``terraform fmt`` keeps it as is)."""
    fs = _syntax(src)
    if isinstance(fs, str):
        return fs
    block = next((b for b in fs.blocks
                  if b.type == "module" and b.loc.line == bucket.location.line), None)
    if block is None:
        return _add_terragrunt_input(src, fs, bucket, n)
    if "cors_rule" in block.attrs:
        return ("the module block already sets cors_rule, in a way policylint cannot read: "
                "complete it by hand")
    close = _close(src, block)
    at = src.line_start(close)
    if src.text[at:close].strip():
        return f"the module block at {bucket.location} closes on a line with other content"
    indent = src.indent_at(_start(src, block)) + "  "
    lead = "" if src.text[:at].endswith("{\n") or src.text[:at].endswith("\n\n") else "\n"
    return [Edit(at, at, lead + snippets.hcl_module_cors_input(n, indent))]


def add_module_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
                    before: int | None) -> list[Edit] | str:
    """PL101/PL103/PL104 on a terraform-aws-modules/s3-bucket call: one more object in the
    literal list of its ``cors_rule`` input (before rule ``before``: S3 uses the first match)."""
    fs = _syntax(src)
    if isinstance(fs, str):
        return fs
    items = _cors_input_items(fs, config.location.line)
    if isinstance(items, str):
        return items
    pos, tuple_node, elems = items
    one_line = pos.point(tuple_node.start_point)[0] == pos.point(tuple_node.end_point)[0]
    obj = snippets.hcl_rule_object(
        n, None if one_line else src.indent_at(_node_start(src, pos, tuple_node)) + "  ")
    if before is not None and before < len(elems):
        at = _node_start(src, pos, elems[before])
        if one_line:
            return [Edit(at, at, obj + ", ")]
        indent = src.indent_at(at)
        return [Edit(at, at, obj.lstrip(" ") + ",\n" + indent)]
    if not elems:
        close = _node_end(src, pos, tuple_node) - 1
        return [Edit(close, close, obj if one_line else "\n" + obj + "\n")]
    end = _node_end(src, pos, elems[-1])
    rest = src.text[end:]
    comma = rest[:len(rest) - len(rest.lstrip())].count("\n") == 0 and rest.lstrip().startswith(",")
    if comma:
        end = src.text.index(",", end) + 1
    lead = "" if comma else ","
    if one_line:
        return [Edit(end, end, lead + " " + obj)]
    return [Edit(end, end, lead + "\n" + obj + ("," if comma else ""))]


def _add_terragrunt_input(src: SourceFile, fs: FileSyntax, bucket: Bucket,
                          n: snippets.Needed) -> list[Edit] | str:
    """The same input as a member of a Terragrunt file's ``inputs = {...}`` object."""
    attr = fs.attrs.get("inputs")
    obj = _object_of(attr.expr) if attr is not None and attr.loc.line == bucket.location.line \
        else None
    if attr is None or attr.positions is None or obj is None:
        return f"no module block or Terragrunt inputs object at {bucket.location}"
    if any(_elem_key(e) == "cors_rule" for e in obj.children if e.type == "object_elem"):
        return ("the inputs already set cors_rule, in a way policylint cannot read: complete "
                "it by hand")
    close = _node_end(src, attr.positions, obj) - 1
    at = src.line_start(close)
    if src.text[at:close].strip():
        return f"the inputs object at {bucket.location} closes on a line with other content"
    indent = src.indent_at(_node_start(src, attr.positions, obj)) + "  "
    lead = "" if src.text[:at].endswith("{\n") or src.text[:at].endswith("\n\n") else "\n"
    return [Edit(at, at, lead + snippets.hcl_module_cors_input(n, indent))]


def _collection(expr: Any, kind: str) -> Any:
    """The ``object``/``tuple`` node a literal expression holds, or None."""
    if expr is None or isinstance(expr, JsonExpr):
        return None
    coll = next((c for c in expr.children if c.type == "collection_value"), None)
    return next((c for c in coll.children if c.type == kind), None) if coll is not None else None


def _object_of(expr: Any) -> Any:
    return _collection(expr, "object")


def _elem_key(elem: Any) -> str:
    exprs = [c for c in elem.children if c.type == "expression"]
    return exprs[0].text.decode("utf-8", "replace").strip().strip('"') if exprs else ""


def _all_attrs(fs: FileSyntax) -> list[Attr]:
    out = list(fs.attrs.values())
    stack = list(fs.blocks)
    while stack:
        b = stack.pop()
        out += b.attrs.values()
        stack += b.blocks
    return out


def _cors_input_items(fs: FileSyntax, line: int) -> tuple[Positions, Any, list[Any]] | str:
    """The tuple node of the ``cors_rule = [...]`` argument (or object member) on ``line``, its
    elements, and the positions that locate them."""
    for attr in _all_attrs(fs):
        pos = attr.positions
        if pos is None or isinstance(attr.expr, JsonExpr) \
                or not (attr.loc.line <= line <= attr.loc.end_line):
            continue
        if attr.name == "cors_rule" and attr.loc.line == line:
            return _tuple_items(pos, attr.expr)
        stack = [attr.expr]
        while stack:
            node = stack.pop()
            if node.type == "object_elem" and _elem_key(node) == "cors_rule" \
                    and pos.point(node.start_point)[0] == line:
                exprs = [c for c in node.children if c.type == "expression"]
                return _tuple_items(pos, exprs[-1] if exprs else None)
            stack.extend(node.children)
    return f"no cors_rule input at line {line}"


def _tuple_items(pos: Positions, expr: Any) -> tuple[Positions, Any, list[Any]] | str:
    tup = _collection(expr, "tuple")
    if tup is None:
        return ("the module's cors_rule input is not a literal list (e.g. jsonencode or "
                "a variable): add a rule allowing GET from * where its rules are written")
    return pos, tup, [c for c in tup.children if c.type == "expression"]


def _module_files(src: SourceFile) -> list[tuple[str, FileSyntax]]:
    """(file name, syntax) of every .tf and .tf.json file in the module folder, parsed as the
    reader parses them; the edited file from memory."""
    folder = os.path.dirname(src.abspath)
    here = os.path.basename(src.abspath)
    out = [(here, parse_source(src.path, src.data))]
    try:
        names = sorted(f for f in os.listdir(folder) if f.endswith((".tf", ".tf.json")))
    except OSError:
        names = []
    shown = os.path.dirname(src.path)
    for fname in names:
        if fname == here:
            continue
        try:
            with open(os.path.join(folder, fname), "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        out.append((fname, parse_source(f"{shown}/{fname}" if shown else fname, data)))
    return out


def _configurations(src: SourceFile) -> list[tuple[str, Block]]:
    """Every ``aws_s3_bucket_cors_configuration`` block of the module, with its file name."""
    return [(fname, b) for fname, fs in _module_files(src) for b in fs.blocks
            if b.type == "resource" and len(b.labels) > 1 and b.labels[0] == CONFIG_TYPE]


def _expr_source(attr: Attr) -> str:
    """How an argument's value reads in the source (``${...}`` unwrapped in JSON syntax)."""
    if isinstance(attr.expr, JsonExpr):
        value = attr.expr.value
        if not isinstance(value, str):
            return ""
        m = re.fullmatch(r"\$\{(.*)\}", value.strip(), re.S)
        return m.group(1) if m else value
    return str(attr.expr.text.decode("utf-8", "replace"))


def _existing_configuration(src: SourceFile, bucket: Block, key: str | None = None) -> str | None:
    """A configuration resource in the module that points at this bucket (the reader may not
    have bound it, e.g. when its rules are all dynamic): adding a second one would conflict.
    Returns why --fix leaves the bucket alone, or None.
    For one instance (``key``: ``"b"`` or ``0``), a configuration of another literal instance
    (``aws_s3_bucket.img["a"]``) is no conflict; any other index (``[each.key]``) may be."""
    if len(bucket.labels) < 2:
        return None
    ref = re.compile(rf"^\s*aws_s3_bucket\.{re.escape(bucket.labels[1])}\b"
                     r"(?:\s*\[\s*(?P<index>[^\]\n]*?)\s*\])?")
    for fname, b in _configurations(src):
        target = b.attrs.get("bucket")
        r = ref.match(_expr_source(target)) if target is not None else None
        if r is None or not _may_be_instance(r.group("index"), key):
            continue
        where = f"{CONFIG_TYPE}.{b.labels[1]} ({fname})"
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


def _config_name(block: Block, addr: str) -> str:
    base = block.labels[1] if len(block.labels) > 1 else snippets.hcl_resource_name(addr)
    key = re.search(r"\[(.*)\]", addr)
    if key:
        base += "_" + re.sub(r"[^A-Za-z0-9_-]", "_", key.group(1).strip('"'))
    return base


def _unique_name(src: SourceFile, base: str) -> str:
    """A configuration name not used in this module (every .tf and .tf.json file of it)."""
    taken = {b.labels[1] for _fname, b in _configurations(src)}
    if base not in taken:
        return base
    for suffix in ["_cors"] + [f"_cors{i}" for i in range(2, 100)]:
        if base + suffix not in taken:
            return base + suffix
    return base + "_cors_fix"


def add_rule(src: SourceFile, config: CorsConfig, n: snippets.Needed,
             before: int | None) -> list[Edit] | str:
    fs = _syntax(src)
    if isinstance(fs, str):
        return fs
    block = _containing(fs.blocks, config.location.line)
    if block is None or block.type != "resource" or not block.labels or \
            block.labels[0] not in (CONFIG_TYPE, "aws_s3_bucket"):
        return f"no CORS configuration block at {config.location}"
    rules = block.children("cors_rule")
    if before is not None and before < len(rules):
        start = _start(src, rules[before])
        at = src.line_start(start)
        return [Edit(at, at, snippets.hcl_cors_rule(n, src.indent_at(start)) + "\n")]
    if rules:
        last = rules[-1]
        at = src.line_end(_end(src, last) - 1)
        return [Edit(at, at, "\n" + snippets.hcl_cors_rule(n, src.indent_at(_start(src, last))))]
    close = _close(src, block)
    at = src.line_start(close)
    if src.text[at:close].strip():
        return f"the block at {config.location} closes on a line with other content"
    indent = src.indent_at(_start(src, block)) + "  "
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
