"""A YAML loader that keeps positions: ``load(text)`` returns PDict/PList trees.

Built on PyYAML's event stream (libyaml's ``CSafeLoader`` when present, else ``SafeLoader``):
the tree is assembled here, iteratively, so that

- every mapping, sequence, key and scalar has a 1-based position (scalars through their
  parent's ``vpos``/``ipos``), with the end of block collections trimmed to their last value
  rather than libyaml's "start of the next token";
- duplicate keys are an error naming both lines (a template with two ``Properties`` is a bug,
  not "last one wins");
- aliases are shared, never copied, and the size they expand to is counted in O(1) per alias,
  so an alias bomb is refused after ``max_nodes`` instead of exhausting memory;
- nesting is bounded by ``max_depth`` without touching the interpreter's stack.

Scalars follow YAML 1.1 as SafeLoader resolves them (``yes`` is True, ``0x1f`` is 31), except
timestamps and ``!!binary``, which stay strings: policylint compares text, and a date object
would only be converted back. With ``intrinsics=True`` every local tag ``!Name`` becomes its
CloudFormation long form, as cfn-lint and the AWS CLI read it: ``!Ref x`` → ``{"Ref": "x"}``,
``!GetAtt A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` → ``{"Fn::Sub": "s"}``.

Against cfn-lint's decoder (the test oracle), the trees are equal on every template of the
public corpus that both accept, and both reject the same ones. Known differences, all by
choice: timestamps and ``!!binary`` stay text (cfn-lint: date/bytes objects); a bare ``=`` is
the string ``"="`` (PyYAML: a constructor error); keys written next to a ``<<`` merge are still
checked for duplicates (cfn-lint skips the check in such mappings); a null key is allowed.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from policylint.positioned import PDict, PList, Pos

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 512
MAX_NODES = 250_000  # nodes after alias expansion (cfn-lint's limit too)

_STD = "tag:yaml.org,2002:"
_UNCONVERTED = frozenset({"Ref", "Condition"})
_MERGE = object()  # a ``<<`` merge key, before it is known to be a key
_constructor = SafeConstructor()
_resolver = Resolver()


class YAMLPosError(ValueError):
    """A YAML document that cannot be loaded; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"{message} (line {line}, column {column})")
        self.message = message
        self.line = line
        self.column = column


def load(
    text: str,
    *,
    intrinsics: bool = False,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    duplicates: list[tuple[str, int, int]] | None = None,
) -> Any:
    """The single document in ``text`` as a positioned tree (None for an empty stream). A
    duplicate key is an error, unless ``duplicates`` is given: then it is recorded there
    (message, line, column of the second key) and the last value wins."""
    loader = _Loader(text)
    try:
        builder = _Builder(text, intrinsics, max_depth, max_nodes)
        builder.duplicates = duplicates
        return builder.run(loader)
    except YAMLPosError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            message = f"{exc.problem} ({exc.context})"
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        raise YAMLPosError(message, line, col) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise YAMLPosError(f"invalid character: {exc.reason}", line, col) from None
    except (yaml.YAMLError, UnicodeError, ValueError, TypeError, OverflowError) as exc:
        raise YAMLPosError(f"invalid YAML: {exc}", 1, 1) from None
    finally:
        loader.dispose()


