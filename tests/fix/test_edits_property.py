"""Property tests: whatever the layout of a CORS document or template, the edit is an insertion,
the result parses, and it holds the old rules followed by (or preceded by) the new one."""
from __future__ import annotations

import json

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from policylint import snippets
from policylint.fix import cors_doc, source
from fix_support import only_insertions

METHODS = st.lists(st.sampled_from(["GET", "PUT", "POST", "HEAD", "DELETE"]), min_size=1,
                   max_size=3, unique=True)
RULE = st.fixed_dictionaries({"AllowedMethods": METHODS,
                              "AllowedOrigins": st.lists(st.sampled_from(
                                  ["*", "https://a.example", "http://b.example"]), min_size=1,
                                  max_size=2, unique=True)},
                             optional={"ID": st.text("abcxyz-", min_size=1, max_size=8),
                                       "MaxAgeSeconds": st.integers(0, 9999)})
LAYOUT = st.sampled_from([None, 0, 1, 2, 4, "\t"])
SEPARATORS = st.sampled_from([(",", ":"), (", ", ": "), (",", ": ")])
NEEDED = st.sampled_from([snippets.BASIC, snippets.GROUND_TRUTH, snippets.MEDIA])


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(RULE, min_size=0, max_size=4), shape=st.sampled_from(["wrapped", "list"]),
       indent=LAYOUT, seps=SEPARATORS, needed=NEEDED, crlf=st.booleans(),
       before=st.one_of(st.none(), st.integers(0, 4)))
@example(rules=[{"AllowedOrigins": ["*"], "AllowedMethods": ["POST", "GET"]},
                {"ID": "a", "AllowedOrigins": ["*"], "AllowedMethods": ["POST", "GET"]},
                {"ID": "a", "AllowedOrigins": ["*"], "AllowedMethods": ["POST", "GET"]},
                {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]}],
         shape="list", indent=None, seps=(",", ":"), needed=snippets.BASIC, crlf=False, before=2)
def test_json_document_edit_is_an_insertion(rules: list[dict[str, object]], shape: str,
                                            indent: int | str | None,
                                            seps: tuple[str, str], needed: snippets.Needed,
                                            crlf: bool, before: int | None) -> None:
    doc: object = {"CORSRules": rules} if shape == "wrapped" else rules
    text = json.dumps(doc, indent=indent, separators=seps) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    src = source.from_bytes("d.json", "/d.json", text.encode())
    assert not isinstance(src, str)
    edits = cors_doc.json_edits(src, needed, before)
    assert not isinstance(edits, str)
    out = source.apply(src, edits)
    assert only_insertions(text.encode(), out)
    got = json.loads(out)
    got_rules = got["CORSRules"] if shape == "wrapped" else got
    new = cors_doc.s3_rule(needed)
    at = len(rules) if before is None or before >= len(rules) else before
    assert got_rules[:at] + got_rules[at + 1:] == rules
    assert got_rules[at] == new
    if crlf:
        assert b"\n" not in out.replace(b"\r\n", b"")


@settings(max_examples=100, deadline=None)
@given(rules=st.lists(RULE, min_size=0, max_size=3), step=st.sampled_from([2, 4]),
       inline=st.booleans(), needed=NEEDED)
def test_xml_document_edit_is_an_insertion(rules: list[dict[str, object]], step: int,
                                           inline: bool, needed: snippets.Needed) -> None:
    pad = " " * step
    parts = []
    for r in rules:
        kids = [f"<AllowedMethod>{m}</AllowedMethod>" for m in r["AllowedMethods"]]  # type: ignore[union-attr]
        kids += [f"<AllowedOrigin>{o}</AllowedOrigin>" for o in r["AllowedOrigins"]]  # type: ignore[union-attr]
        if inline:
            parts.append(f"{pad}<CORSRule>{''.join(kids)}</CORSRule>\n")
        else:
            body = "".join(f"{pad}{pad}{k}\n" for k in kids)
            parts.append(f"{pad}<CORSRule>\n{body}{pad}</CORSRule>\n")
    text = "<CORSConfiguration>\n" + "".join(parts) + "</CORSConfiguration>\n"
    src = source.from_bytes("d.xml", "/d.xml", text.encode())
    assert not isinstance(src, str)
    edits = cors_doc.xml_edits(src, needed)
    assert not isinstance(edits, str)
    out = source.apply(src, edits)
    assert only_insertions(text.encode(), out)
    from policylint.readers.cors import read_document

    config, error = read_document("d.xml", out)
    assert error is None and config is not None
    assert not isinstance(config.rules, str)
    last = config.rules[-1]  # type: ignore[index]
    assert last.methods == needed.methods and last.origins == needed.origins
    assert len(config.rules) == len(rules) + 1  # type: ignore[arg-type]


