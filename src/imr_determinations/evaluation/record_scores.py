"""Scores of predicted determination records against gold records, letter by letter.

An item matches a gold item when their services overlap: character spans when both sides have
them, else service tokens (share of the smaller token set >= the match threshold); matching is
one-to-one, best overlap first, ties in letter order. From the matches: item precision / recall /
F1, decision accuracy on matched items, guideline-id precision / recall (sets of ids per matched
item), page-range accuracy (gold guidelines with pages whose id was found: the predicted pages are
equal), finding precision / recall (a record's findings are those of its item's rationale,
ANNOTATION.md section 8; two match at the threshold's token overlap; findings the pipeline says the records
lack are left out, as the gold holds documented ones) and items carrying warnings.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..normalise import collapse, normalise_guideline, service_key, token_overlap


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
        _score_match(pred[i], gold[j], threshold, c, errors)
    return c, errors


def _score_match(
    p: dict[str, Any], g: dict[str, Any], threshold: float, c: Counter, errors: list[dict[str, Any]]
) -> None:
    """Add one matched item pair's decision, guideline-id, page and finding counts and errors."""
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
    # the gold records hold documented findings; what the records lack is scored by evaluate-missing
    details = p.get("finding_details") or []
    missing = {f.get("text") for f in details if f.get("assertion") == "not_documented"}
    p_findings = [f for f in p.get("findings") or [] if f not in missing]
    g_findings = g.get("findings") or []
    for f in g_findings:
        c["fd_gold"] += 1
        if any(token_overlap(f, pf) >= threshold for pf in p_findings):
            c["fd_hit"] += 1
    for pf in p_findings:
        c["fd_pred"] += 1
        if any(token_overlap(f, pf) >= threshold for f in g_findings):
            c["fd_pred_ok"] += 1


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
