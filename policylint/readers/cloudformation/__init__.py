"""CloudFormation and SAM templates (YAML or JSON, hand-written or synthesized by CDK).

One unit is one template file. ``load`` turns its bytes into a positioned tree, ``evaluate``
knows the intrinsic functions, ``facts`` turns the resources into buckets, CORS configurations,
labeling uses and suppressions. cfn-lint is never imported here (it costs ~340 ms): the tests use
it as an oracle for the loader.
"""
from __future__ import annotations

from policylint.model import Facts
from policylint.readers import Context, Unit
from policylint.readers.cloudformation.extract import TemplateReader
from policylint.readers.cloudformation.load import load


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src in unit.sources:
        facts.files.append(src.path)
        loaded, error = load(src.path, src.data)
        if error is not None:
            facts.errors.append(error)
        if loaded is not None:
            facts.errors.extend(loaded.warnings)
            facts.extend(TemplateReader(loaded, ctx, src.abspath).read())
    return facts
