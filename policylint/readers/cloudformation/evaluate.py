"""CloudFormation intrinsic functions, evaluated statically as far as they can be.

What is known: literals, ``Ref`` to a parameter (its ``Default``) or to a resource, ``Fn::GetAtt``
of a bucket's ``Arn``/``DomainName``, ``Fn::Sub`` (both forms), ``Fn::Join``, ``Fn::Select``,
``Fn::Split``, ``Fn::FindInMap`` with known keys, ``Fn::If`` whose condition is known or assumed.
Everything else (pseudo parameters, ``Fn::ImportValue``, ``Fn::GetAZs``...) is ``Unknown`` with
the reason.

A reference to an ``AWS::S3::Bucket`` evaluates to a *placeholder* bucket name that stands for
that resource. Readers turn placeholders back into an identity (so a bucket without
``BucketName`` still binds) or into the bucket's real name (``resolve``); no placeholder reaches
a finding.

Conditions are decided by the template, never by a parameter's ``Default``: a condition exists
precisely to differ between deployments, so both of its branches must satisfy the rules. What
a parameter's constraints rule out is decided (``parameters``): a parameter with one allowed
value is that value, and an ``Fn::Equals`` of a parameter with a value it cannot take is false.
A caller that needs a branch passes ``assume`` (condition name → bool).
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Mapping

from policylint.model import Unknown
from policylint.readers.cloudformation import parameters

PSEUDO = frozenset({"AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
                    "AWS::StackId", "AWS::StackName", "AWS::URLSuffix"})
NO_VALUE_NAME = "AWS::NoValue"
MAX_DEPTH = 96
MAX_CONDITIONS = 3  # unknown conditions enumerated per property (2**3 combinations)
_PLACEHOLDER = re.compile(r"policylint-cfn-ref-(\d+)-b")
_ROLE = re.compile(r"policylint-cfn-role:([A-Za-z0-9]+)")
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_S3_PREFIX = re.compile(r"^(?:s3://|arn:aws[a-z-]*:s3:::)[^/]+/")


class _NoValue:
    """``AWS::NoValue``: the property is removed."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()
Assume = Mapping[str, bool]


def intrinsic(node: Any) -> tuple[str, Any] | None:
    """(function name, argument) when ``node`` is a one-key intrinsic mapping."""
    if isinstance(node, dict) and len(node) == 1:
        (key, arg), = node.items()
        if key == "Ref" or key == "Condition" or (isinstance(key, str) and key.startswith("Fn::")):
            return key, arg
    return None


