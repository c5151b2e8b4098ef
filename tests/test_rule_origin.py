"""--list-rules and --explain say where each rule comes from and which options configure it."""
from __future__ import annotations

from pathlib import Path

from conftest import run_cli, write_tree

from policylint.docs import options

PLUGIN = '''"""## What it does
Checks bucket names.

## Options
- `labeling.buckets` (name globs).
- `labeling.accepted-origins`, too.

## Known limitations
- `not-an-option` is in another section.
"""
from __future__ import annotations

from policylint.rule import RuleMeta, Severity

META = RuleMeta(code="PL951", name="bucket-names", severity=Severity.WARNING,
                summary="Bucket names follow the team's scheme")


def check(project, options):
    yield from ()
'''


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return write_tree(tmp_path, {"my_rules/pl951_names.py": PLUGIN,
                                 ".policylint.yaml": "rules-dirs: [my_rules]\n"})


def test_list_rules_shows_origin_and_options(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, out, err = run_cli(["--list-rules"], repo)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    plugin = str(repo / "my_rules" / "pl951_names.py")
    assert lines[-1].split("  ")[0] == "PL951"
    assert lines[-1].endswith("Bucket names follow the team's scheme  "
                              f"({plugin}; options: labeling.buckets, labeling.accepted-origins)")
    pl101 = next(line for line in lines if line.startswith("PL101"))
    assert pl101.endswith("(built-in; options: labeling.accepted-origins)")
    pl000 = next(line for line in lines if line.startswith("PL000"))
    assert pl000.endswith("(built-in; options: none)")


def test_explain_shows_origin_and_options(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, out, err = run_cli(["--explain", "PL951"], repo)
    assert (code, err) == (0, "")
    plugin = str(repo / "my_rules" / "pl951_names.py")
    assert out.startswith(
        "# PL951 bucket-names (warning)\n\nBucket names follow the team's scheme.\n\n"
        f"Origin: {plugin}. Options: labeling.buckets, labeling.accepted-origins.\n\n"
        "## What it does\n")
    assert run_cli(["--explain", "PL104"], repo)[1].splitlines()[4] == (
        "Origin: built-in. Options: labeling.strict-ground-truth.")


def test_options_come_only_from_the_options_section() -> None:
    assert options("## Options\nNone.\n") == []
    assert options("## What it does\n- `x` y\n") == []
    assert options("## Options\n* `a.b` c\n- `d` e\n## References\n- `z`\n") == ["a.b", "d"]
