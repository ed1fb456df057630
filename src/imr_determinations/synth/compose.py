"""Text composition with exact gold-span bookkeeping.

Letters are built by appending pieces; a labelled piece records its character offsets as
it is appended, so gold spans are exact by construction instead of being searched for
afterwards (searching would mislabel repeated mentions such as historic services).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class GoldSpan:
    start: int
    end: int
    label: str
    role: str = ""

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "label": self.label, "role": self.role}


@dataclass(frozen=True)
class Lab:
    """A labelled piece of text; ``role`` says where in the letter the mention sits."""

    text: str
    label: str
    role: str = ""


Piece = str | Lab | Sequence["Piece"]


class Builder:
    """Accumulates text and the spans of its labelled pieces."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._len = 0
        self.spans: list[GoldSpan] = []

    @property
    def pos(self) -> int:
        return self._len

    def add(self, piece: Piece) -> tuple[int, int]:
        """Append a piece (text, labelled text or a sequence of pieces); return its offsets."""
        start = self._len
        if isinstance(piece, str):
            self._parts.append(piece)
            self._len += len(piece)
        elif isinstance(piece, Lab):
            text = piece.text
            if not text or text != text.strip():
                raise ValueError(f"gold span text must be non-empty without outer whitespace: {text!r}")
            self._parts.append(text)
            self.spans.append(GoldSpan(self._len, self._len + len(text), piece.label, piece.role))
            self._len += len(text)
        else:
            for sub in piece:
                self.add(sub)
        return start, self._len

    def fmt(self, template: str, **slots: Piece) -> tuple[int, int]:
        """Append ``template`` with ``{name}`` slots filled by pieces (labelled or plain)."""
        start = self._len
        pos = 0
        for m in _SLOT.finditer(template):
            if m.start() > pos:
                self.add(template[pos : m.start()])
            name = m.group(1)
            if name not in slots:
                raise KeyError(f"template slot {{{name}}} has no value in: {template!r}")
            self.add(slots[name])
            pos = m.end()
        if pos < len(template):
            self.add(template[pos:])
        return start, self._len

    def line(self, *pieces: Piece) -> None:
        """Append pieces followed by a line break."""
        for p in pieces:
            self.add(p)
        self.add("\n")

    def tail(self, n: int) -> str:
        """The last ``n`` characters written so far."""
        out = ""
        for part in reversed(self._parts):
            out = part + out
            if len(out) >= n:
                break
        return out[-n:]

    def rstrip_spaces(self) -> None:
        """Drop trailing spaces (e.g. a sentence separator before a line break)."""
        while self._parts and self._parts[-1].endswith(" "):
            last = self._parts[-1]
            stripped = last.rstrip(" ")
            self._len -= len(last) - len(stripped)
            if stripped:
                self._parts[-1] = stripped
                break
            self._parts.pop()

    def text(self) -> str:
        return "".join(self._parts)


def join_pieces(items: Sequence[Piece], sep: str = ", ", last: str = " and ") -> list[Piece]:
    """Join pieces as an English list ("A, B and C") without touching the pieces themselves."""
    out: list[Piece] = []
    for i, item in enumerate(items):
        if i:
            out.append(last if i == len(items) - 1 else sep)
        out.append(item)
    return out


def template_slots(template: str) -> list[str]:
    return _SLOT.findall(template)
