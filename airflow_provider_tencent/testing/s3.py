"""A real S3-compatible server on loopback (moto in server mode), for tests and the demo.

:class:`LocalS3Server` runs moto's ``ThreadedMotoServer`` on 127.0.0.1 (a free port by default).
The ``cos://`` filesystem reaches it through the connection extra ``cos_endpoint_url``. moto does
not check signatures, but this server does refuse presigned URLs past their expiry (``403
AccessDenied``, "Request has expired"), as S3 and COS do, so expiry can be tested. Writes (``PUT``,
``POST``, ``DELETE``) are handled one at a time: moto checks ``If-None-Match``/``If-Match`` and then
stores in two steps, which concurrent requests could interleave; S3 applies a conditional write
atomically, and so does this server.

Pytest fixtures (exported through the provider's pytest plugin):

* ``tencentcloud_local_s3`` - one server per test session. While it is up, the AWS variables of the test
  process are dummies (``AWS_ENDPOINT_URL`` is the server, no profile, no instance metadata), so
  even ``s3://`` paths on the default AWS chain stay on loopback and no real account is reached.
* ``tencentcloud_cos_bucket`` - a fresh bucket named like a COS bucket (``test-<n>-1250000000``) per test,
  emptied and removed afterwards.

Command line: ``python -m airflow_provider_tencent.testing.s3 [--port N]`` prints the URL on one
line and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import signal
import threading
from calendar import timegm
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from time import strptime, time
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from airflow_provider_tencent.testing.extra import require_testing_extra

require_testing_extra("The local S3 server airflow_provider_tencent.testing.s3", ("pytest", "moto"))

import pytest  # noqa: E402 - after the check above

__all__ = ["LocalS3Server", "tencentcloud_cos_bucket", "tencentcloud_local_s3"]

#: Dummy AWS settings; the fixture sets them for the test session, the command line for its process.
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
#: AWS variables removed while the dummies are in place (they could name a real account).
REAL_AWS_ENV = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_S3")

_BUCKETS = itertools.count()

_EXPIRED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
)


class RecordedRequest(NamedTuple):
    """One request the server answered."""

    method: str
    path: str
    range: str | None


def presigned_url_expired(query: str, now: float | None = None) -> bool:
    """Whether a query string is that of a presigned URL (SigV4 or SigV2) past its expiry."""
    params = dict(parse_qsl(query))
    now = time() if now is None else now
    try:
        if "X-Amz-Expires" in params and "X-Amz-Date" in params:
            signed = timegm(strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
            return now > signed + int(params["X-Amz-Expires"])
        if "Signature" in params and "Expires" in params:
            return now > int(params["Expires"])
    except ValueError:
        return True  # a malformed date or expiry: S3 refuses it too
    return False


class _Frontend:
    """WSGI middleware in front of moto: records requests, refuses presigned URLs past their expiry."""

    def __init__(self, app: Callable[..., Iterable[bytes]], server: LocalS3Server) -> None:
        self.app = app
        self.server = server

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.server.requests.append(
            RecordedRequest(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""), environ.get("HTTP_RANGE"))
        )
        if self.server.enforce_expiry and presigned_url_expired(environ.get("QUERY_STRING", "")):
            start_response(
                "403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", f"{len(_EXPIRED)}")]
            )
            return [_EXPIRED]
        if environ.get("REQUEST_METHOD") in ("PUT", "POST", "DELETE"):
            with self.server.write_lock:  # a conditional write is checked and applied atomically
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


class LocalS3Server:
    """moto's S3 (server mode) on loopback: ``start()``/``stop()`` or a ``with`` block.

    :param host: the address to listen on (keep it loopback).
    :param port: the port; ``0`` picks a free one (see :attr:`url` once started).
    :param enforce_expiry: refuse presigned URLs past their expiry, as S3 and COS do.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, enforce_expiry: bool = True) -> None:
        self.host = host
        self.port = port
        self.enforce_expiry = enforce_expiry
        self._server: Any = None
        self._client: Any = None
        self.write_lock = threading.Lock()
        #: The latest requests served (method, path, Range header) - never query strings or headers with keys.
        self.requests: deque[RecordedRequest] = deque(maxlen=1000)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` - the endpoint URL for clients (``cos_endpoint_url``)."""
        if self._server is None:
            raise RuntimeError("LocalS3Server is not started")
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalS3Server:
        """Start serving (in a daemon thread); returns ``self``."""
        if self._server is not None:
            return self
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        self.port = server.get_host_and_port()[1]
        wsgi: Any = server._server  # werkzeug's server; each request calls its ``app``
        wsgi.app = _Frontend(wsgi.app, self)
        self._server = server
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
            self._client = None

    def __enter__(self) -> LocalS3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self) -> Any:
        """A boto3 S3 client of this server (dummy keys; cached)."""
        if self._client is None:
            import boto3

            self._client = boto3.client(
                "s3",
                endpoint_url=self.url,
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
        return self._client

    def create_bucket(self, name: str) -> str:
        """Create bucket ``name`` (e.g. ``examplebucket-1250000000``); returns the name."""
        self.client().create_bucket(Bucket=name)
        return name

    def delete_bucket(self, name: str) -> None:
        """Remove bucket ``name`` and everything in it."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                client.delete_objects(Bucket=name, Delete={"Objects": keys, "Quiet": True})
        client.delete_bucket(Bucket=name)


@pytest.fixture(scope="session")
def tencentcloud_local_s3() -> Iterator[LocalS3Server]:
    """One S3-compatible server (moto) on 127.0.0.1 for the test session; dummy AWS variables meanwhile."""
    with pytest.MonkeyPatch.context() as env, LocalS3Server() as server:
        for name in REAL_AWS_ENV:
            env.delenv(name, raising=False)
        for name, value in DUMMY_AWS_ENV.items():
            env.setenv(name, value)
        env.setenv("AWS_ENDPOINT_URL", server.url)
        yield server


@pytest.fixture
def tencentcloud_cos_bucket(tencentcloud_local_s3: LocalS3Server) -> Iterator[str]:
    """A fresh, empty bucket named like a COS bucket (``test-<n>-1250000000``), removed after the test."""
    name = tencentcloud_local_s3.create_bucket(f"test-{next(_BUCKETS)}-1250000000")
    yield name
    try:
        tencentcloud_local_s3.delete_bucket(name)
    except Exception:  # the server may be gone, or the test removed the bucket itself
        logging.getLogger(__name__).debug("could not remove bucket %s", name, exc_info=True)


def main(argv: list[str] | None = None) -> int:
    """Command line: serve until SIGTERM/SIGINT, after printing the URL on one line."""
    parser = argparse.ArgumentParser(description="S3-compatible server (moto) on loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    args = parser.parse_args(argv)
    for name in REAL_AWS_ENV:
        os.environ.pop(name, None)
    os.environ.update(DUMMY_AWS_ENV)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with LocalS3Server(args.host, args.port) as server:
        print(server.url, flush=True)
        while not stop.wait(1.0):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
