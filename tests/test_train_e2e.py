"""A tiny end-to-end train: generator -> DocBin -> the real config -> packaged-style load -> records.

Proves the config, the generator, the custom tokenizer and the rule components fit together;
it cannot prove accuracy (a few dozen steps), so it asserts structure and contracts only.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.cli.train import train
from spacy.tokens import DocBin

from imr_determinations.labels import NER_LABELS, SPAN_LABELS
from imr_determinations.records import doc_to_record, validate_record
from imr_determinations.synth.generator import generate, letter_to_doc
from imr_determinations.tokenizer import blank_nlp

ROOT = Path(__file__).resolve().parents[1]
SEED_LETTER = ROOT / "corpus" / "seeds" / "000_455a604ddc9a446c.txt"


def _write(path: Path, seed: int, n: int, split: str) -> None:
    nlp = blank_nlp()
    db = DocBin(store_user_data=False)
    for text, spans, _meta in generate(seed, n, split):
        db.add(letter_to_doc(nlp, text, spans))
    db.to_disk(path)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("e2e")
    _write(tmp / "train.spacy", 3, 16, "train")
    _write(tmp / "dev.spacy", 3, 4, "dev")
    overrides = {
        "paths.train": str(tmp / "train.spacy"),
        "paths.dev": str(tmp / "dev.spacy"),
        "training.max_steps": 10,
        "training.eval_frequency": 5,
        "training.batcher.size.start": 2000,
        "training.batcher.size.stop": 2000,
    }
    # the project's two training stages, with the configs the project uses
    train(ROOT / "configs" / "ner_boundaries.cfg", tmp / "stage1", overrides=overrides)
    stage2 = {**overrides, "paths.stage1": str(tmp / "stage1" / "model-last"), "training.max_steps": 6}
    train(ROOT / "configs" / "config.cfg", tmp / "out", overrides=stage2)
    return tmp / "out" / "model-last"


def test_trained_pipeline_loads_with_rule_components(tiny_model: Path) -> None:
    nlp = spacy.load(tiny_model)
    assert nlp.pipe_names == [
        "imr_sections", "imr_focus", "tok2vec", "ner", "span_boundaries", "spancat", "imr_focus_restore",
        "imr_finding_edges", "imr_diagnosis_lists", "imr_finding_context", "imr_missing_findings",
        "imr_determination_linker", "imr_entity_repair", "doc_cleaner",
    ]
    doc = nlp("The injured worker is being treated for lumbar strain and insomnia.")
    assert [s.text for s in doc.spans["sc"] if s.label_ == "DIAGNOSIS"] == ["lumbar strain", "insomnia"]
    assert set(nlp.get_pipe("ner").labels) == set(NER_LABELS)
    assert set(nlp.get_pipe("spancat").labels) == set(SPAN_LABELS)
    # the tokenizer tweak travels with the pipeline, no code needed to rebuild it
    assert [t.text for t in nlp.make_doc("is: UpheldClaims")][-2:] == ["Upheld", "Claims"]


def test_trained_pipeline_emits_valid_records(tiny_model: Path) -> None:
    nlp = spacy.load(tiny_model)
    text = SEED_LETTER.read_text(encoding="utf-8")
    doc = nlp(text)
    assert isinstance(doc._.determinations, list)
    assert isinstance(doc._.case, dict)
    record = doc_to_record(doc, source=str(SEED_LETTER), sha256="0" * 64)
    validate_record(record)
    assert record["status"] == "ok"
    # docs survive the multiprocess/DocBin round trip with their records
    again = list(nlp.pipe([text, text], n_process=1))[1]
    assert again._.determinations == doc._.determinations


def test_batch_extraction_runs_a_trained_pipeline(tiny_model: Path) -> None:
    # the trained ner is a Cython component that cannot hold spaCy's error handler
    from imr_determinations.extract.local import iter_records

    nlp = spacy.load(tiny_model)
    seeds = sorted((ROOT / "corpus" / "seeds").glob("*.txt"))
    records = list(iter_records(nlp, [str(p) for p in seeds] + [str(ROOT / "missing.txt")]))
    assert [r["status"] for r in records] == ["ok", "ok", "error"]
    for record in records:
        validate_record(record)


def test_evaluation_reports_suggester_recall_and_the_argmax_ablation(tiny_model: Path) -> None:
    from imr_determinations.evaluation import spans as evaluate
    from imr_determinations.suggesters import BoundaryTagger

    nlp = spacy.load(tiny_model)
    assert isinstance(nlp.get_pipe("span_boundaries"), BoundaryTagger)
    gold = [letter_to_doc(nlp, text, spans) for text, spans, _ in generate(11, 2, "dev")]
    result = evaluate.score(nlp, gold)
    candidates = result["candidates"]
    assert candidates["gold_spans"] == sum(len(d.spans["sc"]) for d in gold) > 0
    assert 0.0 <= candidates["recall"] <= 1.0
    assert "candidate recall" in evaluate.render_table({"model": {"dev": result}})
    argmax = spacy.load(tiny_model, config={"components": {"span_boundaries": {"boundary_threshold": 1.0}}})
    assert argmax.get_pipe("span_boundaries").boundary_threshold == 1.0
