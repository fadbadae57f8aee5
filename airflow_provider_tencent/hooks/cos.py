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

This module holds the hook only. The ``cos://`` filesystem for ``ObjectStoragePath`` is
:mod:`airflow_provider_tencent.fs.cos`; storage paths, reads and presigned URLs are in
:mod:`airflow_provider_tencent.fs.storage`. Importing this module imports neither s3fs nor botocore;
they load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.exceptions import TencentCloudConfigError
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.credentials import StaticCredential
from airflow_provider_tencent.utils.secrets import register_secret

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

#: Addressing styles botocore knows.
ADDRESSING_STYLES = ("virtual", "path", "auto")
#: A read of refreshable keys is trusted this long (botocore's "expiry" of them).
_LEASE_SECONDS = 600.0
#: After this long without a successful re-read, requests wait for new keys and fail if none come.
_MANDATORY_AFTER_SECONDS = 300.0


__all__ = ["CosHook"]


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

    def storage_options(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Keyword arguments for ``s3fs.S3FileSystem``, with ``overrides`` merged over them.

        With fixed keys they hold ``key``/``secret``/``token`` (never log them); with temporary
        keys they hold a ``session`` whose credentials refresh themselves (see the module notes).
        Reading temporary keys is deferred to the first request. Nested ``config_kwargs`` and
        ``client_kwargs`` of ``overrides`` are merged key by key, so passing e.g.
        ``{"config_kwargs": {"max_pool_connections": 50}}`` keeps the checksum settings.
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
            register_secret(secret_key, token)
            options.update(key=secret_id, secret=secret_key, token=token)
        else:
            options["session"] = _refreshing_session(credential, self.credential_reread_seconds)
        for name, value in (overrides or {}).items():
            if name in ("config_kwargs", "client_kwargs") and isinstance(value, dict):
                options[name] = {**options.get(name, {}), **value}
            else:
                options[name] = value
        return options

    def get_fs(self, storage_options: dict[str, Any] | None = None) -> AbstractFileSystem:
        """A ``cos://`` filesystem (``s3fs`` underneath) built from :meth:`storage_options`.

        The filesystem class is the one fsspec has registered for ``cos`` (this provider's
        ``CosFileSystem``, entry point ``fsspec.specs``), so the hook does not import the ``fs``
        package that is built on top of it.
        """
        from fsspec import get_filesystem_class

        return get_filesystem_class("cos")(**self.storage_options(storage_options))


def _refreshing_session(credential: Any, reread_seconds: float) -> Any:
    """An aiobotocore session whose only credentials are ``credential``'s, re-read every ``reread_seconds``."""
    import asyncio
    from datetime import datetime, timedelta, timezone

    from aiobotocore.credentials import AioDeferredRefreshableCredentials
    from aiobotocore.session import AioSession

    def read() -> dict[str, Any]:
        secret_id, secret_key, token = credential.get_credential_info()
        register_secret(secret_key, token)
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
