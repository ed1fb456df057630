"""The letters record-level evaluation scores, each with its gold records.

Real gold letters of the chosen splits (seeds are listed in splits.json as test), the seed letters
alone, and the held-out synthetic split regenerated from ``generate(heldout_seed, heldout_n,
"heldout")`` with gold records built from its spans; besides, the held-out letters per layout and
copies of the letters with offset-keeping extraction noise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..extraction_noise import OFFSET_KEEPING_NOISE, add_noise
from ..normalise import collapse, normalise_guideline, parse_pages

GOLD_SPLITS = ("train", "dev", "test")
LAYOUT_PREFIX = "heldout:"
NOISE_PREFIX = "noise:"


@dataclass
class EvalLetter:
    """One letter to score: its text and its gold records (the gold side of the comparison)."""

    letter_id: str
    text: str
    records: list[dict[str, Any]]
    kind: str  # "seed" | "real" | "synthetic"
    split: str
    layout: str = ""  # synthetic letters: the generator's layout name



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
    from ..gold import GoldError, letter_id_for, load_seeds, load_splits, load_standoff
    from ..io import LetterReadError

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
    from ..synth.generator import generate

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


def by_layout(letters: list[EvalLetter]) -> dict[str, list[EvalLetter]]:
    """Held-out synthetic letters grouped per layout, as extra data sets ("heldout:<layout>")."""
    groups: dict[str, list[EvalLetter]] = {}
    for lt in letters:
        if lt.layout:
            groups.setdefault(LAYOUT_PREFIX + lt.layout, []).append(lt)
    return dict(sorted(groups.items()))



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


def parse_noise(value: str) -> list[str]:
    """'lost-line-breaks,no-line-breaks' -> the noise kinds; an unknown kind is a usage error."""
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in OFFSET_KEEPING_NOISE]
    if unknown:
        raise ValueError(f"--noise: unknown {unknown}; known: {', '.join(OFFSET_KEEPING_NOISE)}")
    return kinds


def build_datasets(
    gold: list[EvalLetter],
    seeds: list[EvalLetter],
    splits: list[str],
    heldout_seed: int,
    heldout_n: int,
    noise: list[str],
) -> tuple[dict[str, list[EvalLetter]], list[str]]:
    """(data sets by name, names of those that also got noisy copies); empty data sets are left out.

    Names: "gold:<splits>", "seeds", "heldout", "heldout:<layout>", "noise:<kind>:<data set>".
    """
    datasets: dict[str, list[EvalLetter]] = {}
    if gold:
        datasets["gold:" + ",".join(splits)] = gold
    if seeds:
        datasets["seeds"] = seeds
    if heldout_n > 0:
        datasets["heldout"] = heldout_letters(heldout_seed, heldout_n)
        datasets.update(by_layout(datasets["heldout"]))
    noise_bases = [d for d in datasets if d.startswith("gold:") or d == "heldout"]
    if datasets:
        datasets.update(with_noise({d: datasets[d] for d in noise_bases}, noise))
    return datasets, noise_bases
