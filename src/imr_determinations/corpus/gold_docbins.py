"""The validated gold letters as DocBins: what validate-gold writes for training and evaluation."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import DocBin

from ..gold import GoldLetter, to_doc


def write_gold_docbins(
    nlp: Language, letters: Iterable[GoldLetter], output_dir: Path
) -> list[tuple[Path, int]]:
    """real_gold.spacy (all real letters, split in user_data), real_gold_<split>.spacy, seeds_gold.spacy;
    returns (path, docs) per file written."""
    output_dir.mkdir(parents=True, exist_ok=True)
    # a split that has become empty (letters moved by splits.json) must not leave last run's file behind
    for stale in output_dir.glob("*_gold*.spacy"):
        stale.unlink()
    bins: dict[str, DocBin] = {}
    written: list[tuple[Path, int]] = []
    for gl in letters:
        doc = to_doc(nlp, gl)
        names = ["seeds_gold"] if gl.kind == "seed" else ["real_gold", f"real_gold_{gl.split}"]
        for name in names:
            bins.setdefault(name, DocBin(store_user_data=True)).add(doc)
    for name, db in sorted(bins.items()):
        path = output_dir / f"{name}.spacy"
        db.to_disk(path)
        written.append((path, len(db)))
    return written
