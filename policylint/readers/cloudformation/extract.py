"""Extracts the facts of one loaded template: buckets, inline CORS, labeling uses, suppressions.

The CloudFormation fixer finds its own places to edit in the template's text; facts carry no
layout hints for it.
"""
from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from policylint import cors_check, jsonpos, labeling, suppress
from policylint.model import (
    Bucket,
    BucketRef,
    CorsConfig,
    CorsProblem,
    CorsRule,
    CorsSource,
    Embedded,
    Evidence,
    Facts,
    Format,
    LabelingUse,
    Location,
    Suppression,
    Unknown,
)
from policylint.positioned import PDict, PList, Pos
from policylint.readers import Context, documents
from policylint.readers.asl import (
    iter_task_states,
    positioned_locate,
    substitute,
    uses_from_definition,
)
from policylint.readers.cloudformation.evaluate import (
    MAX_CONDITIONS,
    NO_VALUE,
    Template,
    roles_in,
)
from policylint.readers.cloudformation.functions import FunctionReader
from policylint.readers.cloudformation.iam import IamReader
from policylint.readers.cloudformation.load import Loaded
from policylint.readers.cloudformation.scenarios import (
    absent_resources,
    combinations,
    resource_condition,
)
from policylint.readers.cloudformation.strmap import source_map

STATE_MACHINES = frozenset({"AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"})
LABELING_KEYS = ("ManifestS3Uri", "InputConfig", "HumanLoopInput")
MAX_WALK_DEPTH = 16
_FALSE = frozenset({"false", "no", "0", "off"})


def _loc(path: str, pos: Pos) -> Location:
    return Location(path, pos.line, pos.column, pos.end_line, pos.end_column)


def _span(path: str, start: Pos, end: Pos) -> Location:
    return Location(path, start.line, start.column, end.end_line, end.end_column)


def _existing(resources: PDict, absent: set[str]) -> PDict:
    """The resources without those no deployment creates (their ``Condition`` never holds):
    a bucket, a CORS or a state machine that never exists is never judged."""
    if not absent:
        return resources
    out = PDict((k, v) for k, v in resources.items() if k not in absent)
    out.pos = resources.pos
    out.kpos = {k: p for k, p in resources.kpos.items() if k not in absent}
    out.vpos = {k: p for k, p in resources.vpos.items() if k not in absent}
    return out


