"""Record-level evaluation: item matching, record scores, split filtering, synthetic gold, the command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from imr_determinations.evaluation.record_gold import (
    EvalLetter,
    _inside,
    item_blocks,
    load_gold_letters,
    parse_splits,
    synthetic_gold_records,
    with_noise,
)
from imr_determinations.evaluation.record_scores import gold_id, match_items, metrics, score_letter
from imr_determinations.evaluation.record_systems import (
    baseline_pipeline,
    evaluate_system,
    load_model,
    self_check,
)
from imr_determinations.evaluation.record_tables import markdown_table, noise_table
from imr_determinations.gold import seed_line
from imr_determinations.io import read_letter
from imr_determinations.normalise import collapse, normalise_guideline, parse_pages
from imr_determinations.synth.generator import generate

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "evaluate_records.py"


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    """scripts/evaluate_records.py in its own process, as project.yml runs it (wide, unwrapped errors)."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, env=env)


def item(service: str, decision: str = "UPHELD", span=None, guidelines=(), findings=(), warnings=()):
    rec = {
        "service": service,
        "decision": decision,
        "guidelines": list(guidelines),
        "findings": list(findings),
        "warnings": list(warnings),
    }
    if span is not None:
        rec["spans"] = {"service": list(span)}
    return rec


def gl(text: str, cited_by: str | None = "reviewer", pages=(), gid: str | None = None):
    out = {"text": text, "cited_by": cited_by, "pages": [list(p) for p in pages]}
    if gid:
        out["id"] = gid
    return out


# ---------------------------------------------------------------- matching
def test_token_overlap_matches_and_threshold():
    pred = [item("Norco 10/325mg #60"), item("Lumbar MRI")]
    gold = [item("Norco 10/325 mg #60 with 2 refills"), item("Acupuncture 3x4")]
    assert match_items(pred, gold, 0.5) == [(0, 0)]
    assert match_items(pred, gold, 1.01) == []


def test_matching_is_one_to_one_and_prefers_the_closer_name():
    gold = [item("Physical therapy"), item("Physical therapy 12 sessions for the lumbar spine")]
    pred = [
        item("Physical therapy 12 sessions for the lumbar spine"),
        item("Physical therapy"),
        item("Physical therapy x6"),
    ]
    # equal min-set overlap (1.0) everywhere: the fuller token agreement decides, one-to-one
    assert match_items(pred, gold, 0.5) == [(0, 1), (1, 0)]


def test_identical_names_pair_in_letter_order():
    gold = [item("Acupuncture"), item("Acupuncture")]
    pred = [item("Acupuncture"), item("Acupuncture")]
    assert match_items(pred, gold, 0.5) == [(0, 0), (1, 1)]


def test_char_spans_decide_when_both_sides_have_them():
    gold = [item("Acupuncture", span=(100, 111)), item("Acupuncture", span=(500, 511))]
    pred = [item("Acupuncture", span=(498, 511))]
    assert match_items(pred, gold, 0.5) == [(0, 1)]
    # same words but no span overlap: not the same item
    assert match_items([item("Acupuncture", span=(0, 11))], gold, 0.5) == []
    # gold without spans falls back to tokens
    assert match_items(pred, [item("acupuncture")], 0.5) == [(0, 0)]


