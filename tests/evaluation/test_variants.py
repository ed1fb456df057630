"""Design variants: the table shows each design's mean over its seeds; training applies its overrides."""

from __future__ import annotations

from pathlib import Path

from thinc.api import Config

from imr_determinations.evaluation import variants
from imr_determinations.labels import SPAN_LABELS


def _scores(f: float) -> dict[str, float]:
    return {f"{lab} {kind} {c}": f for lab in SPAN_LABELS for kind in ("exact", "overlap") for c in "prf"}


def test_the_table_shows_the_mean_over_a_variants_seeds() -> None:
    table = variants.render("real_test", {"design A": {"0": _scores(0.2), "1": _scores(0.4)}})
    row = table.splitlines()[2].split("|")
    assert row[1].strip() == "design A" and row[2].strip() == "2"
    assert {cell.strip() for cell in row[3:-1]} == {"0.300"}


def test_training_a_variant_applies_its_overrides_and_seed(tmp_path: Path, monkeypatch) -> None:
    base = tmp_path / "config.cfg"
    base.write_text(
        "[components]\n\n[components.spancat]\nthreshold = 0.5\n\n"
        "[components.spancat.suggester]\n"
        '@misc = "imr_determinations.boundary_suggester.v1"\nmax_length = 30\n'
    )
    seen: list[tuple[list[str], str]] = []

    def fake_run(cmd: list[str], check: bool) -> None:
        seen.append((cmd, Path(cmd[4]).read_text()))

    monkeypatch.setattr(variants.subprocess, "run", fake_run)
    models = {
        "clause_seed1": {
            "seed": 1,
            "overrides": {
                "components.spancat.suggester": {
                    "@misc": "imr_determinations.clause_suggester.v1",
                    "max_length": 30,
                }
            },
        }
    }
    variants.train_models(models, tmp_path / "out", base, stage1="s1", train="tr", dev="dv", steps=5)
    ((cmd, cfg_text),) = seen
    cfg = Config().from_str(cfg_text)
    assert cfg["components"]["spancat"]["suggester"]["@misc"] == "imr_determinations.clause_suggester.v1"
    assert cfg["components"]["spancat"]["threshold"] == 0.5
    assert cmd[cmd.index("--system.seed") + 1] == "1"
    assert cmd[cmd.index("--output") + 1] == str(tmp_path / "out" / "clause_seed1")
