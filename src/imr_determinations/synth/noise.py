"""PDF-extraction noise applied as offset-preserving edits.

Every noise kind is expressed as edits ``(start, end, replacement)`` on the current text;
:func:`apply_edits` rewrites the text and moves gold spans so they keep covering the same
characters. A pure insertion at a span's first character goes before the span; one at
the span's end goes after it, so inserted headers or line breaks never enter a span edge.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from imr_determinations.synth.compose import GoldSpan

Edit = tuple[int, int, str]


def apply_edits(text: str, spans: Sequence[GoldSpan], edits: Sequence[Edit]) -> tuple[str, list[GoldSpan]]:
    """Apply non-overlapping edits and shift spans; raises on overlapping edits."""
    if not edits:
        return text, list(spans)
    ordered = sorted(edits, key=lambda e: (e[0], e[1]))
    out: list[str] = []
    cursor = 0
    for start, end, repl in ordered:
        if start < cursor or end < start or end > len(text):
            raise ValueError(f"overlapping or invalid edit ({start}, {end}) at cursor {cursor}")
        out.append(text[cursor:start])
        out.append(repl)
        cursor = end
    out.append(text[cursor:])

    def shift_start(s: int) -> int:
        delta = 0
        for start, end, repl in ordered:
            if start > s or (start == s and end > start):
                break
            if start < s < end:
                raise ValueError(f"edit ({start}, {end}) straddles span start {s}")
            delta += len(repl) - (end - start)
        return s + delta

    def shift_end(e: int) -> int:
        delta = 0
        for start, end, repl in ordered:
            if start >= e:
                break
            if start < e < end:
                raise ValueError(f"edit ({start}, {end}) straddles span end {e}")
            delta += len(repl) - (end - start)
        return e + delta

    moved = [replace(sp, start=shift_start(sp.start), end=shift_end(sp.end)) for sp in spans]
    return "".join(out), moved


@dataclass
class NoiseConfig:
    """Per-letter noise switches and rates; most letters get only line wrapping."""

    width: int = 95
    wrap_trailing_space: bool = True
    hyphenate_rate: float = 0.0
    page_marks: bool = False
    page_mark_kinds: tuple[str, ...] = ()
    lines_per_page: int = 50
    blank_lines: bool = False
    ocr_rate: float = 0.0
    ligatures: bool = False
    curly_quotes: bool = False
    applied: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, n: int = 1) -> None:
        if n:
            self.applied[kind] = self.applied.get(kind, 0) + n


def sample_noise(rng: random.Random, layout: str) -> NoiseConfig:
    """Draw the noise profile of one letter (rates chosen to keep most letters mostly clean)."""
    cfg = NoiseConfig(width=rng.randint(86, 98), wrap_trailing_space=rng.random() < 0.85)
    if rng.random() < 0.08:
        cfg.hyphenate_rate = 0.15
    if rng.random() < 0.25:
        cfg.page_marks = True
        kinds = ["page_of", "case_number", "letterhead"]
        cfg.page_mark_kinds = tuple(k for k in kinds if rng.random() < 0.6) or ("page_of",)
        cfg.lines_per_page = rng.randint(40, 56)
    cfg.blank_lines = layout == "seed_2014"
    if rng.random() < 0.05:
        cfg.ocr_rate = 0.004
    cfg.ligatures = rng.random() < 0.03
    cfg.curly_quotes = rng.random() < 0.10
    return cfg


def _protected(spans: Sequence[GoldSpan], n: int) -> tuple[bytearray, bytearray]:
    """Masks: ``inside[i]`` marks span characters, ``edge`` marks span edges and DECISION text."""
    inside = bytearray(n)
    edge = bytearray(n + 1)
    for sp in spans:
        for i in range(sp.start, sp.end):
            inside[i] = 1
        for i in (sp.start - 1, sp.start, sp.end - 1, sp.end):
            if 0 <= i <= n:
                edge[i] = 1
        if sp.label == "DECISION":
            for i in range(sp.start, sp.end):
                edge[i] = 1
    return inside, edge


_WORD = re.compile(r"\S+")


def wrap_edits(text: str, cfg: NoiseConfig, rng: random.Random) -> list[Edit]:
    """Hard line breaks near ``cfg.width`` characters, as PDF text extraction produces them."""
    edits: list[Edit] = []
    brk = " \n" if cfg.wrap_trailing_space else "\n"
    line_start = 0
    for line in text.split("\n"):
        if len(line) > cfg.width:
            col = 0  # offset in ``line`` where the current output line starts
            for m in _WORD.finditer(line):
                w_start, w_end = m.start(), m.end()
                if w_start > col and w_end - col > cfg.width:
                    word = m.group()
                    room = cfg.width - (w_start - col)
                    if (
                        cfg.hyphenate_rate
                        and len(word) >= 9
                        and word.isalpha()
                        and room >= 4
                        and rng.random() < cfg.hyphenate_rate
                    ):
                        cut = min(room - 1, len(word) - 3)
                        edits.append((line_start + w_start + cut, line_start + w_start + cut, "-\n"))
                        cfg.count("hyphenation")
                        col = w_start + cut
                        continue
                    # break at the whitespace run before this word
                    sp = w_start - 1
                    edits.append((line_start + sp, line_start + sp + 1, brk))
                    col = w_start
            cfg.count("wrapped_lines")
        line_start += len(line) + 1
    return edits


def page_mark_edits(text: str, cfg: NoiseConfig, rng: random.Random, case_number: str) -> list[Edit]:
    """Page footers/headers ("Page 2 of 5", case number, letterhead) at line boundaries."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    starts = [s for s in starts if s < len(text)]
    per = cfg.lines_per_page
    pages = max(1, (len(starts) + per - 1) // per)
    edits: list[Edit] = []
    for k in range(1, pages):
        pos = starts[k * per]
        lines = []
        for kind in cfg.page_mark_kinds:
            if kind == "page_of":
                lines.append(f"Page {k} of {pages}")
            elif kind == "case_number":
                lines.append(case_number)
            else:
                lines.append(rng.choice(["MAXIMUS FEDERAL SERVICES, INC.", "Independent Medical Review"]))
        edits.append((pos, pos, "\n".join(lines) + "\n"))
        cfg.count("page_marks")
    return edits


def blank_line_edits(text: str) -> list[Edit]:
    """Seed-letter style: an empty line after every line."""
    return [(m.start(), m.end(), "\n\n") for m in re.finditer("\n", text)]


_OCR = {"l": "1", "O": "0", "I": "l", "o": "0", "S": "5"}
_LIGATURES = {"fi": "\ufb01", "fl": "\ufb02", "ff": "\ufb00"}


def char_noise_edits(
    text: str, spans: Sequence[GoldSpan], cfg: NoiseConfig, rng: random.Random
) -> list[Edit]:
    """OCR substitutions, ligatures and curly quotes; never on span edges or DECISION text."""
    if not (cfg.ocr_rate or cfg.ligatures or cfg.curly_quotes):
        return []
    _, edge = _protected(spans, len(text))
    edits: list[Edit] = []
    n = len(text)
    i = 1
    while i < n - 1:
        ch = text[i]
        if edge[i] or edge[i + 1]:
            i += 1
            continue
        prev, nxt = text[i - 1], text[i + 1]
        if cfg.ligatures and text[i : i + 2] in _LIGATURES and prev.isalpha() and not edge[i + 2]:
            if rng.random() < 0.4:
                edits.append((i, i + 2, _LIGATURES[text[i : i + 2]]))
                cfg.count("ligatures")
                i += 2
                continue
        if cfg.curly_quotes and ch in "'\"":
            if ch == "'":
                rep = "\u2019" if prev.isalnum() else "\u2018"
            else:
                rep = "\u201c" if (prev.isspace() or prev in "(") else "\u201d"
            edits.append((i, i + 1, rep))
            cfg.count("curly_quotes")
        elif cfg.ocr_rate and ch in _OCR and prev.isalpha() and nxt.isalpha() and rng.random() < cfg.ocr_rate:
            edits.append((i, i + 1, _OCR[ch]))
            cfg.count("ocr_substitutions")
        i += 1
    return edits
