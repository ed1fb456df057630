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

import json
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer

from imr_determinations.evaluation.provenance import provenance
from imr_determinations.extraction_noise import OFFSET_KEEPING_NOISE, add_noise
from imr_determinations.normalise import (
    collapse,
    normalise_guideline,
    parse_pages,
    service_key,
    token_overlap,
)

ROOT = Path(__file__).resolve().parents[1]
app = typer.Typer(add_completion=False)

GOLD_SPLITS = ("train", "dev", "test")
BATCH_SIZE = 8
BASELINE = "baseline"
MODEL = "model"


@dataclass
class EvalLetter:
    """One letter to score: its text and its gold records (the gold side of the comparison)."""

    letter_id: str
    text: str
    records: list[dict[str, Any]]
    kind: str  # "seed" | "real" | "synthetic"
    split: str
    layout: str = ""  # synthetic letters: the generator's layout name


@dataclass
class Prediction:
    determinations: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- data: real gold
def parse_splits(value: str) -> list[str]:
    """'test' / 'dev,test' -> ['dev', 'test']; unknown names are a usage error, not a silent empty set."""
    names = [s.strip() for s in value.split(",") if s.strip()]
    bad = [s for s in names if s not in GOLD_SPLITS]
    if not names or bad:
        raise ValueError(f"--splits {value!r}: use a comma list of {', '.join(GOLD_SPLITS)}")
    return names


def load_gold_letters(
    gold_dir: Path, letters_dir: Path | None, split_file: Path | None, splits: Iterable[str]
) -> tuple[list[EvalLetter], list[EvalLetter], list[str]]:
    """(gold letters of ``splits``, all seed letters, skip reasons).

    Each real letter is loaded on its own, so a missing PDF or a hash mismatch skips that letter
    with a reason instead of stopping the run. Letters of other splits are not even read.
    """
    from imr_determinations.gold import GoldError, letter_id_for, load_seeds, load_splits, load_standoff
    from imr_determinations.io import LetterReadError

    wanted = set(splits)
    split_map = load_splits(split_file if split_file is not None else gold_dir / "splits.json")
    skipped: list[str] = []
    seeds: list[EvalLetter] = []
    seed_file = gold_dir / "seeds.jsonl"
    if seed_file.exists():
        for gl in load_seeds(seed_file, split_map):
            if gl.records:
                seeds.append(EvalLetter(gl.letter_id, gl.text, gl.records, "seed", gl.split))
            else:
                skipped.append(f"{gl.letter_id}: seed without gold records")
    gold = [s for s in seeds if s.split in wanted]
    standoff = sorted((gold_dir / "letters").glob("*.json"))
    if standoff and (letters_dir is None or not letters_dir.is_dir()):
        skipped.append(
            f"{len(standoff)} real-letter gold file(s) skipped: letters folder "
            f"{'not given' if letters_dir is None else str(letters_dir) + ' is absent'}"
        )
        return gold, seeds, skipped
    for path in standoff:
        try:
            source = json.loads(path.read_text(encoding="utf-8"))["source"]
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
            skipped.append(f"{path.name}: unreadable gold file ({exc})")
            continue
        if split_map.get(letter_id_for(source), "test") not in wanted:
            continue
        try:
            gl = load_standoff(path, letters_dir, split_map)
        except (GoldError, LetterReadError, OSError) as exc:
            skipped.append(f"{path.name}: {exc}")
            continue
        if not gl.records:
            skipped.append(f"{gl.letter_id}: no gold records yet")
            continue
        gold.append(EvalLetter(gl.letter_id, gl.text, gl.records, "real", gl.split))
    return gold, seeds, skipped


# ---------------------------------------------------------------- data: synthetic held-out
def _inside(span: dict[str, Any], blocks: list[tuple[int, int]]) -> bool:
    return any(s <= span["start"] and span["end"] <= e for s, e in blocks)


