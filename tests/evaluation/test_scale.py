from pathlib import Path

from imr_determinations.evaluation.scale import markdown_table, run_scale, write_letters


def test_letters_are_all_different_and_reused_on_a_second_call(tmp_path: Path) -> None:
    paths = write_letters(tmp_path, 5, seed=0)
    texts = [p.read_text() for p in paths]
    assert len(set(texts)) == 5
    mtimes = [p.stat().st_mtime_ns for p in paths]
    again = write_letters(tmp_path, 6, seed=0)
    assert again[:5] == paths and [p.stat().st_mtime_ns for p in paths] == mtimes and len(again) == 6


def test_each_size_is_one_extract_run_with_a_record_per_letter_and_its_own_peak_rss(tmp_path: Path) -> None:
    report = run_scale("rules", [3, 2], n_process=1, workdir=tmp_path)
    assert [r["letters"] for r in report["runs"]] == [2, 3]
    assert all(r["records"] == r["letters"] for r in report["runs"])
    assert report["startup"]["letters"] == 1
    assert all(r["peak_rss_mb"] > 20 for r in report["runs"])
    table = markdown_table(report)
    assert "| 3 | 3 |" in table and "ms per letter after start-up" in table
