"""S3 CORS documents: S3 API JSON (``{"CORSRules": [...]}``), S3 console JSON (a bare list of
rules, or one rule object), and XML with or without the S3 namespace.

A document is not bound to a bucket here: config ``cors-files`` and scripts that run
``put-bucket-cors`` bind it in the linker. XML documents may carry inline suppressions
(``<!-- policylint: disable=PL101 reason="..." -->``) covering the element they are in, or the
root element when written before it; JSON has no comments, so JSON documents are suppressed from
the configuration.
"""
from __future__ import annotations

import re
from typing import Any

from policylint import cors_check, jsonpos, safexml, suppress
from policylint.model import (
    BucketRef,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Facts,
    Format,
    Location,
    ParseError,
    Suppression,
)
from policylint.readers import Context, Unit
from policylint.decoding import DecodeError, decode
from policylint.positioned import PDict, PList, Pos

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        config, error = read_document(src.path, src.data)
        if config is not None and config.format is Format.CORS_XML:
            facts.suppressions += xml_suppressions(src.path, src.data)
        if error is not None:
            facts.errors.append(error)
        if config is not None:
            facts.cors.append(config)
    return facts


def read_document(path: str, data: bytes) -> tuple[CorsConfig | None, ParseError | None]:
    """Parse one CORS document (JSON or XML by its first character)."""
    try:
        text = decode(data)
    except DecodeError as exc:
        return None, ParseError(exc.message, Location(path, exc.line, exc.column))
    if text.lstrip().startswith("<"):
        return _read_xml(path, data, len(data))
    return _read_json(path, text, len(data))


def xml_suppressions(path: str, data: bytes) -> list[Suppression]:
    """The ``policylint: disable=...`` comments of an XML document (none when it can't parse),
    scoped by ``suppress.comment_scope``: the units are the root element and each element
    directly in it (``<CORSConfiguration>``, each ``<CORSRule>``)."""
    try:
        doc = safexml.parse_document(data)
    except safexml.XMLError:
        return []
    if not any("policylint" in c.text.lower() for c in doc.comments):
        return []
    raw = data.split(b"\n")
    lines = [ln.decode("utf-8", "replace") for ln in raw]
    units = [(el.line, el.end_line) for el in (doc.root, *doc.root.children)]
    placed = [(c, (c.line, c.line + c.text.count("\n")),
               not raw[c.line - 1][:c.column - 1].strip() if c.line <= len(raw) else True)
              for c in doc.comments]
    comment_lines = {n for _c, (first, last), alone in placed if alone
                     for n in range(first, last + 1)}
    out: list[Suppression] = []
    for c, span, alone in placed:
        if "policylint" not in c.text.lower():
            continue
        scope = suppress.comment_scope(path, span, alone, units, lines, comment_lines)
        found = suppress.parse_comment(c.text, Location(path, c.line, c.column), scope)
        if found is not None:
            out.append(found)
    return out


def _loc(path: str, pos: Pos) -> Location:
    return Location(path, pos.line, pos.column, pos.end_line, pos.end_column)


def _read_json(path: str, text: str, size: int) -> tuple[CorsConfig | None, ParseError | None]:
    try:
        doc = jsonpos.loads(text, reject_duplicates=True)
    except jsonpos.JSONPosError as exc:
        return None, ParseError(f"invalid JSON: {exc.message}", Location(path, exc.line, exc.column))
    doc, target = _unwrap_cli_input(doc)
    problems: list[CorsProblem] = cors_check.check_document_size(size, path)
    rules_node: PList | None
    if isinstance(doc, PDict) and "CORSRules" in doc:
        node = doc["CORSRules"]
        where = doc.value_pos("CORSRules")
        for key in doc:
            if key != "CORSRules":
                problems.append(CorsProblem(
                    f"unknown top-level field '{key}' (an S3 CORS document has only CORSRules)",
                    _loc(path, doc.key_pos(key))))
        if not isinstance(node, PList):
            problems.append(CorsProblem("CORSRules must be a list of rules", _loc(path, where)))
            rules_node = None
        else:
            rules_node = node
        doc_pos = doc.key_pos("CORSRules")
    elif isinstance(doc, PList):
        rules_node, doc_pos = doc, doc.pos
    elif isinstance(doc, PDict):  # a single rule object (console style)
        rules_node = PList([doc])
        rules_node.pos = doc.pos
        rules_node.ipos = [doc.pos]
        doc_pos = doc.pos
    else:
        return None, ParseError("not a CORS document: expected an object or a list of rules",
                                Location(path, 1, 1))
    rules: list[CorsRule] = []
    if rules_node is not None:
        problems += cors_check.check_rule_count(len(rules_node), path, rules_node.pos)
        if not rules_node:
            problems.append(CorsProblem("CORS document has no rules", _loc(path, rules_node.pos)))
        for i, item in enumerate(rules_node):
            ipos = rules_node.item_pos(i)
            if not isinstance(item, PDict):
                problems.append(CorsProblem(f"CORS rule {i + 1} must be an object",
                                            _loc(path, ipos)))
                continue
            fields = {k: (v, item.value_pos(k)) for k, v in item.items()}
            items = {k: v.ipos for k, v in item.items() if isinstance(v, PList)}
            rule, found = cors_check.build_rule(fields, "s3", path, ipos, items, item.kpos,
                                                text_numbers=False)
            problems += found
            rules.append(rule)
    config = CorsConfig(target=target, rules=tuple(rules), location=_loc(path, doc_pos),
                        source=CorsSource.FILE, format=Format.CORS_JSON,
                        problems=tuple(problems), document=path)
    return config, None


