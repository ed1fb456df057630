"""`imr extract --engine dask --scheduler ADDRESS` on a real cluster: a `dask scheduler` and `dask worker`
processes started from the command line on 127.0.0.1, in another working directory than the client.

Workers resolve nothing themselves: a relative --model folder and relative letter paths must work;
a worker killed mid-run costs nothing (its partitions run again elsewhere); a scheduler killed mid-run
stops the command with a clear error in bounded time, and --resume against a new scheduler finishes
the output. Every output must equal the local engine's, byte for byte (both write in input order).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import imr_determinations
from imr_determinations.extract.models import build_rules_pipeline
from imr_determinations.synth import hostile

pytestmark = [pytest.mark.cluster, pytest.mark.slow]
pytest.importorskip("distributed")

DASK = Path(sys.executable).with_name("dask")
if not DASK.exists():
    pytest.skip(f"no dask command beside {sys.executable}", allow_module_level=True)
SRC = Path(imr_determinations.__file__).resolve().parents[1]
LETTERS = 200
START_TIMEOUT = 60  # seconds for a scheduler or worker process to come up


def _env() -> dict[str, str]:
    """The environment of every subprocess: this checkout's package first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    return env


class Cluster:
    """Scheduler and worker subprocesses of one test; ``close`` kills whatever is still running."""

    def __init__(self, root: Path):
        self.root = root
        self.procs: list[subprocess.Popen] = []
        self.started = 0

    def _start(self, args: list[str], cwd: Path, log: str,
               env: dict[str, str] | None = None) -> subprocess.Popen:
        self.started += 1
        with (self.root / log).open("wb") as out:
            proc = subprocess.Popen(args, cwd=cwd, env={**_env(), **(env or {})}, stdout=out,
                                    stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def scheduler(self, allowed_failures: int | None = None) -> tuple[subprocess.Popen, str]:
        """A scheduler on a free port of 127.0.0.1, and its address (read from its scheduler file);
        ``allowed_failures``: how many workers a task may kill before Dask gives it up (KilledWorker)."""
        n = self.started
        info = self.root / f"scheduler-{n}.json"
        env = {} if allowed_failures is None else {
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures)}
        proc = self._start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                            "--scheduler-file", str(info)], self.root, f"scheduler-{n}.log", env)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                return proc, json.loads(info.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise AssertionError(f"the scheduler did not start: {(self.root / f'scheduler-{n}.log').read_text()}")

    def workers(self, address: str, cwd: Path, n: int = 2) -> list[subprocess.Popen]:
        """``n`` single-process workers (no nanny: SIGKILL kills the worker itself), started in ``cwd``."""
        from distributed import Client

        procs = [
            self._start([str(DASK), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                         "--memory-limit", "0", "--local-directory", str(self.root / "dask-space")],
                        cwd, f"worker-{self.started}.log")
            for _ in range(n)
        ]
        with Client(address, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(n, timeout=START_TIMEOUT)
        return procs

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs:
            proc.wait(timeout=30)
        self.procs.clear()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The client's folder: the rule pipeline saved as a model folder ``m`` and ``LETTERS`` synthetic
    letters in ``letters/``, both named relative to it; ``local.jsonl``, the local engine's output."""
    root = tmp_path_factory.mktemp("client")
    build_rules_pipeline().to_disk(root / "m")
    (root / "letters").mkdir()
    base = hostile.synthetic_letter()
    for i in range(LETTERS):
        text = base.replace("CM99-0000001", f"CM99-{i:07d}")
        (root / "letters" / f"letter_{i:03d}.txt").write_text(text, encoding="utf-8")
    done = _extract(root, "local.jsonl", "--engine", "local")
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """The workers' working directory: neither the model nor the letters are there."""
    path = tmp_path / "worker-cwd"
    path.mkdir()
    return path


def _command(output: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "imr_determinations", "extract", "letters", "--model", "m",
            "--output", output, "--quiet", *args]


def _extract(root: Path, output: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(_command(output, *args), cwd=root, env=_env(), capture_output=True, text=True,
                          timeout=timeout)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def _extract_and_kill(cluster: Cluster, root: Path, output: str, victim: subprocess.Popen, address: str,
                      after_lines: int = 16) -> tuple[subprocess.Popen, float]:
    """Start a dask extract (killed with the cluster if the test fails) and SIGKILL ``victim`` once the
    output has ``after_lines`` lines; returns the still running extract and the time of the kill."""
    (root / output).unlink(missing_ok=True)
    proc = subprocess.Popen(_command(output, "--engine", "dask", "--scheduler", address, "--resume"),
                            cwd=root, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    cluster.procs.append(proc)
    deadline = time.monotonic() + 120
    while _lines(root / output) < after_lines and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None and _lines(root / output) < LETTERS, "the run ended before the kill"
    victim.send_signal(signal.SIGKILL)
    return proc, time.monotonic()


def _assert_like_local(root: Path, output: str) -> None:
    """One record per input, none twice, and exactly the local engine's bytes (same order)."""
    records = [json.loads(line) for line in (root / output).read_text(encoding="utf-8").splitlines()]
    sources = [r["source"] for r in records]
    assert len(sources) == len(set(sources)) == LETTERS
    assert (root / output).read_bytes() == (root / "local.jsonl").read_bytes()


def test_relative_paths_and_a_worker_killed_mid_run_lose_and_duplicate_nothing(
    workspace: Path, cluster: Cluster, elsewhere: Path
) -> None:
    """Workers in another folder than the client read its relative --model and letter paths; the
    partitions of the killed one run again on the other."""
    _, address = cluster.scheduler()
    victim, _ = cluster.workers(address, elsewhere)
    proc, _ = _extract_and_kill(cluster, workspace, "worker-killed.jsonl", victim, address)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    _assert_like_local(workspace, "worker-killed.jsonl")


def test_a_partition_dask_gives_up_on_runs_again_letter_by_letter(
    workspace: Path, cluster: Cluster, elsewhere: Path
) -> None:
    """A partition that killed as many workers as Dask allows (here one) is KilledWorker: its letters run
    again one by one on the workers left, and the output is still the local engine's."""
    _, address = cluster.scheduler(allowed_failures=0)
    victim, _ = cluster.workers(address, elsewhere)
    proc, _ = _extract_and_kill(cluster, workspace, "killed-worker.jsonl", victim, address)
    _, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    _assert_like_local(workspace, "killed-worker.jsonl")


def test_a_scheduler_killed_mid_run_fails_fast_and_resume_finishes(
    workspace: Path, cluster: Cluster, elsewhere: Path
) -> None:
    scheduler, address = cluster.scheduler()
    cluster.workers(address, elsewhere)
    proc, killed_at = _extract_and_kill(cluster, workspace, "scheduler-killed.jsonl", scheduler, address)
    _, stderr = proc.communicate(timeout=120)
    failed_after = time.monotonic() - killed_at
    assert proc.returncode == 4, stderr
    assert f"lost the Dask scheduler {address}" in stderr and "--resume" in stderr
    assert failed_after < 45, f"the run took {failed_after:.0f}s to notice the scheduler was gone"
    assert 0 < _lines(workspace / "scheduler-killed.jsonl") < LETTERS
    cluster.close()

    _, address = cluster.scheduler()
    cluster.workers(address, elsewhere)
    done = _extract(workspace, "scheduler-killed.jsonl", "--engine", "dask", "--scheduler", address,
                    "--resume")
    assert done.returncode == 0, done.stderr
    assert "already done (resume)" in done.stderr
    _assert_like_local(workspace, "scheduler-killed.jsonl")


def test_an_unreachable_scheduler_is_a_setup_error_in_bounded_time(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from imr_determinations.extract import cluster as engine
    from imr_determinations.extract.run import run_extract

    with socket.socket() as sock:  # a port nothing listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 2)
    start = time.monotonic()
    with pytest.raises(engine.ClusterError, match=f"cannot reach the Dask scheduler tcp://127.0.0.1:{port}"):
        run_extract([workspace / "letters" / "letter_000.txt"], model="rules", engine="dask",
                    scheduler=f"tcp://127.0.0.1:{port}", output=workspace / "unreachable.jsonl", quiet=True)
    assert time.monotonic() - start < 20
    assert not (workspace / "unreachable.jsonl").exists()
