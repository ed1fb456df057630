"""Text clean-up that keeps a map back to the raw characters.

PDF and OCR text carries CRLF line ends, ligatures, soft hyphens, non-breaking spaces and
control characters. The pipeline reads the cleaned text; ``offsets[i]`` is the index in the
raw text of cleaned character ``i`` (with one extra entry for the end), so any span found on
the cleaned text maps back to the raw text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

_REPLACEMENTS: dict[str, str] = {
    "\u00a0": " ",  # no-break space
    "\u2007": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u00ad": "",  # soft hyphen
    "\u200b": "",  # zero-width space
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",  # BOM / zero-width no-break space
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2032": "'",
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2028": "\n",
    "\u2029": "\n",
}
_KEEP_CONTROLS = {"\n", "\t", "\f"}


@dataclass(frozen=True)
class NormalisedText:
    text: str
    offsets: tuple[int, ...]  # len(text) + 1 entries, indices into the raw text

    def to_raw(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the cleaned text to the raw text."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


# characters that need no change: printable ASCII plus the kept whitespace controls
_PLAIN_RUN = re.compile(r"[\x20-\x7e\n\t\f]+")


def _replacement(ch: str) -> str:
    rep = _REPLACEMENTS.get(ch)
    if rep is not None:
        return rep
    cat = unicodedata.category(ch)
    if cat == "Cc" and ch not in _KEEP_CONTROLS:
        return " "
    if cat in ("Cf", "Cs", "Co", "Cn"):
        return ""
    if cat == "Zs" and ch != " ":
        return " "
    return ch


def normalise_text(raw: str) -> NormalisedText:
    """Clean ``raw`` and keep, per cleaned character, its index in ``raw``.

    Never raises on any ``str`` (lone surrogates and unassigned code points are dropped).
    Plain ASCII runs are copied in bulk, so a long letter costs little more than a copy.
    """
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    n = len(raw)
    while i < n:
        run = _PLAIN_RUN.match(raw, i)
        if run is not None:
            end = run.end()
            out.append(raw[i:end])
            offsets.extend(range(i, end))
            i = end
            continue
        ch = raw[i]
        if ch == "\r":
            # CRLF and lone CR both become one LF
            out.append("\n")
            offsets.append(i)
            i += 2 if i + 1 < n and raw[i + 1] == "\n" else 1
            continue
        rep = _replacement(ch)
        if rep:
            out.append(rep)
            offsets.extend([i] * len(rep))
        i += 1
    offsets.append(n)
    return NormalisedText("".join(out), tuple(offsets))


def text_sha256(text: str) -> str:
    """SHA-256 of the UTF-8 text (lone surrogates passed through rather than crashing)."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
