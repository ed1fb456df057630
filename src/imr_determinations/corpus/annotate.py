"""Inline annotation workflow for gold letters (see corpus/ANNOTATION.md section 10).

pre -> edit /tmp file -> records-draft -> edit -> import (standoff, no text) -> show.
Work files belong in /tmp: real-letter text must never be written into the repo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..gold import (
    GoldError,
    GoldLetter,
    dump_standoff,
    first_difference,
    letter_id_for,
    load_splits,
    load_standoff,
    parse_inline,
    render_inline,
    seed_line,
    validate_letter,
    validate_records,
    write_standoff,
)
from ..io import LetterReadError, read_letter
from ..normalise import collapse
from ..preannotate import draft_records, guideline_id, preannotate, rationale_findings
from ..tokenizer import blank_nlp

app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
REPO = Path(__file__).resolve().parents[3]  # the checkout: src/imr_determinations/corpus/


def _fail(msg: str) -> None:
    typer.secho(f"error: {msg}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _refuse_repo_path(path: Path, what: str) -> None:
    """Work files hold letter text; keep them out of the repository."""
    try:
        path.resolve().relative_to(REPO)
    except ValueError:
        return
    _fail(f"{what} {path} is inside the repository; inline work files belong in /tmp")


def _read(source: Path) -> str:
    try:
        return read_letter(source).text
    except LetterReadError as exc:
        _fail(f"{source}: {exc}")
    raise AssertionError("unreachable")


@app.command()
def pre(
    letter: Path, out: Annotated[Path, typer.Option(help="inline work file, e.g. /tmp/CASE.txt")]
) -> None:
    """Pre-annotate a letter with the rules and write it with ⟦LABEL|...⟧ markup."""
    _refuse_repo_path(out, "--out")
    text = _read(letter)
    spans = preannotate(blank_nlp(), text)
    out.write_text(render_inline(text, spans), encoding="utf-8")
    counts: dict[str, int] = {}
    for s in spans:
        counts[s["label"]] = counts.get(s["label"], 0) + 1
    typer.echo(f"{out}: {len(spans)} proposed spans {counts}; now read the letter and correct every span")


def _parse_against(marked_path: Path, source: Path) -> tuple[str, list[dict]]:
    try:
        plain, spans = parse_inline(marked_path.read_text(encoding="utf-8"))
    except GoldError as exc:
        _fail(f"{marked_path}: {exc}")
    text = _read(source)
    if plain != text:
        _fail(
            f"{marked_path}: text differs from {source} after removing markup; "
            f"{first_difference(plain, text)}"
        )
    return text, spans


@app.command("records-draft")
def records_draft(
    marked: Path,
    source: Annotated[Path, typer.Option(help="the letter the markup belongs to")],
    out: Annotated[Path, typer.Option(help="records work file, e.g. /tmp/CASE.records.json")],
) -> None:
    """Propose gold records from the inline spans, for the annotator to correct."""
    _refuse_repo_path(out, "--out")
    text, spans = _parse_against(marked, source)
    records = draft_records(text, spans)
    out.write_text(json.dumps(records, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    typer.echo(f"{out}: {len(records)} draft record(s); check services, pages, sections, ids and findings")


@app.command("import")
def import_(
    marked: Path,
    source: Annotated[Path, typer.Option(help="the letter (PDF or text) the markup belongs to")],
    records: Annotated[Path, typer.Option(help="JSON list of gold records")],
    out: Annotated[
        Path, typer.Option(help="corpus/gold/letters/<CASE>.json (or corpus/gold/seeds.jsonl for a seed)")
    ],
    notes: Annotated[str, typer.Option(help="free-text notes stored with the annotation")] = "",
    force: Annotated[bool, typer.Option(help="replace an existing gold file")] = False,
) -> None:
    """Strip markup, check the text is the letter's, validate, write standoff JSON (no text)."""
    if out.exists() and out.suffix != ".jsonl" and not force:
        _fail(f"{out} exists (another annotator's work?); pass --force to replace it")
    text, spans = _parse_against(marked, source)
    try:
        recs = json.loads(records.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        _fail(f"{records}: {exc}")
    letter = read_letter(source)
    gl = GoldLetter(letter_id_for(source.name), source.name, text, letter.sha256, spans, recs, "test", notes)
    errors, warnings = validate_letter(blank_nlp(), gl)
    for w in warnings:
        typer.secho(f"warning: {w}", fg=typer.colors.YELLOW, err=True)
    if errors:
        _fail("; ".join(errors))
    if out.suffix == ".jsonl":
        # seed letters keep their text inline, one line per seed, replaced by letter_id
        rows = (
            [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines() if x.strip()]
            if out.exists()
            else []
        )
        rows = [r for r in rows if r["meta"]["letter_id"] != gl.letter_id]
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        lines.append(seed_line(text, source.name, gl.letter_id, spans, recs, notes))
        lines.sort(key=lambda x: json.loads(x)["meta"]["letter_id"])
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        write_standoff(out, source.name, letter.sha256, spans, recs, notes, text=letter.text)
    typer.echo(f"{out}: {len(spans)} spans, {len(recs)} record(s)")


@app.command()
def show(
    gold_file: Path,
    letters_dir: Annotated[Path, typer.Option(help="folder holding the letter PDFs")] = Path(
        "../shared/letters"
    ),
) -> None:
    """Print a standoff annotation as inline-marked text (to the terminal only)."""
    try:
        gl = load_standoff(gold_file, letters_dir, load_splits(gold_file.parent.parent / "splits.json"))
    except (GoldError, LetterReadError) as exc:
        _fail(f"{gold_file}: {exc}")
    sys.stdout.write(render_inline(gl.text, gl.spans) + "\n")
    sys.stdout.write(json.dumps(gl.records, ensure_ascii=False, indent=1) + "\n")


def _read_rows(path: Path) -> list[dict]:
    """The annotation rows of a gold file: one per line of seeds.jsonl, one for a standoff file."""
    if path.suffix == ".jsonl":
        return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [json.loads(path.read_text(encoding="utf-8"))]


def _write_rows(path: Path, rows: list[dict]) -> None:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    else:
        path.write_text(dump_standoff(rows[0]), encoding="utf-8")


@app.command("fill-ids")
def fill_ids(gold_files: list[Path]) -> None:
    """Fill empty guideline ids in gold files from imr_determinations.normalise."""
    for path in gold_files:
        rows = _read_rows(path)
        filled = 0
        for row in rows:
            for rec in row.get("records", []):
                for g in rec.get("guidelines", []):
                    if not g.get("id"):
                        g["id"] = guideline_id(g["text"])
                        filled += bool(g["id"])
            errs = validate_records(row.get("records"))
            if errs:
                _fail(f"{path}: {'; '.join(errs)}")
        _write_rows(path, rows)
        typer.echo(f"{path}: filled {filled} id(s)")


@app.command("fill-findings")
def fill_findings(
    gold_files: list[Path],
    letters_dir: Annotated[Path, typer.Option(help="folder holding the letter PDFs")] = Path(
        "../shared/letters"
    ),
    dry_run: Annotated[bool, typer.Option(help="report the changes, write nothing")] = False,
) -> None:
    """Set each record's findings to the CLINICAL_FINDING spans of its item's decision rationale.

    ANNOTATION.md section 8 defines a record's findings that way; drafts once copied every
    case-summary finding into every record. Derived from the (read) spans, so it never invents a
    finding; a letter whose items do not line up with its records is reported and left alone.
    Standoff files store the findings as offsets, seeds.jsonl as text."""
    for path in gold_files:
        rows = _read_rows(path)
        if path.suffix == ".jsonl":
            texts = [row["text"] for row in rows]
        else:
            try:
                texts = [load_standoff(path, letters_dir).text]
            except (GoldError, LetterReadError) as exc:
                _fail(f"{path}: {exc}")
        for row, text in zip(rows, texts, strict=True):
            name = row.get("meta", {}).get("letter_id", path.name)
            per_item = rationale_findings(text, row.get("spans", []))
            records = row.get("records", [])
            if len(per_item) != len(records):
                typer.secho(
                    f"{name}: {len(per_item)} item(s) in the spans, {len(records)} record(s); left alone",
                    fg=typer.colors.YELLOW,
                    err=True,
                )
                continue
            before = sum(len(r.get("findings", [])) for r in records)
            # seeds keep record text inline, standoff files keep offsets
            inline = path.suffix == ".jsonl"
            for rec, found in zip(records, per_item, strict=True):
                rec["findings"] = [
                    collapse(text[s["start"] : s["end"]]) if inline else [s["start"], s["end"]]
                    for s in found
                ]
            typer.echo(f"{name}: findings {before} -> {sum(len(r['findings']) for r in records)}")
        if not dry_run:
            _write_rows(path, rows)


@app.command()
def splits(gold_dir: Annotated[Path, typer.Argument()] = Path("corpus/gold")) -> None:
    """Add every annotated letter missing from splits.json (real letters -> test, seeds -> train)."""
    path = gold_dir / "splits.json"
    current = load_splits(path)
    added = 0
    for f in sorted((gold_dir / "letters").glob("*.json")):
        if f.stem not in current:
            current[f.stem] = "test"
            added += 1
    seeds = gold_dir / "seeds.jsonl"
    if seeds.exists():
        for line in seeds.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lid = json.loads(line)["meta"]["letter_id"]
                if lid not in current:
                    current[lid] = "train"
                    added += 1
    path.write_text(json.dumps(dict(sorted(current.items())), indent=1) + "\n", encoding="utf-8")
    typer.echo(f"{path}: {len(current)} letters ({added} added)")


@app.command("check-record-text")
def check_record_text(marked: Path, source: Annotated[Path, typer.Option()]) -> None:
    """List the whitespace-collapsed text of every span (a quick read-back before import)."""
    text, spans = _parse_against(marked, source)
    for s in spans:
        typer.echo(
            f"{s['start']:>6} {s['end']:>6} {s['label']:<17} {collapse(text[s['start'] : s['end']])}"
        )