def test_score_letter_counts_decisions_ids_pages_findings():
    gold = [
        item(
            "Norco 10/325mg #60",
            "UPHELD",
            guidelines=[
                gl("MTUS Chronic Pain Medical Treatment Guidelines", "claims_administrator", [(78, 80)]),
                gl("ODG Pain", "reviewer"),
                gl("MTUS", "rationale", [(91, 91)]),
                gl("MTUS", "rationale", [(79, 79)]),
            ],
            findings=["negative SLR test", "pain rated 9/10"],
        ),
        item(
            "Acupuncture 3x4", "OVERTURNED", guidelines=[gl("MTUS Acupuncture Medical Treatment Guidelines")]
        ),
        item("Lumbar MRI", "UPHELD"),
    ]
    pred = [
        item(
            "Norco 10/325mg #60",
            "UPHELD",
            guidelines=[
                gl("MTUS Chronic Pain Medical Treatment Guidelines", "claims_administrator", [(78, 80)]),
                gl("MTUS", "rationale", [(79, 79), (91, 91)]),
                gl("ACOEM Chapter 12", "reviewer"),
            ],
            findings=["SLR test negative bilaterally"],
            warnings=["something odd"],
        ),
        item("Acupuncture 3 x 4", "UPHELD", guidelines=[gl("MTUS Acupuncture Medical Treatment Guidelines")]),
        item("Urine drug screen"),
    ]
    c, errors = score_letter(pred, gold, 0.5)
    m = metrics(c)
    assert (m["items_matched"], m["item_precision"], m["item_recall"]) == (2, 0.6667, 0.6667)
    assert m["decision_accuracy"] == 0.5
    # gold ids: {CPMTG, ODG/Pain, MTUS} + {ACUPUNCTURE}; predicted: {CPMTG, MTUS, ACOEM ch12} + {ACUPUNCTURE}
    assert (c["gid_gold"], c["gid_hit"], c["gid_pred"], c["gid_pred_ok"]) == (4, 3, 4, 3)
    # CPMTG 78-80 equal; rationale MTUS: gold mentions merged to {79, 91} == predicted
    assert (c["pg_gold"], c["pg_ok"]) == (2, 2)
    assert (c["fd_gold"], c["fd_hit"]) == (2, 1)
    assert m["items_with_warnings"] == 1
    kinds = sorted(e["kind"] for e in errors)
    assert kinds == ["missed_guideline", "missed_item", "spurious_item", "wrong_decision"]
    missed = next(e for e in errors if e["kind"] == "missed_guideline")
    assert missed["guideline_id"] == normalise_guideline("ODG Pain")["id"]
    assert next(e for e in errors if e["kind"] == "missed_item")["gold"] == "Lumbar MRI"


def test_page_ranges_must_be_equal():
    gold = [item("Facet injection", guidelines=[gl("MTUS ACOEM Chapter 12", "reviewer", [(300, 301)])])]
    pred = [
        item(
            "Facet injection", guidelines=[gl("MTUS ACOEM Chapter 12", "reviewer", [(300, 301), (309, 309)])]
        )
    ]
    c, errors = score_letter(pred, gold, 0.5)
    assert (c["gid_hit"], c["pg_gold"], c["pg_ok"]) == (1, 1, 0)
    assert [e["kind"] for e in errors] == ["wrong_pages"]
    # a gold id missing from the prediction is a recall miss, not a page miss
    c, _ = score_letter([item("Facet injection")], gold, 0.5)
    assert (c["gid_hit"], c["pg_gold"]) == (0, 0)


def test_gold_ids_come_from_the_normaliser_when_absent():
    assert (
        gold_id({"text": "MTUS ACOEM Chapter 12 Low Back Complaints"})
        == normalise_guideline("MTUS ACOEM Chapter 12 Low Back Complaints")["id"]
    )
    assert gold_id({"text": "whatever", "id": "ODG/Pain"}) == "ODG/Pain"


def test_metrics_without_items_are_not_zero_scores():
    m = metrics(score_letter([], [], 0.5)[0])
    assert m["item_f1"] is None and m["decision_accuracy"] is None
    m = metrics(score_letter([item("X ray")], [], 0.5)[0])
    assert m["item_precision"] == 0.0 and m["item_f1"] == 0.0


def test_markdown_table_has_a_column_per_system_and_data_set():
    res = metrics(score_letter([item("X ray")], [item("X ray")], 0.5)[0])
    table = markdown_table({"model": {"gold:test": res, "seeds": res}, "baseline": {"gold:test": res}})
    head = table.splitlines()[0]
    assert head.count("|") == 5 and "model / seeds" in head and "baseline / gold:test" in head
    assert "| item F1 | 1.000 | 1.000 | 1.000 |" in table


# ---------------------------------------------------------------- splits
def test_parse_splits():
    assert parse_splits("test") == ["test"]
    assert parse_splits(" dev, test ") == ["dev", "test"]
    for bad in ("", "heldout", "test,tset"):
        with pytest.raises(ValueError):
            parse_splits(bad)


def _letter_text(n: int) -> str:
    return (
        f"Case Number: CM99-000000{n}\nIMR ISSUES, DECISIONS AND RATIONALES\n"
        f"Acupuncture {n}x4: Upheld\nDecision rationale: The acupuncture is not medically necessary.\n"
    )


