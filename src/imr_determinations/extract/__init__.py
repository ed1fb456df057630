"""Batch extraction: letters in, one record per letter out, at any scale.

Files are streamed (paths are listed up front, texts are read one by one as ``nlp.pipe``
asks for them), every record is written as soon as it is done with one ``write`` + flush,
and every input yields a record or an error row, so a crash loses at most the line being
written and ``--resume`` finishes the rest. The same per-partition code runs on a Dask
cluster (``engine="dask"``), and the writer puts results in input order either way.

Modules: ``models`` (which pipeline), ``local`` (the ``nlp.pipe`` feed), ``cluster`` (Dask
partitions), ``writers`` (JSONL/CSV), ``resume`` (``--resume`` and the output lock) and ``run``
(``run_extract``, the whole command). The names below are the package's entry points.
"""

from .local import iter_records
from .models import ModelNotFoundError, build_rules_pipeline, load_model, resolve_model
from .resume import OutputLockedError
from .run import run_extract
from .writers import CSV_COLUMNS, csv_rows, format_record

__all__ = [
    "CSV_COLUMNS",
    "ModelNotFoundError",
    "OutputLockedError",
    "build_rules_pipeline",
    "csv_rows",
    "format_record",
    "iter_records",
    "load_model",
    "resolve_model",
    "run_extract",
]