def _line_col(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _start(mark: Any) -> tuple[int, int]:
    return mark.line + 1, mark.column + 1


class _Frame:
    """An open mapping or sequence."""

    __slots__ = ("node", "start", "anchor", "tag", "flow", "key", "kpos", "merges", "size",
                 "last_end")

    def __init__(self, node: PDict | PList, start: tuple[int, int], anchor: str | None,
                 tag: str | None, flow: bool) -> None:
        self.node = node
        self.start = start
        self.anchor = anchor
        self.tag = tag
        self.flow = flow
        self.key: Any = None  # pending key of a mapping (None: expecting a key)
        self.kpos: Pos | None = None
        self.merges: list[tuple[Any, Pos]] = []
        self.size = 1
        self.last_end: tuple[int, int] | None = None


class _Builder:
    """Turns the event stream into a tree; one instance per document."""

    def __init__(self, text: str, intrinsics: bool, max_depth: int, max_nodes: int) -> None:
        self.text = text
        self.intrinsics = intrinsics
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.duplicates: list[tuple[str, int, int]] | None = None
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.documents = 0
        self._lines: list[str] | None = None

    # -- driver -----------------------------------------------------------------------------

    def run(self, loader: Any) -> Any:
        events = yaml.events
        while True:
            ev = loader.get_event()
            cls = type(ev)
            if cls is events.ScalarEvent:
                self.scalar(ev)
            elif cls is events.MappingStartEvent or cls is events.SequenceStartEvent:
                self.open(ev, cls is events.MappingStartEvent)
            elif cls is events.MappingEndEvent or cls is events.SequenceEndEvent:
                self.close(ev)
            elif cls is events.AliasEvent:
                self.alias(ev)
            elif cls is events.DocumentStartEvent:
                self.documents += 1
                if self.documents > 1:
                    line, col = _start(ev.start_mark)
                    raise YAMLPosError("expected a single document in the stream but found "
                                       "another document", line, col)
            elif cls is events.StreamEndEvent:
                return self.root

    # -- nodes ------------------------------------------------------------------------------

    def scalar(self, ev: Any) -> None:
        start = _start(ev.start_mark)
        end = _start(ev.end_mark)
        if ev.style in ("|", ">"):
            end = self._trim_block_end(start, end)
        pos = Pos(start[0], start[1], end[0], end[1])
        tag = ev.tag
        value: Any
        size = 1
        if tag is not None and tag != "!" and not tag.startswith(_STD):
            value = self.tagged_scalar(tag, ev.value, pos)
            size = 2
        else:
            value = self.plain_value(tag, ev)
        self.anchor(ev.anchor, value, size)
        self.attach(value, pos, size)

    def plain_value(self, tag: str | None, ev: Any) -> Any:
        if tag is None:
            tag = _resolver.resolve(ScalarNode, ev.value, ev.implicit)
        elif tag == "!":
            tag = _STD + "str"
        kind = tag[len(_STD):] if tag.startswith(_STD) else tag
        if kind == "str" or kind == "timestamp" or kind == "binary" or kind == "value":
            return ev.value
        if kind == "null":
            return None
        if kind == "bool":
            return _constructor.construct_yaml_bool(ScalarNode(tag, ev.value))
        if kind == "int":
            return _constructor.construct_yaml_int(ScalarNode(tag, ev.value))
        if kind == "float":
            return _constructor.construct_yaml_float(ScalarNode(tag, ev.value))
        if kind == "merge":
            return _MERGE
        line, col = _start(ev.start_mark)
        raise YAMLPosError(f"unsupported tag '{tag}'", line, col)

    def tagged_scalar(self, tag: str, value: str, pos: Pos) -> Any:
        key = self.intrinsic_key(tag, pos)
        inner: Any = value
        if key == "Fn::GetAtt":
            parts = PList(value.split(".", 1))
            parts.pos = pos
            parts.ipos = [pos] * len(parts)
            inner = parts
        return _wrap(key, inner, pos)

    def intrinsic_key(self, tag: str, pos: Pos) -> str:
        if not self.intrinsics or not tag.startswith("!") or tag.startswith("!!") or len(tag) < 2:
            raise YAMLPosError(f"unsupported tag '{tag}'", pos.line, pos.column)
        name = tag[1:]
        return name if name in _UNCONVERTED else f"Fn::{name}"

    def alias(self, ev: Any) -> None:
        line, col = _start(ev.start_mark)
        end = _start(ev.end_mark)
        name = ev.anchor
        if name in self.open_anchors:
            raise YAMLPosError(f"recursive alias *{name} (it refers to a node that contains "
                               "it)", line, col)
        if name not in self.anchors:
            raise YAMLPosError(f"undefined alias *{name}", line, col)
        value, size = self.anchors[name]
        self.attach(value, Pos(line, col, end[0], end[1]), size)

    def open(self, ev: Any, is_map: bool) -> None:
        if len(self.stack) >= self.max_depth:
            line, col = _start(ev.start_mark)
            raise YAMLPosError(f"nesting deeper than {self.max_depth} levels", line, col)
        node: PDict | PList = PDict() if is_map else PList()
        tag = ev.tag
        if tag is not None and tag != "!" and not tag.startswith(_STD):
            # checked now so that the error points at the tag
            self.intrinsic_key(tag, Pos(*_start(ev.start_mark), *_start(ev.start_mark)))
        if ev.anchor is not None:
            self.open_anchors.add(ev.anchor)
        self.stack.append(_Frame(node, _start(ev.start_mark), ev.anchor, tag,
                                 bool(ev.flow_style)))

    def close(self, ev: Any) -> None:
        frame = self.stack.pop()
        node = frame.node
        end = _start(ev.end_mark)
        if not frame.flow and frame.last_end is not None:
            end = frame.last_end
        pos = Pos(frame.start[0], frame.start[1], end[0], end[1])
        node.pos = pos
        if isinstance(node, PDict):
            if frame.kpos is not None:  # cannot happen with a well-formed event stream
                raise YAMLPosError("mapping key without a value", pos.line, pos.column)
            self.merge(frame)  # merged values were counted when attached
        value: Any = node
        size = frame.size
        if frame.tag is not None and frame.tag != "!" and not frame.tag.startswith(_STD):
            value = _wrap(self.intrinsic_key(frame.tag, pos), node, pos)
            size += 1
        if size > self.max_nodes:
            raise YAMLPosError(f"the document expands to more than {self.max_nodes} nodes "
                               f"{self.why_big()}", pos.line, pos.column)
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        self.anchor(frame.anchor, value, size)
        self.attach(value, pos, size)

    def why_big(self) -> str:
        """Blame aliases only when there are any: a plain 20 MB document is just large."""
        return "(YAML aliases)" if self.anchors else "(too large to analyse)"

    def anchor(self, name: str | None, value: Any, size: int) -> None:
        if name is not None:
            self.anchors[name] = (value, size)

    # -- assembling -------------------------------------------------------------------------

    def attach(self, value: Any, pos: Pos, size: int) -> None:
        if not self.stack:
            self.root = "<<" if value is _MERGE else value
            return
        frame = self.stack[-1]
        frame.size += size
        if frame.size > self.max_nodes:
            raise YAMLPosError(f"the document expands to more than {self.max_nodes} nodes "
                               f"{self.why_big()}", pos.line, pos.column)
        node = frame.node
        if isinstance(node, PList):
            node.append("<<" if value is _MERGE else value)
            node.ipos.append(pos)
            frame.last_end = (pos.end_line, pos.end_column)
            return
        if frame.kpos is None:  # this value is a key
            if isinstance(value, (dict, list)):
                raise YAMLPosError("a mapping key must be a plain value, not a mapping or a "
                                   "list", pos.line, pos.column)
            frame.key, frame.kpos = value, pos
            return
        key, kpos = frame.key, frame.kpos
        frame.key, frame.kpos = None, None
        frame.last_end = (pos.end_line, pos.end_column)
        if key is _MERGE:
            frame.merges.append((value, pos))
            return
        if key in node:
            first = node.kpos[key]
            message = (f"duplicate key {key!r} (first at line {first.line}, again at "
                       f"line {kpos.line})")
            if self.duplicates is None:
                raise YAMLPosError(message, kpos.line, kpos.column)
            self.duplicates.append((message, kpos.line, kpos.column))
            del node[key]
        node[key] = "<<" if value is _MERGE else value
        node.kpos[key] = kpos
        node.vpos[key] = pos

    def merge(self, frame: _Frame) -> None:
        """Apply ``<<`` merge keys: explicit keys win, then later ``<<`` keys, then the first
        mapping of a merged list (PyYAML's order)."""
        if not frame.merges:
            return
        node = frame.node
        assert isinstance(node, PDict)
        sources: list[PDict] = []  # lowest precedence first
        for value, pos in frame.merges:
            items = [value] if isinstance(value, PDict) else value
            if not isinstance(items, list) or not all(isinstance(m, PDict) for m in items):
                raise YAMLPosError("a merge key '<<' needs a mapping or a list of mappings",
                                   pos.line, pos.column)
            sources.extend(reversed(items))
        for src in reversed(sources):
            for k, v in src.items():
                if k not in node:
                    node[k] = v
                    node.kpos[k] = src.key_pos(k)
                    node.vpos[k] = src.value_pos(k)

    def _trim_block_end(self, start: tuple[int, int], end: tuple[int, int]) -> tuple[int, int]:
        """A literal/folded scalar ends where its last non-blank line ends, not at the start
        of the next token."""
        if end[1] != 1 or end[0] <= start[0]:
            return end
        if self._lines is None:
            self._lines = self.text.split("\n")
        line = end[0] - 1
        while line > start[0] and not self._lines[line - 1].strip():
            line -= 1
        return line, len(self._lines[line - 1].rstrip()) + 1


def _wrap(key: str, inner: Any, pos: Pos) -> PDict:
    out = PDict({key: inner})
    out.pos = pos
    out.kpos[key] = pos
    out.vpos[key] = pos
    return out
