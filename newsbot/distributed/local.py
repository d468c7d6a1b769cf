"""A throwaway redis-server on 127.0.0.1, for the distributed tests and bench/distributed.py."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# Where distribution packages put redis-server when it is not on PATH (Debian: /usr/bin; some: sbin).
REDIS_SERVER_PLACES = ("/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server",
                       "/opt/homebrew/bin/redis-server")
START_TIMEOUT = 10.0


def redis_server_path() -> str | None:
    """The redis-server program: on PATH, else where a package installs it; None when missing."""
    return shutil.which("redis-server") or next((place for place in REDIS_SERVER_PLACES if Path(place).is_file()), None)


class LocalRedis:
    """redis-server on a free port of 127.0.0.1, in a temporary directory, saving nothing."""

    def __init__(self, program: str | None = None):
        self.program = program or redis_server_path()
        if self.program is None:
            raise FileNotFoundError("redis-server is not installed (Debian/Ubuntu: apt-get install redis-server)")
        self.directory = tempfile.TemporaryDirectory(prefix="newsbot-redis-")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> LocalRedis:
        import redis

        self.process = subprocess.Popen([self.program, "--bind", "127.0.0.1", "--port", str(self.port),
                                         "--dir", self.directory.name, "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL)
        client, deadline = redis.Redis(port=self.port), time.monotonic() + START_TIMEOUT
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{self.program} did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None
        self.directory.cleanup()

    def __enter__(self) -> LocalRedis:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
