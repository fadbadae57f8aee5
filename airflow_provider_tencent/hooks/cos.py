"""COS through its S3-compatible endpoint (``s3fs``), storage paths for the operators, and presigned URLs.

COS speaks the S3 protocol at ``https://cos.<region>.myqcloud.com`` with virtual-host addressing
(``<bucket>-<appid>.cos.<region>.myqcloud.com``) and wants botocore's request/response checksums
only ``when_required`` (botocore's default CRC32 trailers are refused). The region is the
connection extra ``cos_region``, else the connection's ``region``. The extra ``cos_endpoint_url``
points elsewhere (a local S3 server in tests, a private endpoint), and then path-style addressing is
the default; ``cos_addressing_style`` (``virtual``, ``path`` or ``auto``) overrides either default.

Credentials are the ``tencentcloud`` connection's SecretId/SecretKey (and session token): COS
accepts them as an S3 access key pair. The AWS credential chain (``AWS_*`` variables, ``~/.aws``,
instance metadata) is never consulted for ``cos://``.

*Temporary keys.* Fixed keys from the connection (with or without ``token``) are handed to s3fs
as they are. Keys that change - an assumed role (``role_arn``), the CVM role, TKE OIDC, or any
other key-less source - are given to botocore as *refreshable credentials* that re-read the hook's
``get_credential_info()`` every :attr:`CosHook.credential_reread_seconds` (60 s) while in use. The
hook's credential renews the keys before they expire, so a filesystem that Airflow keeps for the
whole task (it caches one per connection and process) never signs with lapsed keys, however long
the task runs. A failed re-read keeps the previous keys for up to five minutes, then raises.

Module-level helpers for the operators: :func:`to_storage_path`, :func:`read_bytes`,
:func:`presign`, :func:`redact_url`. Importing this module imports neither s3fs nor botocore; they
load on first use.
"""

from __future__ import annotations

import errno
import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_tencent.compat import storage_conn_id
from airflow_provider_tencent.exceptions import TencentCloudConfigError, TencentCloudInputError
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.credentials import StaticCredential
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID
from airflow_provider_tencent.utils.secrets import redact_url as redact_url  # re-exported for the operators

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath
    from fsspec import AbstractFileSystem

#: Schemes :func:`presign` accepts.
PRESIGNABLE = ("cos", "s3", "s3a")
#: Addressing styles botocore knows.
ADDRESSING_STYLES = ("virtual", "path", "auto")
#: Longest validity of a SigV4 presigned URL (7 days), on S3 and COS alike.
MAX_PRESIGN_SECONDS = 7 * 24 * 3600
#: A read of refreshable keys is trusted this long (botocore's "expiry" of them).
_LEASE_SECONDS = 600.0
#: After this long without a successful re-read, requests wait for new keys and fail if none come.
_MANDATORY_AFTER_SECONDS = 300.0


