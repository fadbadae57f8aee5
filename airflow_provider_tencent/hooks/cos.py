"""COS through its S3-compatible endpoint (``s3fs``), storage paths for the operators, and presigned URLs.

COS speaks the S3 protocol at ``https://cos.<region>.myqcloud.com`` with virtual-host addressing
(``<bucket>-<appid>.cos.<region>.myqcloud.com``) and wants botocore's request/response checksums
only ``when_required``. The credentials are the ``tencentcloud`` connection's SecretId/SecretKey
(and token). An extra ``cos_endpoint_url`` points elsewhere (a local S3 server in tests), with
path-style addressing unless ``cos_addressing_style`` says otherwise.

Temporary keys (an assumed role) are read when the filesystem is built; Airflow caches one
filesystem per connection and process, and the hook renews keys at least five minutes before they
expire, so a task shorter than the keys' lifetime (2 h by default) never sees them lapse.

Nothing here is imported by an operator module at import time: s3fs and botocore load on first use.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath
    from fsspec import AbstractFileSystem

PRESIGNABLE = ("cos", "s3", "s3a")


class CosHook(TencentCloudHook):
    """Builds the ``s3fs`` filesystem for COS from a ``tencentcloud`` connection."""

    @property
    def cos_region(self) -> str:
        return self.conn_config.cos_region or self.conn_config.region

    def storage_options(self) -> dict[str, Any]:
        """Keyword arguments for ``s3fs.S3FileSystem`` (credentials included: never log them)."""
        cfg = self.conn_config
        secret_id, secret_key, token = self.get_credential().get_credential_info()
        endpoint = cfg.cos_endpoint_url or f"https://cos.{self.cos_region}.myqcloud.com"
        style = cfg.extra.get("cos_addressing_style") or ("path" if cfg.cos_endpoint_url else "virtual")
        if style not in ("virtual", "path", "auto"):
            raise TencentCloudInputError(
                f"cos_addressing_style must be virtual, path or auto, got {style!r}", field="cos_addressing_style"
            )
        return {
            "key": secret_id,
            "secret": secret_key,
            "token": token,
            "endpoint_url": endpoint,
            "client_kwargs": {"region_name": self.cos_region},
            "config_kwargs": {
                "s3": {"addressing_style": style},
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
                "connect_timeout": cfg.timeouts.connect,
                "read_timeout": cfg.timeouts.read,
            },
            "skip_instance_cache": True,
        }

    def get_fs(self, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
        from airflow_provider_tencent.fs.cos_fsspec import CosFileSystem

        options = self.storage_options()
        options.update(storage_options or {})
        return CosFileSystem(**options)


def to_storage_path(value: Any, conn_id: str | None) -> ObjectStoragePath:
    """``value`` (an ``ObjectStoragePath``, a ``cos://``/``s3://``/``file://`` URI, or a local path) as a path.

    ``cos://`` paths use the ``tencentcloud`` connection ``conn_id`` (default ``tencentcloud_default``).
    ``s3://`` paths use the Amazon provider's filesystem when it is installed, else ``s3fs`` with the
    default AWS credential chain.
    """
    from airflow.sdk import ObjectStoragePath

    if isinstance(value, ObjectStoragePath):
        return value
    text = f"{value}"
    if "://" not in text:
        text = "file://" + os.path.abspath(text)
    scheme = text.split("://", 1)[0].lower()
    if scheme == "cos":
        return ObjectStoragePath(text, conn_id=conn_id or DEFAULT_CONN_ID)
    if scheme in ("s3", "s3a"):
        _ensure_default_s3()
        return ObjectStoragePath(text)
    return ObjectStoragePath(text)


def _ensure_default_s3() -> None:
    """Without the Amazon provider, attach plain ``s3fs`` (default AWS credentials) for ``s3://``."""
    from airflow.sdk.io import attach, has_fs

    if has_fs("s3"):
        return
    from s3fs import S3FileSystem

    attach(
        "s3",
        fs=S3FileSystem(
            config_kwargs={
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
            }
        ),
    )


def read_bytes(path: ObjectStoragePath, max_bytes: int | None = None) -> bytes:
    """The object's bytes; with ``max_bytes``, at most ``max_bytes + 1`` are read (enough to tell it is too big).

    :raises FileNotFoundError: naming the path when it does not exist.
    """
    try:
        with path.open("rb") as fh:
            data: bytes = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path} does not exist") from None
    return data


def presign(path: ObjectStoragePath, expires_in: int = 3600) -> str:
    """A time-limited GET URL of a ``cos://`` or ``s3://`` object.

    When the credentials are temporary the session token travels in the URL
    (``X-Amz-Security-Token``). The URL and its query string are registered with Airflow's secrets
    masker, so they never appear in task logs; use :func:`redact_url` to mention one.
    """
    if path.protocol not in PRESIGNABLE:
        raise TencentCloudInputError(
            f"{path}: only cos:// and s3:// objects can be presigned; the service must download the image",
            field="path",
        )
    url: str = path.fs.url(f"{path.bucket}/{path.key}", expires=int(expires_in))
    _mask_url(url)
    return url


def redact_url(url: str) -> str:
    """``url`` without its query string (where presigned signatures and tokens live)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _mask_url(url: str) -> None:
    from airflow.sdk.log import mask_secret

    query = urlsplit(url).query
    if query:
        mask_secret(query)
        for pair in query.split("&"):
            name, _, value = pair.partition("=")
            if name.lower() in ("x-amz-signature", "signature", "x-amz-security-token", "x-amz-credential"):
                mask_secret(value)
