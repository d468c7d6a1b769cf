"""A local HTTP server for the replica site (127.0.0.1 only)."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from .site import ReplicaSite

LOOPBACK = "127.0.0.1"
POLL_INTERVAL = 0.05  # seconds; how fast stop() returns


class ReplicaServer:
    """Serves a ReplicaSite over HTTP on 127.0.0.1 and counts the requests it gets."""

    def __init__(
        self,
        site: ReplicaSite | None = None,
        port: int = 0,
        host: str = LOOPBACK,
        verbose: bool = False,
    ):
        if host != LOOPBACK:
            raise ValueError(f"the replica only listens on {LOOPBACK}, not {host!r}")
        self.site = site if site is not None else ReplicaSite.from_feed()
        self.verbose = verbose
        self._hits: Counter[str] = Counter()
        self._hits_lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.replica = self  # the handler finds the site and counters here
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def hits(self) -> Counter[str]:
        """Requests so far per path (query ignored, so URL variants add up); a copy."""
        with self._hits_lock:
            return Counter(self._hits)

    def reset_hits(self) -> None:
        with self._hits_lock:
            self._hits.clear()

    def start(self) -> ReplicaServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name=f"replica:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _count(self, path: str) -> None:
        with self._hits_lock:
            self._hits[path] += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as crawlers expect
    # Headers and body go out in two writes: with Nagle's algorithm the body's last segment would
    # wait for the client's delayed ACK (40 ms) on every response of a kept-alive connection.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        replica: ReplicaServer = self.server.replica
        replica._count(urlsplit(self.path).path)
        if respond := getattr(replica.site, "respond", None):  # a site that reads request headers (Range)
            status, content_type, body, extra = respond(self.path, self.headers)
        else:
            (status, content_type, body), extra = replica.site.get(self.path), {}
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.replica.verbose:
            super().log_message(format, *args)


def serve_forever(port: int = 8000, site: ReplicaSite | None = None, verbose: bool = False) -> None:
    """Serve the replica in the foreground: print the base URL, block until Ctrl-C."""
    server = ReplicaServer(site, port=port, verbose=verbose)
    print(server.base_url, flush=True)
    print("Press Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        server._httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