class Template:
    """The parts of a template evaluation needs, and the evaluator itself."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.parameters = _section(doc, "Parameters")
        self.resources = _section(doc, "Resources")
        self.mappings = _section(doc, "Mappings")
        self.conditions = _section(doc, "Conditions")
        self._deciding: set[str] = set()  # conditions being evaluated (cycles through values)
        self.bucket_ids: list[str] = [
            k for k, r in self.resources.items()
            if isinstance(r, dict) and r.get("Type") == "AWS::S3::Bucket" and isinstance(k, str)]
        self._ph = {k: f"policylint-cfn-ref-{i}-b" for i, k in enumerate(self.bucket_ids)}
        self.role_ids = frozenset(
            k for k, r in self.resources.items()
            if isinstance(r, dict) and r.get("Type") == "AWS::IAM::Role" and isinstance(k, str))
        self._names: dict[str, str | Unknown] = {}
        self._naming: set[str] = set()
        self._cond_cache: dict[tuple[str, tuple[tuple[str, bool], ...]], bool | Unknown] = {}

    # -- values -----------------------------------------------------------------------------

    def value(self, node: Any, assume: Assume | None = None, depth: int = 0) -> Any:
        """A plain value (str, number, bool, None, list, dict), ``Unknown``, or ``NO_VALUE``."""
        if depth > MAX_DEPTH:
            return Unknown("the value is nested too deeply to evaluate")
        fn = intrinsic(node)
        if fn is not None:
            return self._call(fn[0], fn[1], assume or {}, depth + 1)
        if isinstance(node, dict):
            out: dict[Any, Any] = {}
            for k, v in node.items():
                got = self.value(v, assume, depth + 1)
                if got is not NO_VALUE:
                    out[k] = got
            return out
        if isinstance(node, list):
            items = [self.value(v, assume, depth + 1) for v in node]
            return [v for v in items if v is not NO_VALUE]
        return node

    def text(self, node: Any, assume: Assume | None = None) -> str | Unknown | None:
        """A scalar value as text (numbers and booleans as CloudFormation passes them), Unknown,
        or None when absent or not a scalar."""
        got = self.value(node, assume)
        if isinstance(got, (str, Unknown)):
            return got
        if isinstance(got, bool):
            return "true" if got else "false"
        if isinstance(got, (int, float)):
            return str(got)
        return None

    def _call(self, name: str, arg: Any, assume: Assume, depth: int) -> Any:
        if name == "Ref":
            return self.ref(arg, assume)
        if name == "Fn::GetAtt":
            return self.get_att(arg, assume, depth)
        if name == "Fn::Sub":
            return self.sub(arg, assume, depth)
        if name == "Fn::Join":
            return self.join(arg, assume, depth)
        if name == "Fn::Select":
            return self.select_fn(arg, assume, depth)
        if name == "Fn::Split":
            return self.split(arg, assume, depth)
        if name == "Fn::FindInMap":
            return self.find_in_map(arg, assume, depth)
        if name == "Fn::If":
            return self.if_fn(arg, assume, depth)
        if name == "Condition":
            cond = self.condition(arg, assume) if isinstance(arg, str) else Unknown("bad Condition")
            return cond
        return Unknown(f"{name} is known only at deploy time")

    def ref(self, name: Any, assume: Assume) -> Any:
        if not isinstance(name, str):
            return Unknown("Ref needs the name of a parameter or resource")
        if name == NO_VALUE_NAME:
            return NO_VALUE
        if name in PSEUDO:
            return Unknown(f"{name} is known only at deploy time")
        param = self.parameters.get(name)
        if isinstance(param, dict):
            fixed = parameters.fixed_value(param)
            if fixed is not None:  # whatever the Default, a deployment can pass only this
                return fixed
            if "Default" not in param:
                return Unknown(f"parameter {name} has no Default")
            default = self.value(param["Default"], assume)
            if isinstance(default, str) and str(param.get("Type", "")).startswith(
                    ("CommaDelimitedList", "List<")):
                return [p.strip() for p in default.split(",")]
            return default
        if name in self._ph:
            return self._ph[name]
        if name in self.role_ids:
            return role_placeholder(name)
        if name in self.resources:
            return Unknown(f"Ref to resource {name} is known only at deploy time")
        return Unknown(f"Ref to {name}, which the template does not define")

    def get_att(self, arg: Any, assume: Assume, depth: int) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("Fn::GetAtt needs [resource, attribute]")
        res, att = arg[0], self.value(arg[1], assume, depth)
        if not isinstance(res, str) or not isinstance(att, str):
            return Unknown("Fn::GetAtt with a computed name is not evaluated")
        ph = self._ph.get(res)
        if ph is not None and att == "Arn":
            return f"arn:aws:s3:::{ph}"
        if ph is not None and att == "DomainName":
            return f"{ph}.s3.amazonaws.com"
        if res in self.role_ids and att == "Arn":
            return role_placeholder(res)
        return Unknown(f"{res}.{att} is known only at deploy time")

    def sub(self, arg: Any, assume: Assume, depth: int, *, lenient: bool = False) -> Any:
        """``Fn::Sub``. ``lenient`` keeps unknown variables as ``${Name}`` text (for documents
        such as state machine definitions, where the rest still matters)."""
        variables: Mapping[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            arg, variables = arg[0], arg[1]
        if not isinstance(arg, str):
            return Unknown("Fn::Sub needs a string")
        parts: list[Any] = []
        pos = 0
        for m in _SUB_VAR.finditer(arg):
            parts.append(arg[pos:m.start()])
            pos = m.end()
            var = m.group(1)
            if var.startswith("!"):
                parts.append("${" + var[1:] + "}")
                continue
            var = var.strip()
            if var in variables:
                got = self.value(variables[var], assume, depth + 1)
            elif "." in var and var.split(".", 1)[0] in self.resources:
                got = self.get_att(var, assume, depth + 1)
            else:
                got = self.ref(var, assume)
            parts.append(_as_text(got, var))
        parts.append(arg[pos:])
        return _concat(parts, lenient)

    def join(self, arg: Any, assume: Assume, depth: int, *, lenient: bool = False) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("Fn::Join needs [delimiter, list]")
        delim = self.value(arg[0], assume, depth)
        items = self.value(arg[1], assume, depth)
        if isinstance(items, Unknown) or isinstance(delim, Unknown):
            return items if isinstance(items, Unknown) else delim
        if not isinstance(delim, str) or not isinstance(items, list):
            return Unknown("Fn::Join needs a string delimiter and a list")
        parts: list[Any] = []
        for i, item in enumerate(items):
            if i:
                parts.append(delim)
            parts.append(_as_text(item, _describe(arg[1][i]) if isinstance(arg[1], list)
                                  and i < len(arg[1]) else "?"))
        return _concat(parts, lenient)

    def select_fn(self, arg: Any, assume: Assume, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("Fn::Select needs [index, list]")
        index = self.value(arg[0], assume, depth)
        items = self.value(arg[1], assume, depth)
        if isinstance(index, Unknown) or isinstance(items, Unknown):
            return index if isinstance(index, Unknown) else items
        try:
            i = int(index)
        except (TypeError, ValueError):
            return Unknown("Fn::Select index is not a number")
        if not isinstance(items, list) or not 0 <= i < len(items):
            return Unknown("Fn::Select index is out of range")
        return items[i]

    def split(self, arg: Any, assume: Assume, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown("Fn::Split needs [delimiter, string]")
        delim = self.value(arg[0], assume, depth)
        source = self.value(arg[1], assume, depth)
        if isinstance(source, Unknown):
            return source
        if not isinstance(delim, str) or not delim or not isinstance(source, str):
            return Unknown("Fn::Split needs a delimiter and a string")
        return source.split(delim)

    def find_in_map(self, arg: Any, assume: Assume, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            return Unknown("Fn::FindInMap needs [map, top key, second key]")
        keys = [self.value(a, assume, depth) for a in arg[:3]]
        for k in keys:
            if isinstance(k, Unknown):
                return k
        node: Any = self.mappings
        for k in keys:
            if not isinstance(node, dict) or not isinstance(k, (str, int)) or (
                    k not in node and str(k) not in node):
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.value(arg[3]["DefaultValue"], assume, depth)
                return Unknown(f"Fn::FindInMap key {k} is not in the mapping")
            node = node[k] if k in node else node[str(k)]
        return self.value(node, assume, depth)

    def if_fn(self, arg: Any, assume: Assume, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            return Unknown("Fn::If needs [condition, value if true, value if false]")
        cond = self.condition(arg[0], assume)
        if isinstance(cond, Unknown):
            return cond
        return self.value(arg[1] if cond else arg[2], assume, depth)

    # -- conditions -------------------------------------------------------------------------

    def condition(self, name: str, assume: Assume | None = None, seen: frozenset[str] = frozenset()
                  ) -> bool | Unknown:
        """A named condition: assumed, decided by the template alone, or Unknown."""
        if assume and name in assume:
            return assume[name]
        if name not in self.conditions:
            return Unknown(f"condition {name} is not defined")
        if name in seen or name in self._deciding:  # C: !Equals [!If [C, a, b], a] loops
            return Unknown(f"condition {name} refers to itself")
        key = (name, tuple(sorted(assume.items())) if assume else ())
        if key in self._cond_cache:  # a condition shared by many is decided once per assumption
            return self._cond_cache[key]
        self._deciding.add(name)
        try:
            got = self._truth(self.conditions[name], assume or {}, seen | {name}, 0)
        finally:
            self._deciding.discard(name)
        if isinstance(got, Unknown):
            got = Unknown(f"condition {name} depends on values known only at deploy time")
        self._cond_cache[key] = got
        return got

    def _truth(self, node: Any, assume: Assume, seen: frozenset[str], depth: int) -> bool | Unknown:
        fn = intrinsic(node)
        if depth > MAX_DEPTH or fn is None:
            return node if isinstance(node, bool) else Unknown("not a condition")
        name, arg = fn
        if name == "Condition" and isinstance(arg, str):
            return self.condition(arg, assume, seen)
        if name == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            got = self._truth(arg[0], assume, seen, depth + 1)
            return got if isinstance(got, Unknown) else not got
        if name in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            results = [self._truth(a, assume, seen, depth + 1) for a in arg]
            decisive = name == "Fn::Or"  # True decides an Or, False an And
            if any(r is decisive for r in results):
                return decisive
            unknown = [r for r in results if isinstance(r, Unknown)]
            return unknown[0] if unknown else not decisive
        if name == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = (self._condition_value(x, assume, seen, depth) for x in arg)
            for side, other in ((arg[0], b), (arg[1], a)):
                param = self._parameter_of(side)
                if param is not None and isinstance(other, (str, int, float, bool)) and \
                        not parameters.admits(param, _cfn_str(other)):
                    return False  # a value no deployment can pass for the parameter
            if isinstance(a, Unknown) or isinstance(b, Unknown):
                return a if isinstance(a, Unknown) else b  # type: ignore[return-value]
            return _cfn_str(a) == _cfn_str(b)
        return Unknown(f"{name} is not a condition function")

    def _condition_value(self, node: Any, assume: Assume, seen: frozenset[str], depth: int) -> Any:
        """A value compared in a condition: parameters are chosen at deploy time."""
        fn = intrinsic(node)
        if fn is not None and fn[0] == "Ref" and isinstance(fn[1], str) \
                and fn[1] in self.parameters:
            fixed = parameters.fixed_value(self.parameters[fn[1]])
            if fixed is not None:  # one allowed value: every deployment passes it
                return fixed
            return Unknown(f"parameter {fn[1]} is chosen at deploy time")
        if fn is not None and fn[0] == "Condition":
            return self._truth(node, assume, seen, depth + 1)
        if any(True for _ in _refs_to_parameters(node, self.parameters)):
            return Unknown("a parameter is chosen at deploy time")
        return self.value(node, assume, depth + 1)

    def _parameter_of(self, node: Any) -> dict[str, Any] | None:
        """The parameter's declaration when ``node`` is ``Ref`` to a parameter."""
        fn = intrinsic(node)
        if fn is None or fn[0] != "Ref" or not isinstance(fn[1], str):
            return None
        param = self.parameters.get(fn[1])
        return param if isinstance(param, dict) else None

    def conditions_in(self, node: Any) -> list[str]:
        """Names of the unknown conditions that ``Fn::If`` decides on inside ``node``."""
        found: list[str] = []
        for cur in walk(node):
            fn = intrinsic(cur)
            if fn is not None and fn[0] == "Fn::If" and isinstance(fn[1], list) and fn[1]:
                name = fn[1][0]
                if isinstance(name, str) and name not in found and name in self.conditions \
                        and isinstance(self.condition(name), Unknown):
                    found.append(name)
        return found

    def choose(self, node: Any, assume: Assume | None = None, depth: int = 0) -> Any:
        """The positioned node that stands after structural intrinsics: the branch of an
        ``Fn::If`` (``Unknown`` when undecided), ``NO_VALUE`` for ``Ref: AWS::NoValue``, else
        ``node`` itself."""
        fn = intrinsic(node)
        if fn is None or depth > MAX_DEPTH:
            return node
        name, arg = fn
        if name == "Ref" and arg == NO_VALUE_NAME:
            return NO_VALUE
        if name == "Fn::If" and isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            cond = self.condition(arg[0], assume)
            if isinstance(cond, Unknown):
                return cond
            return self.choose(arg[1] if cond else arg[2], assume, depth + 1)
        return node

    # -- bucket placeholders ------------------------------------------------------------------

    def placeholder(self, logical_id: str) -> str | None:
        return self._ph.get(logical_id)

    def bucket_of_placeholder(self, text: str) -> str | None:
        """The logical ID a placeholder bucket name stands for."""
        m = _PLACEHOLDER.fullmatch(text)
        if m is None:
            return None
        i = int(m.group(1))
        return self.bucket_ids[i] if i < len(self.bucket_ids) else None

    def bucket_name(self, logical_id: str) -> str | Unknown:
        """A bucket resource's name: its evaluated ``BucketName`` or Unknown."""
        if logical_id in self._names:
            return self._names[logical_id]
        if logical_id in self._naming:
            return Unknown(f"BucketName of {logical_id} refers to itself")
        self._naming.add(logical_id)
        res = self.resources.get(logical_id)
        props = res.get("Properties") if isinstance(res, dict) else None
        raw = props.get("BucketName") if isinstance(props, dict) else None
        name: str | Unknown
        if raw is None:
            name = Unknown("BucketName is not set: CloudFormation generates the name")
        else:
            got = self.text(raw)
            if got is None:
                name = Unknown("BucketName is not a string")
            else:
                name = self.resolve(got)
        self._naming.discard(logical_id)
        self._names[logical_id] = name
        return name

    def resolve(self, value: str | Unknown) -> str | Unknown:
        """``value`` with every placeholder replaced by the bucket's name (Unknown if any is)."""
        if isinstance(value, Unknown) or "policylint-cfn-ref-" not in value:
            return value
        unknown: list[Unknown] = []

        def repl(m: re.Match[str]) -> str:
            i = int(m.group(1))
            lid = self.bucket_ids[i] if i < len(self.bucket_ids) else "?"
            name = self.bucket_name(lid) if lid != "?" else Unknown("unknown bucket")
            if isinstance(name, Unknown):
                unknown.append(name)
                return m.group(0)
            return name

        out = _PLACEHOLDER.sub(repl, value)
        return unknown[0] if unknown else out

    def readable(self, text: str) -> str:
        """``text`` for a message: placeholders become the bucket's name or ``${LogicalId}``."""
        if "policylint-cfn-ref-" not in text:
            return text

        def repl(m: re.Match[str]) -> str:
            i = int(m.group(1))
            lid = self.bucket_ids[i] if i < len(self.bucket_ids) else "?"
            name = self.bucket_name(lid) if lid != "?" else None
            return name if isinstance(name, str) else "${" + lid + "}"

        return _PLACEHOLDER.sub(repl, text)

    # -- lenient text for embedded documents ------------------------------------------------

    def document_text(self, node: Any, assume: Assume | None = None) -> str | Unknown:
        """A string property built with ``Fn::Sub``/``Fn::Join`` (a state machine's
        ``DefinitionString``): unknown parts stay as ``${...}`` text so that the rest of the
        document can still be read."""
        fn = intrinsic(node)
        if fn is not None and fn[0] == "Fn::Sub":
            return self.sub(fn[1], assume or {}, 0, lenient=True)  # type: ignore[no-any-return]
        if fn is not None and fn[0] == "Fn::Join":
            return self.join(fn[1], assume or {}, 0, lenient=True)  # type: ignore[no-any-return]
        got = self.text(node, assume)
        return got if got is not None else Unknown("the definition is not a string")

    def document_value(self, node: Any, assume: Assume | None = None, depth: int = 0) -> Any:
        """A document written as an object (a state machine's ``Definition``): like ``value``,
        but its ``Fn::Sub``/``Fn::Join`` strings are read leniently (``document_text``)."""
        fn = intrinsic(node)
        if depth > MAX_DEPTH:
            return Unknown("the value is nested too deeply to evaluate")
        if fn is not None:
            if fn[0] in ("Fn::Sub", "Fn::Join"):
                return self.document_text(node, assume)
            return self.value(node, assume)
        if isinstance(node, dict):
            out = {k: self.document_value(v, assume, depth + 1) for k, v in node.items()}
            return {k: v for k, v in out.items() if v is not NO_VALUE}
        if isinstance(node, list):
            return [v for v in (self.document_value(v, assume, depth + 1) for v in node)
                    if v is not NO_VALUE]
        return node


