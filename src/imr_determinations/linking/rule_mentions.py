"""Regular-expression stand-ins for the NER spans (``rules_only``: the "section rules + regular
expressions" baseline), found only inside the item sections."""

from __future__ import annotations

from ..layout import DECISION_BASED, HEADING_DECISION, PAGE_CUE, SECTION_CUE, VERDICT_IN_RATIONALE
from .headings import heading_service
from .items import ItemView
from .patterns import (
    AND_NEXT,
    NON_MTUS,
    ONLY_PUNCT,
    RATIONALE_GUIDELINE,
    RATIONALE_PAGE_AFTER,
    RATIONALE_PAGE_BEFORE,
    SUBPART_LABEL,
    YEAR_END,
)
from .spans import Mention, last_match, match_mention, trim


def rule_mentions(text: str, items: list[ItemView]) -> list[Mention]:
    """Services and decisions of the headings, guidelines, pages and verdicts of the sub-parts."""
    out: list[Mention] = []
    for it in items:
        if it.heading:
            out.extend(_heading_mentions(text, *it.heading))
        for ps, pe, label in it.parts:
            if label == "rationale":
                out.extend(_rationale_mentions(text, ps, pe))
                last = last_match(VERDICT_IN_RATIONALE, text, ps, pe)
                if last is not None:
                    out.append(match_mention(last, "phrase", "DECISION"))
            else:
                out.extend(_citation_mentions(text, ps, pe))
    # the same char range can be proposed twice (shared professional-layout blocks)
    return sorted(set(out), key=lambda m: (m.start, m.end, m.label))


def _heading_mentions(text: str, hs: int, he: int) -> list[Mention]:
    """The heading's service, and its ": Upheld" word or else every verdict phrase in it."""
    out: list[Mention] = []
    svc, _how = heading_service(text, hs, he)
    if svc:
        out.append(Mention(svc[0], svc[1], "DISPUTED_SERVICE", text[svc[0] : svc[1]]))
    dm = HEADING_DECISION.search(text, hs, he)
    if dm:
        out.append(match_mention(dm, 1, "DECISION"))
    else:
        out.extend(
            match_mention(vm, "phrase", "DECISION") for vm in VERDICT_IN_RATIONALE.finditer(text, hs, he)
        )
    return out


def _citation_mentions(text: str, s: int, e: int) -> list[Mention]:
    """GUIDELINE and PAGE_RANGE mentions of a claims-administrator / reviewer guideline block."""
    label_m = SUBPART_LABEL.match(text, s, e)
    body_s = label_m.end() if label_m else s
    cuts = [m.end() for m in DECISION_BASED.finditer(text, body_s, e)]
    if not cuts:
        # free-text citation blocks (notice / professional layouts): named sources with nearby pages
        return _rationale_mentions(text, body_s, e)
    out: list[Mention] = []
    for k, c in enumerate(cuts):
        nxt = e
        if k + 1 < len(cuts):
            decision = text.rfind("Decision", c, cuts[k + 1])
            nxt = decision if decision >= 0 else cuts[k + 1]
        for ps, pe in _citation_pieces(text, c, nxt):
            out.extend(_piece_mentions(text, ps, pe))
    return out


def _citation_pieces(text: str, cs: int, ce: int) -> list[tuple[int, int]]:
    """One "Decision based on" chunk cut at each ", and <next source>" that follows a complete
    citation (one that has its section, its pages or its year)."""
    pieces = []
    pos = cs
    for m in AND_NEXT.finditer(text, cs, ce):
        if (
            SECTION_CUE.search(text, pos, m.start())
            or PAGE_CUE.search(text, pos, m.start())
            or YEAR_END.search(text[pos : m.start()])
        ):
            pieces.append((pos, m.start()))
            pos = m.end()
    pieces.append((pos, ce))
    return pieces


def _piece_mentions(text: str, ps: int, pe: int) -> list[Mention]:
    """The guideline name of one citation (up to its section or page cue) and its page numbers."""
    out: list[Mention] = []
    nm = NON_MTUS.match(text, ps, pe)
    gs = nm.end() if nm else ps
    stop = pe
    for cue in (SECTION_CUE, PAGE_CUE):
        cm = cue.search(text, gs, pe)
        if cm:
            stop = min(stop, cm.start())
    gs, ge = trim(text, gs, stop)
    if ge > gs and not ONLY_PUNCT.fullmatch(text, gs, ge):
        out.append(Mention(gs, ge, "GUIDELINE", text[gs:ge]))
    out.extend(match_mention(pm, "pages", "PAGE_RANGE") for pm in PAGE_CUE.finditer(text, gs, pe))
    return out


def _rationale_mentions(text: str, s: int, e: int) -> list[Mention]:
    """Guidelines named in running text, each with the page range just before or after it."""
    out: list[Mention] = []
    for m in RATIONALE_GUIDELINE.finditer(text, s, e):
        gs, ge = trim(text, m.start(), m.end())
        if text[gs:ge].lower().startswith("the "):
            gs += 4
        out.append(Mention(gs, ge, "GUIDELINE", text[gs:ge]))
        before = RATIONALE_PAGE_BEFORE.search(text, max(s, gs - 30), gs)
        if before:
            out.append(match_mention(before, "pages", "PAGE_RANGE"))
        after = RATIONALE_PAGE_AFTER.match(text, ge, min(e, ge + 80))
        if after:
            out.append(match_mention(after, "pages", "PAGE_RANGE"))
    return out
