"""Assemble the train/dev/test corpora from synthetic DocBins and the real gold DocBins.

spaCy's Corpus reader accepts a folder of .spacy files, so each split is a folder; the
`real_gold_use` var decides where hand-annotated real letters go. Seed letters are always test.
`train_spancat` is the training folder of stage 2 (spancat): the same letters with the real ones
repeated more often, because real findings are what synthetic ones do not teach (docs/design.md,
"Training in two stages").
"""

from __future__ import annotations

import shutil
from pathlib import Path

from spacy.tokens import DocBin

REAL_GOLD_USES = ("split", "test", "train", "dev")
SPLITS = ("train", "train_spancat", "dev", "test")


def count_docs(path: Path) -> int:
    """Docs in a .spacy file; 0 when it is missing."""
    return len(DocBin().from_disk(path)) if path.exists() else 0


def assemble(
    synthetic_dir: Path,
    gold_docs: Path,
    real_gold_use: str,
    output_dir: Path,
    real_repeat: int = 1,
    real_repeat_spancat: int = 0,
) -> list[tuple[str, str, int]]:
    """Rebuild OUTPUT_DIR/{train,train_spancat,dev,test}; returns (split, file, docs) per file written."""
    if real_gold_use not in REAL_GOLD_USES:
        raise ValueError("real_gold_use must be split, test, train or dev")
    if output_dir.exists():
        shutil.rmtree(output_dir)
    for split in SPLITS:
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
        if not src.exists() or count_docs(src) == 0:
            continue
        target = split if real_gold_use == "split" else real_gold_use
        copies = real_repeat if target == "train" else 1
        for k in range(copies):
            shutil.copy(src, output_dir / target / f"real_letters_from_{split}_{k}.spacy")
        if target == "train":
            for k in range(real_repeat_spancat or real_repeat):
                shutil.copy(src, output_dir / "train_spancat" / f"real_letters_from_{split}_{k}.spacy")
    return [
        (split, f.name, count_docs(f))
        for split in SPLITS
        for f in sorted((output_dir / split).glob("*.spacy"))
    ]