def role_placeholder(logical_id: str) -> str:
    """What a role's ``Ref``/``Arn`` evaluates to: it marks the role for ``roles_in``."""
    return f"policylint-cfn-role:{logical_id}"


def roles_in(value: Any) -> set[str]:
    """Logical IDs of the roles whose placeholders appear in ``value`` (a string)."""
    return set(_ROLE.findall(value)) if isinstance(value, str) else set()


def _section(doc: Mapping[str, Any], name: str) -> dict[str, Any]:
    got = doc.get(name)
    return got if isinstance(got, dict) else {}


def walk(root: Any, limit: int = 10_000) -> Iterator[Any]:
    """Every node under ``root`` (itself included), depth first in document order; at most
    ``limit`` nodes, so that a tree shared through YAML aliases is never walked without end."""
    stack = [root]
    seen = 0
    while stack and seen < limit:
        cur = stack.pop()
        seen += 1
        yield cur
        if isinstance(cur, dict):
            stack.extend(reversed(list(cur.values())))
        elif isinstance(cur, list):
            stack.extend(reversed(cur))


def _refs_to_parameters(node: Any, parameters: Mapping[str, Any]) -> Iterator[str]:
    for cur in walk(node):
        fn = intrinsic(cur)
        if fn is not None and fn[0] == "Ref" and isinstance(fn[1], str) and fn[1] in parameters:
            yield fn[1]
        if fn is not None and fn[0] == "Fn::Sub":
            arg = fn[1][0] if isinstance(fn[1], list) and fn[1] else fn[1]
            if isinstance(arg, str):
                for m in _SUB_VAR.finditer(arg):
                    if m.group(1).strip() in parameters:
                        yield m.group(1).strip()


