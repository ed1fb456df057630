"""Every hand-written layout gives the same records under the PDF noise the issue lists.

A letter's records must not depend on where the PDF put its line breaks, blank lines, page
furniture or spaces; the fixtures are read by the section rules and the linker alone (rules
pipeline), so a failure here is a rule that leans on one layout's typography.
"""

import random
import re
from collections.abc import Callable

import layouts
import pytest
from test_linking import _pipeline

from imr_determinations.extraction_noise import lost_line_breaks, upper_case_decisions

FIXTURES = {name: text for name, text in vars(layouts).items() if name.isupper() and isinstance(text, str)}
FURNITURE = [
    "Page 2 of 5",
    "CM13-0012345",
    "MAXIMUS FEDERAL SERVICES, INC.\nIndependent Medical Review",  # the letterhead, repeated
    "- 3 -",
]


def _flatten(text: str, rng: random.Random) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


def _blank_line_after_every_line(text: str, rng: random.Random) -> str:
    return text.replace("\n", "\n \n")


def _page_furniture(text: str, rng: random.Random) -> str:
    out = []
    for k, line in enumerate(text.split("\n")):
        out.append(line)
        if k and rng.random() < 0.15:
            out.append(rng.choice(FURNITURE))
    return "\n".join(out)


def _uneven_heading_spaces(text: str, rng: random.Random) -> str:
    return re.sub(r"(?<=[A-Z,]) (?=[A-Z])", "  ", text)


def _tabs_after_labels(text: str, rng: random.Random) -> str:
    return text.replace(": ", ":\t")


NOISE: dict[str, Callable[[str, random.Random], str]] = {
    "flattened": _flatten,
    "line breaks lost": lost_line_breaks,
    "blank line after every line": _blank_line_after_every_line,
    "page furniture": _page_furniture,
    "upper-case decisions": upper_case_decisions,
    "uneven heading spaces": _uneven_heading_spaces,
    "tabs after labels": _tabs_after_labels,
}


@pytest.fixture(scope="module")
def rules():
    return _pipeline(True)


def _records(nlp, text: str) -> list[tuple]:
    dets = nlp(text)._.determinations
    return [(d["service"], d["decision"], [g["id"] for g in d["guidelines"]]) for d in dets]


def test_fixtures_cover_every_layout():
    layouts_named = {"SEED_LAYOUT", "LAYOUT_2016", "NOTICE_2013", "LATER_LAYOUT", "PROFESSIONAL_LAYOUT"}
    assert layouts_named <= set(FIXTURES)


@pytest.mark.parametrize("noise", sorted(NOISE))
@pytest.mark.parametrize("layout", sorted(FIXTURES))
def test_records_survive_pdf_noise(rules, layout, noise):
    text = FIXTURES[layout]
    expected = _records(rules, text)
    assert expected and all(service and decision for service, decision, _ in expected)
    for seed in range(4):
        noisy = NOISE[noise](text, random.Random(seed))
        assert _records(rules, noisy) == expected, f"seed {seed}:\n{noisy}"