class TemplateReader:
    """Reads one template into ``facts``; one instance per file."""

    def __init__(self, loaded: Loaded, ctx: Context, abspath: str) -> None:
        self.src = loaded
        self.path = loaded.path
        self.ctx = ctx
        self.abspath = abspath
        self.tpl = Template(loaded.doc)
        self.facts = Facts()
        res = loaded.doc.get("Resources")
        self.resources: PDict = _existing(res, absent_resources(self.tpl)) if isinstance(
            res, PDict) else PDict()
        self.generated = "cdk.out/" in "/" + self.path.replace(os.sep, "/")
        # execution roles of the labeling jobs seen: logical ID -> the jobs' output buckets
        self.exec_roles: dict[str, set[str]] = {}
        self._spans: dict[tuple[int, int], str] | None = None  # resource_spans()
        self._comment_lines: set[int] | None = None  # comment_lines()

    def read(self) -> Facts:
        self.suppressions()
        for lid, res in self.resources.items():
            if not isinstance(res, PDict) or not isinstance(lid, str):
                continue
            rtype = res.get("Type")
            if not isinstance(rtype, str):
                continue
            if rtype == "AWS::S3::Bucket":
                self.bucket(lid, res)
            elif rtype in STATE_MACHINES:
                self.state_machine(lid, res, rtype)
            elif rtype == "AWS::SageMaker::HumanTaskUi":
                self.human_task_ui(lid, res)
            else:
                self.api_shaped(lid, res, rtype)
        FunctionReader(self).read()  # functions, the code they run, what they give it
        self.facts.uses += IamReader(self.tpl, self.resources, self.path).inferred(
            self.exec_roles, self.identity)
        self.facts.uses = [self.bind(u) for u in self.facts.uses]
        return self.facts

    def note_job(self, params: Any) -> None:
        """Remember the execution role of a CreateLabelingJob request (evaluated)."""
        if not isinstance(params, dict):
            return
        roles = roles_in(params.get("RoleArn"))
        if not roles:
            return
        out = params.get("OutputConfig")
        out_path = out.get("S3OutputPath") if isinstance(out, dict) else None
        name = labeling.bucket_of(out_path)
        for role in roles:
            outputs = self.exec_roles.setdefault(role, set())
            if isinstance(name, str):
                outputs.add(name)
                resolved = self.tpl.resolve(name)
                if isinstance(resolved, str):
                    outputs.add(resolved)

    def note_definition_jobs(self, definition: Any, subs: dict[str, str | Unknown]) -> None:
        for _name, state, _path in iter_task_states(definition):
            resource = substitute(state.get("Resource"), subs)
            if state.get("Type") != "Task" or not isinstance(resource, str) or (
                    "createlabelingjob" not in resource.lower()):
                continue
            params = state.get("Parameters", state.get("Arguments"))
            self.note_job(substitute(params, subs))

    # -- resources ----------------------------------------------------------------------------

    def resource_location(self, lid: str) -> Location:
        """From the logical ID key through the end of the resource mapping."""
        return _span(self.path, self.resources.key_pos(lid), self.resources.value_pos(lid))

    def identity(self, lid: str) -> str:
        return f"{self.path}#{lid}"

    def props(self, res: PDict) -> PDict | None:
        p = res.get("Properties")
        return p if isinstance(p, PDict) else None

    # -- buckets ------------------------------------------------------------------------------

    def bucket(self, lid: str, res: PDict) -> None:
        props = self.props(res)
        tags = self.tags(props)
        declared = self.declared(lid, res, props, tags)
        meta = res.get("Metadata")
        generated = self.generated or (isinstance(meta, dict) and "aws:cdk:path" in meta)
        cdk_path = meta.get("aws:cdk:path") if isinstance(meta, dict) else None
        construct = cdk_path.removesuffix("/Resource") if isinstance(cdk_path, str) else ""
        self.facts.buckets.append(Bucket(
            identity=self.identity(lid), address=lid, name=self.tpl.bucket_name(lid),
            location=self.resource_location(lid), format=self.src.format, tags=tags,
            declared=tuple(declared), generated=generated, construct=construct))
        if props is not None and "CorsConfiguration" in props:
            self.cors(lid, props, resource_condition(self.tpl, res))

    def tags(self, props: PDict | None) -> tuple[tuple[str, str | Unknown], ...]:
        raw = props.get("Tags") if props is not None else None
        raw = self.tpl.choose(raw)
        if not isinstance(raw, list):
            return ()
        out: list[tuple[str, str | Unknown]] = []
        for item in raw:
            item = self.tpl.choose(item)
            if not isinstance(item, dict):
                continue
            key = self.tpl.text(item.get("Key"))
            value = self.tpl.text(item.get("Value"))
            if isinstance(key, str):
                out.append((key, value if value is not None else Unknown("tag value is not set")))
        return tuple(out)

    def declared(self, lid: str, res: PDict, props: PDict | None,
                 tags: tuple[tuple[str, str | Unknown], ...]) -> list[Evidence]:
        """Declarations that the bucket holds labeling input: tag, Metadata, comment."""
        out: list[Evidence] = []
        opts = self.ctx.options
        for key, value in tags:
            if key != opts.tag_key or not isinstance(value, str):
                continue
            if (value.lower() not in _FALSE) if opts.tag_value is None else value == opts.tag_value:
                out.append(Evidence(f"tag {key}={value} on {lid}", self.tag_location(props, key)))
        meta = res.get("Metadata")
        pl = meta.get("policylint") if isinstance(meta, PDict) else None
        if isinstance(pl, PDict) and "labeling-input" in pl:
            value = pl["labeling-input"]
            if value is True or (isinstance(value, str) and value.lower() == "true"):
                out.append(Evidence(f"Metadata policylint.labeling-input on {lid}",
                                    _loc(self.path, pl.key_pos("labeling-input"))))
        for line, col, text in self.src.comments:
            body = text.split("policylint", 1)[-1].lstrip(" :").strip()
            if body.lower().startswith("labeling-input") and self.comment_owner(line) == lid:
                out.append(Evidence(f"comment '# policylint: labeling-input' on {lid}",
                                    Location(self.path, line, col)))
        return out

    def tag_location(self, props: PDict | None, key: str) -> Location:
        raw = props.get("Tags") if props is not None else None
        if isinstance(raw, PList):
            for i, item in enumerate(raw):
                if isinstance(item, PDict) and item.get("Key") == key:
                    return _loc(self.path, raw.item_pos(i))
        if props is not None:
            return _loc(self.path, props.key_pos("Tags"))
        return Location(self.path, 1, 1)

    # -- CORS -----------------------------------------------------------------------------------

    def cors(self, lid: str, props: PDict, base: dict[str, bool]) -> None:
        """The bucket's inline CORS in each possible combination of the conditions it depends
        on, in deployments where the bucket exists (``base``: its resource ``Condition``)."""
        node = props["CorsConfiguration"]
        where = _span(self.path, props.key_pos("CorsConfiguration"),
                      props.value_pos("CorsConfiguration"))
        target = BucketRef(identity=self.identity(lid), name=self.tpl.bucket_name(lid), text=lid)
        conditions = [c for c in self.tpl.conditions_in(node) if c not in base]
        scenarios = list(combinations(self.tpl, conditions, base)) if len(
            conditions) <= MAX_CONDITIONS else []
        if len(scenarios) == 1 or (conditions and not scenarios
                                   and len(conditions) <= MAX_CONDITIONS):
            # decided where the bucket exists (none possible: the bucket never exists)
            base, conditions = {**base, **(scenarios[0] if scenarios else {})}, []
        if not conditions:
            config = self.cors_config(node, base, where, target)
            if config is not None:
                self.facts.cors.append(config)
            return
        if len(conditions) > MAX_CONDITIONS:
            why = Unknown(f"CorsConfiguration depends on {len(conditions)} conditions "
                          f"({', '.join(conditions)}); at most {MAX_CONDITIONS} are evaluated")
            self.facts.cors.append(CorsConfig(target, why, where, CorsSource.INLINE,
                                              self.src.format))
            return
        seen: set[tuple[str, Location]] = set()
        for assume in scenarios:
            text = " and ".join(f"condition {c} is {'true' if v else 'false'}"
                                for c, v in assume.items())
            config = self.cors_config(node, {**base, **assume}, where, target)
            if config is None:  # no CorsConfiguration in this branch: no CORS at all
                config = CorsConfig(target, (), where, CorsSource.INLINE, self.src.format)
            fresh = tuple(p for p in config.problems if (p.message, p.location) not in seen)
            seen.update((p.message, p.location) for p in config.problems)
            self.facts.cors.append(replace(config, problems=fresh, group=f"{target.identity}:cors",
                                           condition=text))

    def cors_config(self, node: Any, assume: dict[str, bool], where: Location,
                    target: BucketRef) -> CorsConfig | None:
        fmt = self.src.format
        chosen = self.tpl.choose(node, assume)
        if chosen is NO_VALUE:
            return None
        if isinstance(chosen, Unknown):
            return CorsConfig(target, chosen, where, CorsSource.INLINE, fmt)
        problems: list[CorsProblem] = []
        if not isinstance(chosen, PDict):
            problems.append(CorsProblem("CorsConfiguration must be a mapping with CorsRules",
                                        where))
            return CorsConfig(target, Unknown("CorsConfiguration is not a mapping"), where,
                              CorsSource.INLINE, fmt, tuple(problems))
        for key in chosen:
            if key != "CorsRules":
                problems.append(CorsProblem(
                    f"unknown field '{key}' in CorsConfiguration (it has only CorsRules)",
                    _loc(self.path, chosen.key_pos(key))))
        rules_node = self.tpl.choose(chosen.get("CorsRules"), assume)
        rules: tuple[CorsRule, ...] | Unknown
        if "CorsRules" not in chosen or rules_node is NO_VALUE:
            problems.append(CorsProblem("CorsConfiguration has no CorsRules (required)", where))
            rules = ()
        elif isinstance(rules_node, Unknown):
            rules = rules_node
        elif not isinstance(rules_node, PList):
            problems.append(CorsProblem("CorsRules must be a list of rules",
                                        _loc(self.path, chosen.value_pos("CorsRules"))))
            rules = Unknown("CorsRules is not a list")
        else:
            rules = self.cors_rules(rules_node, assume, problems)
        return CorsConfig(target, rules, where, CorsSource.INLINE, fmt, tuple(problems))

    def cors_rules(self, node: PList, assume: dict[str, bool],
                   problems: list[CorsProblem], dialect: str = "cloudformation"
                   ) -> tuple[CorsRule, ...]:
        rules: list[CorsRule] = []
        problems += cors_check.check_rule_count(len(node), self.path, node.pos)
        for i, item in enumerate(node):
            ipos = node.item_pos(i)
            chosen = self.tpl.choose(item, assume)
            if chosen is NO_VALUE:
                continue
            if isinstance(chosen, Unknown):
                rules.append(CorsRule(chosen, chosen, location=_loc(self.path, ipos)))
                continue
            if not isinstance(chosen, PDict):
                problems.append(CorsProblem(f"CORS rule {i + 1} must be a mapping",
                                            _loc(self.path, ipos)))
                continue
            fields: dict[str, tuple[Any, Pos]] = {}
            items: dict[str, list[Pos]] = {}
            for key, raw in chosen.items():
                value = self.tpl.value(raw, assume)
                if value is NO_VALUE:
                    continue
                fields[str(key)] = (value, chosen.value_pos(key))
                if isinstance(raw, PList):
                    items[str(key)] = raw.ipos
            rule, found = cors_check.build_rule(fields, dialect, self.path,
                                                chosen.pos if chosen is not item else ipos,
                                                items, chosen.kpos)
            problems += found
            rules.append(rule)
        return tuple(rules)

    # -- labeling uses ------------------------------------------------------------------------

    def state_machine(self, lid: str, res: PDict, rtype: str) -> None:
        """Labeling uses in a state machine's definition, read in the deployments where the
        state machine exists (its resource ``Condition`` holds)."""
        props = self.props(res)
        if props is None:
            return
        assume = resource_condition(self.tpl, res)
        subs = self.substitutions(props.get("DefinitionSubstitutions"), assume)
        evidence = f"Step Functions {lid}"
        fallback = _loc(self.path, props.pos)
        if "Definition" in props:
            node = props["Definition"]
            definition = self.tpl.document_value(node, assume)
            locate = positioned_locate(node, self.path, _loc(self.path, props.key_pos(
                "Definition")))
            self.facts.uses += uses_from_definition(definition, locate, evidence, subs)
            self.note_definition_jobs(definition, subs)
        elif "DefinitionString" in props and rtype == "AWS::StepFunctions::StateMachine":
            self.definition_string(props, evidence, subs, assume)
        elif "DefinitionUri" in props and rtype == "AWS::Serverless::StateMachine":
            self.definition_uri(props, evidence, subs, fallback)
        # DefinitionS3Location / an S3 DefinitionUri: the definition is not in the scan

    def substitutions(self, node: Any, assume: dict[str, bool]) -> dict[str, str | Unknown]:
        node = self.tpl.choose(node, assume)
        if not isinstance(node, dict):
            return {}
        out: dict[str, str | Unknown] = {}
        for k, v in node.items():
            got = self.tpl.text(v, assume)
            out[str(k)] = got if got is not None else Unknown(f"substitution {k} is not a string")
        return out

    def definition_string(self, props: PDict, evidence: str, subs: dict[str, str | Unknown],
                          assume: dict[str, bool]) -> None:
        text = self.tpl.document_text(props["DefinitionString"], assume)
        if isinstance(text, Unknown):
            return
        try:
            doc = jsonpos.loads(text)
        except jsonpos.JSONPosError:
            return  # not JSON once evaluated: CloudFormation would reject it; nothing to read
        vpos = props.value_pos("DefinitionString")
        fallback = _span(self.path, props.key_pos("DefinitionString"), vpos)
        inner = positioned_locate(doc, self.path, fallback)
        chars = source_map(self.src, self.tpl, props["DefinitionString"], vpos, assume)
        if chars is not None and len(chars) != len(text):
            chars = None
        starts = [0]
        for line in text.split("\n"):
            starts.append(starts[-1] + len(line) + 1)

        def char(line: int, column: int, chars: list[tuple[int, int]]) -> tuple[int, int]:
            offset = starts[min(max(line, 1), len(starts) - 1) - 1] + column - 1
            return chars[min(max(offset, 0), len(chars) - 1)]

        def locate(keys: tuple[Any, ...]) -> Location:
            if not chars:
                return fallback
            at = inner(keys)
            if at == fallback:
                return fallback
            line, column = char(at.line, at.column, chars)
            end_line, end_column = char(at.end_line or at.line, max((at.end_column or 1) - 1, 1),
                                        chars)
            return Location(self.path, line, column, end_line, end_column + 1)

        self.facts.uses += uses_from_definition(doc, locate, evidence, subs)
        self.note_definition_jobs(doc, subs)

    def human_task_ui(self, lid: str, res: PDict) -> None:
        """``UiTemplate.Content`` read as a worker template: at its own lines when it is a
        ``|`` block scalar, else at the Content value."""
        from policylint.readers import templates

        props = self.props(res)
        ui = props.get("UiTemplate") if props is not None else None
        if not isinstance(ui, PDict) or "Content" not in ui:
            return
        text = self.tpl.document_text(ui["Content"])
        if not isinstance(text, str):
            return
        vpos = ui.value_pos("Content")
        block = self.literal_block(vpos)
        fallback = _loc(self.path, vpos)

        def place(line: int, column: int) -> Location:
            if block is None or block[0] + line - 1 > vpos.end_line:
                return fallback
            return Location(self.path, block[0] + line - 1, column + block[1])

        self.facts.uses += templates.uses_of_template(
            text, self.path, place, f"AWS::SageMaker::HumanTaskUi {lid}")

    def literal_block(self, vpos: Pos) -> tuple[int, int] | None:
        """(first content line, indentation) of a ``|`` block scalar at ``vpos`` (after an
        optional ``!Sub`` tag), whose lines map one to one to the string's."""
        if self.src.format is not Format.CLOUDFORMATION_YAML:
            return None
        lines = self.src.lines
        if vpos.line > len(lines):
            return None
        rest = lines[vpos.line - 1][vpos.column - 1:].strip()
        if rest.startswith("!"):
            rest = rest.split(None, 1)[1] if " " in rest else ""
        if not rest.startswith("|"):
            return None
        for n in range(vpos.line + 1, min(vpos.end_line, len(lines)) + 1):
            line = lines[n - 1]
            if line.strip():
                return n, len(line) - len(line.lstrip())
        return None

    def definition_uri(self, props: PDict, evidence: str, subs: dict[str, str | Unknown],
                       fallback: Location) -> None:
        uri = self.tpl.value(props["DefinitionUri"])
        if not isinstance(uri, str) or uri.startswith("s3://") or "://" in uri:
            return
        target = os.path.normpath(os.path.join(os.path.dirname(self.abspath), uri))
        data = self.ctx.load(target)
        if data is None:
            return
        shown = self.ctx.display(target)
        doc, error = documents.load(shown, data)
        if error is not None:
            return  # the definition file is read (and reported) as ASL in its own right
        locate = positioned_locate(doc, shown, Location(shown, 1, 1))
        self.facts.embedded.append(Embedded(shown, evidence))  # read with its substitutions
        self.facts.uses += uses_from_definition(doc, locate, f"{evidence} ({shown})", subs)
        self.note_definition_jobs(doc, subs)

    def api_shaped(self, lid: str, res: PDict, rtype: str) -> None:
        """Resources whose properties use CreateLabelingJob / StartHumanLoop API names
        (custom resources that create labeling jobs)."""
        props = self.props(res)
        if props is None:
            return
        if rtype.startswith("Custom::") or rtype == "AWS::CloudFormation::CustomResource":
            self.custom_cors(lid, props)
            props = _api_cased(props)
        root_locate = positioned_locate(props, self.path, _loc(self.path, props.pos))
        evidence = f"{rtype} {lid}"
        for keys, node in _api_objects(props, ()):
            def locate(sub: tuple[Any, ...], _k: tuple[Any, ...] = keys) -> Location:
                return root_locate(_k + sub)

            if isinstance(node.get("InputConfig"), dict):
                params = self.tpl.value(node)
                self.facts.uses += labeling.labeling_job_uses(params, locate, evidence)
                self.note_job(params)
            elif isinstance(node.get("HumanLoopInput"), dict):
                self.facts.uses += labeling.human_loop_uses(self.tpl.value(node), locate,
                                                            evidence)
            else:
                self.facts.uses += self.flat_job(node, locate, evidence)

    def custom_cors(self, lid: str, props: PDict) -> None:
        """A custom resource whose properties are named like PutBucketCors (``CORSRules``,
        ``CorsRules``, ``CORSConfiguration``, any case) and name a bucket: a CORS source for that
        bucket, written when the stack deploys (after the bucket's own CorsConfiguration: two
        definitions, PL201, and the custom resource's rules are the ones judged, since they are
        in force after deployment). Rules use the S3 API's field names."""
        lower = {k.lower(): k for k in props if isinstance(k, str)}
        bucket_key = next((lower[k] for k in _BUCKET_KEYS if k in lower), None)
        conf_key = lower.get("corsconfiguration")
        holder: Any = props
        rules_key = lower.get("corsrules")
        if rules_key is None and conf_key is not None and isinstance(props[conf_key], PDict):
            holder = props[conf_key]
            inner = {k.lower(): k for k in holder if isinstance(k, str)}
            rules_key = inner.get("corsrules")
        if bucket_key is None or rules_key is None:
            return
        name = self.tpl.text(props[bucket_key])
        target = BucketRef(name=name if name is not None else Unknown("the bucket is not a string"),
                           text=bucket_key)
        if isinstance(name, str):
            ref_lid = self.tpl.bucket_of_placeholder(name)
            if ref_lid is not None:
                target = BucketRef(identity=self.identity(ref_lid),
                                   name=self.tpl.bucket_name(ref_lid), text=ref_lid)
        where = _span(self.path, holder.key_pos(rules_key), holder.value_pos(rules_key))
        node = self.tpl.choose(holder[rules_key])
        problems: list[CorsProblem] = []
        rules: tuple[CorsRule, ...] | Unknown
        if isinstance(node, PList):
            rules = self.cors_rules(node, {}, problems, "s3")
        elif isinstance(node, Unknown):
            rules = node
        else:
            rules = Unknown(f"{rules_key} of {lid} is not a list")
        self.facts.cors.append(CorsConfig(target, rules, where, CorsSource.RESOURCE,
                                          self.src.format, tuple(problems),
                                          group=f"{self.identity(lid)}:custom-cors",
                                          rules_key=rules_key,
                                          supersedes=True))

    def flat_job(self, node: PDict, locate: Any, evidence: str) -> list[LabelingUse]:
        """``ManifestS3Uri`` (and friends) directly among a resource's properties."""
        api = {("InputConfig", "DataSource", "S3DataSource", "ManifestS3Uri"): "ManifestS3Uri",
               ("OutputConfig", "S3OutputPath"): "S3OutputPath",
               ("HumanTaskConfig", "PreHumanTaskLambdaArn"): "PreHumanTaskLambdaArn",
               ("HumanTaskConfig", "UiConfig", "HumanTaskUiArn"): "HumanTaskUiArn"}
        params: dict[str, Any] = {}
        for path, key in api.items():
            if key in node:
                d = params
                for k in path[:-1]:
                    d = d.setdefault(k, {})
                d[path[-1]] = self.tpl.value(node[key])
        if "RoleArn" in node:
            params["RoleArn"] = self.tpl.value(node["RoleArn"])
        self.note_job(params)

        def flat_locate(keys: tuple[Any, ...]) -> Location:
            key = api.get(tuple(keys), keys[-1] if keys else "")
            return locate((key,))

        return labeling.labeling_job_uses(params, flat_locate, evidence)

    def bind(self, use: LabelingUse) -> LabelingUse:
        """A use whose bucket is a placeholder binds to that bucket resource by identity."""
        t = use.target
        lid = self.tpl.bucket_of_placeholder(t.name) if isinstance(t.name, str) else None
        evidence = self.tpl.readable(use.evidence)
        if lid is None:
            if isinstance(t.name, str) and "policylint-cfn-ref-" in t.name:
                name = self.tpl.resolve(t.name)
                return replace(use, evidence=evidence,
                               target=replace(t, name=name, text=self.tpl.readable(t.text)))
            return replace(use, evidence=evidence) if evidence != use.evidence else use
        target = BucketRef(identity=self.identity(lid), name=self.tpl.bucket_name(lid),
                           text=self.tpl.readable(t.text) if t.text else lid)
        return replace(use, evidence=evidence, target=target)

    # -- suppressions ---------------------------------------------------------------------------

    def suppressions(self) -> None:
        doc = self.src.doc
        whole = Location(self.path, 1, 1, max(len(self.src.lines), 1), 1)
        self.metadata_suppressions(doc.get("Metadata"), whole)
        for lid, res in self.resources.items():
            if isinstance(res, PDict) and isinstance(lid, str):
                self.metadata_suppressions(res.get("Metadata"), self.resource_location(lid))
        units = list(self.resource_spans())
        for line, col, text in self.src.comments:
            if "policylint" not in text.lower():
                continue
            where = Location(self.path, line, col, line, len(self.src.lines[line - 1]) + 1)
            scope = suppress.comment_scope(self.path, (line, line), self.own_line(line), units,
                                           self.src.lines, self.comment_lines())
            got = suppress.parse_comment(text, where, scope)
            if got is not None:
                self.facts.suppressions.append(got)

    def metadata_suppressions(self, meta: Any, scope: Location) -> None:
        pl = meta.get("policylint") if isinstance(meta, PDict) else None
        if not isinstance(pl, PDict) or "disable" not in pl:
            return
        items = pl["disable"]
        where = _loc(self.path, pl.key_pos("disable"))
        if not isinstance(items, PList):
            self.facts.suppressions.append(Suppression(
                (), None, None, where, scope,
                problem="Metadata policylint.disable must be a list of {rule, reason}"))
            return
        for i, item in enumerate(items):
            self.facts.suppressions.append(
                _metadata_suppression(item, _loc(self.path, items.item_pos(i)), scope))

    def resource_spans(self) -> dict[tuple[int, int], str]:
        """Each resource's lines (its logical ID's line to the end of its value) → its ID."""
        if self._spans is None:
            self._spans = {}
            for lid in self.resources:
                if isinstance(lid, str):
                    self._spans.setdefault((self.resources.key_pos(lid).line,
                                            self.resources.value_pos(lid).end_line), lid)
        return self._spans

    def comment_lines(self) -> set[int]:
        """The lines holding nothing but a comment."""
        if self._comment_lines is None:
            self._comment_lines = {n for n, line in enumerate(self.src.lines, 1)
                                   if line.lstrip().startswith("#")}
        return self._comment_lines

    def comment_owner(self, line: int) -> str | None:
        """The resource a comment on ``line`` is about (``suppress.comment_unit``: the one it is
        in, or directly above)."""
        spans = self.resource_spans()
        unit = suppress.comment_unit((line, line), self.own_line(line), spans, self.src.lines,
                                     self.comment_lines())
        return spans.get(unit) if unit is not None else None

    def own_line(self, line: int) -> bool:
        return self.src.lines[line - 1].lstrip().startswith("#")


