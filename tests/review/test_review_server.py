"""The built-in review server: validation, no filesystem reach, answers persisted at once."""

from __future__ import annotations

import http.client
import inspect
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_fixtures import LETTER_A
from spacy.language import Language

from imr_determinations.review import cli
from imr_determinations.review.export import build_tasks
from imr_determinations.review.server import ReviewStore, ServeSetupError, make_server


@pytest.fixture
def tasks(letters_dir: Path, rule_nlp: Language):
    return build_tasks([letters_dir], rule_nlp).tasks


@pytest.fixture
def served(tasks, tmp_path: Path) -> Iterator[tuple[int, Path, ReviewStore]]:
    out = tmp_path / "data" / "answers.jsonl"
    store = ReviewStore(tasks, out)
    server = make_server(store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], out, store
    finally:
        server.shutdown()
        server.server_close()


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    hdrs = {"Content-Type": "application/json"} if body is not None else {}
    hdrs.update(headers or {})
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def post(port: int, payload) -> tuple[int, dict]:
    status, data = request(port, "POST", "/api/answer", json.dumps(payload).encode())
    return status, json.loads(data)


def phrase(text: str, p: str, label: str) -> dict:
    start = text.index(p)
    return {"start": start, "end": start + len(p), "label": label}


def test_static_and_api(served) -> None:
    port, _, _ = served
    status, body = request(port, "GET", "/")
    assert status == 200 and b"/static/review.js" in body
    assert request(port, "GET", "/static/review.js")[0] == 200
    assert request(port, "GET", "/static/review.css")[0] == 200
    status, body = request(port, "GET", "/api/config")
    assert status == 200 and "CLINICAL_FINDING" in json.loads(body)["labels"]
    status, body = request(port, "GET", "/api/next")
    task = json.loads(body)
    assert task["task_id"] == "CM00-0000001" and task["text"] == LETTER_A and task["tokens"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/review.js/../../../../etc/passwd",
        "/static/review.py",
        "/static/",
        "/api/task/..%2f..%2fetc%2fpasswd",
        "/api/task/../../etc/passwd",
        "//etc/passwd",
    ],
)
def test_path_traversal_refused(served, path: str) -> None:
    port, _, _ = served
    status, body = request(port, "GET", path)
    assert status == 404
    assert b"root:" not in body and b"import" not in body


def test_request_validation(served) -> None:
    port, out, _ = served
    text = LETTER_A
    good = {
        "task_id": "CM00-0000001",
        "answer": "accept",
        "spans": [phrase(text, "lumbar radiculopathy", "DIAGNOSIS")],
    }
    assert request(port, "POST", "/api/answer", b"{}", {"Content-Type": "text/plain"})[0] == 415
    assert request(port, "POST", "/api/answer", b"{nope")[0] == 400
    assert request(port, "POST", "/api/answer", b"[1, 2]")[0] == 400
    assert request(port, "POST", "/api/answer", b"{}", {"Content-Length": "99999999"})[0] == 413
    assert request(port, "POST", "/api/elsewhere", b"{}")[0] == 404
    assert request(port, "PUT", "/api/answer", b"{}")[0] == 405
    assert post(port, {**good, "task_id": "../../etc/passwd"})[0] == 404
    assert post(port, {**good, "task_id": 3})[0] == 404
    assert post(port, {**good, "answer": "maybe"})[0] == 400
    assert post(port, {**good, "extra": 1})[0] == 400
    assert post(port, {**good, "spans": "x"})[0] == 400
    assert post(port, {**good, "spans": [{**good["spans"][0], "label": "PERSON"}]})[0] == 400
    assert post(port, {**good, "spans": [{"start": 10, "end": 10**6, "label": "DIAGNOSIS"}]})[0] == 400
    assert post(port, {**good, "spans": [{"start": -1, "end": 3, "label": "DIAGNOSIS"}]})[0] == 400
    assert post(port, {**good, "spans": [{"start": 1.5, "end": 3, "label": "DIAGNOSIS"}]})[0] == 400
    status, body = post(
        port,
        {
            **good,
            "spans": [
                {"start": text.index("lumbar") + 1, "end": text.index("lumbar") + 6, "label": "DIAGNOSIS"}
            ],
        },
    )
    assert status == 400 and "token boundaries" in body["error"]
    assert post(port, {**good, "spans": [{}] * 6000})[0] == 413
    status, _ = request(port, "GET", "/api/next", headers={"Host": "evil.example:80"})
    assert status == 403
    assert not out.exists()  # nothing invalid was written


def test_answers_persisted_per_submission_and_resumed(served, tasks, tmp_path: Path) -> None:
    port, out, _ = served
    text = LETTER_A
    spans = [
        phrase(text, "negative SLR test", "CLINICAL_FINDING"),
        phrase(text, "45 year old male", "CLINICAL_FINDING"),
    ]
    rejected = [phrase(text, "lumbar radiculopathy", "DIAGNOSIS")]
    status, body = post(
        port, {"task_id": "CM00-0000001", "answer": "accept", "spans": spans, "rejected_spans": rejected}
    )
    assert status == 200 and body["next"] == "CM00-0000002"
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["answer"] == "accept"
    assert {(s["start"], s["end"], s["label"]) for s in rows[0]["spans"]} == {
        (s["start"], s["end"], s["label"]) for s in spans
    }
    assert rows[0]["rejected_spans"] == rejected
    assert rows[0]["meta"]["letter_id"] == "CM00-0000001" and rows[0]["tokens"]
    assert post(port, {"task_id": "CM00-0000001", "answer": "reject", "spans": []})[0] == 409

    status, body = request(port, "GET", "/api/next")
    assert json.loads(body)["task_id"] == "CM00-0000002"

    # a restart reads the answers file and skips what is answered; a torn last line is tolerated
    with out.open("a") as fh:
        fh.write('{"meta": {"letter_id": "CM00-00')
    store = ReviewStore(tasks, out)
    assert store.answered == {"CM00-0000001"} and store.next_id() == "CM00-0000002"
    store.submit({"task_id": "CM00-0000002", "answer": "ignore", "spans": []})
    assert store.next_id() is None


