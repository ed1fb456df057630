"""`imr review` takes --model/-m the way `imr extract` and `imr show` do: same names, same default."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.extract import models

runner = CliRunner()


def export_rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_review_export_accepts_the_rules_model(linked_letters: Path, tmp_path: Path) -> None:
    out = tmp_path / "tasks.jsonl"
    result = runner.invoke(app, ["review", "export", str(linked_letters), "--model", "rules", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = export_rows(out)
    assert len(rows) == 3 and all(r["determinations"] for r in rows)  # the linker ran on every letter


@pytest.mark.parametrize("command", ["extract", "show", "review export"])
def test_short_model_option_everywhere(command: str, linked_letters: Path, tmp_path: Path) -> None:
    letter = linked_letters / "CM13-0001234.txt"
    args = [*command.split(), str(letter), "-m", "rules"]
    if command == "review export":
        args += ["-o", str(tmp_path / "tasks.jsonl")]
    if command == "show":
        args += ["--no-color"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    shown = (tmp_path / "tasks.jsonl").read_text() if command == "review export" else result.output
    assert "Naproxen 550mg #60" in shown


def test_review_export_defaults_to_the_model_extract_uses(
    letters_dir: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models, "PACKAGE_MODEL", "imr_no_such_package_for_this_test")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "tasks.jsonl"
    export = ["review", "export", str(letters_dir), "-o", str(out)]

    # no package and no training/model-best: both commands give the same clear error
    missing = runner.invoke(app, export)
    assert missing.exit_code == 2 and "no model found" in missing.output and "--model rules" in missing.output
    assert "no model found" in runner.invoke(app, ["extract", str(letters_dir)]).output

    # with training/model-best, both use it without being told
    shutil.copytree(model_dir, tmp_path / "training" / "model-best")
    result = runner.invoke(app, export)
    assert result.exit_code == 0, result.output
    labels = {s["label"] for r in export_rows(out) for s in r["spans"]}
    assert {"DIAGNOSIS", "DISPUTED_SERVICE"} <= labels  # the trained (here: ruler) model's spans
