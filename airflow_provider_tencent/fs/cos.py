"""The ``cos://`` filesystem for ``ObjectStoragePath`` (registered through provider info ``filesystems``).

``ObjectStoragePath("cos://examplebucket-1250000000/images/", conn_id="tencentcloud_default")`` lists,
reads and writes COS objects through ``s3fs`` against COS's S3-compatible endpoint, with the
credentials of the ``tencentcloud`` connection (see :class:`~airflow_provider_tencent.hooks.cos.CosHook`).
Importing this module imports neither s3fs nor botocore.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult

import airflow_provider_tencent.fs.cos_path  # noqa: F401 - declares the cos:// path flavour

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

schemes = ["cos"]


def get_fs(conn_id: str | None, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
    """The COS filesystem of connection ``conn_id`` (the key-less chain when ``None``)."""
    from airflow_provider_tencent.hooks.cos import CosHook

    return CosHook(tencentcloud_conn_id=conn_id).get_fs(storage_options)


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Asset URIs ``cos://<bucket>/<key>``: a bucket is required."""
    if not uri.netloc:
        raise ValueError("a cos:// Asset URI needs a bucket, as in cos://examplebucket-1250000000/path")
    return uri
