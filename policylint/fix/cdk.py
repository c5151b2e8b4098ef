"""Edits for CDK apps (Python and TypeScript/JavaScript): add a ``cors`` property to a
``Bucket`` call, or a rule to its literal ``cors`` list, in the file's own style (a Python
keyword argument or a TypeScript object property; one item per line when the others are).

The reader records where to insert as fix hints: ``last`` (the end of the last argument, item
or property), ``close`` (the closing bracket, when there is none), ``indent`` (the items'
column when they are on lines of their own), ``wrap`` (the call has no props object: add one).
"""
from __future__ import annotations

from policylint import snippets
from policylint.fix.source import Edit, SourceFile
from policylint.model import Bucket, CorsConfig

_CDK_BUCKET = "s3.Bucket"


def add_configuration(src: SourceFile, bucket: Bucket, needed: snippets.Needed) -> list[Edit] | str:
    if bucket.hint("kind") != _CDK_BUCKET:
        return "--fix adds CORS to CDK s3.Bucket constructs only (this is a CfnBucket)"
    if bucket.hint("refuse"):
        return bucket.hint("refuse") or ""
    lang = bucket.hint("lang") or "python"
    prop = snippets.cdk_cors_prop(needed, lang, bucket.hint("s3") or "")
    if bucket.hint("wrap"):
        prop = "{ " + prop + " }"
    return _insert(src, dict(bucket.fix_hints), prop)


def add_rule(src: SourceFile, config: CorsConfig, needed: snippets.Needed,
             before: int | None) -> list[Edit] | str:
    if config.hint("kind") != _CDK_BUCKET or config.hint("close") is None:
        return "the cors rules are not a literal list of a CDK s3.Bucket: add the rule by hand"
    if config.hint("refuse"):
        return config.hint("refuse") or ""
    if before is not None:
        return "the new rule must come before an existing one: add it by hand"
    lang = config.hint("lang") or "python"
    return _insert(src, dict(config.fix_hints), snippets.cdk_rule(needed, lang,
                                                                  config.hint("s3") or ""))


def _insert(src: SourceFile, hints: dict[str, str], item: str) -> list[Edit] | str:
    last, close, indent = hints.get("last"), hints.get("close"), hints.get("indent")
    if last is not None:
        at = _offset(src, last)
        if indent is not None:
            return [Edit(at, at, ",\n" + " " * int(indent) + item)]
        return [Edit(at, at, ", " + item)]
    if close is None:
        return "no place to insert the rule was recorded"
    at = _offset(src, close)
    return [Edit(at, at, item)]


def _offset(src: SourceFile, hint: str) -> int:
    line, _, col = hint.partition(":")
    return src.offset(int(line), int(col))
