"""Random letter facts: dates, ages, case numbers, findings and diagnoses with slots filled."""

from __future__ import annotations

import datetime as dt
import random
import re

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SLOT = re.compile(r"\{(\w+)\}")


def rand_date(rng: random.Random, lo: int, hi: int) -> dt.date:
    start = dt.date(lo, 1, 1).toordinal()
    end = dt.date(hi, 12, 28).toordinal()
    return dt.date.fromordinal(rng.randint(start, end))


def fmt_date(d: dt.date, style: str) -> str:
    """Date in one of the forms letters use; dash forms double as page-range look-alikes."""
    if style == "slash":
        return f"{d.month}/{d.day}/{d.year}"
    if style == "slash0":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if style == "slash2":
        return f"{d.month}/{d.day}/{d.year % 100:02d}"
    if style == "dash2":
        return f"{d.month}-{d.day}-{d.year % 100:02d}"
    if style == "dash":
        return f"{d.month}-{d.day}-{d.year}"
    if style == "long":
        return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"
    raise ValueError(f"unknown date style {style!r}")


def case_number(rng: random.Random, year: int) -> str:
    return f"CM{year % 100:02d}-{rng.randint(1, 260000):07d}"


def fill_slots(pattern: str, rng: random.Random) -> str:
    """Fill ``{side}``, ``{lvl}``, ``{deg}`` ... in a finding or diagnosis pattern."""

    def value(name: str) -> str:
        if name == "side":
            return rng.choice(("right", "left"))
        if name == "Side":
            return rng.choice(("Right", "Left"))
        if name == "spine":
            return rng.choice(("lumbar", "cervical", "thoracic"))
        if name == "lvl":
            return rng.choice(("L3-4", "L4-5", "L5-S1", "C4-5", "C5-6", "C6-7"))
        if name == "derm":
            return rng.choice(("L4", "L5", "S1", "C5", "C6", "C7"))
        if name == "deg":
            return str(rng.choice((20, 30, 35, 40, 45, 50, 60, 70, 90, 100, 120, 140)))
        if name == "score":
            return str(rng.randint(4, 10))
        if name == "score2":
            return str(rng.randint(2, 6))
        if name == "mm":
            return rng.choice(("2", "3", "4", "5", "2-3", "3-4"))
        if name == "grade":
            return rng.choice(("4-", "4", "4+", "3+"))
        if name == "n":
            return str(rng.choice((6, 8, 12, 18, 24, 4, 10)))
        raise KeyError(f"unknown lexicon slot {{{name}}} in {pattern!r}")

    return _SLOT.sub(lambda m: value(m.group(1)), pattern)
