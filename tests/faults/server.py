"""A misbehaving RT replica on 127.0.0.1: chosen paths answer with faults, all others as the replica.

Each faulty path has a :class:`Fault`: a kind (the row of the fault report) and a list of
steps; the n-th request of the path is answered by step n, the last step repeating. So
``Fault("http_503", (status(503), serve()))`` fails once and then serves the real page.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from newsbot.replica import ReplicaSite

LOOPBACK = "127.0.0.1"
Answer = tuple[int, str, bytes]  # status, content type, body: what the replica would send
Step = Callable[["_Handler", Answer], None]


@dataclass(frozen=True)
class Fault:
    kind: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Hit:
    path: str
    at: float  # time.monotonic() when the request arrived
    step: int


# -- steps --

def serve(headers: dict[str, str] | None = None) -> Step:
    """The replica's own answer."""
    return lambda handler, answer: handler.send(*answer, headers=headers)


def slow(seconds: float) -> Step:
    """The replica's own answer, ``seconds`` late (a crawl that lasts long enough to be killed)."""
    def step(handler, answer):
        time.sleep(seconds)
        handler.send(*answer)
    return step


def status(code: int, headers: dict | None = None) -> Step:
    """An error status with a short HTML body (and e.g. Retry-After; a header value may be a
    function, called when the answer is sent)."""
    body = f"<html><body><h1>HTTP {code}</h1></body></html>".encode()
    return lambda handler, answer: handler.send(code, "text/html; charset=utf-8", body, headers=headers)


def transformed(change: Callable[[bytes], bytes], content_type: str | None = None,
                headers: dict[str, str] | None = None) -> Step:
    """The replica's answer with its body (and optionally its Content-Type) changed."""
    def step(handler, answer):
        code, replica_type, body = answer
        handler.send(code, content_type or replica_type, change(body), headers=headers)
    return step


def streamed(change: Callable[[bytes], bytes], chunk: int = 64 * 1024) -> Step:
    """The changed body without Content-Length, ended by closing the connection."""
    def step(handler, answer):
        code, content_type, body = answer
        handler.send_head(code, content_type, None, {"Connection": "close"})
        data = change(body)
        for start in range(0, len(data), chunk):
            if not handler.write(data[start:start + chunk]):
                break
        handler.close_connection = True
    return step


def redirect(location: str, code: int = 302) -> Step:
    return lambda handler, answer: handler.send(code, "text/html", b"", headers={"Location": location})


def stall(seconds: float) -> Step:
    """Accept the request, say nothing for ``seconds``, hang up."""
    def step(handler, answer):
        time.sleep(seconds)
        handler.close_connection = True
    return step


def stall_body(seconds: float) -> Step:
    """Headers and the first half of the body, then silence for ``seconds``, then hang up."""
    def step(handler, answer):
        code, content_type, body = answer
        handler.send_head(code, content_type, len(body))
        handler.write(body[: len(body) // 2])
        time.sleep(seconds)
        handler.close_connection = True
    return step


def cut_body() -> Step:
    """Content-Length of the whole body, half of it sent, connection closed: data loss."""
    def step(handler, answer):
        code, content_type, body = answer
        handler.send_head(code, content_type, len(body), {"Connection": "close"})
        handler.write(body[: len(body) // 2])
        handler.close_connection = True
    return step


def reset() -> Step:
    """A TCP reset (RST) instead of an answer."""
    def step(handler, answer):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()  # the descriptor closes (RST, no FIN) once the handler's files do
        handler.close_connection = True
    return step


def false_gzip() -> Step:
    """``Content-Encoding: gzip`` on a body that is not compressed."""
    return serve({"Content-Encoding": "gzip"})


# -- servers --

class FaultServer:
    """Serves ``site`` on 127.0.0.1, answering the paths of ``faults`` with their steps."""

    def __init__(self, site: ReplicaSite, faults: dict[str, Fault] | None = None):
        self.site = site
        self.faults = dict(faults or {})
        self.hits: list[Hit] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._httpd = _QuietServer((LOOPBACK, 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fault_server = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self._httpd.server_address[1]}"

    def hits_of(self, path: str) -> list[Hit]:
        with self._lock:
            return [hit for hit in self.hits if hit.path == path]

    def _next_step(self, path: str) -> Step:
        fault = self.faults.get(path)
        with self._lock:
            number = self._counts.get(path, 0)
            self._counts[path] = number + 1
            self.hits.append(Hit(path, time.monotonic(), number))
        return fault.steps[min(number, len(fault.steps) - 1)] if fault else serve()

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up on a fault is expected, not an error of the server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: FaultServer = self.server.fault_server
        path = urlsplit(self.path).path
        server._next_step(path)(self, server.site.get(self.path))

    def send_head(self, code: int, content_type: str, length: int | None, headers: dict[str, str] | None = None):
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in (headers or {}).items():
            self.send_header(name, value() if callable(value) else value)  # callable: computed when sent
        self.end_headers()

    def send(self, code: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_head(code, content_type, len(body), headers)
        self.write(body)

    def write(self, data: bytes) -> bool:
        """False when the client has gone (it may rightly give up on a fault)."""
        try:
            self.wfile.write(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return False

    def log_message(self, format: str, *args) -> None:
        pass


class Sentinel:
    """A TCP listener on another loopback address that only counts who connects to it:
    where a crawl must never go (an "other host"), proof that it did not."""

    def __init__(self, host: str = "127.0.0.2"):
        if not host.startswith("127."):
            raise ValueError("the sentinel listens on loopback only")
        self.connections = 0
        self._socket = socket.create_server((host, 0))
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self._socket.getsockname()
        return f"http://{host}:{port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def __enter__(self) -> Sentinel:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self._socket.close()