class CosHook(TencentCloudHook):
    """The ``s3fs`` filesystem of COS for a ``tencentcloud`` connection.

    The connection is fetched on first use (never in ``__init__``).

    :param tencentcloud_conn_id: the ``tencentcloud`` connection (when it does not exist, the
        key-less credential chain is used, as for every hook of this provider).
    :param region: overrides the connection's ``region`` (``cos_region`` still wins for COS).
    """

    hook_name = "Tencent Cloud COS"
    #: How often refreshable (temporary) keys are re-read from the hook's credential, in seconds.
    credential_reread_seconds: float = 60.0

    @property
    def cos_region(self) -> str:
        """The COS region: extra ``cos_region``, else the connection's region."""
        return self.conn_config.cos_region or self.conn_config.region

    @property
    def endpoint_url(self) -> str:
        """``cos_endpoint_url`` when set (``https://`` assumed without a scheme), else ``https://cos.<cos_region>.myqcloud.com``."""
        url = self.conn_config.cos_endpoint_url
        if not url:
            return f"https://cos.{self.cos_region}.myqcloud.com"
        return (url if "://" in url else f"https://{url}").rstrip("/")

    @property
    def addressing_style(self) -> str:
        """``virtual`` for COS itself, ``path`` with an endpoint override; extra ``cos_addressing_style`` wins.

        :raises TencentCloudConfigError: for a value other than virtual, path or auto.
        """
        cfg = self.conn_config
        style = cfg.extra.get("cos_addressing_style") or ("path" if cfg.cos_endpoint_url else "virtual")
        if style not in ADDRESSING_STYLES:
            raise TencentCloudConfigError(
                f"Connection {cfg.conn_id!r}: extra 'cos_addressing_style' must be one of "
                f"{', '.join(ADDRESSING_STYLES)}, got {style!r}"
            )
        return f"{style}"

    def config_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of botocore's ``Config`` for COS (no credentials in here)."""
        cfg = self.conn_config
        out: dict[str, Any] = {
            "signature_version": "s3v4",
            "s3": {"addressing_style": self.addressing_style},
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
            "connect_timeout": cfg.timeouts.connect,
            "read_timeout": cfg.timeouts.read,
            "retries": {"max_attempts": cfg.retry.max_attempts, "mode": "standard"},
        }
        if cfg.proxy:
            out["proxies"] = {"http": cfg.proxy, "https": cfg.proxy}
        return out

    def storage_options(self) -> dict[str, Any]:
        """Keyword arguments for ``s3fs.S3FileSystem``.

        With fixed keys they hold ``key``/``secret``/``token`` (never log them); with temporary
        keys they hold a ``session`` whose credentials refresh themselves (see the module notes).
        Reading temporary keys is deferred to the first request.
        """
        credential = self.get_credential()
        options: dict[str, Any] = {
            "endpoint_url": self.endpoint_url,
            "client_kwargs": {"region_name": self.cos_region},
            "config_kwargs": self.config_kwargs(),
            # Airflow caches the filesystem per connection; fsspec's own cache would keep keys alive
            "skip_instance_cache": True,
        }
        if isinstance(credential, StaticCredential):
            secret_id, secret_key, token = credential.get_credential_info()
            _mask(secret_key, token)
            options.update(key=secret_id, secret=secret_key, token=token)
        else:
            options["session"] = _refreshing_session(credential, self.credential_reread_seconds)
        return options

    def get_fs(self, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
        """A ``cos://`` filesystem (``s3fs`` underneath); ``storage_options`` are merged over ours.

        Nested ``config_kwargs`` and ``client_kwargs`` are merged key by key, so passing e.g.
        ``{"config_kwargs": {"max_pool_connections": 50}}`` keeps the checksum settings.
        """
        from airflow_provider_tencent.fs.cos_fsspec import CosFileSystem

        options = self.storage_options()
        for name, value in (storage_options or {}).items():
            if name in ("config_kwargs", "client_kwargs") and isinstance(value, dict):
                options[name] = {**options.get(name, {}), **value}
            else:
                options[name] = value
        return CosFileSystem(**options)


def _refreshing_session(credential: Any, reread_seconds: float) -> Any:
    """An aiobotocore session whose only credentials are ``credential``'s, re-read every ``reread_seconds``."""
    import asyncio
    from datetime import datetime, timedelta, timezone

    from aiobotocore.credentials import AioDeferredRefreshableCredentials
    from aiobotocore.session import AioSession

    def read() -> dict[str, Any]:
        secret_id, secret_key, token = credential.get_credential_info()
        _mask(secret_key, token)
        expiry = datetime.now(timezone.utc) + timedelta(seconds=_LEASE_SECONDS)
        return {"access_key": secret_id, "secret_key": secret_key, "token": token, "expiry_time": expiry.isoformat()}

    async def refresh() -> dict[str, Any]:
        # the credential may call STS or the metadata service: keep that off the event loop
        return await asyncio.to_thread(read)

    class TencentKeys(AioDeferredRefreshableCredentials):
        # botocore refreshes when less than the advisory time is left before "expiry"
        _advisory_refresh_timeout = max(0.0, _LEASE_SECONDS - reread_seconds)
        _mandatory_refresh_timeout = min(_MANDATORY_AFTER_SECONDS, _LEASE_SECONDS - reread_seconds)

    class OnlyThese:
        """The session's ``credential_provider``: these keys, never the AWS chain."""

        def __init__(self, keys: Any) -> None:
            self.keys = keys

        async def load_credentials(self) -> Any:
            return self.keys

    session = AioSession()
    session.register_component("credential_provider", OnlyThese(TencentKeys(refresh, method="tencentcloud")))
    return session


# -- storage paths -------------------------------------------------------------------------------

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


def _shown(path: ObjectStoragePath) -> str:
    """``path`` for messages: its URI without the ``conn_id@`` that ``str()`` puts in it."""
    parts = urlsplit(f"{path}")
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
        raise IsADirectoryError(errno.EISDIR, "a bucket, not an object: give bucket/key", _shown(path))
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
        raise FileNotFoundError(errno.ENOENT, "no such object or file", _shown(path)) from None
    except IsADirectoryError:
        raise IsADirectoryError(errno.EISDIR, "a folder, not a file", _shown(path)) from None
    return bytes(data)


def presign(path: str | ObjectStoragePath, expires_in: int = 3600) -> str:
    """A GET URL of a ``cos://`` or ``s3://`` object that works without credentials for ``expires_in`` seconds.

    The URL is signed (SigV4, query string) with the path's credentials; when they are temporary,
    the session token travels in the URL (``X-Amz-Security-Token``), as the service downloading it
    needs. The URL is a bearer credential: the provider never logs it, puts it in XCom or in an
    error (server messages pass through
    :func:`~airflow_provider_tencent.utils.secrets.redact_urls`); mention it with
    :func:`redact_url`. The session token inside it is registered with the secrets masker once,
    with the connection; the signature, different for every URL, is not (the masker recompiles
    its pattern at each new secret, which would make a batch of thousands of pictures quadratic).
    The object is not checked for existence.

    :param path: an ``ObjectStoragePath`` or a ``cos://``/``s3://`` string (``cos://`` strings use
        ``tencentcloud_default``).
    :param expires_in: validity in seconds, 1 to 604800 (7 days).
    :raises TencentCloudInputError: for other schemes or an invalid ``expires_in``.
    """
    path = to_storage_path(path, None)
    if path.protocol not in PRESIGNABLE:
        raise TencentCloudInputError(
            f"{_shown(path)}: only cos:// and s3:// objects can be presigned; the service must download the image",
            field="path",
        )
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise TencentCloudInputError(
            f"presign expires_in must be an integer from 1 to {MAX_PRESIGN_SECONDS} seconds, got {expires_in!r}",
            field="expires_in",
            limit=f"1..{MAX_PRESIGN_SECONDS}",
            actual=f"{expires_in!r}",
        )
    if not path.bucket or not path.key:
        raise TencentCloudInputError(f"{_shown(path)}: presign needs an object key, not a bucket", field="path")
    url: str = _fs_of(path).sign(path.path, expiration=expires_in)
    return url


def _mask(*secrets: str | None) -> None:
    from airflow.sdk.log import mask_secret

    for secret in secrets:
        if secret:
            mask_secret(secret)
