"""## What it does
Reports that a rule or a reader crashed on an input. The run goes on: every other rule and file
is still checked, and the run exits 1 so that a crash never passes silently.

## Why is this bad?
A crash means policylint could not judge part of your repository. It is a bug in policylint, not
in your files: please report it with the file that triggers it. When the rule comes from a
plugin (an entry point or a `rules-dirs` file) and crashes, or yields something that is not a
well-formed `Finding` (a wrong type, a location without a path or with a line below 1), the
message ends with "a bug in the plugin (...), not in policylint": report it to the plugin's
authors. Each bad finding is one PL000; the plugin's good findings still stand.

## Example
```text
main.tf:1:1: PL000 rule PL101 crashed on this input: KeyError: 'x'
```

## Use instead
Nothing to change in your files. Report the bug; meanwhile `--ignore PL000` hides it.

## Options
None.

## Known limitations
None.

## References
- `policylint --version` and the file named in the finding are what a bug report needs
- `POLICYLINT_DEBUG=1` prints the traceback of a crash of the whole run on stderr
"""
from __future__ import annotations

from typing import Iterator

from policylint.model import Finding, Project, Severity
from policylint.rule import Options, RuleMeta

META = RuleMeta(code="PL000", name="internal-error", severity=Severity.ERROR,
                summary="A rule or reader crashed on this input (the run goes on)")


def check(project: Project, options: Options) -> Iterator[Finding]:
    """The engine reports crashes itself; this rule has nothing to check."""
    return iter(())
