"""Speed benchmark: PDF extraction, tokenizer floor, pipeline with/without linker, n_process 1 vs 2.

Every configuration runs on the same texts in its own forked process, so the peak RSS it
reports is its own: ``VmHWM`` of that process (reset through /proc/self/clear_refs where
the kernel allows, else inherited from the parent) and ``RUSAGE_CHILDREN.ru_maxrss`` for
the largest spaCy worker when n_process > 1. Each measurement is warmed up once and
repeated until it has run for at least --min-seconds.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import pstats
import re
import resource
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import spacy
import typer
from spacy.language import Language
from spacy.tokens import DocBin

from ..io import LetterReadError, iter_letter_paths, read_letter
from ..tokenizer import blank_nlp

LINKER = "imr_determination_linker"
REPAIR = "imr_entity_repair"


# --------------------------------------------------------------------------- inputs


def load_texts(
    letters_dir: Path | None, limit: int = 0, *, root: Path
) -> tuple[list[str], list[Path], str]:
    """Letters from --letters-dir if it has any, else ROOT/corpus/dev.spacy texts, else ROOT/corpus/seeds.

    Returns (texts, pdf_paths, source description). Unreadable letters are skipped and counted.
    """
    if letters_dir is not None and letters_dir.is_dir():
        paths = list(iter_letter_paths([letters_dir]))
        if limit:
            paths = paths[:limit]
        texts, pdfs, failed = [], [], 0
        for p in paths:
            try:
                texts.append(read_letter(p).text)
            except LetterReadError:
                failed += 1
                continue
            if p.suffix.lower() == ".pdf":
                pdfs.append(p)
        if texts:
            return texts, pdfs, f"letters: {len(texts)} from {letters_dir} ({failed} unreadable skipped)"
    dev = root / "corpus" / "dev.spacy"
    if dev.exists():
        docs = list(DocBin().from_disk(dev).get_docs(blank_nlp().vocab))
        texts = [d.text for d in docs][: limit or None]
        if texts:
            return texts, [], f"synthetic: {len(texts)} texts from {dev}"
    seeds = root / "corpus" / "seeds"
    if seeds.is_dir():
        texts = [read_letter(p).text for p in iter_letter_paths([seeds])][: limit or None]
        if texts:
            return texts, [], f"seeds: {len(texts)} from {seeds}"
    raise typer.BadParameter(f"no letters in {letters_dir}, no {dev}, no {seeds}: nothing to benchmark")


def factory_available(name: str) -> bool:
    """Built-in factories register lazily, so ask for the meta instead of has_factory."""
    try:
        # spaCy 3.8 registers built-in and entry-point factories lazily, when a Language is made
        spacy.blank("en")
        return Language.has_factory(name)
    except Exception:  # unknown name or a broken entry point both mean "not available"
        return False


def init_untrained(config_path: Path, texts: Iterable[str]) -> Language:
    """An initialised but untrained pipeline from the training config, for timing before training.

    Factories that are not installed are dropped (with their names recorded in meta). The
    few Examples needed to infer labels are annotated by the rule baseline.
    """
    from spacy.training import Example

    from ..labels import CANDIDATES_KEY, NER_LABELS, SPAN_LABELS, SPANS_KEY
    from ..rules import build_rule_pipeline

    config = spacy.util.load_config(config_path)
    dropped = [
        n
        for n in config["nlp"]["pipeline"]
        if not factory_available(config["components"][n].get("factory", n))
    ]
    for name in dropped:
        config["nlp"]["pipeline"].remove(name)
        del config["components"][name]
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    rules = build_rule_pipeline(with_linker=False)
    examples = []
    for doc in rules.pipe(list(texts)[:8]):
        ref = doc.copy()
        ref.spans[CANDIDATES_KEY] = list(ref.spans.get(SPANS_KEY, []))
        examples.append(Example(nlp.make_doc(doc.text), ref))
    for name, labels in (("ner", NER_LABELS), ("spancat", SPAN_LABELS)):
        if name in nlp.pipe_names:
            for label in labels:
                nlp.get_pipe(name).add_label(label)
    nlp.initialize(lambda: examples)
    nlp.meta["untrained"] = True
    nlp.meta["dropped_components"] = dropped
    return nlp


# --------------------------------------------------------------------------- measuring


def _proc_status(key: str) -> int | None:
    """kB value of a /proc/self/status line (VmHWM, VmRSS); None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _timed(fn: Callable[[], Any], min_seconds: float) -> tuple[int, float]:
    fn()  # warm-up
    reps, start = 0, time.perf_counter()
    while True:
        fn()
        reps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return reps, elapsed


