"""imr-determinations: IMR Final Determination Letters -> determination records."""

from spacy.tokens import Doc, Span

__version__ = "0.1.0"


def _set_extensions() -> None:
    # registered at import so that factories loaded through entry points, DocBin
    # round trips and nlp.pipe(n_process>1) all see the same attributes
    for name, default in (("determinations", None), ("case", None), ("warnings", None)):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=default)
    # finding context (assertion.py); the linker reads them whether or not that component ran
    for name in ("assertion", "finding_type", "value"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


_set_extensions()