def test_output_must_stay_in_data_dir(tasks, tmp_path: Path) -> None:
    with pytest.raises(ServeSetupError, match="outside the data folder"):
        ReviewStore(tasks, tmp_path / "elsewhere" / "answers.jsonl", tmp_path / "data")
    with pytest.raises(ServeSetupError, match="outside the data folder"):
        ReviewStore(tasks, tmp_path / "data" / ".." / "answers.jsonl", tmp_path / "data")


def test_localhost_is_the_default(tasks, tmp_path: Path) -> None:
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(cli.serve_cmd).parameters["host"].default == "127.0.0.1"
    server = make_server(ReviewStore(tasks, tmp_path / "a.jsonl"), port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


@pytest.fixture
def start_server(tasks, tmp_path: Path):
    """Start servers with chosen limits; all are shut down after the test."""
    servers = []

    def start(**limits) -> int:
        store = ReviewStore(tasks, tmp_path / "data" / "answers.jsonl")
        server = make_server(store, "127.0.0.1", 0, **limits)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


STALLED_POST = (
    b"POST /api/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 100\r\n\r\n"
)


def stalled(port: int, data: bytes) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(data)
    return sock


def test_stalled_connections_are_dropped_after_the_timeout(start_server) -> None:
    port = start_server(timeout=0.5)
    socks = [
        stalled(port, STALLED_POST),  # headers, then no body
        stalled(port, b"GET /api/next HTTP/1.1\r\nHost: 127.0.0"),  # half a header
        stalled(port, b""),  # connects and says nothing
    ]
    began = time.monotonic()
    try:
        for sock in socks:
            sock.settimeout(3)
            while sock.recv(4096):  # the server closes: recv returns b"" (TimeoutError otherwise)
                pass
    finally:
        for sock in socks:
            sock.close()
    assert time.monotonic() - began < 3
    assert request(port, "GET", "/api/config")[0] == 200


def test_connections_over_the_cap_get_503_not_a_thread(start_server) -> None:
    port = start_server(timeout=10, max_threads=4)
    before = threading.active_count()
    socks = [stalled(port, STALLED_POST) for _ in range(40)]
    try:
        time.sleep(0.3)
        assert threading.active_count() <= before + 4
        sock = stalled(port, b"GET /api/config HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(sock)
        first = sock.recv(4096)
        assert first == b"" or first.startswith(b"HTTP/1.1 503")
    finally:
        for sock in socks:
            sock.close()
    # the stalled handlers see their clients go and free their slots: the server answers again
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and threading.active_count() > before:
        time.sleep(0.05)
    assert request(port, "GET", "/api/config")[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON decoder's recursion limit
        b'{"task_id": "CM00-0000001", "answer": "accept", "spans": [{"start": '
        + b"7" * 5000
        + b', "end": 3, "label": "DIAGNOSIS"}]}',  # past Python's int-string conversion limit
        b'{"task_id": "CM00-0000001", "answer": "accept", "spans": [{"start": 1e999999, "end": 3}]}',
        b"\xff\xfe{}",
    ],
    ids=["nested", "huge-int", "huge-float", "not-utf8"],
)
def test_unparseable_bodies_get_a_400_with_a_reason(served, body: bytes) -> None:
    port, out, _ = served
    status, data = request(port, "POST", "/api/answer", body)
    assert status == 400 and json.loads(data)["error"]
    assert request(port, "GET", "/api/config")[0] == 200
    assert not out.exists()


def test_cross_origin_and_rebound_host_changes_refused(served) -> None:
    port, out, _ = served
    own = f"127.0.0.1:{port}"
    answer = json.dumps({"task_id": "CM00-0000001", "answer": "ignore", "spans": []}).encode()
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": f"http://{own}.evil.example"},
        {"Origin": f"https://{own}"},
        {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"},  # DNS rebinding
    ):
        status, data = request(port, "POST", "/api/answer", answer, headers)
        assert status == 403, headers
        assert json.loads(data)["error"]
    assert request(port, "PUT", "/api/answer", answer, {"Origin": "http://evil.example"})[0] == 403
    assert not out.exists()
    # the page itself (same origin, by IP or by name) still saves
    status, data = request(port, "POST", "/api/answer", answer, {"Origin": f"http://{own}"})
    assert status == 200 and json.loads(data)["ok"]
    second = json.dumps({"task_id": "CM00-0000002", "answer": "ignore", "spans": []}).encode()
    name = {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}
    assert request(port, "POST", "/api/answer", second, name)[0] == 200
    assert len(out.read_text().splitlines()) == 2
