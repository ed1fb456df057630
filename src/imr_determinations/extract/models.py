"""Which pipeline a run uses: resolving ``--model`` (rules, a folder, a package or the default) and
loading it once per process."""

from __future__ import annotations

import gc
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language

from ..assertion import FACTORY as CONTEXT_FACTORY
from ..missing_findings import FACTORY as MISSING_FACTORY

PACKAGE_MODEL = "en_imr_determinations"
TRAINED_MODEL_DIR = Path("training") / "model-best"
RULES_MODEL = "rules"
LINKER = "imr_determination_linker"
SECTIONS = "imr_sections"


class ModelNotFoundError(Exception):
    """No pipeline could be found or loaded; the message says what to do."""


# ---------------------------------------------------------------------------------------------
# models


def build_rules_pipeline() -> Language:
    """The no-training pipeline: tokenizer, section splitter and the linker in rules-only mode."""
    from ..tokenizer import blank_nlp

    nlp = blank_nlp()
    nlp.add_pipe("imr_sections")
    nlp.add_pipe(MISSING_FACTORY)  # what the records lack needs cues, not a model
    nlp.add_pipe("imr_determination_linker", config={"rules_only": True})
    return nlp


def resolve_model(name: str | None) -> str:
    """Which model ``name`` means: "rules", a path, a package, or (for None) the default one."""
    if name:
        return name
    if importlib.util.find_spec(PACKAGE_MODEL) is not None:
        return PACKAGE_MODEL
    if TRAINED_MODEL_DIR.is_dir():
        return str(TRAINED_MODEL_DIR)
    raise ModelNotFoundError(
        f"no model found: install the {PACKAGE_MODEL} package, train one into {TRAINED_MODEL_DIR}/ "
        f"(relative to the current folder), or pass --model PATH or --model {RULES_MODEL}"
    )


def load_model(spec: str) -> Language:
    """Load a resolved model spec; a failure becomes ``ModelNotFoundError`` with the cause."""
    import spacy

    if spec == RULES_MODEL:
        return build_rules_pipeline()
    try:
        nlp = spacy.load(spec)
    except (OSError, ValueError, ImportError) as exc:
        raise ModelNotFoundError(f"cannot load model {spec!r}: {exc}") from exc
    return with_focus(with_missing_findings(with_finding_context(nlp)))


def with_focus(nlp: Language) -> Language:
    """Give a pipeline saved before ``imr_focus`` existed its sections first and the focus around its
    trained components: the same records, without running them on the reviewer-credential block."""
    from ..focus import FOCUS, RESTORE

    if FOCUS in nlp.pipe_names or "tok2vec" not in nlp.pipe_names or SECTIONS not in nlp.pipe_names:
        return nlp
    trained = [name for name in ("tok2vec", "ner", "span_boundaries", "spancat") if name in nlp.pipe_names]
    nlp.remove_pipe(SECTIONS)
    nlp.add_pipe(SECTIONS, first=True)
    nlp.add_pipe(FOCUS, after=SECTIONS)
    nlp.add_pipe(RESTORE, after=trained[-1])
    return nlp


def with_finding_context(nlp: Language) -> Language:
    """Add ``imr_finding_context`` before the linker of a pipeline trained before it existed: it has no
    weights, so the model's findings get assertions like a new model's."""
    if CONTEXT_FACTORY not in nlp.pipe_names and "spancat" in nlp.pipe_names and LINKER in nlp.pipe_names:
        nlp.add_pipe(CONTEXT_FACTORY, before=LINKER)
    return nlp


def with_missing_findings(nlp: Language) -> Language:
    """Add ``imr_missing_findings`` before the linker of a pipeline saved before it existed: it has no
    weights, so older models' records list what the records lack too."""
    if MISSING_FACTORY not in nlp.pipe_names and LINKER in nlp.pipe_names:
        nlp.add_pipe(MISSING_FACTORY, before=LINKER)
    return nlp


def model_identity(spec: str) -> dict[str, str | None]:
    """Name and version of the pipeline ``spec`` names, from its meta.json (without loading it);
    the rule pipeline is "rules" with the package version, since its rules change with it."""
    from .. import __version__

    if spec == RULES_MODEL:
        return {"name": RULES_MODEL, "version": __version__}
    import spacy.util

    path = Path(spec)
    try:
        if not path.is_dir():
            path = spacy.util.get_package_path(spec)
        meta = spacy.util.load_meta(path / "meta.json")
    except (OSError, ValueError, ImportError):
        return {"name": spec, "version": None}
    name = f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}"
    return {"name": name, "version": meta.get("version")}


def model_label(model: Any) -> str | None:
    """The CSV form of a record's model: "name version"; None for a record without one."""
    if not isinstance(model, dict) or not model.get("name"):
        return None
    return f"{model['name']} {model['version']}" if model.get("version") else str(model["name"])


@lru_cache(maxsize=2)
def cached_model(spec: str) -> Language:
    """One pipeline per process (a Dask worker loads it on its first partition, then reuses it), kept out
    of the cyclic garbage collector's scans (``run._loaded``)."""
    nlp = load_model(spec)
    gc.freeze()
    return nlp
