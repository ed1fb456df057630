"""A small built-in review page for teams without Prodigy (stdlib HTTP server, static HTML/JS).

Safety by construction: tasks are loaded into memory at start, static files come from a fixed
whitelist (no URL part ever reaches the filesystem), the only file written is the answers JSONL
inside the data folder, and every request body is checked (JSON object, size, known task,
known labels, offsets on token boundaries). Answers are appended and fsynced one by one, so a
crash loses nothing; on restart, letters already answered are skipped.

Robust against a hostile page or client: each connection has a socket timeout and the number of
handler threads is capped (over the cap the server answers 503 at once), every body that does not
parse or validate gets a 400 with a JSON error, and a request that changes state (POST, PUT,
DELETE) must carry a Host the server is bound to and, if it has one, an Origin equal to that host:
a cross-site page cannot post answers, nor can a DNS-rebound name reach the server.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..labels import ALL_LABELS, NER_LABELS, SPAN_LABELS
from .colors import LABEL_COLORS
from .formats import prodigy_task
from .tasks import ANSWERS, ReviewTask, SpanKey, letter_id_for, tokenize
from .validation import SAFE_ID, span_errors

MAX_BODY = 1_000_000
MAX_SPANS = 5000
SOCKET_TIMEOUT = 15.0  # seconds a connection may stay silent (idle keep-alive or a stalled request)
MAX_THREADS = 32  # concurrent connections; a browser opens about six per host
STATE_CHANGING = ("POST", "PUT", "DELETE", "PATCH")
_BUSY_BODY = b'{"error": "too many connections, retry"}'
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(_BUSY_BODY)}\r\n".encode()
    + b"Retry-After: 1\r\nConnection: close\r\n\r\n"
    + _BUSY_BODY
)
STATIC_FILES: dict[str, tuple[str, str]] = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/static/review.js": ("review.js", "text/javascript; charset=utf-8"),
    "/static/review.css": ("review.css", "text/css; charset=utf-8"),
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TASK_URL = re.compile(r"/api/task/([A-Za-z0-9._-]{1,128})")


class RequestError(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ServeSetupError(ValueError):
    """The server cannot start with these arguments (message says why)."""


def load_static() -> dict[str, bytes]:
    pkg = resources.files("imr_determinations.review") / "static"
    return {name: (pkg / name).read_bytes() for name, _ in set(STATIC_FILES.values())}


def task_from_row(row: dict[str, Any], origin: str) -> ReviewTask:
    """A ReviewTask from an exported Prodigy row (spans, meta, determinations)."""
    text = row.get("text")
    meta = row.get("meta") if isinstance(row.get("meta"), dict) else {}
    source = meta.get("source") or meta.get("letter_id")
    if not isinstance(text, str) or not text or not isinstance(source, str):
        raise ServeSetupError(f"{origin}: a task needs 'text' and meta.source")
    spans = [
        {k: s[k] for k in ("start", "end", "label", "score") if k in s}
        for s in row.get("spans") or []
        if isinstance(s, dict)
    ]
    return ReviewTask(
        letter_id=str(meta.get("letter_id") or letter_id_for(source)),
        source=Path(source).name,
        sha256=str(meta.get("sha256") or ""),
        text=text,
        spans=spans,
        score=float(meta.get("score") or 0.0),
        uncertainty=row.get("uncertainty") or {},
        determinations=row.get("determinations") or [],
        warnings=row.get("warnings") or [],
    )


def read_task_file(path: Path) -> list[ReviewTask]:
    tasks = []
    with path.open("r", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ServeSetupError(f"{path.name}:{n}: not JSON ({exc.msg})") from exc
                if not isinstance(row, dict):
                    raise ServeSetupError(f"{path.name}:{n}: not a JSON object")
                tasks.append(task_from_row(row, f"{path.name}:{n}"))
    return tasks


@dataclass
class StoredTask:
    task: ReviewTask
    tokens: list[list[int]]  # [start, end] of non-space tokens, for snapping in the browser


class ReviewStore:
    """Tasks in memory plus the append-only answers file."""

    def __init__(self, tasks: list[ReviewTask], output: Path, data_dir: Path | None = None) -> None:
        data_dir = (data_dir or output.parent).resolve()
        output = output if output.is_absolute() else Path.cwd() / output
        if not output.resolve().is_relative_to(data_dir):
            raise ServeSetupError(f"--output {output} is outside the data folder {data_dir}")
        self.data_dir = data_dir
        self.output = output.resolve()
        self.order: list[str] = []
        self.tasks: dict[str, StoredTask] = {}
        for task in tasks:
            if task.letter_id in self.tasks:
                raise ServeSetupError(f"letter {task.letter_id!r} appears twice in the input")
            if not SAFE_ID.fullmatch(task.letter_id):
                raise ServeSetupError(f"letter id {task.letter_id!r} is not a safe name")
            doc = tokenize(task.text)
            toks = [[t.idx, t.idx + len(t.text)] for t in doc if not t.is_space]
            self.tasks[task.letter_id] = StoredTask(task, toks)
            self.order.append(task.letter_id)
        self.lock = threading.Lock()
        self.answered: set[str] = self._read_answered()

    def _read_answered(self) -> set[str]:
        answered: set[str] = set()
        if not self.output.exists():
            return answered
        by_sha = {st.task.sha256: lid for lid, st in self.tasks.items() if st.task.sha256}
        with self.output.open("r", encoding="utf-8") as fh:
            for line in fh:
                try:
                    meta = json.loads(line).get("meta") or {}
                except (json.JSONDecodeError, AttributeError):
                    continue  # a line cut short by a crash: that letter is simply offered again
                lid = meta.get("letter_id")
                if lid in self.tasks:
                    answered.add(lid)
                elif meta.get("sha256") in by_sha:
                    answered.add(by_sha[meta["sha256"]])
        return answered

    def progress(self) -> dict[str, int]:
        return {"answered": len(self.answered & set(self.order)), "total": len(self.order)}

    def next_id(self) -> str | None:
        return next((lid for lid in self.order if lid not in self.answered), None)

    def payload(self, letter_id: str) -> dict[str, Any]:
        st = self.tasks.get(letter_id)
        if st is None:
            raise RequestError(HTTPStatus.NOT_FOUND, "unknown task")
        t = st.task
        return {
            "task_id": t.letter_id,
            "letter_id": t.letter_id,
            "source": t.source,
            "text": t.text,
            "tokens": st.tokens,
            "spans": t.spans,
            "score": t.score,
            "uncertainty": t.uncertainty,
            "determinations": t.determinations,
            "warnings": t.warnings,
            "answered": letter_id in self.answered,
            "progress": self.progress(),
        }

    def submit(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise RequestError(HTTPStatus.BAD_REQUEST, "body must be a JSON object")
        unknown = set(body) - {"task_id", "answer", "spans", "rejected_spans"}
        if unknown:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"unknown fields: {', '.join(sorted(unknown))}")
        task_id = body.get("task_id")
        if not isinstance(task_id, str) or task_id not in self.tasks:
            raise RequestError(HTTPStatus.NOT_FOUND, "unknown task_id")
        answer = body.get("answer")
        if answer not in ANSWERS:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"answer must be one of {', '.join(ANSWERS)}")
        task = self.tasks[task_id].task
        spans = self._spans(body.get("spans", []), task.text, "spans")
        rejected = self._spans(body.get("rejected_spans", []), task.text, "rejected_spans")
        row = prodigy_task(task, spans=[{"start": s, "end": e, "label": lab} for s, e, lab in spans])
        row["answer"] = answer
        row["rejected_spans"] = [{"start": s, "end": e, "label": lab} for s, e, lab in rejected]
        row["_timestamp"] = int(time.time())
        row["_annotator_id"] = "imr-review-serve"
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self.lock:
            if task_id in self.answered:
                raise RequestError(HTTPStatus.CONFLICT, "this letter is already answered")
            self.output.parent.mkdir(parents=True, exist_ok=True)
            with self.output.open("a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            self.answered.add(task_id)
        return {"ok": True, "task_id": task_id, "answer": answer, "spans": len(spans), "next": self.next_id()}

    @staticmethod
    def _spans(value: Any, text: str, field: str) -> list[SpanKey]:
        if not isinstance(value, list):
            raise RequestError(HTTPStatus.BAD_REQUEST, f"{field} must be a list")
        if len(value) > MAX_SPANS:
            raise RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"too many {field}")
        keys: set[SpanKey] = set()
        for s in value:
            if not isinstance(s, dict) or set(s) - {"start", "end", "label", "score"}:
                raise RequestError(HTTPStatus.BAD_REQUEST, f"each of {field} is {{start, end, label}}")
            start, end, label = s.get("start"), s.get("end"), s.get("label")
            if type(start) is not int or type(end) is not int:
                raise RequestError(HTTPStatus.BAD_REQUEST, f"{field}: offsets must be integers")
            keys.add((start, end, label if isinstance(label, str) else repr(label)))
        errors = span_errors(text, sorted(keys))
        if errors:
            raise RequestError(HTTPStatus.BAD_REQUEST, f"{field}: " + "; ".join(errors[:5]))
        return sorted(keys)


def make_handler(
    store: ReviewStore,
    static: dict[str, bytes],
    allowed_hosts: set[str] | None,
    timeout: float = SOCKET_TIMEOUT,
) -> type[BaseHTTPRequestHandler]:
    """The request handler class bound to one store and its settings.

    Over 80 lines: http.server wants a class, so its methods (one per route) are defined in here, closing
    over the store rather than reaching it through globals.
    """
    config = {
        "labels": list(ALL_LABELS),
        "ner_labels": list(NER_LABELS),
        "span_labels": list(SPAN_LABELS),
        "colors": LABEL_COLORS,
    }

    class Handler(BaseHTTPRequestHandler):
        server_version = "imr-review"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            self.timeout = timeout  # applied to the socket by StreamRequestHandler.setup
            super().setup()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in SECURITY_HEADERS.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")

        def _error(self, status: HTTPStatus, message: str) -> None:
            self._json(status, {"error": message})

        def _host_ok(self) -> bool:
            if allowed_hosts is None:
                return True
            return (self.headers.get("Host") or "").lower() in allowed_hosts

        def _origin_ok(self) -> bool:
            """A browser's Origin, when sent, must be this very server (same scheme, host and port)."""
            origin = self.headers.get("Origin")
            if origin is None:
                return True  # not from a browser page (curl, scripts); the Host check still applies
            return origin.lower() == "http://" + (self.headers.get("Host") or "").lower()

        def _guarded(self, route: Callable[[], None]) -> None:
            """Host (and, for changes, Origin) checks, then ``route``; an unexpected failure is a 500."""
            try:
                if not self._host_ok():
                    return self._error(HTTPStatus.FORBIDDEN, "unexpected Host header")
                if self.command in STATE_CHANGING and not self._origin_ok():
                    return self._error(HTTPStatus.FORBIDDEN, "cross-origin request refused")
                return route()
            except RequestError as exc:
                return self._error(exc.status, exc.message)
            except OSError:
                self.close_connection = True  # the client went away or stalled past the timeout
            except Exception:  # noqa: BLE001 - answer rather than drop the connection
                self.close_connection = True
                return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            self._guarded(self._get)

        do_HEAD = do_GET

        def do_POST(self) -> None:  # noqa: N802
            self._guarded(self._post)

        def _not_allowed(self) -> None:
            self._guarded(lambda: self._error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed"))

        do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

        def _get(self) -> None:
            path = urlsplit(self.path).path
            if path == "/favicon.ico":  # no icon; answer so browsers do not log a 404
                return self._send(HTTPStatus.NO_CONTENT, b"", "image/x-icon")
            if path in STATIC_FILES:
                name, ctype = STATIC_FILES[path]
                return self._send(HTTPStatus.OK, static[name], ctype)
            if path == "/api/config":
                return self._json(HTTPStatus.OK, {**config, "progress": store.progress()})
            if path == "/api/next":
                nid = store.next_id()
                data = {"done": True, "progress": store.progress()} if nid is None else store.payload(nid)
                return self._json(HTTPStatus.OK, data)
            m = TASK_URL.fullmatch(path)
            if m:
                return self._json(HTTPStatus.OK, store.payload(m.group(1)))
            return self._error(HTTPStatus.NOT_FOUND, "not found")

        def _post(self) -> None:
            if urlsplit(self.path).path != "/api/answer":
                return self._error(HTTPStatus.NOT_FOUND, "not found")
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json")
            try:
                length = int(self.headers.get("Content-Length") or "")
            except ValueError:
                return self._error(HTTPStatus.LENGTH_REQUIRED, "Content-Length required")
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body larger than {MAX_BODY} bytes")
            raw = self.rfile.read(length)
            if len(raw) < length:  # the client closed before sending the whole body
                self.close_connection = True
                return None
            try:
                body = json.loads(raw.decode("utf-8"))
                result = store.submit(body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                return self._error(HTTPStatus.BAD_REQUEST, "body is not JSON")
            except RecursionError:
                return self._error(HTTPStatus.BAD_REQUEST, "body is nested too deeply")
            except ValueError as exc:  # e.g. an integer beyond Python's int-string conversion limit
                return self._error(HTTPStatus.BAD_REQUEST, f"body is not acceptable JSON: {exc}")
            return self._json(HTTPStatus.OK, result)

    return Handler


class ReviewHTTPServer(ThreadingHTTPServer):
    """A threading server that runs at most ``max_threads`` handlers; beyond that it answers 503."""

    daemon_threads = True
    request_queue_size = 128  # a burst of connections waits in the kernel's queue, not in SYN retries

    def __init__(self, address: tuple[str, int], handler: type, max_threads: int = MAX_THREADS) -> None:
        self.slots = threading.BoundedSemaphore(max_threads)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()  # the thread never started, so it cannot release its slot
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or times out is routine; anything else is printed as usual."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 without a thread: a non-blocking send of a few bytes, then close."""
        try:
            request.setblocking(False)
            request.send(BUSY_RESPONSE)
            request.recv(65536)  # drain what the client already sent, so the close is not a reset
        except OSError:
            pass
        self.shutdown_request(request)


def make_server(
    store: ReviewStore,
    host: str = "127.0.0.1",
    port: int = 8080,
    *,
    timeout: float = SOCKET_TIMEOUT,
    max_threads: int = MAX_THREADS,
) -> ReviewHTTPServer:
    """A bound (not yet serving) server; port 0 picks a free port."""
    static = load_static()
    server = ReviewHTTPServer((host, port), make_handler(store, static, None, timeout), max_threads)
    bound_port = server.server_address[1]
    if host in ("0.0.0.0", "::", ""):
        allowed = None  # the user chose to expose it; any Host name may be used to reach it
    else:
        allowed = {f"{h}:{bound_port}" for h in (host, "127.0.0.1", "localhost")}
        allowed |= {h for h in (host, "127.0.0.1", "localhost")} if bound_port == 80 else set()
    server.RequestHandlerClass = make_handler(store, static, allowed, timeout)
    return server
