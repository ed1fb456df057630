"""The real-letters location comes from LETTERS_DIR (one place: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
PROBE = """
def test_where(shared_letters):
    print("LETTERS AT", shared_letters)
"""


@pytest.fixture(autouse=True)
def _no_plugin_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner runs need no installed plugins (loading them takes seconds per run)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def _probe(pytester: pytest.Pytester) -> pytest.RunResult:
    """Run one test that takes the shared_letters fixture of the project's own conftest."""
    pytester.makepyfile(
        project_fixtures=f"import runpy\nglobals().update(runpy.run_path({str(CONFTEST)!r}))\n",
        test_probe=PROBE,
    )
    pytester.syspathinsert()
    return pytester.runpytest_inprocess("-s", "-rs", "-p", "no:cacheprovider", "-p", "project_fixtures")


def test_letters_dir_env_is_the_letters_folder(pytester: pytest.Pytester, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "my letters"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4\n")
    monkeypatch.setenv("LETTERS_DIR", str(folder))
    result = _probe(pytester)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*LETTERS AT {folder.resolve()}*"])


def test_missing_letters_skip_naming_the_path_and_the_variable(pytester: pytest.Pytester, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTERS_DIR", str(tmp_path / "nowhere"))
    result = _probe(pytester)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*real letters not found at {tmp_path / 'nowhere'}*set LETTERS_DIR*"])


def test_relative_letters_dir_is_taken_from_the_repo(pytester: pytest.Pytester,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LETTERS_DIR", "corpus/no-such-letters")
    result = _probe(pytester)
    result.assert_outcomes(skipped=1)
    repo = CONFTEST.resolve().parents[1]
    result.stdout.fnmatch_lines([f"*real letters not found at {repo / 'corpus' / 'no-such-letters'}*"])
