import json
from pathlib import Path

from typer.testing import CliRunner

from imr_determinations.cli import app
from imr_determinations.extract.writers import CSV_COLUMNS
from imr_determinations.show import render_marked_text

runner = CliRunner()


def test_extract_to_stdout_jsonl(letter_folder: Path) -> None:
    result = runner.invoke(app, ["extract", str(letter_folder / "letter_0.txt"), "--model", "rules"])
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout.strip())
    assert rec["status"] == "ok" and rec["case"]["case_number"] == "CM99-0000100"
    assert "model rules" in result.stderr and "done: 1 letters (1 ok, 0 errors)" in result.stderr


def test_extract_help_documents_csv_columns() -> None:
    result = runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    flat = " ".join(result.output.split())
    assert ", ".join(CSV_COLUMNS) in flat


def test_extract_bad_options_and_nothing_processed(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    result = runner.invoke(app, ["extract", str(tmp_path), "--model", "rules", "--format", "xml"])
    assert result.exit_code == 2 and "unknown format" in result.stderr
    result = runner.invoke(app, ["extract", str(tmp_path), "--model", "rules"])
    assert result.exit_code == 1 and '"error": "empty file"' in result.stdout
    result = runner.invoke(app, ["extract", str(tmp_path / "none"), "--model", "/no/such/model"])
    assert result.exit_code == 2 and "cannot load model" in result.stderr


def test_review_is_mounted() -> None:
    result = runner.invoke(app, ["review", "--help"])
    assert result.exit_code == 0 and "review" in result.output.lower()


def test_show_terminal_and_html(letter_folder: Path, tmp_path: Path) -> None:
    letter = letter_folder / "letter_0.txt"
    result = runner.invoke(app, ["show", str(letter), "--model", "rules", "--no-color"])
    assert result.exit_code == 0, result.output
    assert "[DISPUTED_SERVICE: Acupuncture 2x6 for the neck]" in result.stdout
    assert "OVERTURNED" in result.stdout and "Tramadol 50mg #90" in result.stdout
    assert "\x1b[" not in result.stdout
    coloured = runner.invoke(app, ["show", str(letter), "--model", "rules", "--color"])
    assert "\x1b[" in coloured.stdout
    page = tmp_path / "show.html"
    result = runner.invoke(app, ["show", str(letter), "--model", "rules", "--html", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "DISPUTED_SERVICE" in html and "<table class='records'>" in html and "Tramadol 50mg #90" in html


def test_show_unreadable_letter(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    result = runner.invoke(app, ["show", str(tmp_path / "e.txt"), "--model", "rules"])
    assert result.exit_code == 2 and "empty file" in result.stderr


def test_render_marked_text_nests_and_crosses() -> None:
    text = "abc def ghi"
    out = render_marked_text(text, [(0, 7, "A"), (4, 7, "B"), (5, 11, "C")], {0: "intro"})
    assert out == "──── section: intro ────\n[A: abc [B: d[C: ef]] ghi]"


def test_extract_exit_status_tells_partial_failure(letter_folder: Path, tmp_path: Path) -> None:
    good = letter_folder / "letter_0.txt"
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    assert runner.invoke(app, ["extract", str(good), "--model", "rules"]).exit_code == 0
    partial = runner.invoke(app, ["extract", str(good), str(bad), "--model", "rules"])
    assert partial.exit_code == 3, partial.output
    assert "done: 2 letters (1 ok, 1 errors)" in partial.stderr
    assert runner.invoke(app, ["extract", str(bad), "--model", "rules"]).exit_code == 1
    help_text = " ".join(runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "400"}).output.split())
    assert "3 = some letters are error rows" in help_text


def test_extract_refuses_an_output_another_run_is_writing(letter_folder: Path, tmp_path: Path) -> None:
    import fcntl
    import os

    out = tmp_path / "out.csv"
    fd = os.open(tmp_path / "out.csv.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"777\n")
        result = runner.invoke(app, ["extract", str(letter_folder), "--model", "rules", "--format", "csv",
                                     "-o", str(out), "--resume"])
    finally:
        os.close(fd)
    assert result.exit_code == 2
    assert f"output {out} is being written by another imr extract (pid 777)" in result.stderr
    assert not out.exists()
