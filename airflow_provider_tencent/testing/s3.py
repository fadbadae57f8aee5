"""A real S3-compatible server on loopback (moto in server mode), for tests and the demo.

``LocalS3Server`` runs moto's threaded server on 127.0.0.1 with a free port. The ``cos://``
filesystem reaches it through the connection extra ``cos_endpoint_url``. Dummy AWS credentials are
set for the server only; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["LocalS3Server", "cos_bucket", "local_s3"]

_BUCKETS = itertools.count()


def _free_port(host: str) -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class LocalS3Server:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalS3Server:
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
        ):
            os.environ.setdefault(name, value)
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise

        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalS3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def local_s3() -> Iterator[LocalS3Server]:
    """One S3-compatible server (moto) on 127.0.0.1 for the test session."""
    with LocalS3Server() as server:
        yield server


@pytest.fixture
def cos_bucket(local_s3: LocalS3Server) -> str:
    """A fresh, empty bucket named like a COS bucket (``name-APPID``)."""
    return local_s3.create_bucket(f"test-{next(_BUCKETS)}-1250000000")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="S3-compatible server (moto) on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = LocalS3Server(args.host, args.port).start()
    print(server.url, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
