"""A throw-away ``redis-server`` on 127.0.0.1 and a free port, for the shared quota's tests and bench.

Started with no persistence (``--save ''``, ``--appendonly no``) in a temporary directory, in its own
process group, and stopped (SIGTERM, then SIGKILL) by :meth:`RedisServer.stop` or on leaving ``with``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from types import TracebackType


def redis_server_path() -> str | None:
    """Where ``redis-server`` is on ``PATH``, or ``None``."""
    return shutil.which("redis-server")


class RedisServer:
    """A ``redis-server`` listening on 127.0.0.1; :attr:`url` is its ``redis://`` address (database 0).

    :raises RuntimeError: ``redis-server`` is not on ``PATH``, or did not answer within 10 s.
    """

    def __init__(self) -> None:
        binary = redis_server_path()
        if binary is None:
            raise RuntimeError("redis-server is not on PATH (Debian: apt-get install redis-server)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = tempfile.mkdtemp(prefix="redis-")
        cmd = [binary, "--bind", "127.0.0.1", "--port", f"{self.port}", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(
            [*cmd, "--dir", self.folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING within 10 s")

    def stop(self) -> None:
        """Stop the server (its process group) and remove its folder."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
