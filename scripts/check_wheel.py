"""Install the built wheels into a new virtual environment and check spacy.load there.

The packaged pipeline must load by name in an environment that never saw this repository and
give the same determination records as the project's own extraction of the seed letters.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import venv
from pathlib import Path

import typer

PROBE = r"""
import json, sys
import spacy
nlp = spacy.load("en_imr_determinations")
out = []
for path in sys.argv[1:]:
    doc = nlp(open(path, encoding="utf-8").read())
    out.append({"source": path, "determinations": doc._.determinations, "case": doc._.case})
print(json.dumps({"pipeline": nlp.pipe_names, "records": out}))
"""


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
        py = env / "bin" / "python"
        subprocess.run([py, "-m", "pip", "install", "-q", *whls], check=True)
        args = [str(py), "-c", PROBE, *[str(p.resolve()) for p in letters]]
        res = subprocess.run(args, check=True, capture_output=True, text=True, cwd=tmp)
    got = json.loads(res.stdout)
    typer.echo(f"loaded en_imr_determinations in a new venv: {got['pipeline']}")
    want = {}
    for line in expected.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        want[Path(rec["source"]).name] = rec
    ok = True
    for rec in got["records"]:
        ref = want.get(Path(rec["source"]).name)
        same = ref is not None and ref["determinations"] == rec["determinations"]
        ok &= same
        typer.echo(f"{Path(rec['source']).name}: {len(rec['determinations'])} determinations, "
                   f"{'same as' if same else 'DIFFERENT from'} {expected}")
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    typer.run(main)
