"""JUnit XML output, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).

One ``testsuite``; one failing ``testcase`` per finding, named by rule and location, whose
``failure`` carries the rule, the location and the message (then the why, the evidence and the fix).
A clean run is one passing testcase, so that CI shows a green test rather than an empty report.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from policylint.model import Finding
from policylint.reporters import Report, neutralise_commands

# Characters XML 1.0 cannot carry at all, even escaped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _ILLEGAL.sub("\ufffd", text)


def _attr(text: str) -> str:
    return quoteattr(_clean(text), {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def failure_body(f: Finding) -> str:
    loc = f.location
    lines = [f"rule: {f.rule} {f.name} ({f.severity.label})",
             f"location: {loc.path}:{loc.line}:{loc.column}",
             f"message: {f.message}"]
    if f.subject:
        lines.append(f"subject: {f.subject}")
    if f.bucket:
        lines.append(f"bucket: {f.bucket}")
    if f.why:
        lines.append(f"why: {f.why}")
    for r in f.related:
        lines.append(f"related: {r.location.path}:{r.location.line}:{r.location.column}: "
                     f"{r.message}")
    if f.fix is not None:
        lines.append(f"fix: {f.fix.description}")
        lines += [f"    {sl}" if sl else "" for sl in f.fix.snippet.rstrip("\n").splitlines()]
    return "\n".join(lines)


def testcase(f: Finding) -> str:
    loc = f.location
    name = f"{f.rule} {loc.path}:{loc.line}:{loc.column}"
    return (f"    <testcase classname={_attr('policylint.' + f.rule)} name={_attr(name)} "
            f"file={_attr(loc.path)} line=\"{loc.line}\">\n"
            f"      <failure type={_attr(f.rule)} message={_attr(f'{f.rule} {f.message}')}>"
            f"{escape(_clean(failure_body(f)))}</failure>\n"
            f"    </testcase>\n")


def render(report: Report) -> str:
    n = len(report.findings)
    files = f"{report.files} file{'' if report.files == 1 else 's'}"
    props = (f"    <properties>\n"
             f"      <property name=\"files\" value=\"{report.files}\"/>\n"
             f"      <property name=\"suppressed\" value=\"{report.suppressed}\"/>\n"
             f"      <property name=\"baselined\" value=\"{report.baselined}\"/>\n"
             f"    </properties>\n")
    if n:
        cases = "".join(testcase(f) for f in report.findings)
    else:
        cases = (f"    <testcase classname=\"policylint\" "
                 f"name={_attr(f'no findings in {files}')}/>\n")
    tests = max(n, 1)
    out = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            f"<testsuites name=\"policylint\" tests=\"{tests}\" failures=\"{n}\" errors=\"0\">\n"
            f"  <testsuite name=\"policylint\" tests=\"{tests}\" failures=\"{n}\" errors=\"0\" "
            f"skipped=\"0\">\n"
            f"{props}{cases}"
            "  </testsuite>\n"
            "</testsuites>\n")
    # on a CI console, a message line that starts with "::" must not become a workflow command
    return neutralise_commands(out, xml=True) if report.annotations else out