def _yaml_template(rules: list[dict[str, object]], step: int, seq_off: int, flow: bool,
                   quote: str, props: bool) -> str:
    """A template with one bucket, written in the given style."""
    s = " " * step

    def scalar(v: object) -> str:
        return f"{quote}{v}{quote}" if isinstance(v, str) and (v == "*" or ":" in v) else str(v)

    lines = ["Resources:", f"{s}B:", f"{s * 2}Type: AWS::S3::Bucket"]
    if props:
        lines += [f"{s * 2}Properties:", f"{s * 3}BucketName: b"]
    if rules:
        if not props:
            lines.append(f"{s * 2}Properties:")
        lines += [f"{s * 3}CorsConfiguration:", f"{s * 4}CorsRules:"]
        dash = " " * (4 * step + seq_off)
        for r in rules:
            for i, (k, v) in enumerate(r.items()):
                lead = f"{dash}- " if i == 0 else f"{dash}  "
                if isinstance(v, list) and flow:
                    lines.append(f"{lead}{k}: [{', '.join(scalar(x) for x in v)}]")
                elif isinstance(v, list):
                    lines.append(f"{lead}{k}:")
                    item = " " * (len(dash) + 2 + seq_off)
                    lines += [f"{item}- {scalar(x)}" for x in v]
                else:
                    lines.append(f"{lead}{k}: {scalar(v)}")
    lines += [f"{s}Other:", f"{s * 2}Type: AWS::SNS::Topic"]
    return "\n".join(lines) + "\n"


CFN_RULE = st.fixed_dictionaries({"AllowedMethods": METHODS,
                                  "AllowedOrigins": st.lists(st.sampled_from(
                                      ["*", "https://a.example"]), min_size=1, max_size=2,
                                      unique=True)},
                                 optional={"MaxAge": st.integers(0, 9999)})


@settings(max_examples=150, deadline=None)
@given(rules=st.lists(CFN_RULE, min_size=0, max_size=3), step=st.sampled_from([2, 4]),
       seq_off=st.sampled_from([0, 2]), flow=st.booleans(), quote=st.sampled_from(['"', "'"]),
       props=st.booleans(), needed=NEEDED, before=st.one_of(st.none(), st.integers(0, 3)))
def test_yaml_template_edit_is_an_insertion(rules: list[dict[str, object]], step: int,
                                            seq_off: int, flow: bool, quote: str, props: bool,
                                            needed: snippets.Needed, before: int | None) -> None:
    from policylint.fix import cloudformation
    from policylint.model import Bucket, CorsConfig, CorsSource, Format, Location

    text = _yaml_template(rules, step, seq_off, flow, quote, props)
    assert yaml.safe_load(text)  # the generator writes valid YAML
    src = source.from_bytes("t.yaml", "/t.yaml", text.encode())
    assert not isinstance(src, str)
    if rules:
        config = CorsConfig(None, (), Location("t.yaml", 6, 1, 6, 1), CorsSource.INLINE,
                            Format.CLOUDFORMATION_YAML)
        edits = cloudformation.add_rule(src, config, needed, before)
    else:
        bucket = Bucket("t.yaml#B", "B", "b", Location("t.yaml", 2, 1, 3, 1),
                        Format.CLOUDFORMATION_YAML)
        edits = cloudformation.add_configuration(src, bucket, needed)
    assert not isinstance(edits, str), edits
    out = source.apply(src, edits)
    assert only_insertions(text.encode(), out)
    got = yaml.safe_load(out)
    assert got["Resources"]["Other"] == {"Type": "AWS::SNS::Topic"}
    got_rules = got["Resources"]["B"]["Properties"]["CorsConfiguration"]["CorsRules"]
    new = dict(snippets.cfn_rule_fields(needed))
    at = len(rules) if before is None or before >= len(rules) else before
    assert got_rules[:at] + got_rules[at + 1:] == rules
    assert got_rules[at] == new
