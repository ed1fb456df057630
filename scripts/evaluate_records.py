# ruff: noqa: B008  (typer options are declared as defaults)
"""Record-level evaluation: predicted determination records against gold records.

    python scripts/evaluate_records.py --model training/model-best --gold-dir corpus/gold \
        --letters-dir ../shared/letters --split-file corpus/gold/splits.json --splits test \
        --heldout-seed 0 --heldout-n 150 --output training/metrics/records.json

Systems: the trained pipeline (``--model``) and the rule baseline (blank_nlp + imr_sections +
imr_determination_linker(rules_only=True); ``--no-baseline`` skips it), each run once over every
letter. Data sets, side by side: the real gold letters of ``--splits`` (seeds are listed in
splits.json as test), the seed letters alone, and the held-out synthetic split regenerated from
``generate(heldout_seed, heldout_n, "heldout")`` with gold records built from its spans.

An item matches a gold item when their services overlap: character spans when both sides have
them, else service tokens (share of the smaller token set >= ``--match-threshold``); matching is
one-to-one, best overlap first, ties in letter order. Reported per system x data set: item
precision / recall / F1, decision accuracy on matched items, guideline-id precision / recall (sets
of ids per matched item), page-range accuracy (gold guidelines with pages whose id was found: the
predicted pages are equal), finding precision / recall (a record's findings are those of its
item's rationale, ANNOTATION.md section 8; two match at ``--match-threshold`` token overlap) and
items carrying warnings.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from imr_determinations.evaluation.provenance import write_metrics
from imr_determinations.evaluation.record_gold import (
    build_datasets,
    load_gold_letters,
    parse_noise,
    parse_splits,
)
from imr_determinations.evaluation.record_systems import (
    baseline_pipeline,
    evaluate_all,
    load_model,
    self_check,
)
from imr_determinations.evaluation.record_tables import summary_lines
from imr_determinations.extraction_noise import OFFSET_KEEPING_NOISE

ROOT = Path(__file__).resolve().parents[1]
app = typer.Typer(add_completion=False)

BASELINE = "baseline"
MODEL = "model"
NOTES = "record findings are the CLINICAL_FINDING spans of each item's rationale (ANNOTATION.md 8)"


def _systems(model: Path | None, no_baseline: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The pipelines to score and what each one is (as the JSON's "systems" says)."""
    systems: dict[str, Any] = {}
    described: dict[str, str] = {}
    if model is not None:
        try:
            systems[MODEL], added = load_model(model)
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"--model {model}: {exc}") from exc
        if added:
            typer.echo(f"note: {model} has no {' / '.join(added)}; appended for scoring", err=True)
        described[MODEL] = f"{model}" + (f" (+ {', '.join(added)} appended)" if added else "")
    if not no_baseline:
        systems[BASELINE] = baseline_pipeline()
        described[BASELINE] = "blank_nlp + imr_sections + linker(rules_only)"
    if not systems:
        raise typer.BadParameter("nothing to score: give --model or drop --no-baseline")
    return systems, described


@app.command()
def main(
    model: Path = typer.Option(None, help="a trained pipeline directory (omit for the baseline alone)"),
    no_baseline: bool = typer.Option(False, "--no-baseline", help="do not score the rule baseline"),
    gold_dir: Path = typer.Option(ROOT / "corpus" / "gold", help="gold folder (seeds.jsonl, letters/)"),
    letters_dir: Path = typer.Option(ROOT.parent / "shared" / "letters", help="the real letters (PDFs)"),
    split_file: Path = typer.Option(None, help="letter_id -> split (default <gold-dir>/splits.json)"),
    splits: str = typer.Option("test", help="comma list of gold splits to score (seeds are test)"),
    heldout_seed: int = typer.Option(0, help="seed of the regenerated held-out synthetic split"),
    heldout_n: int = typer.Option(150, help="held-out synthetic letters (0 = none)"),
    output: Path = typer.Option(ROOT / "training" / "metrics" / "records.json", help="JSON output"),
    self_check_dir: Path = typer.Option(None, help="'Decision rationale:' count check on a folder"),
    match_threshold: float = typer.Option(0.5, help="service/finding token overlap that makes two one"),
    show_problems: bool = typer.Option(False, help="print the per-letter errors"),
    noise: str = typer.Option(
        "",
        help="comma list of extraction noise to score noisy copies of the gold and held-out letters with: "
        + ", ".join(OFFSET_KEEPING_NOISE),
    ),
) -> None:
    try:
        wanted, kinds = parse_splits(splits), parse_noise(noise)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    systems, described = _systems(model, no_baseline)
    gold, seeds, skipped = load_gold_letters(gold_dir, letters_dir, split_file, wanted)
    for reason in skipped:
        typer.echo(f"skipped: {reason}", err=True)
    datasets, noise_bases = build_datasets(gold, seeds, wanted, heldout_seed, heldout_n, kinds)
    if not datasets:
        typer.echo(f"no letters to score (gold under {gold_dir}, --heldout-n {heldout_n})", err=True)
        raise typer.Exit(1)
    out: dict[str, Any] = {
        "systems": described,
        "datasets": {d: [lt.letter_id for lt in letters] for d, letters in datasets.items()},
        "splits": wanted,
        "heldout": {"seed": heldout_seed, "n": heldout_n},
        "match_threshold": match_threshold,
        "skipped": skipped,
        **evaluate_all(systems, datasets, match_threshold, noise_bases, kinds),
        "notes": NOTES,
    }
    if self_check_dir is not None:
        if self_check_dir.is_dir():
            out["self_check"] = self_check(systems, self_check_dir)
        else:
            typer.echo(f"self-check skipped: {self_check_dir} is not a folder", err=True)
    for line in summary_lines(out, show_problems):
        typer.echo(line)
    write_metrics(output, out)
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    sys.exit(app())
