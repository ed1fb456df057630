"""Assemble the train/dev/test corpora from synthetic DocBins and the real gold DocBins.

spaCy's Corpus reader accepts a folder of .spacy files, so each split is a folder; the
`real_gold_use` var decides where hand-annotated real letters go. Seed letters are always test.
`train_spancat` is the training folder of stage 2 (spancat): the same letters with the real ones
repeated more often, because real findings are what synthetic ones do not teach (README, "Design
measurements").
"""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from spacy.tokens import DocBin


def _count(path: Path) -> int:
    return len(DocBin().from_disk(path)) if path.exists() else 0


def main(
    synthetic_dir: Path = typer.Option(Path("corpus"), help="Folder with train.spacy and dev.spacy"),
    gold_docs: Path = typer.Option(Path("corpus/gold_docs"), help="Output of validate_gold.py"),
    real_gold_use: str = typer.Option("split", help="split | test | train | dev"),
    output_dir: Path = typer.Option(Path("corpus/splits")),
    real_repeat: int = typer.Option(
        1, help="Copies of each real training letter (they are few beside the synthetic ones)"
    ),
    real_repeat_spancat: int = typer.Option(
        0, help="Copies of each real training letter in train_spancat (0: as --real-repeat)"
    ),
) -> None:
    if real_gold_use not in {"split", "test", "train", "dev"}:
        raise typer.BadParameter("real_gold_use must be split, test, train or dev")
    if output_dir.exists():
        shutil.rmtree(output_dir)
    splits = ("train", "train_spancat", "dev", "test")
    for split in splits:
        (output_dir / split).mkdir(parents=True)
    shutil.copy(synthetic_dir / "train.spacy", output_dir / "train" / "synthetic.spacy")
    shutil.copy(synthetic_dir / "train.spacy", output_dir / "train_spancat" / "synthetic.spacy")
    shutil.copy(synthetic_dir / "dev.spacy", output_dir / "dev" / "synthetic.spacy")
    # seeds are the fixed real-letter test set and never trained on
    seeds = gold_docs / "seeds_gold.spacy"
    if seeds.exists():
        shutil.copy(seeds, output_dir / "test" / "real_seeds.spacy")
    for split in ("train", "dev", "test"):
        src = gold_docs / f"real_gold_{split}.spacy"
        if not src.exists() or _count(src) == 0:
            continue
        target = split if real_gold_use == "split" else real_gold_use
        copies = real_repeat if target == "train" else 1
        for k in range(copies):
            shutil.copy(src, output_dir / target / f"real_letters_from_{split}_{k}.spacy")
        if target == "train":
            for k in range(real_repeat_spancat or real_repeat):
                shutil.copy(src, output_dir / "train_spancat" / f"real_letters_from_{split}_{k}.spacy")
    rows = []
    for split in splits:
        for f in sorted((output_dir / split).glob("*.spacy")):
            rows.append((split, f.name, _count(f)))
    width = max(len(r[1]) for r in rows)
    for split, name, n in rows:
        typer.echo(f"{split:<6} {name:<{width}} {n:>6} docs")


if __name__ == "__main__":
    typer.run(main)