def item_blocks(text: str, spans: list[dict[str, Any]], meta: dict[str, Any]) -> list[list[tuple[int, int]]]:
    """Per item, the character ranges that belong to it.

    Default: from the item's heading to the next item's heading. Two layouts list all headings
    first, so there the item's discussion is found otherwise: notice_2013 discusses item k after
    its k-th restatement ("k) Regarding the request for X:"); professional_review lists one
    citation per item, then one rationale per item ending in the item's decision.
    """
    items = meta["items"]
    n, end = len(items), len(text)
    heads = [int(it["heading_span"][0]) for it in items]
    layout = meta.get("layout")
    if layout == "notice_2013" and n:
        last_head = max(int(it["heading_span"][1]) for it in items)
        rest = sorted(
            s["start"]
            for s in spans
            if s["label"] == "DISPUTED_SERVICE" and s.get("role") == "restatement" and s["start"] >= last_head
        )
        if len(rest) == n:
            return [[(rest[k], rest[k + 1] if k + 1 < n else end)] for k in range(n)]
    if layout == "professional_review" and n:
        cite_g = sorted(
            s["start"] for s in spans if s["label"] == "GUIDELINE" and s.get("role") == "citation"
        )
        cite_end = max((s["end"] for s in spans if s.get("role") == "citation"), default=0)
        decs = [int(it["decision_span"][1]) for it in items]
        if len(cite_g) == n and all(d > cite_end for d in decs):
            out = []
            prev = cite_end
            for k in range(n):
                c_end = cite_g[k + 1] if k + 1 < n else cite_end
                out.append([(cite_g[k], c_end), (prev, decs[k])])
                prev = decs[k]
            return out
    return [[(heads[k], heads[k + 1] if k + 1 < n else end)] for k in range(n)]


def synthetic_gold_records(
    text: str, spans: list[dict[str, Any]], meta: dict[str, Any]
) -> list[dict[str, Any]]:
    """Gold records of a generated letter, in the gold-file shape (plus service spans).

    Guidelines: the GUIDELINE spans of the item's block, each with the PAGE_RANGE spans of its own
    citation (citation pages follow their guideline; a rationale's page may stand before it, so it
    goes to the nearest rationale guideline). Findings: the CLINICAL_FINDING spans of the block.
    """
    records = []
    for item, blocks in zip(meta["items"], item_blocks(text, spans, meta), strict=True):
        inside = sorted((s for s in spans if _inside(s, blocks)), key=lambda s: (s["start"], s["end"]))
        guides = [s for s in inside if s["label"] == "GUIDELINE"]
        pages: dict[int, list[list[int]]] = {id(g): [] for g in guides}
        for p in (s for s in inside if s["label"] == "PAGE_RANGE"):
            if p.get("role") == "rationale":
                pool = [g for g in guides if g.get("role") == "rationale"]
                owner = min(pool, key=lambda g: abs(g["start"] - p["start"]), default=None)
            else:
                before = [g for g in guides if g["end"] <= p["start"]]
                owner = before[-1] if before else None
            if owner is not None:
                for r in parse_pages(text[p["start"] : p["end"]]):
                    if r not in pages[id(owner)]:
                        pages[id(owner)].append(r)
        guidelines = []
        for g in guides:
            gtext = collapse(text[g["start"] : g["end"]])
            guidelines.append(
                {
                    "text": gtext,
                    "id": normalise_guideline(gtext)["id"],
                    "cited_by": "rationale" if g.get("role") == "rationale" else None,
                    "pages": pages[id(g)],
                }
            )
        hs, he = (int(x) for x in item["heading_span"])
        service_spans = [[hs, he]] + [
            [s["start"], s["end"]] for s in inside if s["label"] == "DISPUTED_SERVICE" and s["start"] != hs
        ]
        records.append(
            {
                "service": item["service"],
                "decision": item["decision"],
                "guidelines": guidelines,
                "findings": [
                    collapse(text[s["start"] : s["end"]]) for s in inside if s["label"] == "CLINICAL_FINDING"
                ],
                "spans": {"service": [hs, he]},
                "service_spans": service_spans,
            }
        )
    return records


def heldout_letters(seed: int, n: int) -> list[EvalLetter]:
    """The held-out synthetic split, regenerated (deterministic in seed and index)."""
    from imr_determinations.synth.generator import generate

    return [
        EvalLetter(
            str(meta["id"]),
            text,
            synthetic_gold_records(text, spans, meta),
            "synthetic",
            "heldout",
            str(meta.get("layout") or ""),
        )
        for text, spans, meta in generate(seed, n, "heldout")
    ]


# ---------------------------------------------------------------- scoring
def gold_id(g: dict[str, Any]) -> str:
    """The guideline id of a gold citation (annotated id, else the normaliser's)."""
    return g.get("id") or normalise_guideline(g.get("text") or "", section=g.get("section"))["id"]


def _pred_id(g: dict[str, Any]) -> str:
    return g.get("id") or normalise_guideline(g.get("text") or "")["id"]


