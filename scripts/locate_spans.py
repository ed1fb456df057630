"""Turn an annotator's span list into standoff gold for a real letter.

The annotator reads the letter and writes one line per span: `LABEL<TAB>span text[<TAB>N]`
(N = which occurrence, 1-based, or `all`; needed only when the text occurs more than once).
Whitespace in the span text matches any run of whitespace in the letter, so spans can cross
PDF line breaks. The script finds each span in the canonical text, checks token alignment,
and writes `corpus/gold/letters/<CASE>.json` (offsets + SHA-256, never the text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import typer

from imr_determinations.gold import anchor_records, dump_standoff
from imr_determinations.io import read_letter
from imr_determinations.labels import ALL_LABELS
from imr_determinations.tokenizer import blank_nlp


def _pattern(span_text: str) -> re.Pattern[str]:
    parts = [re.escape(p) for p in span_text.split()]
    return re.compile(r"\s+".join(parts))


def locate(text: str, lines: list[str]) -> tuple[list[dict], list[str]]:
    spans: list[dict] = []
    errors: list[str] = []
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 2:
            errors.append(f"line {n}: expected LABEL<TAB>text[<TAB>N]: {line!r}")
            continue
        label, span_text = fields[0].strip(), fields[1].strip()
        which = fields[2].strip() if len(fields) > 2 else ""
        if label not in ALL_LABELS:
            errors.append(f"line {n}: unknown label {label!r}")
            continue
        matches = list(_pattern(span_text).finditer(text))
        if not matches:
            errors.append(f"line {n}: not found: {span_text!r}")
            continue
        if which == "all":
            chosen = matches
        elif which:
            k = int(which)
            if not 1 <= k <= len(matches):
                errors.append(f"line {n}: occurrence {k} requested, {len(matches)} found: {span_text!r}")
                continue
            chosen = [matches[k - 1]]
        elif len(matches) > 1:
            errors.append(f"line {n}: {len(matches)} occurrences, add <TAB>N or <TAB>all: {span_text!r}")
            continue
        else:
            chosen = matches
        for m in chosen:
            spans.append({"start": m.start(), "end": m.end(), "label": label})
    return spans, errors


def check_alignment(text: str, spans: list[dict]) -> list[str]:
    doc = blank_nlp().make_doc(text)
    errors = []
    ner = sorted((s for s in spans if s["label"] in ALL_LABELS[:4]), key=lambda s: s["start"])
    for s in spans:
        if doc.char_span(s["start"], s["end"]) is None:
            errors.append(f"not on token boundaries: {s['label']} {text[s['start']:s['end']]!r}")
    for a, b in zip(ner, ner[1:], strict=False):
        if b["start"] < a["end"]:
            errors.append(
                f"overlapping NER spans: {text[a['start']:a['end']]!r} / {text[b['start']:b['end']]!r}"
            )
    return errors


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
