"""Turn an annotator's span list into standoff gold for a real letter.

The annotator reads the letter and writes one line per span: `LABEL<TAB>span text[<TAB>N]`
(N = which occurrence, 1-based, or `all`; needed only when the text occurs more than once).
Whitespace in the span text matches any run of whitespace in the letter, so spans can cross
PDF line breaks. The script finds each span in the canonical text, checks token alignment,
and writes `corpus/gold/letters/<CASE>.json` (offsets + SHA-256, never the text).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from imr_determinations.corpus.locate import check_alignment, locate
from imr_determinations.gold import anchor_records, dump_standoff
from imr_determinations.io import read_letter


def main(
    letter: Path,
    span_list: Path = typer.Argument(..., help="LABEL<TAB>text[<TAB>N] lines"),
    records: Path = typer.Option(None, help="JSON list of gold records"),
    out_dir: Path = typer.Option(Path("corpus/gold/letters")),
    notes: str = typer.Option("", help="Free-text annotation notes"),
    show: bool = typer.Option(True, help="Print located spans in context"),
) -> None:
    lt = read_letter(letter)
    spans, errors = locate(lt.text, span_list.read_text(encoding="utf-8").splitlines())
    spans = sorted({(s["start"], s["end"], s["label"]): s for s in spans}.values(),
                   key=lambda s: (s["start"], s["end"], s["label"]))
    errors += check_alignment(lt.text, spans)
    if show:
        for s in spans:
            a, b = s["start"], s["end"]
            ctx = lt.text[max(0, a - 30) : a] + "[" + lt.text[a:b] + "]" + lt.text[b : b + 20]
            ctx = ctx.replace("\n", " ")
            typer.echo(f"{s['label']:<17} {ctx}")
    if errors:
        for e in errors:
            typer.echo(f"ERROR {e}", err=True)
        raise typer.Exit(1)
    recs = json.loads(records.read_text(encoding="utf-8")) if records else []
    recs = anchor_records(recs, lt.text, spans)  # records keep offsets, never letter text
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / (letter.stem + ".json")
    payload = {"source": letter.name, "sha256": lt.sha256, "spans": spans, "records": recs, "notes": notes}
    out.write_text(dump_standoff(payload), encoding="utf-8")
    typer.echo(f"wrote {out} ({len(spans)} spans, {len(recs)} records)")


if __name__ == "__main__":
    typer.run(main)