def _service_spans(rec: dict[str, Any]) -> list[tuple[int, int]]:
    out = [tuple(s) for s in rec.get("service_spans") or []]
    main = (rec.get("spans") or {}).get("service")
    if main and tuple(main) not in out:
        out.insert(0, tuple(main))
    return [(int(a), int(b)) for a, b in out]


def _jaccard(a: str, b: str) -> float:
    ta, tb = set(service_key(a).split()), set(service_key(b).split())
    return len(ta & tb) / len(ta | tb) if ta | tb else 0.0


def service_score(pred: dict[str, Any], gold: dict[str, Any], threshold: float) -> float | None:
    """How well a predicted item names a gold item; None = no match.

    Both sides with spans: the spans must overlap (the score then ranks by tokens). Otherwise the
    share of the smaller token set found in the other must reach ``threshold``.
    """
    ps, gs = _service_spans(pred), _service_spans(gold)
    p_text, g_text = pred.get("service") or "", gold.get("service") or ""
    ov = token_overlap(p_text, g_text)
    if ps and gs:
        if not any(a < d and c < b for a, b in ps for c, d in gs):
            return None
        return 1.0 + ov + _jaccard(p_text, g_text)
    if ov < threshold:
        return None
    return ov + _jaccard(p_text, g_text)