def _unwrap_cli_input(doc: Any) -> tuple[Any, BucketRef | None]:
    """``aws s3api put-bucket-cors --cli-input-json`` files wrap the configuration and name the
    bucket: ``{"Bucket": "b", "CORSConfiguration": {"CORSRules": [...]}}``. Their bucket binds
    the document (rather than a false PL200 for fields that are not rule fields)."""
    if isinstance(doc, PDict) and isinstance(doc.get("CORSConfiguration"), PDict):
        bucket = doc.get("Bucket")
        ref = BucketRef(name=bucket, text=bucket) if isinstance(bucket, str) and bucket else None
        return doc["CORSConfiguration"], ref
    return doc, None


_XML_FIELDS = {"AllowedMethod": "AllowedMethods", "AllowedOrigin": "AllowedOrigins",
               "AllowedHeader": "AllowedHeaders", "ExposeHeader": "ExposeHeaders",
               "MaxAgeSeconds": "MaxAgeSeconds", "ID": "ID"}
_XML_LISTS = {"AllowedMethods", "AllowedOrigins", "AllowedHeaders", "ExposeHeaders"}


def _read_xml(path: str, data: bytes, size: int) -> tuple[CorsConfig | None, ParseError | None]:
    try:
        root = safexml.parse(data)
    except safexml.XMLError as exc:
        return None, ParseError(f"invalid XML: {exc.message}", Location(path, exc.line, exc.column))
    problems: list[CorsProblem] = cors_check.check_document_size(size, path)
    root_pos = Pos(root.line, root.column, root.end_line, root.end_column)
    if root.tag != "CORSConfiguration":
        return None, ParseError(f"not a CORS document: root element is <{root.tag}>, expected "
                                "<CORSConfiguration>", _loc(path, root_pos))
    if root.namespace and root.namespace != S3_NAMESPACE:
        problems.append(CorsProblem(f"unexpected namespace '{root.namespace}' (S3 uses "
                                    f"'{S3_NAMESPACE}' or none)", _loc(path, root_pos)))
    rules: list[CorsRule] = []
    rule_elements = [c for c in root.children if c.tag == "CORSRule"]
    for other in root.children:
        if other.tag != "CORSRule":
            problems.append(CorsProblem(f"unknown element <{other.tag}> in <CORSConfiguration>",
                                        Location(path, other.line, other.column)))
    problems += cors_check.check_rule_count(len(rule_elements), path, root_pos)
    if not rule_elements:
        problems.append(CorsProblem("CORS document has no <CORSRule>", _loc(path, root_pos)))
    for el in rule_elements:
        rpos = Pos(el.line, el.column, el.end_line, el.end_column)
        fields: dict[str, tuple[object, Pos]] = {}
        items: dict[str, list[Pos]] = {}
        for child in el.children:
            cpos = Pos(child.line, child.column, child.end_line, child.end_column)
            name = _XML_FIELDS.get(child.tag, child.tag)
            value = child.text.strip()
            if name in _XML_LISTS:
                prev = fields.get(name)
                lst = list(prev[0]) if prev else []  # type: ignore[call-overload]
                lst.append(value)
                fields[name] = (lst, prev[1] if prev else cpos)
                items.setdefault(name, []).append(cpos)
            elif name in fields:
                problems.append(CorsProblem(f"<{child.tag}> appears more than once in a rule",
                                            _loc(path, cpos)))
            else:
                if child.tag in ("ExposedHeader", "ExposedHeaders", "MaxAge", "Id"):
                    name = child.tag
                fields[name] = (value, cpos)
        rule, found = cors_check.build_rule(fields, "s3", path, rpos, items)
        problems += [_xml_names(p) for p in found]
        rules.append(rule)
    config = CorsConfig(target=None, rules=tuple(rules), location=_loc(path, root_pos),
                        source=CorsSource.FILE, format=Format.CORS_XML,
                        problems=tuple(problems), document=path)
    return config, None


def _xml_names(p: CorsProblem) -> CorsProblem:
    """A problem message in the XML element names (<AllowedMethod>, not AllowedMethods)."""
    msg = p.message
    m = _MISNAMED_FIELD.match(msg)
    if m is not None:
        wrong, right = m.group(1), _XML_ELEMENT.get(m.group(2), m.group(2))
        return CorsProblem(f"<{wrong}> is not an element of an S3 CORS rule: use <{right}>",
                           p.location)
    m = _UNKNOWN_FIELD.match(msg)
    if m is not None:
        known = ", ".join(f"<{e}>" for e in _XML_ELEMENT.values())
        return CorsProblem(f"unknown element <{m.group(1)}> in <CORSRule> (expected one of "
                           f"{known})", p.location)
    for xml_name, json_name in (("AllowedMethod", "AllowedMethods"),
                                ("AllowedOrigin", "AllowedOrigins"),
                                ("AllowedHeader", "AllowedHeaders"),
                                ("ExposeHeader", "ExposeHeaders")):
        msg = msg.replace(f"no {json_name} ", f"no <{xml_name}> ")
        msg = msg.replace(f"{json_name} has", f"<{xml_name}> has")
        msg = msg.replace(f"{json_name} entry", f"<{xml_name}> entry")
    return CorsProblem(msg, p.location)


_MISNAMED_FIELD = re.compile(r"^'([^']+)' is not a field of an S3 CORS document: use '([^']+)'")
_UNKNOWN_FIELD = re.compile(r"^unknown field '([^']+)' in a CORS rule")
_XML_ELEMENT = {v: k for k, v in _XML_FIELDS.items()}  # ExposeHeaders -> ExposeHeader