def _child(fn: Callable[[], Any], min_seconds: float, conn: Any) -> None:
    try:
        reset = _reset_peak_rss()
        reps, elapsed = _timed(fn, min_seconds)
        conn.send(
            {
                "reps": reps,
                "seconds": elapsed,
                "peak_rss_mb": (_proc_status("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
                / 1024,
                "peak_rss_reset": reset,
                "peak_rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    except Exception as exc:  # reported as this configuration's error, the benchmark goes on
        conn.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        conn.close()


def measure(fn: Callable[[], Any], min_seconds: float) -> dict[str, Any]:
    """Run fn repeatedly in a forked process (fresh peak-RSS counters); fall back to in-process."""
    if "fork" not in mp.get_all_start_methods():
        reps, elapsed = _timed(fn, min_seconds)
        return {"reps": reps, "seconds": elapsed, "peak_rss_mb": None, "peak_rss_workers_mb": None}
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, min_seconds, send))
    proc.start()
    send.close()
    result = recv.recv() if recv.poll(timeout=max(600.0, 50 * min_seconds)) else {"error": "timed out"}
    proc.join()
    return result


def _rates(result: dict[str, Any], n_texts: int, n_words: int, n_chars: int) -> dict[str, Any]:
    if "error" in result:
        return result
    per_rep = result["seconds"] / result["reps"]
    return {
        **result,
        "words_per_s": n_words / per_rep,
        "letters_per_s": n_texts / per_rep,
        "chars_per_s": n_chars / per_rep,
    }


def profile_components(nlp: Language, texts: list[str], batch_size: int = 16) -> dict[str, Any]:
    """Wall time per component (run one after another over the same docs) and cProfile's top calls."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    docs = [nlp.make_doc(t) for t in texts]
    times["tokenizer"] = time.perf_counter() - start
    for name, proc in nlp.pipeline:
        start = time.perf_counter()
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            docs = [proc(d) for d in docs]
        times[name] = time.perf_counter() - start
    total = sum(times.values()) or 1.0
    profiler = cProfile.Profile()
    profiler.enable()
    list(nlp.pipe(texts, batch_size=batch_size))
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][3], reverse=True)  # type: ignore[attr-defined]
    top = [
        {"function": f"{Path(k[0]).name}:{k[1]}({k[2]})", "cumtime_s": round(v[3], 4), "calls": v[1]}
        for k, v in rows[:15]
    ]
    return {
        "letters": len(texts),
        "component_seconds": {k: round(v, 4) for k, v in times.items()},
        "component_share": {k: round(v / total, 3) for k, v in sorted(times.items(), key=lambda kv: -kv[1])},
        "cprofile_top_cumulative": top,
    }


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def machine_info() -> dict[str, Any]:
    """Date, platform, Python and spaCy versions, CPU count and model of this run."""
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "spacy": spacy.__version__,
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu or platform.processor() or "unknown",
    }


def model_info(
    model_path: Path | None, nlp: Language, train_log: Path | None, wheels_dir: Path | None
) -> dict:
    """Pipeline names and state, and the model folder, training time and wheel sizes when known."""
    info: dict[str, Any] = {
        "pipeline": nlp.pipe_names,
        "untrained": bool(nlp.meta.get("untrained")),
        "dropped_components": nlp.meta.get("dropped_components", []),
        "performance": nlp.meta.get("performance") or None,
    }
    if model_path is not None and model_path.is_dir():
        info["model_dir_bytes"] = _dir_size(model_path)
    if train_log is not None and train_log.is_file():
        text = train_log.read_text(errors="replace")
        seconds = None
        try:
            data = json.loads(text)
            seconds = next((data[k] for k in ("train_seconds", "seconds", "elapsed") if k in data), None)
        except (ValueError, TypeError):
            m = re.search(r"(?:train(?:ing)?\s+time|elapsed)\D{0,20}([\d.]+)\s*s", text, re.I)
            seconds = float(m.group(1)) if m else None
        info["train_seconds"] = seconds
    if wheels_dir is not None and wheels_dir.is_dir():
        info["wheels_bytes"] = {p.name: p.stat().st_size for p in sorted(wheels_dir.glob("*.whl"))}
    return info


def run_benchmark(
    nlp: Language,
    texts: list[str],
    *,
    text_source: str,
    pdf_paths: list[Path] | None = None,
    batch_sizes: Iterable[int] = (16, 64),
    n_processes: Iterable[int] = (1, 2),
    min_seconds: float = 3.0,
    profile_letters: int = 10,
    model_path: Path | None = None,
    train_log: Path | None = None,
    wheels_dir: Path | None = None,
    also_without: Iterable[list[str]] = (),
) -> dict[str, Any]:
    """Time every configuration on the same texts; returns the JSON-able report.

    ``also_without`` adds pipeline rows with further components disabled (e.g. span_boundaries
    and spancat, whose cost grows with the number of candidate spans the suggester proposes).
    """
    ref = blank_nlp()
    n_words = sum(len(ref.make_doc(t)) for t in texts)
    n_chars = sum(len(t) for t in texts)
    report: dict[str, Any] = {
        "machine": machine_info(),
        "input": {"source": text_source, "letters": len(texts), "words": n_words, "chars": n_chars},
        "min_seconds": min_seconds,
        "rss_method": "per configuration, in a forked process: VmHWM of that process (reset via "
        "/proc/self/clear_refs when allowed; else includes the parent's pages) and RUSAGE_CHILDREN "
        "ru_maxrss = largest spaCy worker process (n_process > 1 only)",
        "model": model_info(model_path, nlp, train_log, wheels_dir),
        "configurations": [],
    }
    if pdf_paths:
        paths = list(pdf_paths)
        pdf_chars = sum(len(read_letter(p).text) for p in paths)
        res = measure(lambda: [read_letter(p) for p in paths], min_seconds)
        report["pdf_extraction"] = _rates(res, len(paths), 0, pdf_chars)
        report["pdf_extraction"].pop("words_per_s", None)
    else:
        report["pdf_extraction"] = {"skipped": "no PDF letters in the input"}

    # the entity repair reads the linker's records: it goes with it
    disable = [name for name in (LINKER, REPAIR) if name in nlp.pipe_names]
    pipelines: list[tuple[str, Language, list[str]]] = [
        ("tokenizer: spacy.blank(en)", spacy.blank("en"), []),
        ("tokenizer: blank_nlp()", blank_nlp(), []),
        ("pipeline: all components", nlp, []),
        ("pipeline: without linker", nlp, disable),
    ]
    for names in also_without:
        present = [n for n in names if n in nlp.pipe_names]
        if present:
            pipelines.append((f"pipeline: without {', '.join(present)}", nlp, present))
    for label, pipe_nlp, disabled in pipelines:
        for bs in batch_sizes:
            for n_proc in n_processes:

                def run(
                    p: Language = pipe_nlp, b: int = bs, n: int = n_proc, d: list[str] = disabled
                ) -> None:
                    with p.select_pipes(disable=d):
                        for _ in p.pipe(texts, batch_size=b, n_process=n):
                            pass

                res = _rates(measure(run, min_seconds), len(texts), n_words, n_chars)
                report["configurations"].append(
                    {"name": label, "batch_size": bs, "n_process": n_proc, "disabled": disabled, **res}
                )
    report["speedup_n_process"] = _speedups(report["configurations"])
    report["ratio_to_tokenizer"] = _ratios(report["configurations"])
    if pdf_paths and model_path is not None:
        words = sum(len(ref.make_doc(read_letter(p).text)) for p in pdf_paths)
        report["extract"] = [
            {"n_process": n, **_rates(measure(lambda n=n: _extract(nlp, pdf_paths, n), min_seconds),
                                      len(pdf_paths), words, 0)}
            for n in n_processes
        ]
    report["profile"] = profile_components(nlp, texts[: max(1, profile_letters)])
    return report


def _extract(nlp: Language, paths: list[Path], n_process: int) -> None:
    """``imr extract`` as a user runs it, PDFs to a JSONL file, with the already loaded pipeline."""
    import io
    import tempfile

    from ..extract import run_extract

    with tempfile.TemporaryDirectory(prefix="imr-bench-") as tmp:
        result = run_extract(paths, model="benchmark", nlp_factory=lambda _spec: nlp, n_process=n_process,
                             output=Path(tmp) / "records.jsonl", quiet=True, stderr=io.StringIO())
    if result.stats.done != len(paths):
        raise RuntimeError(f"imr extract wrote {result.stats.done} records for {len(paths)} letters")


def _ratios(configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """words/s of each pipeline row over the project tokenizer's (blank_nlp) at the same batch size
    and n_process: the machine's speed cancels out."""
    tokenizer = {(c["batch_size"], c["n_process"]): c for c in configs
                 if c["name"] == "tokenizer: blank_nlp()" and "words_per_s" in c}
    out = []
    for c in configs:
        base = tokenizer.get((c["batch_size"], c["n_process"]))
        if c["name"].startswith("pipeline") and base and "words_per_s" in c:
            out.append({"name": c["name"], "batch_size": c["batch_size"], "n_process": c["n_process"],
                        "ratio": round(c["words_per_s"] / base["words_per_s"], 3)})
    return out


def _speedups(configs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    base = {(c["name"], c["batch_size"]): c for c in configs if c["n_process"] == 1 and "words_per_s" in c}
    for c in configs:
        b = base.get((c["name"], c["batch_size"]))
        if c["n_process"] > 1 and b and "words_per_s" in c:
            out.append(
                {
                    "name": c["name"],
                    "batch_size": c["batch_size"],
                    "n_process": c["n_process"],
                    "speedup": round(c["words_per_s"] / b["words_per_s"], 3),
                }
            )
    return out


def _mb(v: Any) -> str:
    return f"{v:.0f}" if isinstance(v, int | float) else "-"


def markdown_table(report: dict[str, Any]) -> str:
    """The report as the README's speed table: machine and input first, one row per configuration."""
    m, inp = report["machine"], report["input"]
    lines = [
        f"Measured {m['date']} on {m['cpu_model']} ({m['cpu_count']} CPUs), {m['platform']}, "
        f"Python {m['python']}, spaCy {m['spacy']}.",
        f"Input: {inp['source']}; {inp['words']:,} words, {inp['chars']:,} chars. "
        f"Each row >= {report['min_seconds']} s after one warm-up.",
    ]
    if report["model"].get("untrained"):
        lines.append(
            "Pipeline: UNTRAINED (initialised from the training config; same architecture and speed)."
        )
    lines += [
        "",
        "| configuration | batch | n_process | words/s | letters/s | peak RSS main (MB) "
        "| peak RSS worker (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    pdf = report.get("pdf_extraction", {})
    if "letters_per_s" in pdf:
        lines.append(
            f"| PDF text extraction (read_letter) | - | 1 | - | {pdf['letters_per_s']:,.1f} "
            f"({pdf['chars_per_s']:,.0f} chars/s) | {_mb(pdf.get('peak_rss_mb'))} | - |"
        )
    for c in report["configurations"]:
        if "error" in c:
            lines.append(
                f"| {c['name']} | {c['batch_size']} | {c['n_process']} | error: {c['error']} | | | |"
            )
            continue
        worker = c.get("peak_rss_workers_mb") if c["n_process"] > 1 else None
        lines.append(
            f"| {c['name']} | {c['batch_size']} | {c['n_process']} | {c['words_per_s']:,.0f} | "
            f"{c['letters_per_s']:,.1f} | {_mb(c.get('peak_rss_mb'))} | {_mb(worker)} |"
        )
    if report["speedup_n_process"]:
        lines += ["", "Speed-up of n_process>1 over 1 (words/s ratio):", ""]
        lines += [
            f"- {s['name']}, batch {s['batch_size']}: x{s['speedup']:.2f} (n_process={s['n_process']})"
            for s in report["speedup_n_process"]
        ]
    if report.get("ratio_to_tokenizer"):
        lines += ["", "Pipeline words/s over the tokenizer's (blank_nlp(), same batch and n_process):", ""]
        lines += [f"- {r['name']}, batch {r['batch_size']}, n_process {r['n_process']}: {r['ratio']:.3f}"
                  for r in report["ratio_to_tokenizer"]]
    extract = [e for e in report.get("extract") or [] if "letters_per_s" in e]
    if extract:
        lines += ["", "`imr extract` end to end (PDF text, pipeline, records, JSONL), same letters:", ""]
        one = next((e for e in extract if e["n_process"] == 1), None)
        for e in extract:
            gain = ""
            if one is not None and e is not one:
                gain = f", x{e['letters_per_s'] / one['letters_per_s']:.2f} of one process"
            worker = e.get("peak_rss_workers_mb") if e["n_process"] > 1 else None
            lines.append(f"- n_process {e['n_process']}: {e['letters_per_s']:,.1f} letters/s, "
                         f"{e['words_per_s']:,.0f} words/s{gain}; peak RSS main "
                         f"{_mb(e.get('peak_rss_mb'))} MB, largest worker {_mb(worker)} MB")
    prof = report.get("profile")
    if prof:
        share = ", ".join(f"{k} {v:.0%}" for k, v in prof["component_share"].items())
        lines += ["", f"Time per component ({prof['letters']} letters, n_process=1): {share}."]
    model = report["model"]
    extras = []
    if "model_dir_bytes" in model:
        extras.append(f"model dir {model['model_dir_bytes'] / 1e6:.1f} MB")
    for name, size in (model.get("wheels_bytes") or {}).items():
        extras.append(f"{name} {size / 1e6:.1f} MB")
    if model.get("train_seconds"):
        extras.append(f"training {model['train_seconds']:.0f} s")
    if extras:
        lines += ["", "Size/training: " + "; ".join(extras) + "."]
    return "\n".join(lines) + "\n"


def int_list(value: str) -> list[int]:
    """'16,64' -> [16, 64]; anything but positive integers is a usage error."""
    try:
        out = [int(v) for v in value.split(",") if v.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"expected comma-separated integers, got {value!r}") from exc
    if not out or any(v < 1 for v in out):
        raise typer.BadParameter(f"expected positive integers, got {value!r}")
    return out
