from hypothesis import given, settings
from hypothesis import strategies as st

from imr_determinations.textnorm import normalise_text, text_sha256

PIECES = ["\r\n", "\r", "\ufb01", "\ufb03", "\u00ad", "\u00a0", "\u2019", "\x07", "\u200b", "\ud800",
          "ab c\n"]
NOISY = st.lists(st.one_of(st.characters(), st.sampled_from(PIECES)), max_size=120).map("".join)


@settings(max_examples=150, deadline=None)
@given(NOISY)
def test_offsets_map_back_to_raw_text(raw: str) -> None:
    norm = normalise_text(raw)
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[-1] == len(raw)
    assert list(norm.offsets) == sorted(norm.offsets)
    for i, ch in enumerate(norm.text):
        src = raw[norm.offsets[i]]
        # an unchanged character points at itself; a changed one at the character it came from
        assert ch in normalise_text(src).text
    text_sha256(norm.text)  # never raises


@settings(max_examples=100, deadline=None)
@given(NOISY, st.data())
def test_span_slices_renormalise_to_the_same_text(raw: str, data: st.DataObject) -> None:
    norm = normalise_text(raw)
    n = len(norm.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    rs, re_ = norm.to_raw(start, end)
    assert 0 <= rs <= re_ <= len(raw)
    expected = norm.text[start:end]
    got = normalise_text(raw[rs:re_]).text
    # a boundary inside a ligature's expansion is the only way the slice can hold more
    assert expected in got


@settings(max_examples=100, deadline=None)
@given(NOISY)
def test_normalising_is_idempotent(raw: str) -> None:
    once = normalise_text(raw).text
    assert normalise_text(once).text == once


def test_known_replacements() -> None:
    raw = "of\ufb01ce\r\nre\u00adport\u00a0\u201cok\u201d\x07end\u2014x"
    norm = normalise_text(raw)
    assert norm.text == 'office\nreport "ok" end-x'
    s = norm.text.index("report")
    assert raw[slice(*norm.to_raw(s, s + len("report")))] == "re\u00adport"


def test_plain_ascii_is_identity() -> None:
    raw = "Plain ASCII\nletter\ttext."
    norm = normalise_text(raw)
    assert norm.text == raw
    assert norm.offsets == tuple(range(len(raw) + 1))