@pytest.fixture
def gold_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A gold folder with 2 seeds (test, train) and 3 standoff letters (test, dev, test+bad hash)."""
    gold = tmp_path / "gold"
    letters = tmp_path / "letters"
    (gold / "letters").mkdir(parents=True)
    letters.mkdir()
    rec = [{"service": "Acupuncture", "decision": "UPHELD", "guidelines": [], "findings": []}]
    gold.joinpath("seeds.jsonl").write_text(
        seed_line(_letter_text(1), "s1.txt", "seed_a", [], rec)
        + "\n"
        + seed_line(_letter_text(2), "s2.txt", "seed_b", [], rec)
        + "\n",
        encoding="utf-8",
    )
    splits = {"seed_a": "test", "seed_b": "train", "L3": "test", "L4": "dev", "L5": "test"}
    for n in (3, 4, 5):
        path = letters / f"L{n}.txt"
        path.write_text(_letter_text(n), encoding="utf-8")
        sha = read_letter(path).sha256 if n != 5 else "0" * 64
        row = {"source": path.name, "sha256": sha, "spans": [], "records": rec}
        (gold / "letters" / f"L{n}.json").write_text(json.dumps(row), encoding="utf-8")
    (gold / "splits.json").write_text(json.dumps(splits), encoding="utf-8")
    return gold, letters


def test_split_filtering_and_skips(gold_tree):
    gold_dir, letters_dir = gold_tree
    gold, seeds, skipped = load_gold_letters(gold_dir, letters_dir, None, ["test"])
    assert [g.letter_id for g in gold] == ["seed_a", "L3"]
    assert [s.letter_id for s in seeds] == ["seed_a", "seed_b"]
    assert len(skipped) == 1 and "L5.json" in skipped[0] and "sha256" in skipped[0]
    gold, _, skipped = load_gold_letters(gold_dir, letters_dir, None, ["dev", "train"])
    assert [g.letter_id for g in gold] == ["seed_b", "L4"] and skipped == []


def test_missing_letters_folder_is_a_reason_not_a_crash(gold_tree, tmp_path):
    gold_dir, _ = gold_tree
    gold, seeds, skipped = load_gold_letters(gold_dir, tmp_path / "nowhere", None, ["test"])
    assert [g.letter_id for g in gold] == ["seed_a"] and len(seeds) == 2
    assert len(skipped) == 1 and "3 real-letter gold file(s)" in skipped[0] and "absent" in skipped[0]


# ---------------------------------------------------------------- synthetic gold
def test_synthetic_gold_on_a_hand_made_letter():
    text = (
        "Acupuncture 3x4: Upheld\n"  # 0..23
        "Decision based on MTUS Acupuncture Guidelines Page(s): 8-9. "
        "Per the ODG, page 12, it is limited. Exam showed negative SLR test.\n"
        "Lumbar MRI: Overturned\n"
        "Decision based on ACOEM Chapter 12 Page(s): 303-305.\n"
    )

    def sp(piece: str, label: str, role: str, after: int = 0) -> dict:
        start = text.index(piece, after)
        return {"start": start, "end": start + len(piece), "label": label, "role": role}

    second = text.index("Lumbar MRI")
    spans = [
        sp("Acupuncture 3x4", "DISPUTED_SERVICE", "heading"),
        sp("MTUS Acupuncture Guidelines", "GUIDELINE", "citation"),
        sp("8-9", "PAGE_RANGE", "citation"),
        sp("ODG", "GUIDELINE", "rationale"),
        sp("12", "PAGE_RANGE", "rationale", text.index("page 12")),
        sp("negative SLR test", "CLINICAL_FINDING", "rationale"),
        sp("Lumbar MRI", "DISPUTED_SERVICE", "heading"),
        sp("ACOEM Chapter 12", "GUIDELINE", "citation"),
        sp("303-305", "PAGE_RANGE", "citation"),
    ]
    meta = {
        "layout": "seed_2014",
        "items": [
            {"service": "Acupuncture 3x4", "decision": "UPHELD", "heading_span": [0, 15]},
            {"service": "Lumbar MRI", "decision": "OVERTURNED", "heading_span": [second, second + 10]},
        ],
    }
    a, b = synthetic_gold_records(text, spans, meta)
    assert (a["service"], a["decision"], b["decision"]) == ("Acupuncture 3x4", "UPHELD", "OVERTURNED")
    assert [(g["text"], g["cited_by"], g["pages"]) for g in a["guidelines"]] == [
        ("MTUS Acupuncture Guidelines", None, [[8, 9]]),
        ("ODG", "rationale", [[12, 12]]),
    ]
    assert a["findings"] == ["negative SLR test"] and b["findings"] == []
    assert [(g["id"], g["pages"]) for g in b["guidelines"]] == [
        (normalise_guideline("ACOEM Chapter 12")["id"], [[303, 305]])
    ]
    assert b["spans"]["service"] == [second, second + 10]


def _first_of_layouts(layouts: tuple[str, ...], n: int = 12) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    for text, spans, meta in generate(0, n, "heldout"):
        if meta["layout"] in layouts and meta["layout"] not in out:
            out[meta["layout"]] = (text, spans, meta)
    return out


@pytest.fixture(scope="module")
def generated() -> dict[str, tuple]:
    got = _first_of_layouts(("dwc_2016", "notice_2013", "professional_review"))
    assert len(got) == 3, f"heldout seed 0 no longer shows these layouts early: {sorted(got)}"
    return got


def test_synthetic_gold_records_on_generated_letters(generated):
    for layout, (text, spans, meta) in generated.items():
        records = synthetic_gold_records(text, spans, meta)
        assert [(r["service"], r["decision"]) for r in records] == [
            (it["service"], it["decision"]) for it in meta["items"]
        ], layout
        guideline_texts = {collapse(text[s["start"] : s["end"]]) for s in spans if s["label"] == "GUIDELINE"}
        page_sets = [parse_pages(text[s["start"] : s["end"]]) for s in spans if s["label"] == "PAGE_RANGE"]
        all_pages = {tuple(r) for ps in page_sets for r in ps}
        blocks = item_blocks(text, spans, meta)
        for rec in records:
            assert rec["guidelines"], f"{layout}: {rec['service']} has no guideline"
            for g in rec["guidelines"]:
                assert g["text"] in guideline_texts
                assert g["id"] == normalise_guideline(g["text"])["id"]
                assert all(tuple(p) in all_pages for p in g["pages"])
        # a guideline span belongs to at most one item
        for s in (s for s in spans if s["label"] == "GUIDELINE"):
            owners = [k for k, blk in enumerate(blocks) if _inside(s, blk)]
            assert len(owners) <= 1, layout


def test_notice_and_professional_items_own_their_discussion(generated):
    text, spans, meta = generated["notice_2013"]
    blocks = item_blocks(text, spans, meta)
    restatements = [s["start"] for s in spans if s.get("role") == "restatement"]
    assert [b[0][0] for b in blocks] == sorted(restatements)[-len(meta["items"]) :]
    text, spans, meta = generated["professional_review"]
    records = synthetic_gold_records(text, spans, meta)
    citations = sorted(
        (s for s in spans if s["label"] == "GUIDELINE" and s["role"] == "citation"), key=lambda s: s["start"]
    )
    prev_decision_end = 0
    for rec, cite, it in zip(records, citations, meta["items"], strict=True):
        # item k: the k-th listed citation, then its own rationale (guideline + closing mention)
        assert [g["cited_by"] for g in rec["guidelines"]] == [None, "rationale"]
        assert rec["guidelines"][0]["text"] == collapse(text[cite["start"] : cite["end"]])
        rationale_mentions = [s for s in rec["service_spans"] if s != it["heading_span"]]
        assert rationale_mentions
        assert all(prev_decision_end <= a < b <= it["decision_span"][1] for a, b in rationale_mentions)
        prev_decision_end = it["decision_span"][1]


def test_baseline_scores_generated_letters_end_to_end(generated):
    letters = [
        EvalLetter(m["id"], t, synthetic_gold_records(t, s, m), "synthetic", "heldout")
        for t, s, m in generated.values()
    ]
    results, errors = evaluate_system(baseline_pipeline(), {"heldout": letters}, 0.5)
    r = results["heldout"]
    assert r["letters"] == 3 and r["items_gold"] == sum(len(lt.records) for lt in letters)
    assert r["item_recall"] is not None and r["item_recall"] > 0.5
    assert errors == {}  # synthetic letters carry no per-letter error list


def test_noisy_copies_keep_the_gold_and_get_their_own_rows(generated):
    letters = [
        EvalLetter(m["id"], t, synthetic_gold_records(t, s, m), "synthetic", "heldout")
        for t, s, m in generated.values()
    ]
    noisy = with_noise({"heldout": letters}, ["no-line-breaks"])
    assert list(noisy) == ["noise:no-line-breaks:heldout"]
    copies = noisy["noise:no-line-breaks:heldout"]
    assert [c.letter_id for c in copies] == [f"{lt.letter_id}#no-line-breaks" for lt in letters]
    for copy, letter in zip(copies, letters, strict=True):
        assert "\n" not in copy.text and len(copy.text) == len(letter.text)
        assert copy.records is letter.records
    results, _ = evaluate_system(baseline_pipeline(), {"heldout": letters, **noisy}, 0.5)
    table = noise_table({"baseline": results}, ["heldout"], ["no-line-breaks"])
    assert "| baseline | heldout | none |" in table and "| baseline | heldout | no-line-breaks |" in table
    # the flattened letters still give every item (the section rules do not need line breaks)
    assert results["noise:no-line-breaks:heldout"]["item_recall"] == results["heldout"]["item_recall"]
    assert "noise:" not in markdown_table({"baseline": results})


# ---------------------------------------------------------------- self-check
class _StubNlp:
    """One determination per Doc, whatever the text: enough to exercise the count check."""

    def pipe(self, texts, batch_size: int = 8):
        for _ in texts:
            yield SimpleNamespace(_=SimpleNamespace(determinations=[{"service": "X"}], warnings=[]))


def test_self_check_counts_rationale_paragraphs(tmp_path):
    (tmp_path / "one.txt").write_text("A: Upheld\nDecision rationale: no.\n", encoding="utf-8")
    (tmp_path / "two.txt").write_text(
        "A: Upheld\nDecision rationale: no.\nB: Upheld\nDecision rationale: no.\n", encoding="utf-8"
    )
    (tmp_path / "none.txt").write_text("Rationale for the Decision: no.\n", encoding="utf-8")
    out = self_check({"stub": _StubNlp()}, tmp_path)
    assert out["skipped_no_label"] == ["none.txt"]
    assert (out["stub"]["passed"], out["stub"]["failed"]) == (1, 1)
    assert out["stub"]["failures"][0] == {"letter": "two.txt", "expected": 2, "records": 1, "services": ["X"]}


# ---------------------------------------------------------------- command line
def test_cli_writes_table_errors_and_self_check(gold_tree, tmp_path):
    gold_dir, letters_dir = gold_tree
    out = tmp_path / "records.json"
    args = ["--gold-dir", str(gold_dir), "--letters-dir", str(letters_dir), "--splits", "test"]
    args += [
        "--heldout-n",
        "2",
        "--output",
        str(out),
        "--self-check-dir",
        str(letters_dir),
        "--show-problems",
    ]
    res = run_cli(args)
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data["results"]) == ["baseline"]
    datasets = list(data["results"]["baseline"])
    assert datasets[:3] == ["gold:test", "seeds", "heldout"]
    # the held-out letters again, one data set per layout, and a table row per layout
    per_layout = [d for d in datasets[3:] if d.startswith("heldout:")]
    assert per_layout and len(per_layout) == len(datasets) - 3
    assert sum(len(data["datasets"][d]) for d in per_layout) == 2
    for d in per_layout:
        assert f"| baseline | {d.split(':', 1)[1]} |" in data["layout_table"]
    assert "held-out synthetic letters per layout" in res.stdout
    assert data["datasets"]["gold:test"] == ["seed_a", "L3"]
    assert "| item F1 |" in data["table"] and "| item F1 |" in res.stdout
    assert data["self_check"]["baseline"]["passed"] + data["self_check"]["baseline"]["failed"] == 3
    assert any("L5.json" in s for s in data["skipped"])
    bad = run_cli(["--no-baseline", "--output", str(out)])
    assert bad.returncode != 0


def test_model_path_scores_a_saved_pipeline(gold_tree, tmp_path):
    from imr_determinations.tokenizer import blank_nlp

    nlp = blank_nlp()
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": None, "annotate_ents": True})
    ruler.add_patterns([{"label": "DECISION", "pattern": "Upheld"}])
    model_dir = tmp_path / "spans_only"
    nlp.to_disk(model_dir)
    loaded, added = load_model(model_dir)
    assert added == ["imr_sections", "imr_determination_linker"]
    assert loaded.pipe_names[-2:] == added
    loaded.to_disk(tmp_path / "full")
    assert load_model(tmp_path / "full")[1] == []

    gold_dir, letters_dir = gold_tree
    out = tmp_path / "m.json"
    args = ["--model", str(tmp_path / "full"), "--no-baseline", "--gold-dir", str(gold_dir)]
    args += ["--letters-dir", str(letters_dir), "--heldout-n", "1", "--output", str(out)]
    res = run_cli(args)
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data["results"]) == ["model"] and data["systems"]["model"] == str(tmp_path / "full")
    assert data["results"]["model"]["gold:test"]["items_gold"] == 2
    missing = run_cli(["--model", str(tmp_path / "nope"), "--output", str(out)])
    assert missing.returncode == 2  # a usage error naming the path, not a traceback
    assert "nope" in missing.stderr and "Traceback" not in missing.stderr
