"""Where the data files shipped inside the package are, in a checkout and in an installed wheel alike.

Everything the installed package reads at run time lives under ``imr_determinations/data`` (listed in
pyproject's package-data), so no code reaches back into a repository checkout.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any


def lexicon_dir() -> Path:
    """The lexicon folder the rule pipeline and the synthetic-letter generator both read.

    A folder path (not a Traversable) because both walk and open its files with pathlib; pip
    installs the package unpacked, so the resource is a real folder.
    """
    return Path(str(resources.files("imr_determinations").joinpath("data", "lexicons")))


def data_json(name: str) -> Any:
    """A JSON rule file of ``imr_determinations/data``, parsed."""
    path = resources.files("imr_determinations").joinpath("data", name)
    return json.loads(path.read_text(encoding="utf-8"))
