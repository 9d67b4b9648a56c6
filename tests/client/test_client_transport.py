"""Transport behaviour a real Digdag server cannot produce on demand: 5xx then success, refused
connections, non-JSON error bodies. Served by a scripted ``http.server`` on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from digrefactor.client import (
    ArchiveTooLarge,
    BadRequest,
    DigdagAPIError,
    DigdagClient,
    DigdagConnectionError,
    NotFound,
    ServerError,
)

ATTEMPT_JSON = {
    "id": "7",
    "index": 1,
    "project": {"id": "1", "name": "p"},
    "workflow": {"name": "wf", "id": "3"},
    "sessionId": "5",
    "sessionUuid": "0b8c5e1a-0000-0000-0000-000000000000",
    "sessionTime": "2024-01-01T00:00:00+00:00",
    "retryAttemptName": None,
    "done": False,
    "success": False,
    "cancelRequested": False,
    "params": {},
    "createdAt": "2024-01-01T00:00:01Z",
    "finishedAt": None,
    "status": "running",
}


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    gzip_encoded: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedServer:
    """Answers requests from a queue of replies and records what it received."""

    replies: list[Reply] = field(default_factory=list)
    received: list[Recorded] = field(default_factory=list)
    endpoint: str = ""


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    state = ScriptedServer()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            state.received.append(
                Recorded(self.command, self.path, dict(self.headers.items()), body)
            )
            reply = state.replies.pop(0) if state.replies else Reply(500, b"no reply scripted")
            payload = gzip.compress(reply.body) if reply.gzip_encoded else reply.body
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            if reply.gzip_encoded:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _json(status: int, body: object, *, gzip_encoded: bool = False) -> Reply:
    return Reply(status, json.dumps(body).encode(), gzip_encoded=gzip_encoded)


def _client(endpoint: str, **options: object) -> DigdagClient:
    client = DigdagClient(endpoint, backoff=0.0, **options)  # type: ignore[arg-type]
    client._sleep = lambda seconds: None
    return client


def test_get_is_retried_after_503_then_succeeds(scripted: ScriptedServer) -> None:
    scripted.replies = [
        _json(503, {"message": "busy", "status": 503}),
        _json(200, {"version": "0.10.5.1"}),
    ]
    with _client(scripted.endpoint) as client:
        assert client.version() == "0.10.5.1"
    assert [r.path for r in scripted.received] == ["/api/version", "/api/version"]


def test_get_gives_up_after_the_allowed_retries(scripted: ScriptedServer) -> None:
    scripted.replies = [_json(502, {"message": "bad gateway", "status": 502})] * 3
    with _client(scripted.endpoint, retries=2) as client, pytest.raises(ServerError) as info:
        client.version()
    assert len(scripted.received) == 3
    assert info.value.status == 502
    assert info.value.message == "bad gateway"


def test_attempt_start_is_never_retried(scripted: ScriptedServer) -> None:
    scripted.replies = [_json(503, {"message": "busy", "status": 503}), _json(200, ATTEMPT_JSON)]
    with _client(scripted.endpoint, retries=5) as client, pytest.raises(ServerError):
        client.start_attempt(3, "2024-01-01T00:00:00+00:00")
    assert len(scripted.received) == 1


def test_kill_is_never_retried(scripted: ScriptedServer) -> None:
    scripted.replies = [_json(500, {"message": "oops", "status": 500})]
    with _client(scripted.endpoint, retries=5) as client, pytest.raises(ServerError):
        client.kill_attempt(7)
    assert [(r.method, r.path) for r in scripted.received] == [("POST", "/api/attempts/7/kill")]


def test_secret_put_is_retried(scripted: ScriptedServer) -> None:
    secret = {"key": "db.password", "project": {"id": "1", "name": "p"}}
    scripted.replies = [_json(503, {"message": "busy", "status": 503}), _json(200, secret)]
    with _client(scripted.endpoint) as client:
        assert client.set_secret(1, "db.password", "s3cret").key == "db.password"
    assert len(scripted.received) == 2
    assert json.loads(scripted.received[1].body) == {"value": "s3cret"}


def test_refused_connection_is_a_connection_error_naming_the_request() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now.
    client = _client(f"http://127.0.0.1:{port}", retries=1)
    with client, pytest.raises(DigdagConnectionError) as info:
        client.version()
    message = str(info.value)
    assert message.startswith(f"GET http://127.0.0.1:{port}/api/version: cannot connect")
    assert "refused" in message.lower()


def test_non_json_error_body_becomes_the_message(scripted: ScriptedServer) -> None:
    scripted.replies = [Reply(400, b"Bad request: broken proxy", content_type="text/plain")]
    with _client(scripted.endpoint) as client, pytest.raises(BadRequest) as info:
        client.project(1)
    assert info.value.message == "Bad request: broken proxy"
    assert info.value.method == "GET"
    assert info.value.url.endswith("/api/projects/1")


def test_html_error_page_falls_back_to_the_reason(scripted: ScriptedServer) -> None:
    scripted.replies = [Reply(404, b"<html><body>nope</body></html>", content_type="text/html")]
    with _client(scripted.endpoint) as client, pytest.raises(NotFound) as info:
        client.session(4)
    assert info.value.message == "Not Found"


def test_credentials_never_appear_in_errors_or_repr(scripted: ScriptedServer) -> None:
    scripted.replies = [_json(500, {"message": "boom", "status": 500})]
    host = scripted.endpoint.removeprefix("http://")
    client = _client(f"http://alice:hunter2@{host}", retries=0)
    with client, pytest.raises(DigdagAPIError) as info:
        client.project(1)
    assert scripted.received[0].headers["Authorization"].startswith("Basic ")
    for text in (str(info.value), repr(info.value), repr(client), client.endpoint):
        assert "hunter2" not in text
        assert "alice" not in text


def test_bearer_and_custom_authorization_headers(scripted: ScriptedServer) -> None:
    scripted.replies = [_json(200, {"version": "1"}), _json(200, {"version": "1"})]
    with _client(scripted.endpoint, auth="tok") as client:
        client.version()
    with _client(scripted.endpoint, headers={"Authorization": "TD1 abc"}) as client:
        client.version()
    first, second = scripted.received
    assert first.headers["Authorization"] == "Bearer tok"
    assert second.headers["Authorization"] == "TD1 abc"
    assert first.headers["User-Agent"].startswith("digrefactor/")
    assert "gzip" in first.headers["Accept-Encoding"]


def test_gzip_encoded_json_is_decoded(scripted: ScriptedServer) -> None:
    scripted.replies = [_json(200, {"version": "0.10.5.1"}, gzip_encoded=True)]
    with _client(scripted.endpoint) as client:
        assert client.version() == "0.10.5.1"


def test_endpoint_validation() -> None:
    with pytest.raises(ValueError):
        DigdagClient("localhost:65432")
    assert DigdagClient("http://h:1/api/").endpoint == "http://h:1"


def test_direct_log_download_goes_without_credentials(scripted: ScriptedServer) -> None:
    """S3-style pre-signed log URLs (a log server, not the in-memory one) get no auth header."""
    handle = {
        "fileName": "a.log.gz",
        "fileSize": 10,
        "taskName": "+wf+t",
        "fileTime": "2024-01-01T00:00:00Z",
        "agentId": "agent",
        "direct": {"url": f"{scripted.endpoint}/storage/a.log.gz?signature=abc"},
    }
    second = {**handle, "fileName": "b.log.gz", "direct": None, "fileTime": "2024-01-01T00:00:01Z"}
    scripted.replies = [
        _json(200, {"files": [second, handle]}),
        Reply(200, gzip.compress(b"first line\n"), content_type="application/gzip"),
        Reply(200, gzip.compress(b"second line\n"), content_type="application/gzip"),
    ]
    with _client(scripted.endpoint, auth=("u", "p")) as client:
        assert client.logs(9) == "first line\nsecond line\n"  # in file time order
    listing, direct, proxied = scripted.received
    assert listing.path == "/api/logs/9/files"
    assert direct.path == "/storage/a.log.gz?signature=abc"
    assert "Authorization" not in direct.headers
    assert proxied.path == "/api/logs/9/files/b.log.gz"
    assert proxied.headers["Authorization"].startswith("Basic ")


def test_push_checks_the_size_limit_before_uploading(scripted: ScriptedServer) -> None:
    big = {"wf.dig": b"+a:\n  echo>: a\n", "data.bin": os.urandom(3 * 1024 * 1024)}
    with _client(scripted.endpoint) as client, pytest.raises(ArchiveTooLarge, match="2 MiB"):
        client.push(big, "too_big")
    assert scripted.received == []


def test_push_of_an_unknown_object_names_what_is_accepted() -> None:
    with DigdagClient("http://127.0.0.1:9") as client, pytest.raises(TypeError, match="mapping"):
        client.push(object(), "p")
