"""The benchmark times every configuration on the same texts and reports positive rates."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from spacy.language import Language

from imr_determinations.evaluation import benchmark as bench
from imr_determinations.tokenizer import blank_nlp


@Language.component("test_bench_upper_ents")
def _upper_ents(doc):
    """Stands in for the linker: a cheap component the 'without linker' row must skip."""
    doc.user_data["seen"] = True
    return doc


TEXTS = [
    "Acupuncture 3x4: Upheld\nDecision based on MTUS Acupuncture Treatment Guidelines.",
    "Norco 10/325mg #60: Overturned\nMAXIMUS guideline: Decision based on MTUS Page(s): 78-80.",
    "The MRI of the lumbar spine is not medically necessary and appropriate.",
]


def test_run_benchmark_reports_every_configuration(tmp_path: Path) -> None:
    nlp = blank_nlp()
    nlp.add_pipe("test_bench_upper_ents", name=bench.LINKER)
    start = time.perf_counter()
    report = bench.run_benchmark(
        nlp,
        TEXTS,
        text_source="test texts",
        batch_sizes=[2],
        n_processes=[1, 2],
        min_seconds=0.05,
        profile_letters=3,
        wheels_dir=tmp_path,
    )
    assert time.perf_counter() - start < 10
    report = json.loads(json.dumps(report))  # JSON-able
    names = {(c["name"], c["n_process"]) for c in report["configurations"]}
    for name in (
        "tokenizer: spacy.blank(en)",
        "tokenizer: blank_nlp()",
        "pipeline: all components",
        "pipeline: without linker",
    ):
        assert {(name, 1), (name, 2)} <= names
    for c in report["configurations"]:
        assert "error" not in c, c
        assert c["words_per_s"] > 0 and c["letters_per_s"] > 0 and c["reps"] >= 1
        assert c["seconds"] >= 0.05
    without = [c for c in report["configurations"] if c["name"] == "pipeline: without linker"]
    assert all(c["disabled"] == [bench.LINKER] for c in without)
    assert report["input"]["letters"] == 3 and report["input"]["words"] > 20
    assert {s["name"] for s in report["speedup_n_process"]} >= {"pipeline: all components"}
    assert all(s["speedup"] > 0 for s in report["speedup_n_process"])
    assert "skipped" in report["pdf_extraction"]
    assert set(report["profile"]["component_seconds"]) == {"tokenizer", bench.LINKER}
    assert report["machine"]["cpu_count"] >= 1
    table = bench.markdown_table(report)
    assert table.count("| pipeline: all components |") == 2 and "words/s" in table


def test_load_texts_falls_back_to_seeds(tmp_path: Path) -> None:
    seeds = tmp_path / "corpus" / "seeds"
    seeds.mkdir(parents=True)
    (seeds / "a.txt").write_text(TEXTS[0])
    texts, pdfs, source = bench.load_texts(tmp_path / "no-letters", root=tmp_path)
    assert texts == [TEXTS[0]] and pdfs == [] and source.startswith("seeds")


def test_load_texts_with_nothing_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="nothing to benchmark"):
        bench.load_texts(None, root=tmp_path)


def test_int_list_rejects_bad_values() -> None:
    assert bench.int_list("16, 64") == [16, 64]
    with pytest.raises(Exception, match="positive"):
        bench.int_list("0")


def test_the_benchmark_times_imr_extract_end_to_end_and_the_ratio_to_the_tokenizer(tmp_path: Path) -> None:
    from imr_determinations.extract import build_rules_pipeline
    from imr_determinations.synth.hostile import text_pdf

    nlp = build_rules_pipeline()
    nlp.to_disk(tmp_path / "model")
    pdfs = []
    for k, text in enumerate(TEXTS):
        pdfs.append(tmp_path / f"letter{k}.pdf")
        pdfs[-1].write_bytes(text_pdf(text))
    report = bench.run_benchmark(nlp, TEXTS, text_source="test texts", pdf_paths=pdfs, batch_sizes=[2],
                                 n_processes=[1, 2], min_seconds=0.05, profile_letters=1,
                                 model_path=tmp_path / "model", wheels_dir=tmp_path)
    assert [e["n_process"] for e in report["extract"]] == [1, 2]
    assert all("error" not in e and e["letters_per_s"] > 0 for e in report["extract"]), report["extract"]
    ratios = {(r["name"], r["n_process"]): r["ratio"] for r in report["ratio_to_tokenizer"]}
    assert 0 < ratios[("pipeline: all components", 1)] <= 1.5
    table = bench.markdown_table(report)
    assert "`imr extract` end to end" in table and "over the tokenizer's" in table
