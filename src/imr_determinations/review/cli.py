"""`imr review ...` commands: export tasks, import reviewed answers into gold, diff, serve a review page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Annotation review loop: export, import, diff, serve.", no_args_is_help=True)

_MODEL_HELP = (
    "spaCy pipeline: a package name or folder, or 'rules' for the no-training rule pipeline. "
    "Default: the installed en_imr_determinations package, else training/model-best."
)


def _load_model(model: str | None):
    """The pipeline ``imr extract`` would use for the same ``--model`` (None = the default one)."""
    from ..extract.models import ModelNotFoundError, load_model, resolve_model

    try:
        return load_model(resolve_model(model))
    except ModelNotFoundError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@app.command("export")
def export_cmd(
    letters: Annotated[list[Path], typer.Argument(help="Letters (.pdf/.txt) or folders of letters")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Task file to write")],
    model: Annotated[str | None, typer.Option("--model", "-m", help=_MODEL_HELP)] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="prodigy (JSONL) or labelstudio (JSON + config XML)")
    ] = "prodigy",
    sort: Annotated[str, typer.Option(help="uncertainty (least sure first) or random")] = "uncertainty",
    limit: Annotated[
        int | None, typer.Option(min=1, help="Keep only the first N tasks after sorting")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed for --sort random")] = 0,
) -> None:
    """Run the pipeline over letters and write one review task per letter, predictions pre-filled."""
    from .export import SORTS, build_tasks
    from .formats import FORMATS, write_tasks

    if fmt not in FORMATS:
        raise typer.BadParameter(f"use one of {', '.join(FORMATS)}", param_hint="--format")
    if sort not in SORTS:
        raise typer.BadParameter(f"use one of {', '.join(SORTS)}", param_hint="--sort")
    nlp = _load_model(model)
    result = build_tasks(letters, nlp, sort=sort, seed=seed, limit=limit)
    for err in result.errors:
        typer.echo(f"skipped {err}", err=True)
    if not result.tasks:
        typer.echo("error: no letter could be exported", err=True)
        raise typer.Exit(1)
    written = write_tasks(result.tasks, output, fmt)
    typer.echo(f"wrote {len(result.tasks)} task(s) to {', '.join(map(str, written))}")
    for t in result.tasks[:10]:
        typer.echo(f"  {t.score:.3f}  {t.letter_id}  ({len(t.spans)} spans)")


@app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(help="Reviewed tasks: Prodigy JSONL or Label Studio JSON/JSON-MIN export")
    ],
    into: Annotated[Path, typer.Option("--into", help="Gold corpus folder (corpus/gold)")],
    fmt: Annotated[str, typer.Option("--format", help="prodigy, labelstudio or auto")] = "auto",
    letters_dir: Annotated[
        Path | None, typer.Option("--letters-dir", help="Re-extract letters here and check their sha256")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report only; write nothing")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace conflicting gold spans")] = False,
) -> None:
    """Merge accepted reviews into the gold corpus as standoff; conflicts are listed, not merged."""
    from .formats import ReviewFormatError, read_reviewed
    from .goldmerge import merge_letters
    from .validation import validate_letters

    if letters_dir is not None and not letters_dir.is_dir():
        raise typer.BadParameter(f"{letters_dir} is not a folder", param_hint="--letters-dir")
    try:
        read = read_reviewed(file, fmt)
    except (ReviewFormatError, OSError, UnicodeDecodeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    checked = validate_letters(read.letters, letters_dir)
    outcomes = merge_letters(checked.valid, into, overwrite=overwrite, dry_run=dry_run)

    for problem in read.problems:
        typer.echo(f"invalid   {problem}")
    for letter, errors in checked.invalid:
        typer.echo(f"invalid   {letter.letter_id} ({letter.origin}): {'; '.join(errors)}")
    for skip in read.skipped:
        typer.echo(f"skipped   {skip}")
    for o in outcomes:
        typer.echo(f"{o.status:<9} {o.letter_id}" + (f": {o.detail}" if o.detail else ""))
    counts = {
        s: sum(1 for o in outcomes if o.status == s) for s in ("created", "updated", "unchanged", "conflict")
    }
    bad = len(read.problems) + len(checked.invalid)
    prefix = "dry run: " if dry_run else ""
    typer.echo(
        prefix
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f", {bad} invalid, {len(read.skipped)} skipped"
    )
    if counts["conflict"]:
        typer.echo("conflicting letters were not merged; review them or pass --overwrite", err=True)
    if counts["conflict"] or bad:
        raise typer.Exit(1)


@app.command("diff")
def diff_cmd(
    gold: Annotated[Path, typer.Argument(help="Gold folder or reviewed task file")],
    pred: Annotated[Path, typer.Argument(help="Exported task file with the model's predictions")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full report as JSON ('-' = stdout)")
    ] = None,
) -> None:
    """Per-label and per-letter differences between reviewed spans and the model's predictions."""
    from .diff import diff_files, format_table
    from .formats import ReviewFormatError

    try:
        report = diff_files(gold, pred)
    except (ReviewFormatError, OSError, ValueError, KeyError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(format_table(report))
    if json_out is not None:
        text = json.dumps(report, indent=2, ensure_ascii=False)
        if str(json_out) == "-":
            typer.echo(text)
        else:
            json_out.parent.mkdir(parents=True, exist_ok=True)
            json_out.write_text(text + "\n", encoding="utf-8")
            typer.echo(f"wrote {json_out}")


@app.command("serve")
def serve_cmd(
    inputs: Annotated[list[Path], typer.Argument(help="A task JSONL from export, or letters/folders")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Answers JSONL (appended)")],
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8080,
    host: Annotated[
        str, typer.Option(help="Interface to bind; keep 127.0.0.1 unless you mean it")
    ] = "127.0.0.1",
    model: Annotated[
        str | None,
        typer.Option(
            "--model", "-m", help="Pipeline for pre-annotating letters (as for export); none: unannotated"
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="The only folder the server writes in (default: --output's)"),
    ] = None,
    sort: Annotated[
        str, typer.Option(help="Order of letters given as files: uncertainty or random")
    ] = "uncertainty",
) -> None:
    """A built-in review page: correct spans letter by letter; each answer is saved at once."""
    from .export import build_tasks
    from .server import ReviewStore, ServeSetupError, make_server, read_task_file

    try:
        if len(inputs) == 1 and inputs[0].is_file() and inputs[0].suffix == ".jsonl":
            tasks = read_task_file(inputs[0])
        else:
            nlp = _load_model(model) if model else None
            result = build_tasks(inputs, nlp, sort=sort)
            for err in result.errors:
                typer.echo(f"skipped {err}", err=True)
            tasks = result.tasks
        if not tasks:
            raise ServeSetupError("nothing to review")
        store = ReviewStore(tasks, output, data_dir)
    except (ServeSetupError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    server = make_server(store, host, port)
    p = store.progress()
    bound = server.server_address[1]
    typer.echo(
        f"reviewing {p['total']} letter(s), {p['answered']} already answered; answers -> {store.output}"
    )
    typer.echo(f"open http://{host}:{bound}/  (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()
