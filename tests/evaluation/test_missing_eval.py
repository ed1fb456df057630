import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from imr_determinations.assertion import FACTORY
from imr_determinations.evaluation.missing_eval import covers, evaluate
from imr_determinations.io import read_letter
from imr_determinations.labels import SPANS_KEY
from imr_determinations.textnorm import text_sha256
from imr_determinations.tokenizer import blank_nlp

TEXT = ("There is no documentation of functional improvement. Exam showed tenderness and no spasm. "
        "There is no evidence of red flags.\n")
FINDINGS = ("functional improvement", "tenderness", "spasm")


@Language.component("test_finding_spans")
def _finding_spans(doc: Doc) -> Doc:
    spans = [doc.char_span(m.start(), m.end(), label="CLINICAL_FINDING")
             for word in FINDINGS for m in re.finditer(word, doc.text)]
    doc.spans[SPANS_KEY] = [s for s in spans if s is not None]
    return doc


def _labels(tmp_path: Path, gold: list[str], assertion: str = "not_documented") -> Path:
    letter = tmp_path / "letters" / "L1.txt"
    letter.parent.mkdir()
    letter.write_text(TEXT)
    text = read_letter(letter).text
    findings = [{"start": text.index(g), "end": text.index(g) + len(g), "assertion": assertion,
                 "origin": "added"} for g in gold]
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"letters": {"L1": {"source": "L1.txt", "sha256": text_sha256(text),
                                                   "split": "test", "findings": findings}}}))
    return path


def _nlp() -> Language:
    nlp = blank_nlp()
    nlp.add_pipe("test_finding_spans")
    nlp.add_pipe(FACTORY)
    return nlp


def test_a_found_missing_finding_counts_and_an_unfound_one_lowers_recall(tmp_path: Path) -> None:
    labels = _labels(tmp_path, ["functional improvement", "red flags"])
    result = evaluate(_nlp(), [labels], tmp_path / "letters")
    score = result["scores"]["all"]
    assert (score["gold"], score["gold_found"], score["predicted"], score["predicted_ok"]) == (2, 1, 1, 1)
    assert score["p"] == 1.0 and score["r"] == 0.5
    assert result["scores"]["test"] == score


def test_a_gold_finding_read_as_present_is_a_wrong_assertion_not_a_hit(tmp_path: Path) -> None:
    labels = _labels(tmp_path, ["tenderness"])
    score = evaluate(_nlp(), [labels], tmp_path / "letters")["scores"]["all"]
    assert score["gold_found"] == 0 and score["wrong_assertion"] == 1
    assert score["predicted"] == 1 and score["predicted_ok"] == 0  # "functional improvement" is not gold


def test_only_not_documented_labels_are_gold(tmp_path: Path) -> None:
    labels = _labels(tmp_path, ["spasm"], assertion="absent")
    score = evaluate(_nlp(), [labels], tmp_path / "letters")["scores"]["all"]
    assert score["gold"] == 0


def test_a_changed_letter_is_skipped_and_said(tmp_path: Path) -> None:
    labels = _labels(tmp_path, ["functional improvement"])
    (tmp_path / "letters" / "L1.txt").write_text(TEXT + "more\n")
    result = evaluate(_nlp(), [labels], tmp_path / "letters")
    assert result["letters"] == 0 and "sha256" in result["skipped"][0]


def test_half_of_the_gold_span_must_be_shared() -> None:
    assert covers((0, 10), (5, 20)) and not covers((0, 10), (6, 20)) and not covers((0, 10), (10, 12))