def match_items(pred: list[dict], gold: list[dict], threshold: float) -> list[tuple[int, int]]:
    """One-to-one (pred index, gold index) pairs: best score first, ties by letter order."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            score = service_score(p, g, threshold)
            if score is not None:
                pairs.append((-score, abs(i - j), j, i))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, _, j, i in sorted(pairs):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return sorted(out)


CITATION = "citation"  # a gold citation whose citer is not recorded (synthetic): any but the rationale


def page_pairs(g: dict[str, Any]) -> list:
    """[start, end] pairs of a guideline: records carry them in page_ranges ("pages" is the text
    as written); gold records carry them in pages."""
    for key in ("page_ranges", "pages"):
        value = g.get(key)
        if isinstance(value, list):
            return value
    return []


def page_groups(guidelines: list[dict[str, Any]], id_of) -> dict[tuple[str, str], set[tuple[int, int]]]:
    """Pages per (guideline id, cited_by), merged over repeated mentions.

    A record lists a rationale guideline once per id with the pages of all its mentions, while
    gold may list each mention; merging both sides the same way compares like with like.
    """
    out: dict[tuple[str, str], set[tuple[int, int]]] = {}
    for g in guidelines:
        key = (id_of(g), g.get("cited_by") or CITATION)
        out.setdefault(key, set()).update((int(a), int(b)) for a, b in page_pairs(g))
    return out


def predicted_pages(guidelines: list[dict[str, Any]], gid: str, cited_by: str) -> set[tuple[int, int]]:
    """Pages the prediction gives guideline ``gid`` as cited by ``cited_by`` (all its citers when
    none of the predicted mentions has that citer: the id was found, the citer is another matter)."""
    same = [g for g in guidelines if _pred_id(g) == gid]
    if cited_by == CITATION:
        group = [g for g in same if g.get("cited_by") != "rationale"]
    else:
        group = [g for g in same if g.get("cited_by") == cited_by]
    return {(int(a), int(b)) for g in group or same for a, b in page_pairs(g)}


def _show(pages: set[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in sorted(pages)) or "none"


def score_letter(
    pred: list[dict[str, Any]], gold: list[dict[str, Any]], threshold: float
) -> tuple[Counter, list[dict[str, Any]]]:
    """Counts for one letter, and its errors (item names and guideline ids only, no rationale text)."""
    c: Counter = Counter()
    errors: list[dict[str, Any]] = []
    c["letters"] += 1
    c["pred"] += len(pred)
    c["gold"] += len(gold)
    c["warned"] += sum(1 for p in pred if p.get("warnings"))
    matches = match_items(pred, gold, threshold)
    c["matched"] += len(matches)
    matched_g = {j for _, j in matches}
    matched_p = {i for i, _ in matches}
    for j, g in enumerate(gold):
        if j not in matched_g:
            errors.append(
                {"kind": "missed_item", "gold": g.get("service"), "reason": "no predicted item names it"}
            )
    for i, p in enumerate(pred):
        if i not in matched_p:
            errors.append(
                {"kind": "spurious_item", "pred": p.get("service"), "reason": "matches no gold item"}
            )
    for i, j in matches:
        p, g = pred[i], gold[j]
        if p.get("decision") == g.get("decision"):
            c["dec_ok"] += 1
        else:
            errors.append(
                {
                    "kind": "wrong_decision",
                    "gold": g.get("service"),
                    "pred": p.get("service"),
                    "reason": f"predicted {p.get('decision')}, gold {g.get('decision')}",
                }
            )
        p_gls = p.get("guidelines") or []
        p_ids = {_pred_id(x) for x in p_gls}
        g_ids = {gold_id(x) for x in g.get("guidelines") or []}
        c["gid_gold"] += len(g_ids)
        c["gid_hit"] += len(g_ids & p_ids)
        c["gid_pred"] += len(p_ids)
        c["gid_pred_ok"] += len(p_ids & g_ids)
        for gid in sorted(g_ids - p_ids):
            mentions = [x for x in g.get("guidelines") or [] if gold_id(x) == gid]
            cites = sorted({str(x.get("cited_by") or CITATION) for x in mentions})
            name = collapse(mentions[0].get("text") or "")[:80]
            errors.append(
                {
                    "kind": "missed_guideline",
                    "gold": g.get("service"),
                    "guideline_id": gid,
                    "reason": f"{gid} '{name}' (cited by {', '.join(cites)}) not among predicted ids "
                    f"{sorted(p_ids) or '[]'}",
                }
            )
        for (gid, cited_by), want in page_groups(g.get("guidelines") or [], gold_id).items():
            if not want or gid not in p_ids:
                continue
            c["pg_gold"] += 1
            got = predicted_pages(p_gls, gid, cited_by)
            if got == want:
                c["pg_ok"] += 1
            else:
                errors.append(
                    {
                        "kind": "wrong_pages",
                        "gold": g.get("service"),
                        "guideline_id": gid,
                        "reason": f"{gid} ({cited_by}): gold pages {_show(want)}, predicted {_show(got)}",
                    }
                )
        p_findings = p.get("findings") or []
        g_findings = g.get("findings") or []
        for f in g_findings:
            c["fd_gold"] += 1
            if any(token_overlap(f, pf) >= threshold for pf in p_findings):
                c["fd_hit"] += 1
        for pf in p_findings:
            c["fd_pred"] += 1
            if any(token_overlap(f, pf) >= threshold for f in g_findings):
                c["fd_pred_ok"] += 1
    return c, errors


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def metrics(c: Counter) -> dict[str, Any]:
    """Rates from summed counts (micro-averaged over the letters of a data set)."""
    p, r = _ratio(c["matched"], c["pred"]), _ratio(c["matched"], c["gold"])
    f1 = round(2 * p * r / (p + r), 4) if p and r else (0.0 if c["gold"] or c["pred"] else None)
    return {
        "letters": c["letters"],
        "items_gold": c["gold"],
        "items_pred": c["pred"],
        "items_matched": c["matched"],
        "item_precision": p,
        "item_recall": r,
        "item_f1": f1,
        "decision_accuracy": _ratio(c["dec_ok"], c["matched"]),
        "guideline_id_precision": _ratio(c["gid_pred_ok"], c["gid_pred"]),
        "guideline_id_recall": _ratio(c["gid_hit"], c["gid_gold"]),
        "page_range_accuracy": _ratio(c["pg_ok"], c["pg_gold"]),
        "finding_precision": _ratio(c["fd_pred_ok"], c["fd_pred"]),
        "finding_recall": _ratio(c["fd_hit"], c["fd_gold"]),
        "items_with_warnings": c["warned"],
        "counts": dict(sorted(c.items())),
    }


# ---------------------------------------------------------------- systems
def baseline_pipeline():
    """The rule baseline: blank_nlp + imr_sections + rules-only linker (no NER at all)."""
    from imr_determinations.tokenizer import blank_nlp

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
    """One pass of nlp.pipe; a Doc the linker failed on keeps its warning (never stops the batch)."""
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
    from imr_determinations.io import LetterReadError, iter_letter_paths, read_letter

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


# ---------------------------------------------------------------- report
TABLE_ROWS: tuple[tuple[str, str, str | None], ...] = (
    ("letters", "letters", None),
    ("gold items", "items_gold", None),
    ("predicted items", "items_pred", None),
    ("item precision", "item_precision", None),
    ("item recall", "item_recall", None),
    ("item F1", "item_f1", None),
    ("decision accuracy", "decision_accuracy", "matched"),
    ("guideline-id precision", "guideline_id_precision", "gid_pred"),
    ("guideline-id recall", "guideline_id_recall", "gid_gold"),
    ("page-range accuracy", "page_range_accuracy", "pg_gold"),
    ("finding precision", "finding_precision", "fd_pred"),
    ("finding recall", "finding_recall", "fd_gold"),
    ("items with warnings", "items_with_warnings", None),
)


def _cell(r: dict[str, Any], key: str, denom: str | None) -> str:
    v = r.get(key)
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3f}" + (f" (n={r['counts'].get(denom, 0)})" if denom else "")
    return str(v)


LAYOUT_PREFIX = "heldout:"
NOISE_PREFIX = "noise:"
LAYOUT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("letters", "letters"),
    ("items gold / pred", "items_gold"),
    ("item F1", "item_f1"),
    ("decision acc.", "decision_accuracy"),
    ("guideline-id P", "guideline_id_precision"),
    ("guideline-id R", "guideline_id_recall"),
    ("page-range acc.", "page_range_accuracy"),
    ("items with warnings", "items_with_warnings"),
)


def by_layout(letters: list[EvalLetter]) -> dict[str, list[EvalLetter]]:
    """Held-out synthetic letters grouped per layout, as extra data sets ("heldout:<layout>")."""
    groups: dict[str, list[EvalLetter]] = {}
    for lt in letters:
        if lt.layout:
            groups.setdefault(LAYOUT_PREFIX + lt.layout, []).append(lt)
    return dict(sorted(groups.items()))


def layout_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Rows = system x layout of the held-out synthetic letters: layouts no real letter shows."""
    lines = [
        "| system | layout | " + " | ".join(label for label, _ in LAYOUT_COLUMNS) + " |",
        "|---|---|" + "---|" * len(LAYOUT_COLUMNS),
    ]
    for system, per in results.items():
        for name, r in per.items():
            if not name.startswith(LAYOUT_PREFIX):
                continue
            cells = [
                f"{r['items_gold']} / {r['items_pred']}" if key == "items_gold" else _cell(r, key, None)
                for _, key in LAYOUT_COLUMNS
            ]
            lines.append(f"| {system} | {name[len(LAYOUT_PREFIX) :]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def with_noise(datasets: dict[str, list[EvalLetter]], kinds: list[str]) -> dict[str, list[EvalLetter]]:
    """Noisy copies of each data set ("noise:<kind>:<data set>"), offsets kept so the gold holds."""
    out: dict[str, list[EvalLetter]] = {}
    for kind in kinds:
        for name, letters in datasets.items():
            out[f"{NOISE_PREFIX}{kind}:{name}"] = [
                EvalLetter(
                    f"{lt.letter_id}#{kind}",
                    add_noise(lt.text, kind, lt.letter_id),
                    lt.records,
                    lt.kind,
                    lt.split,
                    lt.layout,
                )
                for lt in letters
            ]
    return out


NOISE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("item F1", "item_f1"),
    ("decision acc.", "decision_accuracy"),
    ("guideline-id P", "guideline_id_precision"),
    ("guideline-id R", "guideline_id_recall"),
    ("page-range acc.", "page_range_accuracy"),
    ("finding R", "finding_recall"),
)


