"""assemble-corpus: which letters each training stage reads, and how often."""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import DocBin

from imr_determinations.corpus.assemble import assemble as assemble_splits
from imr_determinations.tokenizer import blank_nlp


def _docbin(path: Path, n: int) -> None:
    nlp = blank_nlp()
    DocBin(docs=[nlp.make_doc(f"letter {k}") for k in range(n)]).to_disk(path)


def _count(folder: Path) -> dict[str, int]:
    return {p.name: len(DocBin().from_disk(p)) for p in sorted(folder.glob("*.spacy"))}


def test_stage_two_reads_the_real_letters_more_often(tmp_path):
    synthetic, gold, out = tmp_path / "synthetic", tmp_path / "gold_docs", tmp_path / "splits"
    synthetic.mkdir()
    gold.mkdir()
    _docbin(synthetic / "train.spacy", 5)
    _docbin(synthetic / "dev.spacy", 2)
    _docbin(gold / "real_gold_train.spacy", 3)
    _docbin(gold / "real_gold_test.spacy", 4)
    _docbin(gold / "seeds_gold.spacy", 2)

    def assemble(real_repeat_spancat: int) -> None:
        assemble_splits(
            synthetic_dir=synthetic,
            gold_docs=gold,
            real_gold_use="split",
            output_dir=out,
            real_repeat=2,
            real_repeat_spancat=real_repeat_spancat,
        )

    assemble(3)
    train, spancat = _count(out / "train"), _count(out / "train_spancat")
    assert train["synthetic.spacy"] == spancat["synthetic.spacy"] == 5
    assert sum(n for name, n in train.items() if name.startswith("real_")) == 2 * 3
    assert sum(n for name, n in spancat.items() if name.startswith("real_")) == 3 * 3
    # test letters and seeds are never in either training folder
    assert set(_count(out / "test")) == {"real_seeds.spacy", "real_letters_from_test_0.spacy"}
    assert _count(out / "dev") == {"synthetic.spacy": 2}
    # without its own count, stage 2 repeats the real letters as stage 1 does
    assemble(0)
    assert _count(out / "train") == _count(out / "train_spancat")