def _metadata_suppression(item: Any, where: Location, scope: Location) -> Suppression:
    if not isinstance(item, dict):
        return Suppression((), None, None, where, scope,
                           problem="a Metadata suppression must be a mapping {rule, reason}")
    rule = item.get("rule", item.get("rules"))
    if isinstance(rule, list):
        rule = ",".join(str(r) for r in rule)
    words = []
    if rule is not None:
        words.append("disable=" + shlex.quote(str(rule)))
    if item.get("reason") is not None:
        words.append("reason=" + shlex.quote(str(item["reason"])))
    if item.get("expires") is not None:
        words.append("expires=" + shlex.quote(str(item["expires"])))
    unknown = [str(k) for k in item if k not in ("rule", "rules", "reason", "expires")]
    got = suppress.parse_directive(" ".join(words) or "disable", where, scope)
    if rule is None:
        return replace(got, problem="a Metadata suppression needs rule: (the code to disable)")
    if unknown and got.problem is None:
        return replace(got, problem=f"unknown field '{unknown[0]}' in a Metadata suppression "
                                    "(expected rule, reason, expires)")
    return got


_BUCKET_KEYS = ("bucket", "bucketname", "s3bucket", "s3bucketname", "targetbucket")
# a custom resource's properties, any case, as the API names them
_API_NAMES = {"manifests3uri": "ManifestS3Uri", "s3manifesturi": "ManifestS3Uri",
              "s3outputpath": "S3OutputPath", "prehumantasklambdaarn": "PreHumanTaskLambdaArn",
              "inputconfig": "InputConfig", "humanloopinput": "HumanLoopInput"}