def noise_table(results: dict[str, dict[str, dict[str, Any]]], bases: list[str], kinds: list[str]) -> str:
    """Rows = system x data set x noise (first the clean letters): what extraction noise costs."""
    lines = [
        "| system | data set | noise | " + " | ".join(label for label, _ in NOISE_COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(NOISE_COLUMNS),
    ]
    for system, per in results.items():
        for base in bases:
            for kind in ["none", *kinds]:
                r = per.get(base if kind == "none" else f"{NOISE_PREFIX}{kind}:{base}")
                if r is None:
                    continue
                cells = [_cell(r, key, None) for _, key in NOISE_COLUMNS]
                lines.append(f"| {system} | {base} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """Rows = metrics, columns = system / data set (the per-layout and noisy sets have their own tables)."""
    cols = [
        (s, d)
        for s, per in results.items()
        for d in per
        if not d.startswith(LAYOUT_PREFIX) and not d.startswith(NOISE_PREFIX)
    ]
    lines = [
        "| metric | " + " | ".join(f"{s} / {d}" for s, d in cols) + " |",
        "|---|" + "---|" * len(cols),
    ]
    for label, key, denom in TABLE_ROWS:
        lines.append(f"| {label} | " + " | ".join(_cell(results[s][d], key, denom) for s, d in cols) + " |")
    return "\n".join(lines)


def format_errors(errors: dict[str, dict[str, list[dict[str, Any]]]]) -> Iterator[str]:
    for sys_name, per_letter in errors.items():
        for letter_id, errs in per_letter.items():
            yield f"[{sys_name}] {letter_id}"
            for e in errs:
                names = " / ".join(str(e[k]) for k in ("gold", "pred") if e.get(k))
                yield f"    {e['kind']}: {names}: {e['reason']}"


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
        wanted = parse_splits(splits)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    kinds = [k.strip() for k in noise.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in OFFSET_KEEPING_NOISE]
    if unknown:
        raise typer.BadParameter(f"--noise: unknown {unknown}; known: {', '.join(OFFSET_KEEPING_NOISE)}")
    systems: dict[str, Any] = {}
    added: list[str] = []
    if model is not None:
        try:
            systems[MODEL], added = load_model(model)
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"--model {model}: {exc}") from exc
        if added:
            typer.echo(f"note: {model} has no {' / '.join(added)}; appended for scoring", err=True)
    if not no_baseline:
        systems[BASELINE] = baseline_pipeline()
    if not systems:
        raise typer.BadParameter("nothing to score: give --model or drop --no-baseline")

    gold, seeds, skipped = load_gold_letters(gold_dir, letters_dir, split_file, wanted)
    for reason in skipped:
        typer.echo(f"skipped: {reason}", err=True)
    datasets: dict[str, list[EvalLetter]] = {}
    if gold:
        datasets["gold:" + ",".join(wanted)] = gold
    if seeds:
        datasets["seeds"] = seeds
    if heldout_n > 0:
        datasets["heldout"] = heldout_letters(heldout_seed, heldout_n)
        datasets.update(by_layout(datasets["heldout"]))
    if not datasets:
        typer.echo(f"no letters to score (gold under {gold_dir}, --heldout-n {heldout_n})", err=True)
        raise typer.Exit(1)
    noise_bases = [d for d in datasets if d.startswith("gold:") or d == "heldout"]
    datasets.update(with_noise({d: datasets[d] for d in noise_bases}, kinds))

    results: dict[str, dict[str, dict[str, Any]]] = {}
    errors: dict[str, dict[str, list[dict[str, Any]]]] = {}
    timing: dict[str, float] = {}
    for name, nlp in systems.items():
        t0 = time.perf_counter()
        results[name], errors[name] = evaluate_system(nlp, datasets, match_threshold)
        timing[name] = round(time.perf_counter() - t0, 2)
    table = markdown_table(results)
    layouts = layout_table(results)
    noisy = noise_table(results, noise_bases, kinds) if kinds else ""
    out: dict[str, Any] = {
        "measured_on": provenance(),
        "systems": {
            n: (
                f"{model}" + (f" (+ {', '.join(added)} appended)" if added else "")
                if n == MODEL
                else "blank_nlp + imr_sections + linker(rules_only)"
            )
            for n in systems
        },
        "datasets": {d: [lt.letter_id for lt in letters] for d, letters in datasets.items()},
        "splits": wanted,
        "heldout": {"seed": heldout_seed, "n": heldout_n},
        "match_threshold": match_threshold,
        "skipped": skipped,
        "results": results,
        "table": table,
        "layout_table": layouts,
        "noise": kinds,
        "noise_table": noisy,
        "errors": errors,
        "seconds": timing,
        "notes": "record findings are the CLINICAL_FINDING spans of each item's rationale (ANNOTATION.md 8)",
    }
    if self_check_dir is not None:
        if self_check_dir.is_dir():
            out["self_check"] = self_check(systems, self_check_dir)
        else:
            typer.echo(f"self-check skipped: {self_check_dir} is not a folder", err=True)
    typer.echo(table)
    if heldout_n > 0:
        typer.echo("\nheld-out synthetic letters per layout:\n" + layouts)
    if kinds:
        typer.echo("\nthe same letters with extraction noise (offsets kept, same gold):\n" + noisy)
    typer.echo("seconds: " + ", ".join(f"{k} {v}" for k, v in timing.items()))
    if show_problems:
        for line in format_errors(errors):
            typer.echo(line)
    if "self_check" in out:
        sc = out["self_check"]
        for sys_name in systems:
            r = sc[sys_name]
            typer.echo(
                f"self-check [{sys_name}]: {r['passed']} letters pass, {r['failed']} fail, "
                f"{len(sc['skipped_no_label'])} without 'Decision rationale:'"
            )
            for f in r["failures"]:
                typer.echo(f"    {json.dumps(f)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"wrote {output}")


if __name__ == "__main__":
    sys.exit(app())
