"""API request files: CreateLabelingJob requests as used with ``aws sagemaker
create-labeling-job --cli-input-json/--cli-input-yaml``, and A2I StartHumanLoop requests.

Every object in the document that has the shape of a request is read, so a file holding a list
of requests (or a request under a wrapper key) works too. A document that is in fact a state
machine definition (StartAt and States) goes through the shared ASL reader.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from policylint import labeling
from policylint.model import Facts, LabelingUse, Location
from policylint.readers import Context, Unit, documents
from policylint.readers.asl import positioned_locate, uses_from_definition

MAX_DEPTH = 32


def read(unit: Unit, ctx: Context) -> Facts:
    facts = Facts()
    for src, doc in documents.trees(unit, facts):
        facts.uses += uses_of_document(doc, src.path)
    return facts


def uses_of_document(doc: Any, path: str) -> list[LabelingUse]:
    """Labeling uses of every request-shaped object in ``doc`` (a positioned tree)."""
    fallback = Location(path, 1, 1)
    if isinstance(doc, dict) and "StartAt" in doc and isinstance(doc.get("States"), dict):
        return uses_from_definition(doc, positioned_locate(doc, path, fallback),
                                    f"Step Functions definition {path}")
    uses: list[LabelingUse] = []
    for keys, node in _requests(doc, ()):
        root_locate = positioned_locate(doc, path, fallback)

        def locate(sub: tuple[Any, ...], _k: tuple[Any, ...] = keys,
                   _root: Callable[..., Location] = root_locate) -> Location:
            return _root(_k + sub)

        if _is_labeling_job(node):
            uses += labeling.labeling_job_uses(node, locate, f"CreateLabelingJob request {path}")
        else:
            uses += labeling.human_loop_uses(node, locate, f"StartHumanLoop request {path}")
    return uses


def _is_labeling_job(node: dict[str, Any]) -> bool:
    return isinstance(node.get("InputConfig"), dict)


def _is_human_loop(node: dict[str, Any]) -> bool:
    return isinstance(node.get("HumanLoopInput"), dict)


def _requests(node: Any, keys: tuple[Any, ...], depth: int = 0) -> Iterator[tuple[tuple[Any, ...],
                                                                                 dict[str, Any]]]:
    """(key path, object) of every CreateLabelingJob- or StartHumanLoop-shaped object."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        if _is_labeling_job(node) or _is_human_loop(node):
            yield keys, node
            return
        for k, v in node.items():
            yield from _requests(v, keys + (k,), depth + 1)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _requests(v, keys + (i,), depth + 1)
