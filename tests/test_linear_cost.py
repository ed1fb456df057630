"""Cost growth of the section splitter and the linker on hostile texts: four times the text must cost
about four times the time (a quadratic step costs sixteen), whatever the shape of the text.

Each shape once sent one regex into backtracking over every split of a long run (a page of spaces, a
heading with blank runs, repeated headings), making one letter take minutes."""

from __future__ import annotations

import gc
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from imr_determinations.extract.models import build_rules_pipeline
from imr_determinations.sections import segment
from imr_determinations.tokenizer import blank_nlp

N = 10_000
GROWTH = 4
MAX_RATIO = 8.0  # linear gives ~4, quadratic ~16; the rest is timing noise
CALL_LIMIT_S = 5  # a single call beyond this is a failure, not a wait

DECISIONS = "IMR ISSUES, DECISIONS AND RATIONALES\n"


def _fill(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


SHAPES: dict[str, Callable[[int], str]] = {
    "spaces": lambda n: " " * n,
    "newlines": lambda n: "\n" * n,
    "sentences": lambda n: _fill(". ", n),
    "digits": lambda n: "7" * n,
    "heading lines": lambda n: _fill(DECISIONS, n),
    "not-documented cues": lambda n: _fill("There is no documentation of pain, ", n),
    "general negations": lambda n: _fill("there is no ", n),
    "blank run in a partial certification": lambda n: (
        DECISIONS + "Norco #60" + " " * n + "was the original request." + " " * n
        + "The Claims Administrator authorized Norco #30." + " " * n + ": Upheld\n"
    ),
    "blank run in an issue question": lambda n: (
        "MEDICAL PROFESSIONAL REVIEW\nISSUE AT DISPUTE:\nIs the request for MRI" + " " * n
        + "medically necessary?\nRATIONALE FOR WHY THE REQUESTED SERVICE IS NOT MEDICALLY NECESSARY:\n"
        + "No deficits. The MRI is not medically necessary.\n"
    ),
    "blank run in a citation": lambda n: (
        DECISIONS + "Acupuncture x6: Upheld\nClaims Administrator guideline: Decision based on MTUS "
        + " " * n + " Page(s): 12" + " " * n
        + ".\nDecision rationale: The request is not medically necessary.\n"
    ),
}


class _TooSlow(BaseException):
    """Not an ``Exception``: the linker turns those into a warning and carries on."""


@contextmanager
def _limit(seconds: int) -> Iterator[None]:
    def _raise(*_: object) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _seconds(run: Callable[[str], object], text: str, repeats: int) -> float:
    """The fastest of ``repeats`` calls, the garbage collector off: a collection or a busy neighbour
    lands in one call, not in the minimum."""
    best = float("inf")
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            try:
                with _limit(CALL_LIMIT_S):
                    run(text)
            except _TooSlow:
                pytest.fail(f"one call on {len(text)} characters took over {CALL_LIMIT_S} s")
            best = min(best, time.perf_counter() - start)
    finally:
        gc.enable()
    return best


def _growth(run: Callable[[str], object], shape: Callable[[int], str], rounds: int = 3) -> float:
    """Small and large calls alternate, so a busy spell of the machine slows both sides of the ratio."""
    small_text, large_text = shape(N), shape(GROWTH * N)
    small = large = float("inf")
    for _ in range(rounds):
        small = min(small, _seconds(run, small_text, repeats=2))
        large = min(large, _seconds(run, large_text, repeats=1))
    return large / max(small, 1e-3)  # below a millisecond the ratio is noise


@pytest.fixture(scope="module")
def rules():
    return build_rules_pipeline()


@pytest.fixture(scope="module")
def model_layers():
    """Tokenizer, sections, the linker in model mode and the entity repair (no NER spans: the layers
    around a model)."""
    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe("imr_determination_linker")
    nlp.add_pipe("imr_entity_repair")
    return nlp


@pytest.mark.parametrize("name", list(SHAPES))
def test_rules_pipeline_cost_grows_linearly(rules, name):
    assert _growth(rules, SHAPES[name]) < MAX_RATIO


@pytest.mark.parametrize("name", ["spaces", "blank run in a partial certification"])
def test_model_mode_linker_cost_grows_linearly(model_layers, name):
    assert _growth(model_layers, SHAPES[name]) < MAX_RATIO


@pytest.mark.parametrize("name", ["heading lines", "blank run in an issue question"])
def test_section_segmentation_cost_grows_linearly(name):
    assert _growth(segment, SHAPES[name]) < MAX_RATIO
