"""A redis-server of a test's own, never the shared one, on a port no other program can take from it."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redis


class PrivateRedis:
    """A redis-server the test starts and stops at will, always on the same port (URLs to it stay valid).

    The operating system assigns the port (a bind to port 0), and this process keeps it bound, without
    listening, whenever the server is down: connections are refused exactly as by a dead server, and no
    other program can bind the port meanwhile. ``start()`` lets go of it just before redis-server binds
    it, retries if the bind fails, and accepts only an answer from its own process (checked by process id).
    """

    def __init__(self):
        self._hold: socket.socket | None = None
        self._hold_port(0)
        self.process: subprocess.Popen | None = None
        self._log = Path(tempfile.mkdtemp(prefix="private-redis-")) / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _hold_port(self, port: int) -> None:
        hold = socket.socket()
        try:
            hold.bind(("127.0.0.1", port))
        except OSError:
            # Right after a stop the server's closed connections linger (TIME_WAIT) and block a plain bind.
            hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            hold.bind(("127.0.0.1", port))
        self._hold = hold
        self.port = hold.getsockname()[1]

    def _release_port(self) -> None:
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    def start(self, attempts: int = 5) -> None:
        self._release_port()
        for _ in range(attempts):
            with self._log.open("ab") as log:
                self.process = subprocess.Popen(
                    [
                        *("redis-server", "--bind", "127.0.0.1", "--port", str(self.port)),
                        *("--save", "", "--appendonly", "no"),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            if self._answers():
                return
            self.process.wait(timeout=10)  # it exited: usually the port could not be bound; try again
            time.sleep(0.2)
        self.process = None
        self._hold_port(self.port)
        raise RuntimeError(
            f"the private redis-server did not start on port {self.port} after {attempts} attempts:\n"
            + self._log.read_text(errors="replace")[-2000:]
        )

    def _answers(self, timeout: float = 10) -> bool:
        """Whether this server (not another program on the port) answers before it exits or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1) as client:
                    if client.info("server")["process_id"] == self.process.pid:
                        return True
            except redis.RedisError:
                pass
            time.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
        return False

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
            self._hold_port(self.port)

    def close(self) -> None:
        """Stop the server, if running, and give the port back."""
        self.stop()
        self._release_port()

    def queue_length(self, queue: str) -> int:
        with redis.Redis.from_url(self.url) as client:
            return client.llen(queue)