def _api_cased(props: PDict) -> PDict:
    """``props`` with keys spelled like the API (``S3ManifestURI``, ``manifestS3Uri`` ->
    ``ManifestS3Uri``), positions kept; the same object when nothing is renamed."""
    renames = {k: _API_NAMES[k.lower()] for k in props if isinstance(k, str)
               and k.lower() in _API_NAMES and _API_NAMES[k.lower()] != k
               and _API_NAMES[k.lower()] not in props}
    if not renames:
        return props
    out = PDict()
    out.pos = props.pos
    for k in props:
        new = renames.get(k, k)
        out[new] = props[k]
        out.kpos[new] = props.key_pos(k)
        out.vpos[new] = props.value_pos(k)
    return out


def _api_objects(node: Any, keys: tuple[Any, ...], depth: int = 0
                 ) -> Iterator[tuple[tuple[Any, ...], PDict]]:
    """(key path, mapping) of every mapping shaped like a labeling API request."""
    if depth > MAX_WALK_DEPTH:
        return
    if isinstance(node, PDict):
        if any(k in node for k in LABELING_KEYS):
            yield keys, node
            return
        for k, v in node.items():
            yield from _api_objects(v, keys + (k,), depth + 1)
    elif isinstance(node, PList):
        for i, v in enumerate(node):
            yield from _api_objects(v, keys + (i,), depth + 1)
