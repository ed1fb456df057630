"""scripts/run_tests.sh says before it apt-get installs Chromium, and IMR_NO_APT=1 stops it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
BASH = shutil.which("bash") or "/bin/bash"


def _stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{BASH}\n{body}\n", encoding="utf-8")
    path.chmod(0o755)


@pytest.fixture
def fake_repo(tmp_path: Path) -> Path:
    """A copy of the repo's shell scripts with setup, ruff, pytest, id and apt-get stubbed: root,
    no chromium on PATH; every stub notes its call on stderr, so the order of messages shows."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    for script in SCRIPTS.glob("*.sh"):
        shutil.copy(script, repo / "scripts" / script.name)
    _stub(repo / "scripts" / "setup_env.sh", "")
    _stub(repo / ".venv" / "bin" / "ruff", "")
    _stub(repo / ".venv" / "bin" / "python", "echo PYTEST RAN >&2")
    bin_dir = tmp_path / "bin"
    _stub(bin_dir / "id", "echo 0")
    _stub(bin_dir / "apt-get", 'echo "APT-GET $*" >&2')
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    return repo


def _run(repo: Path, **env: str) -> str:
    result = subprocess.run([BASH, str(repo / "scripts" / "run_tests.sh")], capture_output=True, text=True,
                            env={"PATH": str(repo.parent / "bin"), **env}, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_run_tests_says_it_installs_chromium_before_apt_get(fake_repo: Path) -> None:
    err = _run(fake_repo)
    assert "APT-GET install -y -qq chromium" in err
    notice = err.index("installing it with apt-get")
    assert notice < err.index("APT-GET update") and "IMR_NO_APT=1" in err[:err.index("APT-GET update")]
    assert "PYTEST RAN" in err


def test_imr_no_apt_skips_the_install(fake_repo: Path) -> None:
    err = _run(fake_repo, IMR_NO_APT="1")
    assert "APT-GET" not in err and "not installing it" in err and "PYTEST RAN" in err
