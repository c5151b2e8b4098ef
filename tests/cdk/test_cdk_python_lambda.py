"""CDK Python Lambda functions bind their environment to their code
(tests/fixtures/cdk/python_lambda): Code.from_asset("functions/start_job") resolves from the
app's cdk.json folder; os.path.join(os.path.dirname(__file__), "..", "functions", "other")
from the stack file's folder. Each function's MANIFEST_BUCKET names a different bucket."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import copy_fixture, run_cli


def test_each_function_binds_its_own_bucket(tmp_path: Path) -> None:
    root = copy_fixture("cdk/python_lambda", tmp_path)
    code, out, err = run_cli([".", "--format", "json", "--no-cache"], root)
    assert code == 1, err
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"], f["subject"]) for f in findings] == [
        ("PL100", "stacks/labeling_stack.py", 11, 9, "JobStack/Manifests"),
        ("PL100", "stacks/labeling_stack.py", 19, 9, "JobStack/Raw"),
    ]
    evidence = {f["subject"]: [r["path"] for r in f["related"]] for f in findings}
    assert "functions/start_job/index.py" in evidence["JobStack/Manifests"]
    assert "functions/other/index.py" in evidence["JobStack/Raw"]


def test_without_cdk_json_plain_asset_paths_stay_unknown(tmp_path: Path) -> None:
    root = copy_fixture("cdk/python_lambda", tmp_path)
    (root / "cdk.json").unlink()
    code, out, _err = run_cli([".", "--format", "json", "--no-cache"], root)
    findings = json.loads(out)["findings"]
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("PL102", "functions/start_job/index.py", 13),
        ("PL100", "stacks/labeling_stack.py", 19),
    ]
