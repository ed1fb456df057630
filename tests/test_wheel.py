"""The installed wheel runs outside any checkout, from any working folder, on package data only.

The project and a packaged pipeline built from the real configs are built into wheels and installed in
a new venv in a temp folder; the commands run there with that folder as working directory and no
PYTHONPATH, so a file the package reads from the repository instead of its own data fails the test.
The venv gets the test environment's installed dependencies (spaCy and the rest) through a folder of
symlinks that leaves this project out (its editable finder, .pth and dist-info): no network needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from spacy.cli.package import package
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.util import load_config

from imr_determinations.rules import LEXICON_LABELS, load_lexicon_patterns
from imr_determinations.synth.generator import generate, letter_to_doc
from imr_determinations.tokenizer import blank_nlp

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SEED_LETTER = ROOT / "corpus" / "seeds" / "000_455a604ddc9a446c.txt"
PIPELINE_PACKAGE = "en_imr_determinations"

PROBE = r"""
import importlib.util, json, sys
from pathlib import Path
import imr_determinations
from imr_determinations.rules import LEXICON_LABELS, build_rule_pipeline, load_lexicon_patterns

doc = build_rule_pipeline()(Path(sys.argv[1]).read_text(encoding="utf-8"))
lexicon = load_lexicon_patterns()
from imr_determinations.package_data import lexicon_dir
from imr_determinations.synth.lexicon import Lexicon

print(json.dumps({
    "package_file": imr_determinations.__file__,
    "lexicon_dir": str(lexicon_dir()),
    "generator_lexicon_dir": str(Lexicon().dir),
    "pipeline_package_file": importlib.util.find_spec(sys.argv[2]).origin,
    "lexicon_patterns": {label: lexicon.count(label) for _, label in LEXICON_LABELS},
    "rule_labels": sorted({e.label_ for e in doc.ents}),
}))
"""


def _not_this_project(name: str) -> bool:
    """False for this project's files in site-packages (package, dist-info, editable finder, .pth)."""
    return "imr_determinations" not in name.lower().replace("-", "_") and not name.endswith(".pth")


def _project_source(tmp: Path) -> Path:
    """A copy of pyproject, README and src only: the wheel pip builds from it cannot lean on other repo
    files, and the checkout gets no build/ or egg-info folder."""
    source = tmp / "source"
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    return source


def _package_untrained_pipeline(tmp: Path) -> Path:
    """The shipped two-stage pipeline, initialised from the real configs on a few synthetic letters but
    not trained (training costs a minute; loading by name needs the structure, not the weights)."""
    nlp = blank_nlp()
    db = DocBin(store_user_data=False)
    for text, spans, _meta in generate(5, 3, "train"):
        db.add(letter_to_doc(nlp, text, spans))
    db.to_disk(tmp / "train.spacy")
    paths = {"paths.train": str(tmp / "train.spacy"), "paths.dev": str(tmp / "train.spacy")}
    init_nlp(load_config(ROOT / "configs" / "ner_boundaries.cfg", overrides=paths)).to_disk(tmp / "stage1")
    stage2 = {**paths, "paths.stage1": str(tmp / "stage1")}
    init_nlp(load_config(ROOT / "configs" / "config.cfg", overrides=stage2)).to_disk(tmp / "model")
    (tmp / "packages").mkdir()
    package(tmp / "model", tmp / "packages", name="imr_determinations", version="0.0.1",
            create_sdist=False, create_wheel=False, force=True, silent=True)
    return next((tmp / "packages").glob(f"{PIPELINE_PACKAGE}-*"))


def _fresh_venv(tmp: Path, *projects: Path) -> Path:
    """A venv that sees the installed dependencies but not this project, with ``projects`` built into
    wheels and installed (one pip run: pip's start-up is a good part of this test's time)."""
    env = tmp / "venv"
    venv.create(env, with_pip=False, symlinks=True)
    python = env / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    deps = tmp / "deps"
    deps.mkdir()
    for lib in sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}):
        for entry in Path(lib).iterdir():
            if _not_this_project(entry.name) and not (deps / entry.name).exists():
                (deps / entry.name).symlink_to(entry)
    (site / "test_dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--no-build-isolation", "-q", *map(str, projects)],
        check=True,
    )
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(venv, working folder holding a copied letter)."""
    tmp = tmp_path_factory.mktemp("wheel")
    env = _fresh_venv(tmp, _project_source(tmp), _package_untrained_pipeline(tmp))
    work = tmp / "work"
    work.mkdir()
    shutil.copy(SEED_LETTER, work / SEED_LETTER.name)
    return env, work


def _run(env: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    clean["PATH"] = f"{env / 'bin'}{os.pathsep}{clean.get('PATH', '')}"
    res = subprocess.run([str(env / "bin" / args[0]), *args[1:]], cwd=work, env=clean, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return res


def test_installed_package_and_its_data_come_from_the_venv(installed: tuple[Path, Path]) -> None:
    env, work = installed
    got = json.loads(_run(env, work, "python", "-c", PROBE, SEED_LETTER.name, PIPELINE_PACKAGE).stdout)
    for key in ("package_file", "lexicon_dir", "generator_lexicon_dir", "pipeline_package_file"):
        assert Path(got[key]).is_relative_to(env), (key, got[key])
        assert not Path(got[key]).is_relative_to(ROOT), (key, got[key])
    # the rule pipeline reads the same lexicons from the wheel's data as from the checkout
    checkout = load_lexicon_patterns()
    assert got["lexicon_patterns"] == {label: checkout.count(label) for _, label in LEXICON_LABELS}
    assert {"DISPUTED_SERVICE", "GUIDELINE"} <= set(got["rule_labels"])


def test_imr_extract_and_show_run_from_any_folder(installed: tuple[Path, Path]) -> None:
    env, work = installed
    record = json.loads(_run(env, work, "imr", "extract", SEED_LETTER.name, "--model", "rules", "-q").stdout)
    assert record["status"] == "ok" and record["determinations"]
    shown = _run(env, work, "imr", "show", SEED_LETTER.name, "--model", "rules", "--no-color").stdout
    # the records table: one row per determination, numbered by its item, with its decision
    dets = record["determinations"]
    assert re.findall(r"^\| (\d+) +\|", shown, flags=re.M) == [str(det["item"]) for det in dets]
    assert all(det["decision"] in shown for det in dets)


def test_imr_extract_finds_the_installed_pipeline_package_by_name(installed: tuple[Path, Path]) -> None:
    env, work = installed
    res = _run(env, work, "imr", "extract", SEED_LETTER.name, "-q")
    assert PIPELINE_PACKAGE in res.stderr  # the progress line names the model it found
    record = json.loads(res.stdout)
    # untrained weights: the structure and the rule components run, the spans are not scored here
    assert record["status"] == "ok" and isinstance(record["determinations"], list)
