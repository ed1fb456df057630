"""Install the built wheels into a new virtual environment and run the pipelines and `imr` there.

The packaged pipeline must load by name in an environment that never saw this repository, and
`imr extract` run there from a folder outside the checkout must give the same determination
records as the project's own extraction of the seed letters; `imr show`, `imr extract --model
rules` and the rule pipeline must run there too, on the package's own data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import venv
from pathlib import Path

import typer

PROBE = r"""
import json
import spacy
import imr_determinations
from imr_determinations.rules import build_rule_pipeline
build_rule_pipeline()
nlp = spacy.load("en_imr_determinations")
print(json.dumps({"pipeline": nlp.pipe_names, "package_file": imr_determinations.__file__}))
"""


def _run(env: Path, work: Path, *args: str) -> str:
    """stdout of a command of the venv, run in ``work`` with no PYTHONPATH leading back to the checkout."""
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    res = subprocess.run([str(env / "bin" / args[0]), *args[1:]], cwd=work, env=clean, capture_output=True,
                         text=True)
    if res.returncode:
        raise SystemExit(f"{' '.join(args)} failed in the new venv:\n{res.stderr}")
    return res.stdout


def main(
    wheels: Path = typer.Option(Path("packages/wheels")),
    letters: list[Path] = typer.Option(
        [Path("corpus/seeds/000_455a604ddc9a446c.txt"), Path("corpus/seeds/003_c13123f40a8e530d.txt")]
    ),
    expected: Path = typer.Option(
        Path("training/seed_records.jsonl"), help="imr extract output to compare with"
    ),
) -> None:
    whls = sorted(str(p) for p in wheels.glob("*.whl"))
    if not whls:
        raise SystemExit(f"no wheels in {wheels}; run `spacy project run package` first")
    with tempfile.TemporaryDirectory() as tmp:
        env = Path(tmp) / "venv"
        venv.create(env, with_pip=True)
        subprocess.run([env / "bin" / "python", "-m", "pip", "install", "-q", *whls], check=True)
        work = Path(tmp) / "work"
        work.mkdir()
        for letter in letters:
            shutil.copy(letter, work / letter.name)
        names = [letter.name for letter in letters]
        got = json.loads(_run(env, work, "python", "-c", PROBE))
        if not Path(got["package_file"]).is_relative_to(env):
            raise SystemExit(f"imr_determinations imported from {got['package_file']}, not from the new venv")
        typer.echo(f"loaded en_imr_determinations in a new venv: {got['pipeline']}")
        records = [json.loads(line) for line in _run(env, work, "imr", "extract", *names, "-q").splitlines()]
        _run(env, work, "imr", "extract", *names, "--model", "rules", "-q")
        _run(env, work, "imr", "show", names[0], "--no-color")
        typer.echo("imr extract (packaged and rules) and imr show ran in the new venv outside the checkout")
    want = {}
    for line in expected.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        want[Path(rec["source"]).name] = rec
    ok = True
    for rec in records:
        ref = want.get(Path(rec["source"]).name)
        same = ref is not None and ref["determinations"] == rec["determinations"]
        ok &= same
        typer.echo(f"{Path(rec['source']).name}: {len(rec['determinations'])} determinations, "
                   f"{'same as' if same else 'DIFFERENT from'} {expected}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    typer.run(main)
