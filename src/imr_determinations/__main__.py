"""`python -m imr_determinations ...` is the `imr` command (project.yml uses this form)."""

from .cli import app

app(prog_name="imr")
