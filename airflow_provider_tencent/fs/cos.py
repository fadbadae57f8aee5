"""The ``cos://`` filesystem for ``ObjectStoragePath`` (provider info ``filesystems``) and Asset URIs.

``ObjectStoragePath("cos://examplebucket-1250000000/images/", conn_id="tencentcloud_default")``
lists, reads and writes COS objects through ``s3fs`` against COS's S3-compatible endpoint, with
the credentials of the ``tencentcloud`` connection (see
:class:`~airflow_provider_tencent.hooks.cos.CosHook` for endpoint, addressing and keys). A path
without ``conn_id`` uses ``tencentcloud_default`` (an error when that connection does not exist; for
key-less credentials, give it a ``credential_source``).

Importing this module imports neither s3fs nor botocore: Airflow imports it to list schemes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult

import airflow_provider_tencent.fs.cos_path  # noqa: F401 - declares the cos:// path flavour
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

schemes = ["cos"]


def get_fs(conn_id: str | None, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
    """The COS filesystem of the ``tencentcloud`` connection ``conn_id`` (``tencentcloud_default`` when ``None``).

    Built like the Amazon provider's ``s3`` filesystem: the settings (endpoint, addressing,
    checksums, timeouts, keys) come from :class:`~airflow_provider_tencent.hooks.cos.CosHook`, and
    ``storage_options`` (``s3fs.S3FileSystem`` arguments) are merged over them. The connection is
    read here; no request is sent until the filesystem is used.
    """
    from airflow_provider_tencent.fs.cos_fsspec import CosFileSystem
    from airflow_provider_tencent.hooks.cos import CosHook

    return CosFileSystem(**CosHook(tencentcloud_conn_id=conn_id or DEFAULT_CONN_ID).storage_options(storage_options))


def sanitize_uri(uri: SplitResult) -> SplitResult:
    """Check an Asset URI ``cos://<bucket>-<appid>/<key>``: the bucket is required.

    :raises ValueError: when the URI has no bucket.
    """
    if not uri.netloc:
        raise ValueError("a cos:// Asset URI needs a bucket, as in cos://examplebucket-1250000000/path")
    return uri
