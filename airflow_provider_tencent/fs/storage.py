"""Storage paths for the operators and DAGs: resolve, read and presign.

Every place that takes a picture or file location (``cos://``, ``s3://``, ``file://`` or a plain
local path) goes through :func:`to_storage_path`; :func:`read_bytes` reads it (optionally only the
first bytes, to tell an oversize object without downloading it), :func:`presign` makes a download
URL the cloud service can fetch. Which files under a prefix are pictures, and what a batch makes
of them, is decided by :mod:`airflow_provider_tencent.payloads`. ``cos://`` paths use the
``tencentcloud`` connection through :mod:`airflow_provider_tencent.fs.cos`.

Importing this module imports neither s3fs nor botocore; they load on first use.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_tencent.compat import storage_conn_id
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath
    from fsspec import AbstractFileSystem

#: Schemes :func:`presign` accepts (the service downloads the picture from object storage).
PRESIGNABLE = ("cos", "s3", "s3a")
#: Longest validity of a SigV4 presigned URL (7 days), on S3 and COS alike.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600

_default_s3_lock = threading.Lock()
_default_s3_attached = False


def to_storage_path(value: str | os.PathLike[str] | ObjectStoragePath, conn_id: str | None) -> ObjectStoragePath:
    """``value`` as an :class:`~airflow.sdk.ObjectStoragePath`.

    * an ``ObjectStoragePath`` is returned as it is;
    * ``cos://<bucket>-<appid>/<key>`` uses the ``tencentcloud`` connection ``conn_id``
      (``tencentcloud_default`` when ``None``);
    * ``s3://``/``s3a://`` use the Amazon provider's filesystem when it is installed (its default
      connection), else plain ``s3fs`` with the default AWS credential chain - ``conn_id`` is a
      Tencent connection and is not used for them;
    * ``file://...`` and plain local paths (relative ones against the working directory).
    """
    from airflow.sdk import ObjectStoragePath

    if isinstance(value, ObjectStoragePath):
        return value
    text = os.fspath(value)
    if "://" not in text:
        return ObjectStoragePath("file://" + os.path.abspath(os.path.expanduser(text)))
    scheme = text.split("://", 1)[0].lower()
    if scheme == "cos":
        return ObjectStoragePath(text, conn_id=conn_id or DEFAULT_CONN_ID)
    if scheme in ("s3", "s3a"):
        _ensure_default_s3()
    return ObjectStoragePath(text)


def _ensure_default_s3() -> None:
    """Without the Amazon provider, attach plain ``s3fs`` (default AWS chain) for ``s3://``/``s3a://``.

    ``ObjectStoragePath`` opens, stats and signs through Airflow's filesystem registry, which has no
    ``s3`` entry unless a provider registers one.
    """
    global _default_s3_attached
    from airflow.sdk.io import attach, has_fs

    with _default_s3_lock:
        if _default_s3_attached or has_fs("s3"):
            return
        from s3fs import S3FileSystem

        fs = S3FileSystem(
            config_kwargs={
                "signature_version": "s3v4",  # botocore would presign some regions with SigV2
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
            }
        )
        for scheme in ("s3", "s3a"):
            attach(scheme, fs=fs)
        _default_s3_attached = True


def shown_path(path: ObjectStoragePath) -> str:
    """``path`` for messages: its URI without the ``conn_id@`` that ``str()`` puts in it."""
    return storage_key(f"{path}")


def storage_key(uri: str | ObjectStoragePath) -> str:
    """The identity of an object: its URI without the ``conn_id@`` that ``str()`` of a ``cos://`` path holds.

    ``cos://tencentcloud_default@bucket/a.png`` and ``cos://other_conn@bucket/a.png`` are the same
    object: names derived from it (PicNames, manifest and checkpoint keys) must not change when the
    connection is renamed. ``s3://`` and ``file://`` URIs have no ``conn_id@`` and are unchanged.
    """
    parts = urlsplit(f"{uri}")
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _fs_of(path: ObjectStoragePath) -> AbstractFileSystem:
    if path.protocol in ("s3", "s3a") and storage_conn_id(path) is None:
        _ensure_default_s3()
    return path.fs


def read_bytes(path: str | os.PathLike[str] | ObjectStoragePath, max_bytes: int | None = None) -> bytes:
    """The bytes of the object or file at ``path``.

    With ``max_bytes``, at most ``max_bytes + 1`` bytes are read - one ranged request on object
    storage - so a caller can tell that an object is too big without downloading all of it: a
    result longer than ``max_bytes`` means "oversize". Without it, the whole object is read.

    :param path: an ``ObjectStoragePath`` or anything :func:`to_storage_path` accepts (``cos://``
        strings then use ``tencentcloud_default``).
    :raises FileNotFoundError: naming the path, when it does not exist.
    :raises IsADirectoryError: for a folder, or a bucket with no object key (``cos://bucket``).
    :raises ValueError: when ``max_bytes`` is negative.
    """
    if max_bytes is not None and max_bytes < 0:
        raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
    path = to_storage_path(path, None)
    if path.protocol in ("s3", "s3a", "cos") and "/" not in path.path.strip("/"):
        raise IsADirectoryError(errno.EISDIR, "a bucket, not an object: give bucket/key", shown_path(path))
    fs = _fs_of(path)
    try:
        if max_bytes is None:
            data = fs.cat_file(path.path)
        else:
            try:
                data = fs.cat_file(path.path, start=0, end=max_bytes + 1)
            except FileNotFoundError:
                raise
            except OSError as exc:
                # S3 answers 416 to any range of an empty object
                if exc.errno == errno.EINVAL and fs.size(path.path) == 0:
                    return b""
                raise
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such object or file", shown_path(path)) from None
    except IsADirectoryError:
        raise IsADirectoryError(errno.EISDIR, "a folder, not a file", shown_path(path)) from None
    return bytes(data)


def presign(path: str | os.PathLike[str] | ObjectStoragePath, presign_expires: int = 3600) -> str:
    """A GET URL of a ``cos://`` or ``s3://`` object that works without credentials for ``presign_expires`` seconds.

    The URL is signed (SigV4, query string) with the path's credentials; when they are temporary,
    the session token travels in the URL (``X-Amz-Security-Token``), as the service downloading it
    needs. The URL is a bearer credential: the provider never logs it, puts it in XCom or in an
    error (server messages pass through
    :func:`~airflow_provider_tencent.utils.secrets.redact_urls`); mention it with
    :func:`~airflow_provider_tencent.utils.secrets.redact_url`. The session token inside it is
    registered with the secrets masker once, with the connection; the signature, different for
    every URL, is not (the masker recompiles its pattern at each new secret, which would make a
    batch of thousands of pictures quadratic).
    The object is not checked for existence.

    :param path: an ``ObjectStoragePath`` or a ``cos://``/``s3://`` string (``cos://`` strings use
        ``tencentcloud_default``).
    :param presign_expires: validity in seconds, 1 to 604800 (7 days).
    :raises TencentCloudInputError: for other schemes or an invalid ``presign_expires``.
    """
    path = to_storage_path(path, None)
    if path.protocol not in PRESIGNABLE:
        raise TencentCloudInputError(
            f"{shown_path(path)}: only cos:// and s3:// objects can be presigned; the service must download the image",
            field="path",
        )
    if (
        isinstance(presign_expires, bool)
        or not isinstance(presign_expires, int)
        or not 1 <= presign_expires <= MAX_PRESIGN_SECONDS
    ):
        raise TencentCloudInputError(
            f"presign_expires must be an integer from 1 to {MAX_PRESIGN_SECONDS} seconds, got {presign_expires!r}",
            field="presign_expires",
            limit=f"1..{MAX_PRESIGN_SECONDS}",
            actual=f"{presign_expires!r}",
        )
    if not path.bucket or not path.key:
        raise TencentCloudInputError(f"{shown_path(path)}: presign needs an object key, not a bucket", field="path")
    url: str = _fs_of(path).sign(path.path, expiration=presign_expires)
    return url


def missing_bucket(path: ObjectStoragePath) -> str | None:
    """The bucket of a ``cos://``/``s3://`` ``path`` when the storage says it does not exist (a typo, another
    region's endpoint answering 404), else ``None``. Local paths have no bucket."""
    # ``path.path`` starts with the bucket on every supported universal-pathlib; ``path.bucket`` does not
    # (0.2, Airflow 3.1: ``conn_id@bucket``)
    bucket = f"{path.path}".lstrip("/").split("/", 1)[0]
    if path.protocol not in PRESIGNABLE or not bucket:
        return None
    return None if _fs_of(path).exists(bucket) else bucket
