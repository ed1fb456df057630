import random

import pytest

from imr_determinations.synth.compose import Builder, GoldSpan, Lab
from imr_determinations.synth.noise import NoiseConfig, apply_edits, blank_line_edits, wrap_edits


def test_insertions_at_span_edges_stay_outside():
    text = "ab SPAN cd"
    span = GoldSpan(3, 7, "DECISION")
    out, (moved,) = apply_edits(text, [span], [(3, 3, "<<"), (7, 7, ">>")])
    assert out == "ab <<SPAN>> cd"
    assert out[moved.start : moved.end] == "SPAN"


def test_inner_edits_move_with_span():
    text = "x one two y"
    span = GoldSpan(2, 9, "DISPUTED_SERVICE")
    out, (moved,) = apply_edits(text, [span], [(5, 6, " \n"), (0, 1, "XX")])
    assert out == "XX one \ntwo y"
    assert out[moved.start : moved.end] == "one \ntwo"


def test_overlapping_edits_are_refused():
    with pytest.raises(ValueError):
        apply_edits("abcdef", [], [(1, 3, "x"), (2, 4, "y")])


def test_wrap_breaks_long_lines_and_keeps_spans():
    b = Builder()
    b.add("word " * 30)
    b.add(Lab("lumbar epidural steroid injection at L4-5", "DISPUTED_SERVICE"))
    b.add(" and more words here " * 5 + "\n")
    text = b.text()
    cfg = NoiseConfig(width=60)
    out, spans = apply_edits(text, b.spans, wrap_edits(text, cfg, random.Random(0)))
    assert all(len(line.rstrip()) <= 60 for line in out.split("\n"))
    assert out.count("\n") > 3
    got = out[spans[0].start : spans[0].end]
    assert " ".join(got.split()) == "lumbar epidural steroid injection at L4-5"


def test_blank_lines_double_every_break():
    out, _ = apply_edits("a\nb\n", [], blank_line_edits("a\nb\n"))
    assert out == "a\n\nb\n\n"


def test_builder_refuses_whitespace_edged_spans():
    with pytest.raises(ValueError):
        Builder().add(Lab(" Upheld", "DECISION"))
