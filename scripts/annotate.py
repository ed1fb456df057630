"""Inline annotation workflow for gold letters (see corpus/ANNOTATION.md section 10).

pre -> edit /tmp file -> records-draft -> edit -> import (standoff, no text) -> show; the commands
live in imr_determinations.corpus.annotate.
"""

from imr_determinations.corpus.annotate import app

if __name__ == "__main__":
    app()
