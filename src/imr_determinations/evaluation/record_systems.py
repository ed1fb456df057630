"""The systems record-level evaluation compares, run once over every letter, and their scores.

The trained pipeline (with imr_sections / imr_determination_linker appended when it lacks them) and
the rule baseline (blank_nlp + imr_sections + imr_determination_linker(rules_only=True)).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .record_gold import EvalLetter
from .record_scores import metrics, score_letter
from .record_tables import layout_table, markdown_table, noise_table

BATCH_SIZE = 8


@dataclass
class Prediction:
    determinations: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)



def baseline_pipeline():
    """The rule baseline: blank_nlp + imr_sections + rules-only linker (no NER at all)."""
    from ..tokenizer import blank_nlp

    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker", config={"rules_only": True})
    return nlp


def load_model(path: Path) -> tuple[Any, list[str]]:
    """The trained pipeline, plus the names of record components it lacked and got appended.

    A pipeline saved without imr_sections / imr_determination_linker (e.g. trained on the span
    components only) would otherwise score zero items; appending them scores its spans instead.
    """
    import spacy

    if not path.exists():
        raise FileNotFoundError(f"model not found: {path}")
    nlp = spacy.load(path)
    factories = {nlp.get_pipe_meta(name).factory for name in nlp.pipe_names}
    added = []
    for factory in ("imr_sections", "imr_determination_linker"):
        if factory not in factories:
            nlp.add_pipe(factory)
            added.append(factory)
    return nlp, added


def predict(nlp, texts: list[str]) -> list[Prediction]:
    """One pass of nlp.pipe; a letter the linker could not read keeps its warning, a bug stops the run
    (scoring it as a letter without items would hide it)."""
    return [
        Prediction(list(doc._.determinations or []), list(doc._.warnings or []))
        for doc in nlp.pipe(texts, batch_size=BATCH_SIZE)
    ]


def evaluate_system(
    nlp, datasets: dict[str, list[EvalLetter]], threshold: float
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Metrics per data set, and errors per non-synthetic letter; each distinct letter runs once."""
    unique: dict[str, EvalLetter] = {}
    for letters in datasets.values():
        for lt in letters:
            unique.setdefault(lt.letter_id, lt)
    order = list(unique)
    preds = dict(zip(order, predict(nlp, [unique[k].text for k in order]), strict=True))
    scored = {k: score_letter(preds[k].determinations, unique[k].records, threshold) for k in order}
    results = {}
    for name, letters in datasets.items():
        total: Counter = Counter()
        for lt in letters:
            total.update(scored[lt.letter_id][0])
        results[name] = metrics(total)
    errors = {k: scored[k][1] for k in order if unique[k].kind != "synthetic" and scored[k][1]}
    return results, errors


def self_check(systems: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Records per letter vs "Decision rationale:" paragraphs per letter, per system (letters
    without that label are skipped: their layout has no such paragraph to count)."""
    from ..io import LetterReadError, iter_letter_paths, read_letter

    texts: dict[str, str] = {}
    unreadable, no_label = [], []
    for path in iter_letter_paths([folder]):
        try:
            text = read_letter(path).text
        except LetterReadError as exc:
            unreadable.append({"letter": Path(path).name, "error": str(exc)})  # a FolderError is a str
            continue
        if "Decision rationale:" in text:
            texts[path.name] = text
        else:
            no_label.append(path.name)
    out: dict[str, Any] = {"folder": str(folder), "unreadable": unreadable, "skipped_no_label": no_label}
    names = list(texts)
    for sys_name, nlp in systems.items():
        failures = []
        for name, pred in zip(names, predict(nlp, [texts[n] for n in names]), strict=True):
            expected = texts[name].count("Decision rationale:")
            if len(pred.determinations) != expected:
                failures.append(
                    {
                        "letter": name,
                        "expected": expected,
                        "records": len(pred.determinations),
                        "services": [d.get("service") for d in pred.determinations],
                    }
                )
        out[sys_name] = {"passed": len(names) - len(failures), "failed": len(failures), "failures": failures}
    return out


def evaluate_all(
    systems: dict[str, Any],
    datasets: dict[str, list[EvalLetter]],
    threshold: float,
    noise_bases: list[str],
    noise: list[str],
) -> dict[str, Any]:
    """Every system on every data set: results, the three tables, errors and seconds per system."""
    results: dict[str, dict[str, dict[str, Any]]] = {}
    errors: dict[str, dict[str, list[dict[str, Any]]]] = {}
    timing: dict[str, float] = {}
    for name, nlp in systems.items():
        t0 = time.perf_counter()
        results[name], errors[name] = evaluate_system(nlp, datasets, threshold)
        timing[name] = round(time.perf_counter() - t0, 2)
    return {
        "results": results,
        "table": markdown_table(results),
        "layout_table": layout_table(results),
        "noise": noise,
        "noise_table": noise_table(results, noise_bases, noise) if noise else "",
        "errors": errors,
        "seconds": timing,
    }