def _cfn_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _as_text(value: Any, name: str) -> Any:
    """A piece of a Sub/Join: text, or (name, Unknown) for a piece that is not known."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Unknown):
        return (name, value)
    return (name, Unknown(f"{name} is not a string"))


def _concat(parts: list[Any], lenient: bool) -> str | Unknown:
    """Join Sub/Join pieces. An unknown piece makes the string Unknown, except in the key part
    of an S3 URI (``s3://bucket/${AWS::Region}/x`` still names the bucket) and in lenient mode:
    there it stays as ``${name}``."""
    out: list[str] = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
            continue
        name, unknown = p
        if lenient and name == "AWS::Partition":
            # in a definition the partition only spells a service integration's ARN
            # (arn:${AWS::Partition}:states:::sagemaker:createLabelingJob), never a bucket
            out.append("aws")
            continue
        if lenient or _S3_PREFIX.match("".join(out)):
            out.append("${" + name + "}")
            continue
        return unknown
    return "".join(out)


def _describe(node: Any) -> str:
    """How an intrinsic reads, for a ``${...}`` stand-in: ``AWS::Region``, ``Fn.Arn``."""
    fn = intrinsic(node)
    if fn is None:
        return "?"
    name, arg = fn
    if name == "Ref" and isinstance(arg, str):
        return arg
    if name == "Fn::GetAtt" and isinstance(arg, list) and all(isinstance(a, str) for a in arg):
        return ".".join(arg)
    return name
