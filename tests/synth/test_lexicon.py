import pytest

from imr_determinations.synth.lexicon import Lexicon, LexiconError, is_heldout, visible
from imr_determinations.synth.templates import TEMPLATES, variants


@pytest.fixture(scope="module")
def lex() -> Lexicon:
    return Lexicon()


def test_service_lexicon_is_large_and_categorised(lex):
    surfaces = {s.surface for s in lex.services}
    assert len(surfaces) >= 400
    cats = {s.category for s in lex.services}
    for cat in (
        "medication",
        "topical",
        "imaging",
        "electrodiagnostic",
        "therapy",
        "injection",
        "dme",
        "surgery",
        "associated",
        "program",
        "lab",
        "psych",
        "home_health",
    ):
        assert cat in cats
    assert any(s.surface == "Norco 10/325mg #120" for s in lex.services)


def test_split_is_disjoint_and_roughly_a_fifth(lex):
    train = lex.for_split("train")
    held = lex.for_split("heldout")
    assert {s.key for s in train.services}.isdisjoint({s.key for s in held.services})
    assert {g.name for g in train.guidelines}.isdisjoint({g.name for g in held.guidelines})
    assert set(train.findings).isdisjoint(held.findings)
    assert set(train.diagnoses).isdisjoint(held.diagnoses)
    keys = {s.key for s in lex.services}
    frac = sum(is_heldout("services", k) for k in keys) / len(keys)
    assert 0.1 < frac < 0.3
    assert visible("states", "California", "heldout") and visible("states", "California", "train")


def test_template_variants_split(lex):
    for family in TEMPLATES:
        tr, he = variants(family, "train"), variants(family, "heldout")
        assert tr and he and set(tr).isdisjoint(he)


def test_missing_lexicon_dir_is_a_clear_error(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        Lexicon(tmp_path / "nope")
    (tmp_path / "lex").mkdir()
    with pytest.raises(LexiconError, match="drugs.json"):
        Lexicon(tmp_path / "lex")
